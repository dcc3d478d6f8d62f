/**
 * A small service supervised by the cluster, built on the SDK: a counter that the primary increments
 * every 100 ms and checkpoints every few increments; a backup follows the primary's saved state, and
 * a copy promoted to primary resumes from the last checkpoint (source ¶0014).
 *
 * It prints JSON lines on stdout (the WatchDog keeps them in the copy's log file):
 *   {"event":"role","role":"primary","replica":"A2","counter":123,"pid":4242,"t":"<process.hrtime.bigint()>"}
 * on its first role and every change, plus "started", "resumed", "stop" and "fenced" events, and
 * "saved" (with the counter and the version) once the Checkpoint Server has acknowledged a save.
 * Every line carries the pid, so that two copies of one replica on a host are told apart (the
 * fault-injection suite reads each process's latest role and its acknowledged saves from these lines).
 *
 * Flags for demonstrations:
 *   --crash-after MS   exits with code 1 after MS milliseconds (a crash)
 *   --hang-after MS    blocks its event loop for good after MS milliseconds (a hang: no more beats)
 *   --unhealthy-after MS  its sanity check fails after MS milliseconds (a polling WatchDog notices)
 *   --checkpoint-every N  increments between checkpoints (default 5)
 */
import { type AppRole, connect, type Replica } from '../src/client/index.js';

interface Flags {
  crashAfterMs?: number;
  hangAfterMs?: number;
  unhealthyAfterMs?: number;
  checkpointEvery: number;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { checkpointEvery: 5 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = Number(argv[i + 1]);
    const need = () => {
      if (!Number.isFinite(value) || value < 0) {
        process.stderr.write(`sample-app: ${name} needs a number, got ${argv[i + 1]}\n`);
        process.exit(2);
      }
      i++;
      return value;
    };
    if (name === '--crash-after') flags.crashAfterMs = need();
    else if (name === '--hang-after') flags.hangAfterMs = need();
    else if (name === '--unhealthy-after') flags.unhealthyAfterMs = need();
    else if (name === '--checkpoint-every') flags.checkpointEvery = Math.max(1, need());
    else {
      process.stderr.write(
        `sample-app: unknown flag ${name} (accepted: --crash-after MS, --hang-after MS, --unhealthy-after MS, --checkpoint-every N)\n`,
      );
      process.exit(2);
    }
  }
  return flags;
}

function print(event: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ ...event, pid: process.pid, t: process.hrtime.bigint().toString() })}\n`,
  );
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  let counter = 0;
  let lastSaved = -1;
  let app: Replica | null = null;
  const began = Date.now();
  const healthy = () => flags.unhealthyAfterMs === undefined || Date.now() - began < flags.unhealthyAfterMs;

  app = await connect({
    sanity: () => ({ healthy: healthy(), detail: healthy() ? `counter ${counter}` : 'unhealthy on purpose' }),
    onFence: (reason) => print({ event: 'fenced', replica: app?.replica, counter, reason }),
  });
  const a = app;
  print({ event: 'started', replica: a.replica, module: a.module, role: a.role, pid: process.pid });

  const resume = async () => {
    try {
      const saved = await a.loadCheckpoint();
      const n = saved ? Number(saved.state.toString('utf8')) : Number.NaN;
      if (Number.isFinite(n) && n > counter) counter = n;
      print({ event: 'resumed', replica: a.replica, counter, from: saved?.replica ?? null });
    } catch (err) {
      print({ event: 'resumed', replica: a.replica, counter, error: (err as Error).message });
    }
  };

  const onRole = (role: AppRole) => {
    print({ event: 'role', role, replica: a.replica, counter });
    if (role === 'primary') void resume();
  };
  a.on('role', onRole);
  a.on('stop', (reason) => print({ event: 'stop', replica: a.replica, counter, reason }));
  onRole(a.role);

  a.onStateUpdate((saved) => {
    if (a.role !== 'backup') return;
    const n = Number(saved.state.toString('utf8'));
    if (Number.isFinite(n)) counter = n;
  });

  setInterval(() => {
    if (a.role !== 'primary') return;
    counter++;
    if (counter % flags.checkpointEvery === 0 && counter !== lastSaved) {
      lastSaved = counter;
      const saving = counter;
      a.saveCheckpoint(String(saving))
        .then((version) => print({ event: 'saved', replica: a.replica, counter: saving, version }))
        .catch(() => undefined);
    }
  }, 100);

  if (flags.crashAfterMs !== undefined) {
    setTimeout(() => {
      print({ event: 'crash', replica: a.replica, counter });
      process.exit(1);
    }, flags.crashAfterMs);
  }
  if (flags.hangAfterMs !== undefined) {
    setTimeout(() => {
      print({ event: 'hang', replica: a.replica, counter });
      for (;;) {
        // A hang on purpose: the event loop never turns again, so no heartbeat leaves.
      }
    }, flags.hangAfterMs);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sample-app: ${(err as Error).message}\n`);
  process.exit(1);
});
