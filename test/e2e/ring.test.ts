/**
 * Host failures and the SuperWatchDog ring on the six-host cluster (source ¶0024–0026), every daemon
 * of a host killed together to simulate its crash: H1 dies and comes back; the backup SuperWatchDog on
 * H6 dies and comes back; H2 (primary SuperWatchDog and ReplicaManager) dies, H5 takes over with a
 * higher epoch, and the old epoch is refused everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import type { ClusterClient } from '../../src/cli/cluster-client.js';
import { addressOf } from '../../src/shared/config.js';
import { StaleEpochError } from '../../src/shared/errors.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { rmctl, startCluster, statuses, statusOf, type TestCluster, untilTable } from '../helpers/cluster.js';
import { waitFor } from '../helpers/processes.js';

describe('hosts die, the ring repairs itself, the ReplicaManager moves (six hosts, real processes)', () => {
  let tc: TestCluster;
  let client: ClusterClient;
  beforeAll(async () => {
    tc = await startCluster();
    client = tc.cluster.clusterClient(1000);
  }, 90_000);
  afterAll(async () => {
    client?.close();
    await tc?.stop();
  }, 60_000);

  const views = async () => Object.fromEntries((await client.ringViews()).map((v) => [v.host, v.view]));

  it('¶0024: H1 crashes → declared down; A fails over to A2 with A4 as backup, B3 starts as P on H5', async () => {
    const c = tc.cluster;
    c.crashHost('H1');
    const t = await untilTable(
      c,
      'H1 down and its copies failed over',
      (x) =>
        x.hosts.find((h) => h.name === 'H1')?.up === false &&
        statuses(x, 'A') === 'A1:I A2:P A3:B A4:B' &&
        statuses(x, 'B') === 'B2:I B1:P B3:P',
    );
    expect(statuses(t, 'C')).toBe('C1:P C2:I');
    await waitFor(
      'A4 and B3 to run',
      () =>
        c.copiesOn('H4').some((x) => x.replica === 'A4') && c.copiesOn('H5').some((x) => x.replica === 'B3'),
    );
  }, 60_000);

  it('a host that returns: its WatchDog registers, the host is up, its copies are eligible again', async () => {
    const c = tc.cluster;
    c.startDaemon('watchdog', 'H1');
    await untilTable(c, 'H1 up again', (x) => x.hosts.find((h) => h.name === 'H1')?.up === true);
    // Nothing is short, so nothing moves back; a later failure can use H1 again.
    c.killCopy('B3');
    await untilTable(
      c,
      'B2 on H1 to replace B3',
      (x) => statusOf(x, 'B2') === 'P' && statusOf(x, 'B3') === 'I',
    );
    await waitFor('B2 to run on H1', () => c.copiesOn('H1').some((x) => x.replica === 'B2'));
  }, 60_000);

  it('¶0025: the backup SuperWatchDog on H6 dies → the ring closes (H5 beats to H2), nothing else changes; back, it is a backup', async () => {
    const c = tc.cluster;
    const before = await c.table();
    c.killDaemon('super-watchdog', 'H6');
    await waitFor('H2 and H5 to see H6 dead', async () => {
      const v = await views();
      const dead = (host: string) => v[host]?.members.find((m) => m.name === 'H6')?.live === false;
      return dead('H2') && dead('H5') ? v : null;
    });
    const after = await c.table();
    expect(after.epoch).toBe(before.epoch);
    expect(after.managerHost).toBe(before.managerHost);
    expect(after.modules).toEqual(before.modules);
    c.startDaemon('super-watchdog', 'H6');
    const v = await waitFor('H6 to rejoin as a backup', async () => {
      const all = await views();
      const h6 = all.H6;
      const seenLive = all.H5?.members.find((m) => m.name === 'H6')?.live;
      return h6 && h6.primary === 'H2' && h6.self === 'H6' && seenLive ? all : null;
    });
    expect(v.H6?.epoch).toBe(String(before.epoch));
  }, 60_000);

  it('¶0026: H2 crashes → H5 wins a higher epoch, runs the ReplicaManager with the same table, every WatchDog beats to it, and it fails over a copy killed afterwards', async () => {
    const c = tc.cluster;
    const before = await c.table();
    expect(before.managerHost).toBe('H2');
    c.crashHost('H2');
    const t = await untilTable(
      c,
      'a ReplicaManager on H5 with a higher epoch, H2 down',
      (x) =>
        x.managerHost === 'H5' &&
        x.epoch > before.epoch &&
        x.hosts.find((h) => h.name === 'H2')?.up === false,
      30_000,
    );
    // The same modules and copies; A2 (P on H2) failed over with its host.
    expect(t.modules.map((m) => m.name)).toEqual(before.modules.map((m) => m.name));
    expect(statusOf(t, 'A2')).toBe('I');
    expect(statusOf(t, 'A3')).toBe('P');
    const hosts = await waitFor('every live WatchDog to beat to H5', async () => {
      const view = await client.hostsView();
      if (!view) return null;
      const fresh = view.hosts.filter((h) => h.name !== 'H2' && Date.now() - Number(h.last_beat_ms) < 1000);
      return fresh.length === 5 ? view : null;
    });
    expect(hosts.hosts.find((h) => h.name === 'H2')?.up).toBe(false);
    // What an operator sees: rmctl ring (H5 primary, H2 not answering) and rmctl hosts (H2 down).
    const ring = await rmctl(c, ['ring']);
    expect(ring.code, ring.stderr).toBe(0);
    expect(ring.stdout).toMatch(/H5\s+│ yes\s+│ primary\s+│ H5\s+│ [2-9]/);
    expect(ring.stdout).toMatch(/H2\s+│ no/);
    const hostsOut = await rmctl(c, ['hosts']);
    expect(hostsOut.code, hostsOut.stderr).toBe(0);
    expect(hostsOut.stdout).toMatch(/H2\s+│ 127\.0\.0\.12\s+│ DOWN/);
    expect(hostsOut.stdout).toMatch(/H5\s+│ 127\.0\.0\.15\s+│ up/);
    c.killCopy('C1');
    await untilTable(
      c,
      'the new manager to restart C1 in place',
      (x) => x.modules.find((m) => m.name === 'C')?.replicas[0]?.failures === 1,
    );
    await waitFor('C1 to run again', () => c.copiesOn('H3').some((x) => x.replica === 'C1'));
  }, 90_000);

  it('the old epoch is refused by a WatchDog and by the Checkpoint Server', async () => {
    const c = tc.cluster;
    const t = await c.table();
    expect(t.epoch).toBeGreaterThan(1);
    const wd = new WatchDogClient(addressOf.watchdog(c.cfg, 'H4'), {
      deadlineMs: 2000,
      transport: c.transport('replica-manager', 'H2'),
    });
    const cs = new CheckpointClient(c.cfg.checkpointServer.address, {
      deadlineMs: 2000,
      transport: c.transport('replica-manager', 'H2'),
    });
    try {
      await expect(wd.stopReplica(t.epoch - 1, 'A4')).rejects.toBeInstanceOf(StaleEpochError);
      await expect(
        cs.saveTable(t.epoch - 1, JSON.stringify({ hosts: [], modules: [] })),
      ).rejects.toBeInstanceOf(StaleEpochError);
    } finally {
      wd.close();
      cs.close();
    }
    const after = await c.table();
    expect(after.modules).toEqual(t.modules);
    expect(c.copiesOn('H4').some((x) => x.replica === 'A4')).toBe(true);
  }, 30_000);
});
