/**
 * 4. Host failure: kill every process of a host (its WatchDog and every copy on it) holding 10, then
 * 100 primaries → every one of them failed over (each promoted backup's own "role primary" line).
 * Reported as the time until the last one and as its excess over the host timeout.
 *
 * Each module is warm, degree 2, on two hosts (H1 and H3), so that a fail-over is a promotion and
 * starts no process while it is measured. The next trial crashes the other host: after the crashed
 * host's WatchDog is started again, the modules get their backups back there, and all the primaries
 * are on the host that survived.
 */
import { freemem } from 'node:os';
import { join } from 'node:path';
import type { LocalCluster } from '../src/cli/local.js';
import { register, startCluster } from './lib/clusters.js';
import {
  type Bench,
  type BenchResult,
  type Figure,
  killGroup,
  lastRole,
  latencyFigure,
  now,
  primaryLineAfter,
  sleep,
  timingsOf,
  trialPlan,
  waitFor,
} from './lib/common.js';
import { fmt, summarize } from './lib/stats.js';
import { warmModules } from './lib/warm.js';

/** Resident memory of one sample application copy, measured: about 65 MB. */
const COPY_MB = 70;

/**
 * The modules' heartbeat timeout: longer than the sample's 1 s, since a hundred copies starting on two
 * cores can starve one past a second and have it restarted as hung, which is not what is measured here
 * (a host's failure is detected by the SuperWatchDog's host timeout, not by heartbeats).
 */
const HEARTBEAT_TIMEOUT_MS = 5000;

interface Layout {
  /** The host holding the most primaries: the one a trial kills. */
  victim: string;
  /** The backups of the modules whose primary is on the victim: the copies promoted in the trial. */
  backups: Array<{ module: string; id: string; host: string }>;
}

/**
 * Every module runs P and B, each copy attached with its role announced. Normally every primary is on
 * one host; a copy that failed meanwhile (a missed heartbeat under load) may have moved one, so the
 * host with the most primaries is chosen and only its modules are timed.
 */
async function allReady(cluster: LocalCluster, names: readonly string[]): Promise<Layout | null> {
  const t = await cluster.table();
  const running = new Map<string, Set<string>>();
  const runs = (host: string, id: string) => {
    let s = running.get(host);
    if (!s) {
      s = new Set(cluster.copiesOn(host).map((c) => c.replica));
      running.set(host, s);
    }
    return s.has(id);
  };
  const byHost = new Map<string, Layout['backups']>();
  for (const name of names) {
    const m = t.modules.find((x) => x.name === name);
    if (!m || m.underReplicated) return null;
    const p = m.replicas.find((r) => r.status === 'P');
    const b = m.replicas.find((r) => r.status === 'B');
    if (!p || !b || !runs(p.host, p.id) || !runs(b.host, b.id)) return null;
    if (lastRole(cluster.cfg, p.host, p.id) !== 'primary') return null;
    if (lastRole(cluster.cfg, b.host, b.id) !== 'backup') return null;
    const list = byHost.get(p.host) ?? [];
    list.push({ module: name, id: b.id, host: b.host });
    byHost.set(p.host, list);
  }
  const [victim, backups] = [...byHost.entries()].reduce((a, b) => (b[1].length > a[1].length ? b : a));
  return { victim, backups };
}

/**
 * Ready, and quiet: ready twice, a second apart, with the same copies (same pids) on both hosts, so that
 * no restart is still queued at the ReplicaManager when the trial starts.
 */
async function quiet(cluster: LocalCluster, names: readonly string[]): Promise<Layout | null> {
  const pids = () =>
    ['H1', 'H3']
      .flatMap((h) => cluster.copiesOn(h).map((c) => c.pid))
      .sort((a, b) => a - b)
      .join(',');
  if (!(await allReady(cluster, names))) return null;
  const before = pids();
  await sleep(1500);
  const layout = await allReady(cluster, names);
  return layout && pids() === before ? layout : null;
}

/** The host is back for the primary SuperWatchDog and for the ReplicaManager's table. */
async function hostBack(cluster: LocalCluster, host: string): Promise<boolean> {
  const client = cluster.clusterClient(800);
  try {
    const view = await client.hostsView();
    if (view?.hosts.find((h) => h.name === host)?.up !== true) return false;
    const t = await cluster.table();
    return t.hosts.find((h) => h.name === host)?.up === true;
  } finally {
    client.close();
  }
}

