/**
 * The daemons themselves on the six-host cluster: the ReplicaManager killed alone, a WatchDog
 * restarted within the host timeout, fencing by epoch at a WatchDog and at the Checkpoint Server,
 * and bad input through rmctl (DESIGN §5, §6; source ¶0026).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { addressOf } from '../../src/shared/config.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { clusterForSuite, rmctl, statuses, type TestCluster, untilTable } from '../helpers/cluster.js';
import { isAlive, waitFor } from '../helpers/processes.js';

/** What the cluster did and what a host's WatchDog and copies said: printed with a failed assertion. */
async function evidenceOf(c: TestCluster['cluster'], host: string, replicas: string[]): Promise<string> {
  const tail = (file: string) => {
    try {
      return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
    } catch (err) {
      return `(${(err as Error).message})`;
    }
  };
  const events = await rmctl(c, ['events']);
  return [
    `rmctl events:\n${events.stdout}${events.stderr}`,
    `WatchDog ${host}:\n${tail(join(c.dir, 'logs', `watchdog-${host}.log`))}`,
    ...replicas.map((r) => `${r}:\n${tail(join(c.dir, 'state', host, 'logs', `${r}.log`))}`),
  ].join('\n\n');
}

function pidsOf(c: TestCluster['cluster']): Map<string, number> {
  const all = new Map<string, number>();
  for (const h of ['H1', 'H2', 'H3', 'H4', 'H5', 'H6'])
    for (const x of c.copiesOn(h)) all.set(x.replica, x.pid);
  return all;
}

describe('the daemons fail and recover (six hosts, real processes)', () => {
  const tc = clusterForSuite();

  it('the ReplicaManager killed alone is restarted on the same host, reloads the table, restarts no copy, and goes on', async () => {
    const c = tc.cluster;
    const before = await c.table();
    const pids = pidsOf(c);
    const rmPid = c.managerPid(before.managerHost);
    expect(rmPid).toBeDefined();
    process.kill(rmPid as number, 'SIGKILL');
    await waitFor('a new ReplicaManager process', () => {
      const p = c.managerPid(before.managerHost);
      return p !== undefined && p !== rmPid;
    });
    const after = await waitFor('the ReplicaManager to answer again', async () => {
      const t = await c.table();
      return t.managerHost === before.managerHost ? t : null;
    });
    expect(after.epoch).toBe(before.epoch);
    expect(after.modules).toEqual(before.modules);
    await new Promise((r) => setTimeout(r, 1500)); // a reconcile pass, at least
    expect(pidsOf(c)).toEqual(pids);
    c.killCopy('B1');
    await untilTable(
      c,
      'the restarted manager to fail B1 over',
      (t) => statuses(t, 'B') === 'B2:P B1:I B3:P',
    );
  }, 60_000);

  it('a WatchDog killed and restarted within the copies’ lease adopts them: no host down, nothing started twice', async () => {
    const c = tc.cluster;
    const before = await c.table();
    const onH3 = c.copiesOn('H3');
    expect(onH3.length).toBeGreaterThan(0);
    c.killDaemon('watchdog', 'H3');
    c.startDaemon('watchdog', 'H3');
    await waitFor('the WatchDog on H3 to answer', async () => {
      const wd = new WatchDogClient(addressOf.watchdog(c.cfg, 'H3'), {
        deadlineMs: 500,
        transport: c.transport('replica-manager', 'H2'),
      });
      try {
        return (await wd.listRunning(before.epoch)).running.length === onH3.length;
      } finally {
        wd.close();
      }
    });
    await new Promise((r) => setTimeout(r, 5000)); // past the copies' lease (3.4 s) and the host timeout (4 s)
    const after = await c.table();
    const evidence = isDeepStrictEqual(after.modules, before.modules)
      ? ''
      : await evidenceOf(
          c,
          'H3',
          onH3.map((x) => x.replica),
        );
    expect(
      after.hosts.every((h) => h.up),
      evidence,
    ).toBe(true);
    expect(after.modules, evidence).toEqual(before.modules);
    expect(
      c
        .copiesOn('H3')
        .map((x) => x.pid)
        .sort(),
    ).toEqual(onH3.map((x) => x.pid).sort());
    for (const x of onH3) expect(isAlive(x.pid)).toBe(true);
  }, 60_000);

  it('bad input through rmctl: one clear line, a stable exit code, nothing changed', async () => {
    const c = tc.cluster;
    const before = await c.table();
    const app = join(c.root, 'examples', 'bin', 'sample-app');
    const reg = (name: string, style: string, degree: number, ...replicas: string[]) => [
      'register',
      name,
      ...['--style', style, '--degree', String(degree), '--policy', 'on-each-failure'],
      ...replicas.flatMap((r) => ['--replica', r]),
    ];
    const cases: Array<[string[], number, RegExp]> = [
      [reg('D', 'warm', 3, `H1:${app}`, `H2:${app}`), 2, /degree 3 .* more than the 2 replicas listed/],
      [
        reg('D', 'cold', 1, 'H1:/usr/bin/yes'),
        2,
        /"\/usr\/bin\/yes" is outside the cluster's allowed executable directories/,
      ],
      [reg('D', 'cold', 1, `H9:${app}`), 2, /unknown host "H9"/],
      [reg('A', 'cold', 1, `H1:${app}`), 2, /module "A" is already registered/],
      [reg('D', 'tepid', 1, `H1:${app}`), 2, /tepid/],
      [['status', 'Q'], 3, /unknown module "Q"/],
      [['unregister', 'Q'], 3, /unknown module "Q"/],
    ];
    for (const [args, code, message] of cases) {
      const r = await rmctl(c, args);
      expect(r.code, `rmctl ${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(3);
    }
    const bad = join(c.dir, 'bad-cluster.yaml');
    writeFileSync(bad, 'hosts:\n  - { name: H1, address: 127.0.0.11, colour: red }\n');
    const r = await rmctl(c, ['--config', bad, 'status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/colour/);
    const after = await c.table();
    expect(after.modules).toEqual(before.modules);
  }, 60_000);
});
