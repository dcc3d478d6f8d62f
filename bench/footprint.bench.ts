/**
 * 7. Footprint: resident memory of each daemon, idle (the local cluster with nothing registered) and
 * with 10,000 replicas in the table; CPU of idle WatchDogs and SuperWatchDogs over a window
 * (/proc/<pid>/stat utime + stime; 60 s, or BENCH_CPU_WINDOW_S seconds).
 */
import { join } from 'node:path';
import { startCluster } from './lib/clusters.js';
import {
  type Bench,
  type BenchResult,
  clockTicks,
  cpuTicks,
  type Figure,
  rssMb,
  sleep,
  timingsOf,
  valueFigure,
} from './lib/common.js';
import { buildTable, Rig, replicaCount } from './lib/rig.js';

export const footprintBench: Bench = {
  name: 'footprint',
  title:
    'Footprint: memory of each daemon, idle and with 10,000 replicas; CPU of idle WatchDogs and SuperWatchDogs',
  estimateS: 80,
  needsRing: true,
  async run(ctx) {
    const started = Date.now();
    const windowS = Number(process.env.BENCH_CPU_WINDOW_S) > 0 ? Number(process.env.BENCH_CPU_WINDOW_S) : 60;
    const figures: Figure[] = [];
    const notes: string[] = [];
    const { cluster, stop } = await startCluster(join(ctx.dir, 'cluster'), 7600);
    try {
      const t = cluster.cfg.timings;
      const { managerHost } = await cluster.table();
      await sleep(5000);
      const daemons = cluster.liveRecorded();
      const rmPid = cluster.managerPid(managerHost);
      const all = [
        ...daemons.map((d) => ({
          label: `${d.kind} ${d.host}`,
          kind: d.kind as string,
          host: d.host,
          pid: d.pid,
        })),
        ...(rmPid !== undefined
          ? [
              {
                label: `replica-manager ${managerHost}`,
                kind: 'replica-manager',
                host: managerHost,
                pid: rmPid,
              },
            ]
          : []),
      ];
      const before = new Map(all.map((d) => [d.pid, cpuTicks(d.pid)]));
      const t0 = Date.now();
      await sleep(windowS * 1000);
      const seconds = (Date.now() - t0) / 1000;
      const hz = clockTicks();
      const cpu = (pid: number) => {
        const a = before.get(pid);
        const b = cpuTicks(pid);
        return a === null || a === undefined || b === null ? Number.NaN : ((b - a) / hz / seconds) * 100;
      };
      const rows = all.map((d) => ({ ...d, rss: rssMb(d.pid) ?? Number.NaN, cpu: cpu(d.pid) }));
      const of = (kind: string) => rows.filter((r) => r.kind === kind);
      const max = (xs: number[]) => Math.max(...xs);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const wds = of('watchdog');
      const swds = of('super-watchdog');
      const primary = swds.find((s) => s.host === managerHost);
      const backups = swds.filter((s) => s.host !== managerHost);
      const cs = of('checkpoint-server')[0];
      const rm = of('replica-manager')[0];
      const wdDeps = timingsOf(t, 'watchdogBeatMs');
      const swdDeps = timingsOf(t, 'ringBeatMs', 'watchdogBeatMs', 'hostTimeoutMs');
      figures.push(
        valueFigure('idle WatchDog: resident memory (max of 6)', max(wds.map((w) => w.rss)), 'MB', {
          aim: '< 80 MB',
          met: max(wds.map((w) => w.rss)) < 80,
          why: 'node with gRPC and pino loaded',
        }),
        valueFigure(
          `idle WatchDog: CPU over ${Math.round(seconds)} s (max of 6)`,
          max(wds.map((w) => w.cpu)),
          '%',
          {
            aim: '< 1 %',
            met: max(wds.map((w) => w.cpu)) < 1,
            why: `it beats to the primary SuperWatchDog every ${t.watchdogBeatMs} ms (the local cluster’s shortened timing; the default is 250 ms), each a gRPC call, and runs its supervision tick`,
            dependsOn: wdDeps,
            note: `mean of the six ${mean(wds.map((w) => w.cpu)).toFixed(2)} %; one CPU = 100 %`,
          },
        ),
        valueFigure(
          `idle primary SuperWatchDog (${managerHost}): CPU over ${Math.round(seconds)} s`,
          primary?.cpu ?? Number.NaN,
          '%',
          {
            dependsOn: swdDeps,
            note: 'receives six WatchDogs’ beats and its ring successor’s, beats its own successor, watches the ReplicaManager',
          },
        ),
        valueFigure(
          `idle backup SuperWatchDog: CPU over ${Math.round(seconds)} s (max of ${backups.length})`,
          max(backups.map((b) => b.cpu)),
          '%',
          { dependsOn: swdDeps },
        ),
        valueFigure(`idle ReplicaManager: CPU over ${Math.round(seconds)} s`, rm?.cpu ?? Number.NaN, '%'),
        valueFigure(`idle Checkpoint Server: CPU over ${Math.round(seconds)} s`, cs?.cpu ?? Number.NaN, '%'),
        valueFigure('idle primary SuperWatchDog: resident memory', primary?.rss ?? Number.NaN, 'MB'),
        valueFigure('idle backup SuperWatchDog: resident memory (max)', max(backups.map((b) => b.rss)), 'MB'),
        valueFigure('idle ReplicaManager: resident memory', rm?.rss ?? Number.NaN, 'MB'),
        valueFigure('idle Checkpoint Server: resident memory', cs?.rss ?? Number.NaN, 'MB'),
      );
      notes.push(
        `Idle: ${rows.map((r) => `${r.label} ${r.rss.toFixed(0)} MB ${r.cpu.toFixed(2)} %`).join('; ')}.`,
        `CPU window ${Math.round(seconds)} s (BENCH_CPU_WINDOW_S sets it; the issue asks for 60 s), clock ticks of ${1000 / hz} ms, so a figure below ${((1 / hz / seconds) * 100).toFixed(3)} % reads as 0.`,
      );
    } finally {
      await stop();
    }

    // With 10,000 replicas: the real Checkpoint Server and ReplicaManager, fake WatchDogs.
    const rig = new Rig(join(ctx.dir, 'rig'), 7700);
    try {
      await rig.start();
      const table = buildTable(2500, 1000);
      await rig.saveTable(table);
      rig.fakes.load(table, true);
      const { pid } = rig.startManager();
      await rig.serving(`M${table.modules.length - 1}`, 60_000);
      await rig.reconciled(60_000);
      await sleep(3000);
      const size = replicaCount(table).toLocaleString('en');
      figures.push(
        valueFigure(`ReplicaManager with ${size} replicas: resident memory`, rssMb(pid) ?? Number.NaN, 'MB', {
          note: 'after reload and reconcile, 3 s later',
        }),
        valueFigure(
          `Checkpoint Server with ${size} replicas stored: resident memory`,
          rssMb(rig.csPid) ?? Number.NaN,
          'MB',
        ),
      );
      notes.push(
        'With 10,000 replicas only the ReplicaManager holds the table (and the Checkpoint Server stores it): WatchDogs hold their own host’s copies and SuperWatchDogs no table, and 10,000 real copies cannot run on one machine, so those two are measured idle only; the 10,000-replica figures come from the real ReplicaManager and Checkpoint Server in front of fake WatchDogs.',
      );
    } finally {
      await rig.stop();
    }
    return {
      name: 'footprint',
      title: footprintBench.title,
      startedAt: new Date(started).toISOString(),
      durationS: (Date.now() - started) / 1000,
      trials: `one reading of each daemon; CPU over a ${windowS} s window`,
      figures,
      notes,
    } satisfies BenchResult;
  },
};
