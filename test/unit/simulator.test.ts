/**
 * The deterministic simulator (test/sim): a sweep of seeds with every fault kind finds no violation,
 * a seed replays event for event, and deliberately broken rules are caught, so that a clean sweep
 * means something. The seeds in KNOWN_VIOLATIONS reproduce a defect of the ReplicaManager found by
 * the simulator (README, "Deterministic simulation"); they are pinned here until it is fixed.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/replica-manager/decide.js';
import type { Event, ReplicaTable } from '../../src/replica-manager/table.js';
import { runSeed, type SimResult } from '../sim/run.js';

/**
 * Seeds that show the ReplicaManager executing a command of a decision that a later one superseded
 * (a start and a promotion queued for a host that was declared down, then carried out when it came
 * back, with the module's current primary generation): a second copy announces itself primary until
 * its first save is refused or the host's reconcile stops it.
 */
const KNOWN_VIOLATIONS: Record<number, string> = { 137: 'single-primary', 278: 'single-primary' };

/** Runs seeds from `from` until `count` have run or `budgetMs` of real time is spent. */
async function sweep(
  from: number,
  count: number,
  budgetMs: number,
  run: (seed: number) => Promise<SimResult>,
) {
  const began = performance.now();
  const results: SimResult[] = [];
  for (let seed = from; seed < from + count && performance.now() - began < budgetMs; seed++) {
    results.push(await run(seed));
  }
  return results;
}

describe('the simulator', () => {
  it('finds no violation in a sweep of seeds with every fault kind', async () => {
    const ran = await sweep(1, 200, 40_000, (seed) => runSeed(seed));
    // Bounded in time on a busy machine; a sweep that ran a handful only would prove little.
    expect(ran.length).toBeGreaterThanOrEqual(40);
    const failed = ran
      .filter((r) => r.violation)
      .map((r) => `seed ${r.seed}: ${r.violation?.invariant} ${r.violation?.detail}`);
    expect(failed).toEqual([]);
    // Every run settled within the bound once its faults were healed.
    expect(ran.every((r) => r.settleMs !== null)).toBe(true);
  }, 120_000);

  it('replays a seed event for event', async () => {
    for (const seed of [7, 278]) {
      const a = await runSeed(seed, { fullTrace: true });
      const b = await runSeed(seed, { fullTrace: true });
      expect(b.trace).toEqual(a.trace);
      expect(b.violation).toEqual(a.violation);
      expect([b.steps, b.messages, b.simMs]).toEqual([a.steps, a.messages, a.simMs]);
      expect(a.trace.length).toBeGreaterThan(100);
    }
    // Another seed is another run.
    const other = await runSeed(8, { fullTrace: true });
    expect(other.trace).not.toEqual((await runSeed(7, { fullTrace: true })).trace);
  }, 60_000);

  it('still reproduces the defects kept as seeds', async () => {
    for (const [seed, invariant] of Object.entries(KNOWN_VIOLATIONS)) {
      const r = await runSeed(Number(seed));
      // Once the ReplicaManager no longer acts on superseded decisions, move the seed into the sweep.
      expect(r.violation?.invariant, `seed ${seed}`).toBe(invariant);
    }
  }, 60_000);

  it('catches a decision core that promotes a second primary without fencing the first', async () => {
    // Broken on purpose: a warm module's new backup is started as a primary of its own, beside the
    // primary that runs, and the table shows both (the fence then accepts neither one's generation).
    const promotesWithoutFencing = (table: ReplicaTable, event: Event) => {
      const d = decide(table, event);
      const warm = new Set(d.table.modules.filter((m) => m.style === 'warm').map((m) => m.name));
      const actions = d.actions.map((a) => {
        if (a.kind !== 'start' || a.role !== 'B') return a;
        const m = d.table.modules.find((x) => x.replicas.some((r) => r.id === a.replica));
        if (!m || !warm.has(m.name)) return a;
        const r = m.replicas.find((x) => x.id === a.replica);
        if (r) r.status = 'P';
        return { ...a, role: 'P' as const };
      });
      return { ...d, actions };
    };
    const results = await sweep(1, 20, 30_000, (seed) =>
      runSeed(seed, { faults: ['crash', 'host-crash'], decide: promotesWithoutFencing }),
    );
    const caught = results.filter((r) => r.violation?.invariant === 'single-primary');
    expect(caught.length).toBeGreaterThan(0);
  }, 60_000);

  it('catches host leases that outlast the host timeout (the fence-first inequality broken)', async () => {
    const results = await sweep(1, 40, 30_000, (seed) =>
      runSeed(seed, { faults: ['partition', 'freeze', 'host-crash'], timings: { appLeaseMs: 6000 } }),
    );
    const caught = results.filter((r) => r.violation?.invariant === 'single-primary');
    expect(caught.length).toBeGreaterThan(0);
    expect(caught[0]?.violation?.detail).toMatch(/live primaries/);
  }, 60_000);
});
