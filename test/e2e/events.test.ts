/**
 * `rmctl events` on the six-host cluster: what the cluster did and why, followed live, and still
 * all there after the ReplicaManager's host died and another manager took over (source ¶0023, ¶0026).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../src/replica-manager/history.js';
import { rmctl, startCluster, statuses, type TestCluster, untilTable } from '../helpers/cluster.js';
import { killGroup, RMCTL, type Spawned, spawnTracked, waitFor } from '../helpers/processes.js';

async function events(tc: TestCluster, ...args: string[]): Promise<HistoryRecord[]> {
  const r = await rmctl(tc.cluster, ['events', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HistoryRecord);
}

function failureOf(records: HistoryRecord[], replica: string) {
  return records.find(
    (r): r is HistoryRecord & { kind: 'decision' } =>
      r.kind === 'decision' && r.event.kind === 'replica-failed' && r.event.replica === replica,
  );
}

describe('rmctl events (six hosts, real processes)', () => {
  let tc: TestCluster;
  let follow: Spawned | null = null;
  beforeAll(async () => {
    tc = await startCluster();
  }, 90_000);
  afterAll(async () => {
    if (follow) killGroup(follow.pid);
    await tc?.stop();
  }, 60_000);

  it('lists the take-over and the registrations, then a failure with its actions, live with --follow', async () => {
    const c = tc.cluster;
    const t = await c.table();
    const start = await events(tc);
    expect(start[0]).toMatchObject({ kind: 'manager-started', epoch: t.epoch, manager: t.managerHost });
    const registered = start.flatMap((r) =>
      r.kind === 'decision' && r.event.kind === 'register' ? [r.event.module] : [],
    );
    expect(registered).toEqual(['A', 'B', 'C']);

    follow = spawnTracked(process.execPath, [
      RMCTL,
      '--config',
      c.cfgFile,
      'events',
      '--follow',
      '--module',
      'A',
    ]);
    await waitFor('the follower to print what is kept', () => follow?.output().includes('A registered'));
    c.killCopy('A1');
    await untilTable(c, 'A2 to be promoted', (x) => statuses(x, 'A').startsWith('A1:I A2:P'));
    const live = await waitFor('the follower to print the failure and its end', () => {
      const out = follow?.output() ?? '';
      return /A1 failed \(signal\)/.test(out) && /carried out in/.test(out.slice(out.indexOf('A1 failed')))
        ? out
        : null;
    });
    expect(live).toMatch(/A1 failed \(signal\)\n {4}set-role A2 on H2 to P/);
    expect(live).toMatch(/ {4}start +A4 on H4 as B/);
    expect(live).not.toMatch(/ C registered/);
    killGroup(follow.pid, 'SIGINT');
    expect((await follow.exited).code).toBe(0);
    follow = null;

    const all = await events(tc);
    const failed = failureOf(all, 'A1');
    expect(failed).toMatchObject({ modules: ['A'], epoch: t.epoch, manager: t.managerHost });
    expect(failed?.actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'set-role', replica: 'A2', role: 'P' }),
        expect.objectContaining({ kind: 'start', replica: 'A4', role: 'B' }),
      ]),
    );
    expect(all.some((r) => r.kind === 'carried-out' && r.of === failed?.seq)).toBe(true);
    expect((await events(tc, '--module', 'B')).every((r) => r.modules.includes('B'))).toBe(true);
    expect(await events(tc, '--since', new Date(Date.now() + 60_000).toISOString())).toEqual([]);
    const text = await rmctl(c, ['events', '--module', 'A']);
    expect(text.stdout).toMatch(
      /#\d+ {2}A1 failed \(signal\)\n {4}set-role A2 on H2 to P — A1 failed \(signal\): .*\n(.*\n)* {4}carried out in [\d.]+ ms/,
    );
  }, 60_000);

  it("survives the ReplicaManager's host (¶0026): the new manager goes on with the same history", async () => {
    const c = tc.cluster;
    const before = await events(tc);
    const t = await c.table();
    c.crashHost('H2');
    const m = await c.manager(30_000, t.epoch);
    await untilTable(c, 'H2 to be declared down', (x) => x.hosts.find((h) => h.name === 'H2')?.up === false);
    const after = await waitFor('the host-down decision in the history', async () => {
      const all = await events(tc);
      return all.some((r) => r.kind === 'decision' && r.event.kind === 'host-down' && r.event.host === 'H2')
        ? all
        : null;
    });
    // Everything recorded before is still there, in order, numbered on without a gap or a repeat.
    expect(after.slice(0, before.length)).toEqual(before);
    const seqs = after.map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    const takeover = after.slice(before.length).find((r) => r.kind === 'manager-started');
    expect(takeover).toMatchObject({ epoch: m.epoch, manager: 'H5', tableModules: 3 });
    const down = after.find((r) => r.kind === 'decision' && r.event.kind === 'host-down');
    expect(down).toMatchObject({ epoch: m.epoch, manager: 'H5' });
    expect(down?.modules).toContain('A');
    expect(failureOf(after, 'A1')?.epoch).toBe(t.epoch);
  }, 90_000);
});
