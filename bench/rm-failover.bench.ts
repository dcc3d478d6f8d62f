/**
 * 5. ReplicaManager fail-over: kill every process of the host of the primary SuperWatchDog and the
 * ReplicaManager (H2 at first) → (a) the new ReplicaManager on the ring successor answers status with
 * the full table; (b) it has failed over a copy killed right after the host (a warm primary on H1, H3
 * or H4, whose WatchDog must find the new manager to report it). Then the host comes back, rejoins the
 * ring as a backup, and the next trial kills the new manager's host (H2 → H5 → H6 → H2 …).
 */
import { join } from 'node:path';
import { demoModules, type LocalCluster } from '../src/cli/local.js';
import { addressOf } from '../src/shared/config.js';
import type { ReplicaManagerClient } from '../src/shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import { protos, unary } from '../src/shared/grpc.js';
import { RING, register, startCluster } from './lib/clusters.js';
import {
  type Bench,
  type BenchResult,
  killGroup,
  killPid,
  latencyFigure,
  now,
  ROOT,
  sleep,
  timingsOf,
  trialPlan,
  waitFor,
} from './lib/common.js';
import { promotedAfter, waitReady, warmModules } from './lib/warm.js';

/** One Status call to every ring host's ReplicaManager port over fresh connections (no reconnect back-off). */
async function statusOnce(
  cluster: LocalCluster,
  deadlineMs: number,
): Promise<Array<{ host: string; epoch: number; modules: number }>> {
  const Ctor = protos().replicaManager.rm.replica_manager.v1.ReplicaManager;
  const answers = await Promise.allSettled(
    RING.map(async (host) => {
      const client: ReplicaManagerClient = new Ctor(
        addressOf.replicaManager(cluster.cfg, host),
        cluster.transport().channelCredentials(),
      );
      try {
        const res = await unary(client, client.Status, { module: '' }, deadlineMs, host);
        return { host, epoch: Number(res.epoch), modules: res.table?.modules.length ?? 0 };
      } finally {
        client.close();
      }
    }),
  );
  return answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
}

/** The returning ring member has rejoined: it names the primary, and the primary sees it live. */
async function rejoined(cluster: LocalCluster, host: string, primary: string): Promise<boolean> {
  const client = cluster.clusterClient(800);
  try {
    const views = await client.ringViews();
    const mine = views.find((v) => v.host === host)?.view;
    const theirs = views.find((v) => v.host === primary)?.view;
    return mine?.primary === primary && theirs?.members.find((m) => m.name === host)?.live === true;
  } finally {
    client.close();
  }
}

export const rmFailoverBench: Bench = {
  name: 'rm-failover',
  title: 'ReplicaManager fail-over: the host of the primary SuperWatchDog and the ReplicaManager killed',
  estimateS: 115,
  needsRing: true,
  async run(ctx) {
    const trials = trialPlan('BENCH_RM_TRIALS', 30);
    const warmup = 1;
    const started = Date.now();
    const { cluster, stop } = await startCluster(join(ctx.dir, 'cluster'), 7600);
    try {
      const t = cluster.cfg.timings;
      const victim = warmModules('K', 1, ['H1', 'H3', 'H4'], 3, { timeoutMs: 1000 });
      const specs = [...demoModules(ROOT), ...victim];
      await register(cluster, specs);
      await waitFor('the table to run', () => cluster.settled(), 60_000, 200);
      const answer: number[] = [];
      const failover: number[] = [];
      const hosts: string[] = [];
      for (let i = 0; i < warmup + trials; i++) {
        const before = await cluster.table();
        const m = before.managerHost;
        const k = await waitReady(cluster, 'K1', 30_000);
        await sleep(150);
        const copies = cluster.copiesOn(m);
        const rmPid = cluster.managerPid(m);
        const t0 = now();
        cluster.killDaemon('super-watchdog', m);
        if (rmPid !== undefined) killGroup(rmPid);
        cluster.killDaemon('watchdog', m);
        for (const c of copies) killGroup(c.pid);
        // Right after: a warm primary elsewhere crashes while no ReplicaManager runs.
        const tk = now();
        killPid(k.primary.pid, 'SIGKILL');
        const candidates = k.replicas.filter((r) => r.id !== k.primary.id);
        const answered = await waitFor(
          'a new ReplicaManager to answer with the full table',
          async () => {
            const found = await statusOnce(cluster, 200);
            const ok = found.find((f) => f.epoch > before.epoch && f.modules === specs.length);
            return ok ? { at: now(), host: ok.host } : null;
          },
          t.ringTimeoutMs + 30_000,
          10,
        );
        const promoted = await waitFor(
          'the copy killed right after to be failed over',
          () => promotedAfter(cluster, candidates, tk),
          t.ringTimeoutMs + 30_000,
          10,
        );
        if (i >= warmup) {
          answer.push(Number(answered.at - t0) / 1e6);
          failover.push(Number(promoted.t - t0) / 1e6);
          hosts.push(`${m}→${answered.host}`);
        }
        ctx.log(`  rm-failover: ${i + 1}/${warmup + trials} (${m} → ${answered.host})`);
        if (i === warmup + trials - 1) break;
        // The host comes back: WatchDog and SuperWatchDog; it rejoins the ring as a backup.
        cluster.startDaemon('watchdog', m);
        cluster.startDaemon('super-watchdog', m);
        await waitFor(`${m} to rejoin the ring`, () => rejoined(cluster, m, answered.host), 30_000, 100);
        await waitFor('the table to run again', () => cluster.settled(), 60_000, 100);
      }
      const deps = timingsOf(t, 'ringTimeoutMs', 'ringBeatMs', 'rpcDeadlineMs', 'watchdogBeatMs');
      const aim = t.ringTimeoutMs + 1000;
      return {
        name: 'rm-failover',
        title: rmFailoverBench.title,
        startedAt: new Date(started).toISOString(),
        durationS: (Date.now() - started) / 1000,
        trials: `${trials} after ${warmup} warm-up${trials < 30 ? ' — fewer than 30 (BENCH_RM_TRIALS)' : ''}; each kills a ring host and waits until it has rejoined and the table runs again`,
        figures: [
          latencyFigure('host killed → the new ReplicaManager answers status with the full table', answer, {
            aim: `≤ ring timeout + 1 s (${aim} ms)`,
            met: (s) => s.max <= aim,
            why: () =>
              'the successor waits out the ring timeout, wins a new epoch, starts a ReplicaManager process (node start), which loads the table and reconciles before it answers',
            dependsOn: deps,
            note: 'approximate to ~10 ms: the end is seen by polling every ring host’s ReplicaManager port every 10 ms over a fresh connection',
          }),
          latencyFigure(
            'host killed → a copy killed right after is failed over by the new manager',
            failover,
            {
              aim: `≤ ring timeout + 1 s (${aim} ms)`,
              met: (s) => s.max <= aim,
              why: () =>
                'the copy’s WatchDog holds the report until its beats find the new primary SuperWatchDog, which names the new ReplicaManager',
              dependsOn: deps,
              note: 'end: the promoted backup’s own clock; start: just before the host’s first kill',
            },
          ),
        ],
        notes: [
          'FIG. 2’s modules A, B, C and a warm module K (degree 2 on H1, H3, H4) of the sample application; a trial kills the SuperWatchDog, the ReplicaManager, the WatchDog and every copy of the manager’s host, and K’s primary right after.',
          `Manager moves: ${[...new Set(hosts)].map((h) => `${h} ×${hosts.filter((x) => x === h).length}`).join(', ')}.`,
        ],
      } satisfies BenchResult;
    } finally {
      await stop();
    }
  },
};
