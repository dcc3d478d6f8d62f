/**
 * 2. Restart in place (cold, OnOverThreshold): the copy exits → the new copy's first line of code runs.
 * Side by side in the same run, trials alternating: this cluster (WatchDog → ReplicaManager → table
 * persisted → WatchDog starts the copy), PM2 restarting the same program, and a bare `node` parent
 * that respawns it on exit (the floor). The program (bench/fixtures/restart-probe.cjs) reads
 * process.hrtime.bigint() as its very first statement and again just before it exits (on SIGUSR2).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleSpec } from '../src/model/table.js';
import { register, startCluster, unregister } from './lib/clusters.js';
import {
  type Bench,
  type BenchResult,
  type Figure,
  killGroup,
  killPid,
  latencyFigure,
  now,
  onCleanup,
  PROBE,
  sleep,
  timingsOf,
  trialPlan,
  valueFigure,
  waitFor,
  waitGone,
} from './lib/common.js';
import { Pm2, pm2Installed } from './lib/pm2.js';
import { summarize } from './lib/stats.js';

interface ProbeLine {
  event: 'first' | 'exit';
  pid: number;
  t: bigint;
}

function probeLines(file: string): ProbeLine[] {
  if (!existsSync(file)) return [];
  const out: ProbeLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line) as { event: 'first' | 'exit'; pid: number; t: string };
      out.push({ event: e.event, pid: e.pid, t: BigInt(e.t) });
    } catch {
      // a line being written
    }
  }
  return out;
}

/** The newest running copy of the probe writing to `file`: its last "first" line without an "exit". */
function currentProbe(file: string): ProbeLine | undefined {
  const lines = probeLines(file);
  const exited = new Set(lines.filter((l) => l.event === 'exit').map((l) => l.pid));
  return lines.filter((l) => l.event === 'first' && !exited.has(l.pid)).at(-1);
}

/**
 * Asks the copy `pid` to exit (SIGUSR2) and waits for its successor's first line. Returns the time
 * from the copy's own "exit" reading to the new copy's "first" reading, and the new pid.
 */
async function exitAndRestart(
  file: string,
  pid: number,
): Promise<{ ms: number; pid: number; first: bigint }> {
  killPid(pid, 'SIGUSR2');
  return waitFor(
    `a new copy after ${pid} exited`,
    () => {
      const lines = probeLines(file);
      const exit = lines.find((l) => l.event === 'exit' && l.pid === pid);
      if (!exit) return null;
      const next = lines.find((l) => l.event === 'first' && l.pid !== pid && l.t > exit.t);
      return next ? { ms: Number(next.t - exit.t) / 1e6, pid: next.pid, first: next.t } : null;
    },
    15_000,
    10,
  );
}

/** The floor: a plain node parent that respawns the program the moment it exits. */
class BareParent {
  private child: ChildProcess | null = null;
  private respawn = true;
  readonly spawnedAt = new Map<number, bigint>();
  private readonly release: () => Promise<void>;

  constructor(private readonly file: string) {
    this.release = onCleanup('the bare node parent', () => this.kill());
  }

  start(): void {
    const t = now();
    const child = spawn(process.execPath, [PROBE], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BENCH_PROBE_OUT: this.file },
    });
    if (child.pid !== undefined) this.spawnedAt.set(child.pid, t);
    this.child = child;
    child.once('exit', () => {
      if (this.respawn) this.start();
    });
  }

  private async kill(): Promise<void> {
    this.respawn = false;
    const pid = this.child?.pid;
    if (pid !== undefined) {
      killGroup(pid, 'SIGKILL');
      await waitGone([pid], 5000);
    }
  }

  stop(): Promise<void> {
    return this.release();
  }
}

