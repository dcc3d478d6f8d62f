/**
 * Fencing (DESIGN §5, §6 "network partition"): the primary SuperWatchDog on H2 and its ReplicaManager
 * are frozen with SIGSTOP past the ring timeout, H5 takes over with a higher epoch and acts; when H2
 * is resumed it cannot change the table or command a WatchDog with its stale epoch, and it ends as a
 * backup. All along, no two copies of the warm module A or the cold module C run as P.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { LOCAL_HOSTS } from '../../src/cli/local.js';
import { addressOf } from '../../src/shared/config.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { startCluster, statuses, type TestCluster, untilTable } from '../helpers/cluster.js';
import { waitFor } from '../helpers/processes.js';

describe('an old primary frozen and resumed is fenced (six hosts, real processes)', () => {
  let tc: TestCluster;
  beforeAll(async () => {
    tc = await startCluster();
  }, 90_000);
  afterAll(async () => {
    tc?.cluster.signalDaemon('super-watchdog', 'H2', 'SIGCONT');
    await tc?.stop();
  }, 60_000);

  it('SIGSTOP on H2 → H5 takes over; SIGCONT → H2 is refused everywhere and steps down; never two primaries', async () => {
    const c = tc.cluster;
    // The audit reads the stored table as a manager does (LoadTable is a ReplicaManager's call).
    const cs = new CheckpointClient(c.cfg.checkpointServer.address, {
      deadlineMs: 1000,
      transport: c.transport('replica-manager', 'H2'),
    });
    const wds = LOCAL_HOSTS.map(
      (h) =>
        new WatchDogClient(addressOf.watchdog(c.cfg, h), {
          deadlineMs: 1000,
          // The audit lists what runs as a manager does; a ReplicaManager certificate may.
          transport: c.transport('replica-manager', 'H2'),
        }),
    );
    const client = c.clusterClient(1000);
    // Every 100 ms, what every WatchDog runs, and in which role: at most one P of A and of C at any time.
    const violations: string[] = [];
    let samples = 0;
    let primariesSeen = 0;
    let watching = true;
    const watcher = (async () => {
      for (let i = 0; i < 2000 && watching; i++) {
        try {
          const epoch = (await cs.getLeadership('manager')).epoch;
          const running = (await Promise.all(wds.map((w) => w.listRunning(epoch).catch(() => null)))).flatMap(
            (r) => r?.running ?? [],
          );
          samples++;
          for (const m of ['A', 'C']) {
            const p = running.filter((x) => x.module === m && x.role === 'P').map((x) => x.replica);
            if (p.length > 1) violations.push(`${m}: ${p.join(', ')} at once (epoch ${epoch})`);
            if (p.length === 1) primariesSeen++;
          }
        } catch {
          // the Checkpoint Server is never stopped here; a slow answer is only a missed sample
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const before = await c.table();
      expect(before.managerHost).toBe('H2');
      c.signalDaemon('super-watchdog', 'H2', 'SIGSTOP');
      const taken = await c.manager(30_000, before.epoch);
      expect(taken.host).toBe('H5');
      c.killCopy('A1');
      await untilTable(
        c,
        'the new manager to fail A1 over',
        (t) => t.managerHost === 'H5' && statuses(t, 'A') === 'A1:I A2:P A3:B A4:B',
      );

      c.signalDaemon('super-watchdog', 'H2', 'SIGCONT');
      const h2 = await waitFor(
        'H2 to step down to backup',
        async () => {
          const v = (await client.ringViews()).find((x) => x.host === 'H2')?.view;
          return v && v.primary === 'H5' && Number(v.epoch) === taken.epoch ? v : null;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(h2.self).toBe('H2');
      await waitFor('the ReplicaManager on H2 to be gone', () => c.managerPid('H2') === undefined, {
        timeoutMs: 15_000,
      });
      // The table in the store was written by H5 under the new epoch, and is what H5 serves.
      const stored = await cs.loadTable();
      expect(stored.epoch).toBe(taken.epoch);
      const t = await c.table();
      expect(t.managerHost).toBe('H5');
      expect(statuses(t, 'A')).toBe('A1:I A2:P A3:B A4:B');
      expect(JSON.parse(stored.tableJson).modules.map((m: { name: string }) => m.name)).toEqual([
        'A',
        'B',
        'C',
      ]);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      watching = false;
      await watcher;
      client.close();
      cs.close();
      for (const w of wds) w.close();
    }
    expect(samples).toBeGreaterThan(20);
    expect(primariesSeen, 'the watcher saw the primaries it counts').toBeGreaterThan(samples);
    expect(violations).toEqual([]);
  }, 120_000);
});
