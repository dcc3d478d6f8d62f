/**
 * A short run of the fault-injection suite (test/cts, `npm run cts`): eight rounds of a fixed seed on
 * the six-host local cluster, real processes under a systemd-like restarter, only the faults that must
 * hold once copies are fenced (a copy killed or stopped past its timeout, the ReplicaManager, the
 * primary SuperWatchDog or the Checkpoint Server killed). Seed 18 draws each of them at least once.
 * Every invariant of test/cts/audit.ts holds, and the run stops everything it started.
 */
import { describe, expect, it } from 'vitest';
import { SHORT_RUN_FAULTS } from '../cts/faults.js';
import { runCts } from '../cts/run.js';

describe('fault-injection suite, short run (six hosts, real processes)', () => {
  it('8 rounds of seed 18, every short-run fault drawn: no violation', async () => {
    const lines: string[] = [];
    const r = await runCts({ seed: 18, iterations: 8, faults: SHORT_RUN_FAULTS, out: (l) => lines.push(l) });
    const report = lines.join('\n');
    const drawn = new Set(
      lines.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { fault?: string }).fault),
    );
    expect([...drawn].sort(), report).toEqual([...SHORT_RUN_FAULTS].sort());
    expect(r.violations, report).toEqual([]);
    expect(lines.at(-1)).toBe('8 rounds, 0 violations, seed 18');
  }, 240_000);
});
