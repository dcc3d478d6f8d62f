/**
 * 1. Warm fail-over: kill -9 the primary of a warm module → the promoted backup's own code learns it is
 * primary (the `t` of the sample application's "role primary" line). The kill's time is read in this
 * process just before kill(2); the process is gone when the call returns.
 */
import { join } from 'node:path';
import type { Timings } from '../src/shared/config.js';
import { firstTime, logEntries, wallOffsetMs } from './lib/breakdown.js';
import { register, startCluster, unregister } from './lib/clusters.js';
import {
  type Bench,
  type BenchResult,
  type Figure,
  killPid,
  latencyFigure,
  now,
  sleep,
  timingsOf,
  trialPlan,
  waitFor,
} from './lib/common.js';
import { summarize } from './lib/stats.js';
import { promotedAfter, waitReady, warmModules } from './lib/warm.js';

export const warmFailoverBench: Bench = {
  name: 'warm-failover',
  title: 'Warm fail-over: kill -9 of the primary → the promoted backup runs as primary',
  estimateS: 60,
  needsRing: true,
  async run(ctx) {
    const trials = trialPlan('BENCH_TRIALS', 30);
    const warmup = 3;
    const started = Date.now();
    const { cluster, stop } = await startCluster(join(ctx.dir, 'cluster'), 7600);
    try {
      const managerHost = (await cluster.table()).managerHost;
      const others = ['H1', 'H3', 'H4', 'H6'].filter((h) => h !== managerHost);
      const kinds = { away: newKind(), beside: newKind() };
      const offset = wallOffsetMs();

      /** Kills the module's primary; records the promotion and its stages under `kind` if `record`. */
      const trial = async (name: string, kind: Kind, record: boolean) => {
        const ready = await waitReady(cluster, name, 30_000);
        await sleep(150);
        const t0 = now();
        killPid(ready.primary.pid, 'SIGKILL');
        const candidates = ready.replicas.filter((r) => r.id !== ready.primary.id);
        const promoted = await waitFor(
          `a backup of ${name} to be primary`,
          () => promotedAfter(cluster, candidates, t0),
          15_000,
          10,
        );
        if (!record) return;
        kind.samples.push(Number(promoted.t - t0) / 1e6);
        // Where the time went, from the daemons' own log lines (ms resolution).
        const wall0 = Number(t0) / 1e6 + offset;
        const killed = ready.primary.id;
        await sleep(100);
        const entries = logEntries(join(cluster.dir, 'logs'));
        const since = Math.floor(wall0) - 1;
        const seen = firstTime(entries, since, (e) => e.msg === 'copy failed' && e.replica === killed);
        const decided = firstTime(
          entries,
          since,
          (e) =>
            e.msg === 'decision' &&
            (e.event as { kind?: string; replica?: string } | undefined)?.replica === killed,
        );
        const told = firstTime(
          entries,
          since,
          (e) => e.msg === 'role changed' && e.replica === promoted.id && e.to === 'P',
        );
        if (seen !== null) kind.seen.push(seen - wall0);
        if (decided !== null) kind.decided.push(decided - wall0);
        if (told !== null) kind.told.push(told - wall0);
      };

      // The primary on another host than the ReplicaManager: four warm modules (degree 2, three hosts
      // each, away from the manager's host), killed in turn, so that each trial finds its module long
      // settled; the module gets its backup back before the next trial touches anything.
      const away = warmModules('W', 4, others, 3, { timeoutMs: 1000 });
      await register(cluster, away);
      for (let i = 0; i < warmup + trials; i++) {
        const name = away[i % away.length]!.name;
        await trial(name, kinds.away, i >= warmup);
        await waitReady(cluster, name, 30_000);
      }
      await unregister(
        cluster,
        away.map((m) => m.name),
      );
      ctx.log('  warm-failover: primaries on another host done');

      // The primary on the manager's host: fresh modules (primary on that host, two backups elsewhere)
      // in batches, each killed once. Killing one module's primary again and again would only bring it
      // back to that host every third time, and its copies' restart back-off would slow every trial.
      const perBatch = 5;
      for (let b = 0; kinds.beside.samples.length < trials && b * perBatch < 3 * trials; b++) {
        const batch = warmModules(`V${b}x`, perBatch, others, 3, { timeoutMs: 1000, lead: managerHost });
        await register(cluster, batch);
        // Every copy of the batch up and quiet first: copies still starting would slow the trials.
        for (const m of batch) await waitReady(cluster, m.name, 30_000);
        await sleep(1000);
        for (const m of batch) {
          if (kinds.beside.samples.length >= trials) break;
          await trial(m.name, kinds.beside, true);
          await waitReady(cluster, m.name, 30_000);
        }
        await unregister(
          cluster,
          batch.map((m) => m.name),
        );
      }
      const t = cluster.cfg.timings;
      return {
        name: 'warm-failover',
        title: warmFailoverBench.title,
        startedAt: new Date(started).toISOString(),
        durationS: (Date.now() - started) / 1000,
        trials: `${trials} of each kind (the first after ${warmup} warm-up)`,
        figures: [
          ...kindFigures(
            'kill -9 of the primary (on another host than the ReplicaManager) → promoted backup prints its primary role',
            kinds.away,
            t,
          ),
          ...kindFigures(
            `kill -9 of the primary on the ReplicaManager’s host (${managerHost}) → promoted backup prints its primary role`,
            kinds.beside,
            t,
          ),
        ],
        notes: [
          `Warm modules of the sample application, degree 2, three hosts each. Primaries on another host than the ReplicaManager: four modules among ${others.join(', ')}, killed in turn. Primaries on the ReplicaManager’s host (${managerHost}): fresh modules in batches of 5, each killed once. Each trial waits until its module runs its degree and every copy has announced its role.`,
        ],
      } satisfies BenchResult;
    } finally {
      await stop();
    }
  },
};