export const restartBench: Bench = {
  name: 'restart',
  title: 'Restart in place (cold, OnOverThreshold) vs PM2 vs bare node',
  estimateS: 50,
  needsRing: true,
  async run(ctx) {
    const trials = trialPlan('BENCH_TRIALS', 30);
    const warmup = 3;
    const started = Date.now();
    const notes: string[] = [];
    const files = {
      rm: join(ctx.dir, 'probe-rm.jsonl'),
      pm2: join(ctx.dir, 'probe-pm2.jsonl'),
      bare: join(ctx.dir, 'probe-bare.jsonl'),
    };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const samples = { rm: [] as number[], pm2: [] as number[], bare: [] as number[] };
    const spawnToFirst: number[] = [];

    const { cluster, stop } = await startCluster(join(ctx.dir, 'cluster'), 7650, { fixtures: true });
    const havePm2 = pm2Installed();
    const pm2 = havePm2 ? new Pm2(join(ctx.dir, 'pm2-home')) : null;
    const bare = new BareParent(files.bare);
    let pm2Pid = 0;
    let barePid = 0;
    try {
      const t = cluster.cfg.timings;
      if (pm2) {
        await pm2.start(PROBE, 'probe', { BENCH_PROBE_OUT: files.pm2 });
        pm2Pid = (await waitFor('PM2 to start the program', () => currentProbe(files.pm2), 15_000)).pid;
      } else {
        notes.push('PM2 is not installed (npm install): its column is empty.');
      }
      bare.start();
      barePid = (await waitFor('node to start the program', () => currentProbe(files.bare), 15_000)).pid;

      const ours = async (i: number): Promise<number> => {
        // A fresh module per trial: each measures a copy's first failure, as PM2's and node's do. (The
        // ReplicaManager backs off a copy that fails again within 30 s; PM2 does not by default.)
        const name = `R${i}`;
        const spec: ModuleSpec = {
          name,
          style: 'cold',
          degree: 1,
          policy: 'on-over-threshold',
          threshold: 1,
          detect: 'poll',
          env: { BENCH_PROBE_OUT: files.rm },
          replicas: [{ host: 'H1', path: PROBE }],
        };
        const before = currentProbe(files.rm)?.pid;
        await register(cluster, [spec]);
        const first = await waitFor(
          `copy of ${name} to start`,
          () => {
            const c = currentProbe(files.rm);
            return c && c.pid !== before ? c : null;
          },
          15_000,
        );
        await sleep(150);
        const r = await exitAndRestart(files.rm, first.pid);
        await sleep(100);
        await unregister(cluster, [name]);
        await waitGone([r.pid], 10_000);
        return r.ms;
      };
      const viaPm2 = async (): Promise<number> => {
        await sleep(150);
        const r = await exitAndRestart(files.pm2, pm2Pid);
        pm2Pid = r.pid;
        return r.ms;
      };
      const viaNode = async (): Promise<number> => {
        await sleep(150);
        const r = await exitAndRestart(files.bare, barePid);
        barePid = r.pid;
        return r.ms;
      };

      type Runner = ['rm' | 'pm2' | 'bare', (i: number) => Promise<number>];
      const runners: Runner[] = [['rm', ours]];
      if (pm2) runners.push(['pm2', viaPm2]);
      runners.push(['bare', viaNode]);
      for (let i = 0; i < warmup + trials; i++) {
        // Alternate, and rotate the order so that none always runs first after a pause.
        for (let k = 0; k < runners.length; k++) {
          const [which, fn] = runners[(i + k) % runners.length]!;
          const ms = await fn(i);
          if (i >= warmup) samples[which].push(ms);
        }
        // The bare parent's own start figure: spawn() → the program's first line.
        if (i >= warmup) {
          const first = probeLines(files.bare).find((l) => l.event === 'first' && l.pid === barePid);
          const spawned = bare.spawnedAt.get(barePid);
          if (first && spawned !== undefined) spawnToFirst.push(Number(first.t - spawned) / 1e6);
        }
        if (i % 10 === 9) ctx.log(`  restart: ${i + 1}/${warmup + trials} rounds`);
      }

      const rm = summarize(samples.rm);
      const p = summarize(samples.pm2);
      const b = summarize(samples.bare);
      const ratio = samples.pm2.length ? rm.p50 / p.p50 : Number.NaN;
      const overNode = rm.p50 - b.p50;
      const deps = timingsOf(t, 'rpcDeadlineMs');
      const figures: Figure[] = [
        latencyFigure('this cluster: exit → new copy first line (WatchDog → RM → WatchDog)', samples.rm, {
          aim: '≤ PM2 (ratio ≤ 1.0) and within 20 ms of bare node (p50)',
          met: () => (Number.isNaN(ratio) || ratio <= 1) && overNode <= 20,
          why: () =>
            `the path has two gRPC hops and one durable table write before the start (persist, then act), ` +
            `and the WatchDog starts the copy through its #!/usr/bin/env node line; p50 is ${overNode.toFixed(1)} ms over bare node`,
          dependsOn: deps,
          note: 'ends measured in the program itself: its clock reading before process.exit() and the new copy’s first statement',
        }),
        ...(pm2
          ? [
              latencyFigure('PM2 (fork mode): exit → new copy first line', samples.pm2, {
                note: 'PM2 runs the program through its ProcessContainerFork wrapper; restart_delay 0, no back-off',
              }),
              valueFigure('ratio this cluster / PM2 (p50)', ratio, '×', {
                aim: '≤ 1.0',
                met: ratio <= 1,
                why: 'see the first line: the ReplicaManager decides and persists every restart',
              }),
            ]
          : []),
        latencyFigure('bare node parent: exit → new copy first line (floor)', samples.bare, {
          note: 'a node parent that respawns on its child’s exit event: process exit, SIGCHLD, spawn, node start',
        }),
        latencyFigure('bare node: spawn() → first line (node start alone)', spawnToFirst, {
          note: 'clock read in the parent just before spawn()',
        }),
        valueFigure('this cluster p50 − bare node p50', overNode, 'ms', {
          aim: '≤ 20 ms',
          met: overNode <= 20,
          why: 'WatchDog report + ReplicaManager decision + SQLite fsync + two WatchDog calls (stop, start)',
        }),
      ];
      notes.push(
        'Our copy runs in a cold module with OnOverThreshold(1) on H1 of the local cluster; a fresh module per trial (first failure of a copy, so the ReplicaManager’s back-off for repeated failures never applies).',
        'The program exits on SIGUSR2 by itself (code 1); its clock reading just before process.exit() is the exit time, so its own teardown (about a millisecond) counts against all three alike.',
      );
      return {
        name: 'restart',
        title: restartBench.title,
        startedAt: new Date(started).toISOString(),
        durationS: (Date.now() - started) / 1000,
        trials: `${trials} trials each after ${warmup} warm-up rounds, alternating (rotating order)`,
        figures,
        notes,
      } satisfies BenchResult;
    } finally {
      await bare.stop();
      await pm2?.stop();
      await stop();
    }
  },
};
