/**
 * The deterministic simulator (test/sim): a sweep of seeds with every fault kind finds no violation,
 * a seed replays event for event (the same trace hash), deliberately broken rules are caught, so that
 * a clean sweep means something, and the shrinker makes a failing schedule shorter. The seeds in
 * REGRESSIONS once found a defect, kept with the fix (README, "Deterministic simulation").
 */
import { describe, expect, it } from 'vitest';
import type { Event, ReplicaTable } from '../../src/model/table.js';
import { decide } from '../../src/replica-manager/decide.js';
import { FAULT_NAMES, type FaultName, ORIGINAL_FAULTS } from '../sim/faults.js';
import { NoSuchFaultError, runSeed, type SimOptions, type SimResult } from '../sim/run.js';
import { shrinkSeed } from '../sim/shrink.js';

/**
 * Seeds that found a defect, each with what it was. 137 and 278: the ReplicaManager carried out a
 * command of a decision that a later one had replaced (a start and a promotion queued for a host that
 * was declared down, run when it came back, with the module's current primary generation): a second
 * copy announced itself primary. A command whose replica's status is no longer its role is dropped.
 * 5342: the same, asked too early: a restart's start, held in its host's lane and behind its stop,
 * left after the host-down decision had started another primary; it is asked again at its turn and
 * between the stop and the start. 5176, 5463: a WatchDog delivered, late, the failure of a copy it
 * had replaced since on the manager's command, to a manager restarted meanwhile (which had not learnt
 * of the new copy): the module failed over from a primary that ran. A WatchDog drops the undelivered
 * reports of a replica's older copies once a newer one runs. 5104, 5349, 5679, 5688: under delay
 * and duplicate faults, a copy's older save reached the Checkpoint Server after its newer one and was
 * accepted: the saved state went back. Saves carry their session and sequence (fence.ts, saveOrder).
 * 132: a restarted copy's save overtaken by one of its killed process, held up by a slow store: saves
 * also carry their process's incarnation (its start on its WatchDog's clock).
 */
const REGRESSIONS: Array<{ seed: number; what: string; faults?: FaultName[] }> = [
  {
    seed: 137,
    what: 'a superseded start and promotion carried out: two primaries; with hostTimeoutMs 4000, a restart decided before its host was declared dead and carried out once the host lease was renewed: two primaries',
  },
  { seed: 278, what: 'a superseded start and promotion carried out: two primaries' },
  ...[5104, 5349, 5679, 5688].map((seed) => ({
    seed,
    what: "a copy's older save accepted after its newer one: the state went back",
  })),
  ...[5176, 5463].map((seed) => ({
    seed,
    what: 'a late failure report about a replaced copy, to a restarted manager: two primaries',
  })),
  {
    seed: 5342,
    what: "a restart's start carried out after a later decision gave the role away: two primaries",
  },
  {
    seed: 132,
    what: "a save of a copy's killed process, delayed by a slow store, accepted after the save of the process restarted in its place: the state went back",
    faults: ['store-slow', 'clock-rate', 'copy-lie'],
  },
  {
    seed: 9418,
    what: "a start refused for an older host lease term counted as the copy's failure, moving its role while another restart of it was on its way: two primaries",
    faults: FAULT_NAMES.slice(0, 11),
  },
  {
    seed: 7663,
    what: "the invariant itself: a primary frozen past its own lease, woken by its WatchDog's stop, was counted as live before its first step (which fences it)",
    faults: FAULT_NAMES.slice(0, 11),
  },
];

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
    for (const seed of [9, 11]) {
      const a = await runSeed(seed, { fullTrace: true });
      const b = await runSeed(seed, { fullTrace: true });
      expect(b.trace).toEqual(a.trace);
      expect(b.violation).toEqual(a.violation);
      expect([b.steps, b.messages, b.simMs]).toEqual([a.steps, a.messages, a.simMs]);
      expect(a.trace.length).toBeGreaterThan(100);
    }
    // Another seed is another run.
    const other = await runSeed(8, { fullTrace: true });
    expect(other.trace).not.toEqual((await runSeed(9, { fullTrace: true })).trace);
  }, 60_000);

  it('holds on the seeds that once found a defect', async () => {
    for (const { seed, what, faults } of REGRESSIONS) {
      // Drawn from the fault kinds it was found with (the first ones, by default): the same schedule as then.
      const r = await runSeed(seed, { faults: faults ?? [...ORIGINAL_FAULTS] });
      expect(r.violation ?? null, `seed ${seed} (${what})`).toBeNull();
      expect(r.settleMs, `seed ${seed}`).not.toBeNull();
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

  it('replays a seed bit for bit: the same trace hash, and a schedule of all its faults is the seed itself', async () => {
    const a = await runSeed(7, { fullTrace: true });
    const b = await runSeed(7, { fullTrace: true });
    expect(a.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.traceHash).toBe(a.traceHash);
    const all = await runSeed(7, { fullTrace: true, keepFaults: a.kept });
    expect(all.traceHash).toBe(a.traceHash);
    expect(a.kept.length).toBe(a.planned);
    const none = await runSeed(7, { fullTrace: true, keepFaults: [] });
    expect([none.kept, none.faults]).toEqual([[], []]);
    expect(none.traceHash).not.toBe(a.traceHash);
    await expect(runSeed(7, { keepFaults: [a.planned] })).rejects.toThrow(NoSuchFaultError);
  }, 60_000);

  it('shrinks a failing schedule to fewer faults that violate the same invariant again on replay', async () => {
    // Broken on purpose, as above: host leases longer than the host timeout.
    const broken: SimOptions = {
      faults: ['partition', 'freeze', 'host-crash'],
      timings: { appLeaseMs: 6000 },
    };
    // The first two seeds (of at most 40, in at most 30 s) that fail with more than one fault.
    const failing: SimResult[] = [];
    const began = performance.now();
    for (let seed = 1; seed <= 40 && failing.length < 2 && performance.now() - began < 30_000; seed++) {
      const r = await runSeed(seed, broken);
      if (r.violation && r.planned > 1) failing.push(r);
    }
    expect(failing.length).toBeGreaterThan(0);
    const shrunk = [];
    for (const r of failing) {
      const s = await shrinkSeed(r.seed, broken, { maxReplays: 16, budgetMs: 30_000 });
      expect(s, `seed ${r.seed}`).not.toBeNull();
      if (!s) continue;
      shrunk.push(s);
      expect(s.invariant).toBe(r.violation?.invariant);
      expect(s.original).toEqual(r.kept);
      expect(s.kept.length).toBeLessThanOrEqual(s.original.length);
      expect(s.kept.every((i) => s.original.includes(i))).toBe(true);
      expect(s.result.violation?.invariant).toBe(s.invariant);
      // The printed command's replay: the same run, hash for hash.
      const again = await runSeed(r.seed, { ...broken, keepFaults: s.kept, fullTrace: true });
      expect(again.traceHash).toBe(s.result.traceHash);
      expect(again.violation).toEqual(s.result.violation);
    }
    expect(shrunk.some((s) => s.kept.length < s.original.length)).toBe(true);
    // The bound on replays holds, and says that it stopped the search.
    const first = failing[0] as SimResult;
    const bounded = await shrinkSeed(first.seed, broken, { maxReplays: 1 });
    expect(bounded?.replays).toBe(1);
    expect(bounded?.bounded).toBe(true);
    // A seed that violates nothing has nothing to shrink.
    expect(await shrinkSeed(7)).toBeNull();
  }, 90_000);
});