export const hostFailureBench: Bench = {
  name: 'host-failure',
  title: 'Host failure: every process of a host killed → every one of its copies failed over',
  estimateS: 270,
  needsRing: true,
  async run(ctx) {
    const started = Date.now();
    const wanted = (process.env.BENCH_HOST_SIZES ?? '10,100')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    const notes: string[] = [];
    // Two copies per module run at once: keep well inside the free memory.
    const fits = Math.floor(((freemem() / 2 ** 20) * 0.6) / (2 * COPY_MB));
    const sizes = wanted.map((n) => Math.min(n, fits));
    if (sizes.some((n, i) => n !== wanted[i])) {
      notes.push(
        `Free memory (${Math.round(freemem() / 2 ** 20)} MB) holds about ${fits} warm modules of the sample application (2 × ~65 MB each): sizes ${wanted.join(', ')} were cut to ${sizes.join(', ')}.`,
      );
    }
    const figures: Figure[] = [];
    const trialNotes: string[] = [];
    const victims: string[] = [];
    // One cluster for every size: the modules of the next size are added to those already there, so
    // the trials of the smaller size warm the daemons up for the larger one.
    // A hundred sample applications starting at once on two cores take longer than the usual start
    // grace to beat for the first time: they would be killed as hung, restarted, and never settle.
    const { cluster, stop } = await startCluster(join(ctx.dir, 'cluster'), 7600, {
      timings: { startGraceMs: 120_000 },
    });
    try {
      const t = cluster.cfg.timings;
      const deps = timingsOf(t, 'hostTimeoutMs', 'watchdogBeatMs', 'rpcDeadlineMs');
      const beat = t.watchdogBeatMs;
      let registered = 0;
      for (const [k, size] of sizes.entries()) {
        const large = k > 0;
        const trials = trialPlan(large ? 'BENCH_HOST_TRIALS_LARGE' : 'BENCH_HOST_TRIALS', large ? 2 : 5);
        const warmup = large ? 0 : 1;
        trialNotes.push(
          `${size} copies: ${trials}${warmup ? ` after ${warmup} warm-up` : ' (warmed up by the smaller size before)'}`,
        );
        // No checkpoints: a hundred primaries saving every half second would load the Checkpoint
        // Server for the whole run; the fail-over path does not depend on them.
        const specs = warmModules('F', size, ['H1', 'H3'], 2, {
          args: ['--checkpoint-every', '1000000000'],
          rotate: false,
          timeoutMs: HEARTBEAT_TIMEOUT_MS,
        });
        await register(cluster, specs.slice(registered));
        registered = Math.max(registered, size);
        const names = specs.map((s) => s.name);
        const settleMs = 60_000 + size * 1500;
        let layout = await waitFor(`${size} modules to run`, () => quiet(cluster, names), settleMs, 500);
        const last: number[] = [];
        const first: number[] = [];
        const counts: number[] = [];
        for (let i = 0; i < warmup + trials; i++) {
          await sleep(500);
          const victim = layout.victim;
          const copies = cluster.copiesOn(victim);
          const t0 = now();
          cluster.killDaemon('watchdog', victim);
          for (const c of copies) killGroup(c.pid);
          const seen = new Map<string, bigint>();
          await waitFor(
            `all ${layout.backups.length} primaries of ${victim} to fail over`,
            () => {
              for (const b of layout.backups) {
                if (seen.has(b.id)) continue;
                const at = primaryLineAfter(cluster.cfg, b.host, b.id, t0);
                if (at !== null) seen.set(b.id, at);
              }
              return seen.size === layout.backups.length;
            },
            t.hostTimeoutMs + 30_000 + size * 200,
            25,
          );
          if (i >= warmup) {
            const times = [...seen.values()].map((x) => Number(x - t0) / 1e6);
            last.push(Math.max(...times));
            first.push(Math.min(...times));
            counts.push(copies.length);
            victims.push(victim);
          }
          ctx.log(`  host-failure ${size}: ${i + 1}/${warmup + trials}`);
          // The host comes back (its WatchDog restarted): its copies are started again as backups;
          // not after the very last trial, which nothing follows.
          if (k === sizes.length - 1 && i === warmup + trials - 1) break;
          cluster.startDaemon('watchdog', victim);
          await waitFor(`${victim} to be up again`, () => hostBack(cluster, victim), 60_000, 200);
          layout = await waitFor(`${size} modules to run again`, () => quiet(cluster, names), settleMs, 500);
        }
        const killed = counts.length ? `${Math.min(...counts)}–${Math.max(...counts)}` : '—';
        figures.push(
          latencyFigure(`${size} copies: host killed → last of its primaries promoted`, last, {
            dependsOn: deps,
            note: `copies killed per trial: ${killed} (its primaries, plus any backup an earlier failure moved there); start: this process’s clock just before the first kill; end: the last promoted copy’s own clock`,
          }),
          latencyFigure(
            `${size} copies: excess of the last one over the host timeout`,
            last.map((x) => x - t.hostTimeoutMs),
            {
              aim: `within one beat interval (${beat} ms) past the host timeout`,
              met: (s) => s.max <= beat,
              why: (s) => {
                const spread = summarize(last).p50 - summarize(first).p50;
                return s.min > beat || spread > beat
                  ? `the first primary is promoted ${fmt(summarize(first).p50)} ms after the kill (p50; host timeout ${t.hostTimeoutMs} ms), the last ${fmt(spread)} ms later: after one decision and one table write the ReplicaManager sends the ${size} SetRole calls one after another to the surviving WatchDog, each relayed to its app, while ${size * 2} apps share two cores`
                  : 'a slow tail on 2 cores';
              },
              dependsOn: deps,
              note: `the host’s last beat precedes the kill by up to one beat (${beat} ms)`,
            },
          ),
          latencyFigure(`${size} copies: host killed → first of its primaries promoted`, first, {
            dependsOn: deps,
          }),
        );
      }
    } finally {
      await stop();
    }
    return {
      name: 'host-failure',
      title: hostFailureBench.title,
      startedAt: new Date(started).toISOString(),
      durationS: (Date.now() - started) / 1000,
      trials: `${trialNotes.join('; ')} — fewer than 30: each trial restarts the host and restarts every one of its copies (a hundred sample applications, 15–40 s on 2 cores)`,
      figures,
      notes: [
        ...notes,
        `Warm modules of the sample application, degree 2, one copy on H1 and one on H3, checkpoints off, heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms and a start grace (startGraceMs) of ${cluster.cfg.timings.startGraceMs} ms for the first beat (a copy starved while a hundred start on two cores would otherwise be restarted as hung); a trial kills the WatchDog and every copy of the host holding the primaries (H1, then H3, then H1 …), then starts its WatchDog again and waits until every backup runs there again.`,
        `Hosts killed: ${victims.join(' ')}.`,
      ],
    } satisfies BenchResult;
  },
};
