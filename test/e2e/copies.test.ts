/**
 * Failures of single copies on the six-host cluster, as real processes (source ¶0023, ¶0015):
 * a crash of a warm primary, a hang under heartbeat detection, a hot copy, and a cold module under
 * OnOverThreshold(2) whose new primary resumes from the checkpoint the old one saved.
 */
import { describe, expect, it } from 'vitest';
import { appEvents, clusterForSuite, rmctl, statuses, statusOf, untilTable } from '../helpers/cluster.js';
import { isAlive, waitFor } from '../helpers/processes.js';

describe('single copies fail (six hosts, real processes)', () => {
  const tc = clusterForSuite();

  it('¶0023: kill -9 of A1 (warm primary): A2 becomes P and says so itself, A4 starts as B, rmctl status shows it', async () => {
    const c = tc.cluster;
    const t0 = await c.table();
    expect(statuses(t0, 'A')).toBe('A1:P A2:B A3:B A4:I');
    const saved = await waitFor(
      'A to checkpoint',
      async () => ((await c.checkpointCounter('A')) ?? 0) > 0 && c.checkpointCounter('A'),
    );
    c.killCopy('A1');
    const t = await untilTable(c, 'A2 to be P and A4 B', (x) => statuses(x, 'A') === 'A1:I A2:P A3:B A4:B');
    expect(t.modules.find((m) => m.name === 'A')?.replicas.find((r) => r.id === 'A1')?.failures).toBe(1);
    // The promoted application learns its new role itself, and resumes at least from the last checkpoint.
    await waitFor('A2 to report itself primary', () =>
      appEvents(c, 'H2', 'A2').some((e) => e.event === 'role' && e.role === 'primary'),
    );
    await waitFor('A4 to run', () => c.copiesOn('H4').some((x) => x.replica === 'A4'));
    const resumed = await waitFor('A2 to resume', () =>
      appEvents(c, 'H2', 'A2').find((e) => e.event === 'resumed' || e.event === 'role'),
    );
    expect(Number(resumed.counter ?? 0)).toBeGreaterThanOrEqual(0);
    await waitFor(
      'A to checkpoint past what A1 saved',
      async () => ((await c.checkpointCounter('A')) ?? 0) >= (saved as number),
    );
    const status = await rmctl(c, ['status', 'A']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/A2\s+│ H2\s+│ \S+\s+│ P/);
    expect(status.stdout).toMatch(/A4\s+│ H4\s+│ \S+\s+│ B/);
  }, 60_000);

  it('a hang (SIGSTOP) of the heartbeat-watched primary A2: the WatchDog kills it, A3 becomes P', async () => {
    const c = tc.cluster;
    const pid = c.copiesOn('H2').find((x) => x.replica === 'A2')?.pid;
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGSTOP');
    try {
      await untilTable(c, 'A3 to be P', (x) => statusOf(x, 'A3') === 'P' && statusOf(x, 'A2') !== 'P');
      await waitFor('the hung copy to be killed', () => !isAlive(pid as number), { timeoutMs: 10_000 });
    } finally {
      try {
        process.kill(pid as number, 'SIGKILL');
      } catch {
        // already killed by its WatchDog
      }
    }
    await waitFor('A3 to report itself primary', () =>
      appEvents(c, 'H3', 'A3').some((e) => e.event === 'role' && e.role === 'primary'),
    );
    // Three copies of A run again: the failed copy's host is eligible again for an idle copy (A1 on H1).
    await untilTable(
      c,
      'A back to three running copies',
      (x) => x.modules.find((m) => m.name === 'A')?.replicas.filter((r) => r.status !== 'I').length === 3,
    );
  }, 60_000);

  it('a hot copy B1 killed: B3 starts as P, every running copy of B stays P', async () => {
    const c = tc.cluster;
    c.killCopy('B1');
    const t = await untilTable(c, 'B3 to be P', (x) => statuses(x, 'B') === 'B2:P B1:I B3:P');
    expect(t.modules.find((m) => m.name === 'B')?.underReplicated).toBe(false);
    await waitFor('B3 to run on H5', () => c.copiesOn('H5').some((x) => x.replica === 'B3'));
  }, 60_000);

  it('cold C under OnOverThreshold(2): two restarts in place, then it moves to H6 and resumes from the checkpoint', async () => {
    const c = tc.cluster;
    const failures = (t: Awaited<ReturnType<typeof c.table>>) =>
      t.modules.find((m) => m.name === 'C')?.replicas.find((r) => r.id === 'C1')?.failures;
    for (const n of [1, 2]) {
      const before = c.copiesOn('H3').find((x) => x.replica === 'C1')?.pid;
      expect(before, `C1 runs before failure ${n}`).toBeDefined();
      c.killCopy('C1');
      await untilTable(
        c,
        `C1 to have failed ${n} time(s) and still be P`,
        (x) => failures(x) === n && statusOf(x, 'C1') === 'P',
      );
      const after = await waitFor(`C1 restarted in place (${n})`, () =>
        c.copiesOn('H3').find((x) => x.replica === 'C1' && x.pid !== before),
      );
      expect(after.pid).not.toBe(before);
      expect(c.copiesOn('H6').some((x) => x.replica === 'C2')).toBe(false);
    }
    const saved = await waitFor(
      'C to checkpoint',
      async () => ((await c.checkpointCounter('C')) ?? 0) > 0 && c.checkpointCounter('C'),
    );
    c.killCopy('C1');
    await untilTable(c, 'C2 to be P on H6', (x) => statuses(x, 'C') === 'C1:I C2:P');
    const resumed = await waitFor('C2 to resume from the checkpoint', () =>
      appEvents(c, 'H6', 'C2').find((e) => e.event === 'resumed'),
    );
    expect(Number(resumed.counter)).toBeGreaterThanOrEqual(saved as number);
    expect(c.copiesOn('H3').some((x) => x.replica === 'C1')).toBe(false);
  }, 90_000);
});
