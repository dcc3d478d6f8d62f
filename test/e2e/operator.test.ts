/**
 * The operator's path on the local cluster, as a newcomer runs it: `rmd local` in one terminal, rmctl
 * in another. A second `rmd local` is refused and touches nothing; `status --json` feeds `simulate`;
 * the module file `rmd local` writes registers; `status --watch` follows the new ReplicaManager when
 * the primary SuperWatchDog's host dies (source ¶0026); `rmd local --stop` from another folder finds
 * the cluster; with it stopped, `rmctl ring` says so in one line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../src/cli/local.js';
import type { LocalDaemon } from '../../src/cli/local-processes.js';
import { statuses, untilTable } from '../helpers/cluster.js';
import {
  isAlive,
  killAll,
  killGroup,
  RMCTL,
  RMD,
  ROOT,
  type Spawned,
  spawnTracked,
  tempDir,
  waitFor,
} from '../helpers/processes.js';

describe('the operator’s path: rmd local and rmctl side by side (six hosts, real processes)', () => {
  const tmp = tempDir('rm-operator-');
  const dir = join(tmp.dir, 'cluster');
  const cfg = join(dir, 'cluster.yaml');
  const view = new LocalCluster(dir, ROOT);
  let first: Spawned;

  const recorded = () => JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')) as LocalDaemon[];
  /** Every pid of the first cluster: its daemons, the ReplicaManager, every copy. */
  const everyPid = () => [
    ...recorded().map((d) => d.pid),
    ...['H1', 'H2', 'H3', 'H4', 'H5', 'H6'].flatMap((h) => view.copiesOn(h).map((c) => c.pid)),
    ...(['H2', 'H5', 'H6'].map((h) => view.managerPid(h)).filter(Boolean) as number[]),
  ];
  const rmctl = async (args: string[], cwd?: string) => {
    const p = spawnTracked(process.execPath, [RMCTL, '--config', cfg, ...args], { cwd });
    const { code } = await p.exited;
    return { code, out: p.output() };
  };

  beforeAll(async () => {
    first = spawnTracked(process.execPath, [RMD, 'local', '--dir', dir]);
    await waitFor('the cluster to run', () => first.output().includes('the cluster runs'), {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
  }, 120_000);
  afterAll(async () => {
    // Whatever runs from either folder, whoever started it (a refusal that failed would have).
    await view.stop({ recorded: true });
    await new LocalCluster(join(tmp.dir, 'other'), ROOT).stop({ recorded: true });
    await killAll();
    tmp.remove();
  }, 60_000);

  it('a second rmd local, from the same folder or another, is refused and changes nothing', async () => {
    const before = everyPid();
    expect(before.length).toBeGreaterThan(15);
    const pidFile = readFileSync(join(dir, 'pids.json'), 'utf8');
    const clusterFile = readFileSync(cfg, 'utf8');
    // From the same folder, from another, and with the other store (the same addresses all the same).
    for (const second of [
      [dir],
      [join(tmp.dir, 'other')],
      [join(tmp.dir, 'other-etcd'), '--store', 'etcd'],
    ]) {
      const p = spawnTracked(process.execPath, [RMD, 'local', '--dir', ...second]);
      const { code } = await p.exited;
      expect(code, p.output()).toBe(1);
      expect(p.output()).toContain(`a local cluster already runs from ${dir}`);
    }
    await new Promise((r) => setTimeout(r, 2500)); // the first one looks every second
    expect(before.filter((pid) => !isAlive(pid))).toEqual([]);
    expect(everyPid().sort()).toEqual([...before].sort());
    expect(readFileSync(join(dir, 'pids.json'), 'utf8')).toBe(pidFile);
    expect(readFileSync(cfg, 'utf8')).toBe(clusterFile);
    expect(first.output()).not.toContain('stopped from elsewhere');
    expect(isAlive(first.pid)).toBe(true);
  }, 60_000);

  it('rmctl status --json is a table file that rmctl simulate -f runs', async () => {
    const s = await rmctl(['status', '--json']);
    expect(s.code, s.out).toBe(0);
    const file = join(tmp.dir, 'now.json');
    writeFileSync(file, s.out);
    const sim = await rmctl(['simulate', '-f', file, '--event', 'host-down H1', '--json']);
    expect(sim.code, sim.out).toBe(0);
    const r = JSON.parse(sim.out);
    expect(r.actions).toContainEqual(
      expect.objectContaining({ kind: 'start', replica: 'B3', host: 'H5', role: 'P' }),
    );
  }, 30_000);

  it('the module file rmd local writes registers with rmctl register -f', async () => {
    const r = await rmctl(['register', '-f', join(dir, 'module-e.yaml')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('registered E (warm, degree 2): E1 P on H3, E2 B on H5, E3 I on H6');
    await untilTable(view, 'E to run', (t) => statuses(t, 'E') === 'E1:P E2:B E3:I');
    await waitFor(
      'E1 and E2 to run',
      () =>
        view.copiesOn('H3').some((c) => c.replica === 'E1') &&
        view.copiesOn('H5').some((c) => c.replica === 'E2'),
    );
  }, 30_000);

  it('¶0026: rmctl status --watch follows the new ReplicaManager when H2 dies, until Ctrl-C', async () => {
    const watch = spawnTracked(process.execPath, [RMCTL, '--config', cfg, 'status', '--watch']);
    await waitFor('the table from the ReplicaManager on H2', () =>
      /ReplicaManager on H2, epoch \d+/.test(watch.output()),
    );
    // H2 crashes: its WatchDog, its SuperWatchDog with the ReplicaManager, every copy on it.
    const copies = view.copiesOn('H2');
    for (const d of recorded().filter((x) => x.host === 'H2')) killGroup(d.pid);
    for (const c of copies) killGroup(c.pid);
    const followed = await waitFor(
      'the watch to follow the new ReplicaManager on H5',
      () => {
        const out = watch.output();
        const at = out.indexOf('following the new ReplicaManager on H5');
        return at >= 0 && /ReplicaManager on H5, epoch \d+/.test(out.slice(at)) ? out : null;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(followed.match(/following the new ReplicaManager/g)).toHaveLength(1);
    expect(followed).not.toMatch(/stream ended: 14 UNAVAILABLE\s*$/);
    // It goes on printing the new manager's changes: H2 declared down.
    await waitFor('the table with H2 down', () => /hosts down: H2/.test(watch.output()), {
      timeoutMs: 20_000,
    });
    expect(isAlive(watch.pid)).toBe(true);
    watch.child.kill('SIGINT');
    const ended = await Promise.race([watch.exited, new Promise((r) => setTimeout(() => r(null), 10_000))]);
    expect(ended, watch.output().slice(-1000)).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('rmd local --stop from another folder finds the running cluster; rmctl ring then says in one line that none runs', async () => {
    const stop = spawnTracked(process.execPath, [RMD, 'local', '--stop'], { cwd: tmp.dir });
    const { code } = await stop.exited;
    expect(code, stop.output()).toBe(0);
    expect(stop.output()).toContain(`one runs from ${dir}: stopping it`);
    expect(stop.output()).toContain(`stopped the local cluster in ${dir}`);
    const ended = await Promise.race([first.exited, new Promise((r) => setTimeout(() => r(null), 10_000))]);
    expect(ended, first.output().slice(-500)).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('stopped from elsewhere');
    const ring = await rmctl(['ring']);
    expect(ring.code).toBe(4);
    expect(ring.out.trim().split('\n')).toHaveLength(1);
    expect(ring.out).toMatch(
      /^rmctl ring: no SuperWatchDog answered \(H2 127\.0\.0\.12:7403: connection refused;/,
    );
  }, 60_000);
});
