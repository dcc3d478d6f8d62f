/**
 * 11. The replication stream (DESIGN §11) beside a checkpoint per update, in one run: real copies of
 * a counter as processes on 127.0.0.1 (bench/fixtures/replication-copy.mjs), a real Checkpoint Server
 * (SQLite) as their directory on a free port. Stream throughput of small messages at ack=none and
 * ack=applied; the acknowledgement latency (ack=applied) with one and with two backups; the same
 * updates saved one by one as checkpoints (SaveCheckpoint); and the time a backup stopped (SIGSTOP)
 * while the primary wrote needs to catch up once it runs again. Needs `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { startCheckpointServer } from '../src/checkpoint-server/daemon.js';
import {
  type Bench,
  type BenchResult,
  FIXTURES,
  type Figure,
  killGroup,
  latencyFigure,
  onCleanup,
  ROOT,
  trialPlan,
  valueFigure,
  waitFor,
} from './lib/common.js';
import { summarize } from './lib/stats.js';

const COPY = join(FIXTURES, 'replication-copy.mjs');
const STREAM_NONE = trialPlan('BENCH_REPL_STREAM', 20_000);
const STREAM_APPLIED = Math.max(1, Math.round(STREAM_NONE / 4));
const SAVES = Math.max(1, Math.round(STREAM_NONE / 10));
const LATENCY = trialPlan('BENCH_REPL_LATENCY', 400);
const LAG = trialPlan('BENCH_REPL_LAG', 5000);
const CATCH_UPS = trialPlan('BENCH_REPL_CATCH_UPS', 3);

type Line = Record<string, unknown> & { event?: string };

interface Copy {
  id: string;
  child: ChildProcess;
  lines: Line[];
  stop: () => Promise<void>;
}

function start(id: string, role: 'primary' | 'backup', checkpoint: string, minInSync: number): Copy {
  const child = spawn(process.execPath, [COPY], {
    cwd: ROOT,
    env: { ...process.env, REPLICA: id, ROLE: role, CHECKPOINT: checkpoint, MIN_IN_SYNC: String(minInSync) },
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Line[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Line);
    } catch {
      // not one of the copy's lines
    }
  });
  const stop = onCleanup(`copy ${id}`, () => {
    if (child.pid) {
      killGroup(child.pid, 'SIGCONT');
      killGroup(child.pid, 'SIGKILL');
    }
  });
  return { id, child, lines, stop };
}

/** Sends `cmd` and waits for the copy's next line of `event` (or an error line). */
async function ask(c: Copy, cmd: string, event: string, timeoutMs = 60_000): Promise<Line> {
  const before = c.lines.length;
  c.child.stdin?.write(`${cmd}\n`);
  const line = await waitFor(
    `${c.id} answering ${cmd}`,
    () => c.lines.slice(before).find((l) => l.event === event || l.event === 'error'),
    timeoutMs,
    2,
  );
  if (line.event === 'error') throw new Error(`${c.id} failed ${cmd}: ${String(line.message)}`);
  return line;
}

const perS = (l: Line) => Math.round((Number(l.n) / Number(l.ms)) * 1000);