interface Kind {
  samples: number[];
  seen: number[];
  decided: number[];
  told: number[];
}

function newKind(): Kind {
  return { samples: [], seen: [], decided: [], told: [] };
}

/** The total with its aim, then where the time went. */
function kindFigures(title: string, k: Kind, t: Timings): Figure[] {
  return [
    latencyFigure(title, k.samples, {
      aim: 'p50 ≤ 10 ms, p99 ≤ 50 ms',
      met: (s) => s.p50 <= 10 && s.p99 <= 50,
      why: (s) => {
        const p = (xs: number[]) => summarize(xs).p50.toFixed(1);
        return s.p50 > 10
          ? `three daemons in a row, each hop a few ms on 2 cores (p50s): the WatchDog sees the exit at ${p(k.seen)} ms, the ReplicaManager’s decision is durable (report over gRPC, decide, SQLite commit) at ${p(k.decided)} ms, the backup’s WatchDog has the SetRole at ${p(k.told)} ms, the app at ${s.p50.toFixed(1)} ms`
          : 'a slow tail: the table write’s fsync or the event loops of the daemons on 2 cores';
      },
      dependsOn: { ...timingsOf(t, 'rpcDeadlineMs'), 'module heartbeat timeoutMs': 1000 },
      note: 'start: this process’s clock just before kill(2); end: the promoted copy’s own clock when its SDK told it its new role',
    }),
    latencyFigure('  of which: kill → the WatchDog has seen the exit (“copy failed”)', k.seen, {
      note: 'stage times from the daemons’ own log lines (wall clock, ms resolution, mapped onto the monotonic clock)',
    }),
    latencyFigure('  of which: kill → the ReplicaManager’s decision is durable (“decision”)', k.decided, {
      note: 'logged after the table is written: includes the WatchDog’s report over gRPC and the SQLite commit',
    }),
    latencyFigure('  of which: kill → the backup’s WatchDog has told it (“role changed”)', k.told),
  ];
}