export const replicationBench: Bench = {
  name: 'replication',
  title:
    'Replication stream: throughput, acknowledgement latency with one and two backups, a lagging backup catching up; beside a checkpoint per update',
  estimateS: 60,
  needsRing: false,
  async run(ctx): Promise<BenchResult> {
    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    const figures: Figure[] = [];
    const notes: string[] = [
      'Copies are Node processes on 127.0.0.1 (bench/fixtures/replication-copy.mjs), a counter whose update is a ~30-byte JSON message; the directory and the checkpoints are one Checkpoint Server (SQLite, fsync per write) in the benchmark process.',
      'Checkpoint per update: each update saves the whole (small) state by SaveCheckpoint, durable on the Checkpoint Server before it answers; the stream acknowledges once the backups applied it in memory (no disk).',
    ];
    const server = await startCheckpointServer({
      address: '127.0.0.1:0',
      dataDir: ctx.dir,
      logger: pino({ level: 'silent' }),
    });
    const stopServer = onCleanup('Checkpoint Server', () => server.stop());
    const address = `127.0.0.1:${server.port}`;
    const copies: Copy[] = [];
    try {
      const primary = start('B1', 'primary', address, 1);
      copies.push(primary);
      await waitFor('B1 leading', () => primary.lines.find((l) => l.event === 'leading'), 15_000);
      const b2 = start('B2', 'backup', address, 1);
      copies.push(b2);
      await waitFor(
        'B2 in sync',
        async () => Number((await ask(primary, 'position', 'position')).inSync) >= 1,
        15_000,
        100,
      );
      ctx.log('one backup: warm-up, stream, latency, checkpoint per update');
      await ask(primary, 'stream 500 applied', 'stream');
      const none = await ask(primary, `stream ${STREAM_NONE} none`, 'stream');
      const applied = await ask(primary, `stream ${STREAM_APPLIED} applied`, 'stream');
      const lat1 = (await ask(primary, `latency ${LATENCY} applied`, 'latency')).samples as number[];
      await ask(primary, 'save 50 16', 'save');
      const save = await ask(primary, `save ${SAVES} 16`, 'save');
      const saveLat = (await ask(primary, `save-latency ${LATENCY}`, 'save-latency')).samples as number[];

      ctx.log('two backups: latency');
      const b3 = start('B3', 'backup', address, 1);
      copies.push(b3);
      await waitFor(
        'B3 in sync',
        async () => Number((await ask(primary, 'position', 'position')).inSync) >= 2,
        15_000,
        100,
      );
      await ask(primary, 'stream 500 applied', 'stream');
      const applied2 = await ask(primary, `stream ${STREAM_APPLIED} applied`, 'stream');
      const lat2 = (await ask(primary, `latency ${LATENCY} applied`, 'latency')).samples as number[];

      ctx.log(`a backup stopped while the primary writes ${LAG} messages, ${CATCH_UPS} times`);
      const catchUp: number[] = [];
      for (let k = 0; k < CATCH_UPS; k++) {
        const pid = b3.child.pid as number;
        killGroup(pid, 'SIGSTOP');
        try {
          const written = await ask(primary, `stream ${LAG} lag`, 'stream');
          const t = performance.now();
          killGroup(pid, 'SIGCONT');
          await ask(b3, `until ${Number(written.applied)}`, 'caught', 30_000);
          catchUp.push(performance.now() - t);
        } finally {
          killGroup(pid, 'SIGCONT');
        }
        await waitFor(
          'B3 in sync again',
          async () => Number((await ask(primary, 'position', 'position')).inSync) >= 2,
          15_000,
          100,
        );
      }

      const failed = [none, applied, applied2, save].reduce((n, l) => n + Number(l.failed), 0);
      if (failed > 0) notes.push(`${failed} updates were not acknowledged within their deadline.`);
      const s1 = summarize(lat1);
      const s2 = summarize(lat2);
      const sc = summarize(saveLat);
      figures.push(
        valueFigure('stream, ack=none, one backup', perS(none), 'messages/s', {
          note: `${STREAM_NONE} messages written one after another, the last at ack=applied: until the backup applied all`,
        }),
        valueFigure('stream, ack=applied, 16 in flight, one backup', perS(applied), 'messages/s'),
        valueFigure('stream, ack=applied, 16 in flight, two backups', perS(applied2), 'messages/s'),
        valueFigure('checkpoint per update (SaveCheckpoint), 16 in flight', perS(save), 'updates/s'),
        valueFigure(
          'throughput ratio: stream ack=applied (one backup) / checkpoint per update',
          Math.round((perS(applied) / perS(save)) * 10) / 10,
          '×',
        ),
        valueFigure(
          'throughput ratio: stream ack=none / checkpoint per update',
          Math.round((perS(none) / perS(save)) * 10) / 10,
          '×',
        ),
        latencyFigure('ack=applied latency, one backup, one at a time', lat1),
        latencyFigure('ack=applied latency, two backups, one at a time', lat2),
        latencyFigure('checkpoint per update (SaveCheckpoint) latency, one at a time', saveLat),
        valueFigure(
          'latency ratio at p50: checkpoint per update / ack=applied, one backup',
          Math.round((sc.p50 / s1.p50) * 10) / 10,
          '×',
        ),
        valueFigure(
          'latency ratio at p99: checkpoint per update / ack=applied, one backup',
          Math.round((sc.p99 / s1.p99) * 10) / 10,
          '×',
        ),
        valueFigure(
          'latency ratio at p50: checkpoint per update / ack=applied, two backups',
          Math.round((sc.p50 / s2.p50) * 10) / 10,
          '×',
        ),
        valueFigure(
          'latency ratio at p99: checkpoint per update / ack=applied, two backups',
          Math.round((sc.p99 / s2.p99) * 10) / 10,
          '×',
        ),
        latencyFigure(
          `a backup ${LAG} messages behind (SIGSTOP): from SIGCONT until it applied them`,
          catchUp,
          {
            note: 'within the backlog (10000), so from the stream, no snapshot; includes the stdin round trip to the backup (< 1 ms)',
          },
        ),
      );
    } finally {
      for (const c of copies.reverse()) await c.stop();
      await stopServer();
    }
    return {
      name: 'replication',
      title: this.title,
      startedAt,
      durationS: (Date.now() - t0) / 1000,
      trials: `${STREAM_NONE} messages at ack=none, ${STREAM_APPLIED} at ack=applied (per backup count), ${SAVES} checkpoint saves; ${LATENCY} timed one at a time each; ${CATCH_UPS} catch-ups of ${LAG} messages; warm-up 500 messages and 50 saves`,
      figures,
      notes,
    };
  },
};
