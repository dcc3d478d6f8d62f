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
 * With a service port (RM_SERVICE_PORT, given when the module declares `servicePort`: DESIGN §12) it
 * serves a line protocol on its host's address (RM_HOST_ADDRESS) while it is primary: each line
 * "get" is answered with {"replica","role","counter","generation"} on one line; any other line with
 * {"error"}. Only the primary listens: a backup refuses connections, and a copy that steps down
 * stops listening and ends its open connections, so that clients never reach two primaries. It then
 * prints "serving" (with the port), "not-serving" and, when the port cannot be bound, "service-error".
 *
 * Flags for demonstrations:
 *   --crash-after MS   exits with code 1 after MS milliseconds (a crash)
 *   --hang-after MS    blocks its event loop for good after MS milliseconds (a hang: no more beats)
 *   --unhealthy-after MS  its sanity check fails after MS milliseconds (a polling WatchDog notices)
 *   --checkpoint-every N  increments between checkpoints (default 5)
 */
import net from 'node:net';
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

/**
 * The copy's service while it is primary (DESIGN §12): a listener on the copy's own port that the
 * router forwards to. `serve(true)` opens it (retrying while the port is still taken), `serve(false)`
 * closes it and ends every open connection.
 */
function lineService(
  address: string,
  port: number,
  answer: () => Record<string, unknown>,
): { serve: (on: boolean) => void } {
  let server: net.Server | null = null;
  let wanted = false;
  let retry: NodeJS.Timeout | null = null;
  const open = new Set<net.Socket>();

  const onConnection = (c: net.Socket) => {
    open.add(c);
    c.on('error', () => undefined);
    c.once('close', () => open.delete(c));
    c.setEncoding('utf8');
    let buffered = '';
    c.on('data', (chunk: string) => {
      buffered += chunk;
      // A line longer than this is no request of this protocol.
      if (buffered.length > 4096) {
        c.end(`${JSON.stringify({ error: 'line too long (at most 4096 bytes)' })}\n`);
        return;
      }
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        const line = buffered.slice(0, at).trim();
        buffered = buffered.slice(at + 1);
        if (line === 'get') c.write(`${JSON.stringify(answer())}\n`);
        else
          c.write(
            `${JSON.stringify({ error: `unknown request ${JSON.stringify(line)} (accepted: get)` })}\n`,
          );
      }
    });
  };

  const start = () => {
    retry = null;
    if (!wanted || server) return;
    const s = net.createServer(onConnection);
    s.once('error', (err) => {
      s.close();
      if (server === s) server = null;
      print({ event: 'service-error', port, error: err.message });
      if (wanted) retry = setTimeout(start, 200);
    });
    s.listen(port, address, () => {
      if (server !== s) return;
      print({ event: 'serving', address, port });
    });
    server = s;
  };

  return {
    serve(on: boolean) {
      if (on === wanted) return;
      wanted = on;
      if (on) {
        start();
        return;
      }
      if (retry) clearTimeout(retry);
      retry = null;
      const s = server;
      server = null;
      if (s?.listening) print({ event: 'not-serving', port });
      s?.close();
      for (const c of open) c.destroy();
      open.clear();
    },
  };
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

  const servicePort = Number(process.env.RM_SERVICE_PORT);
  const service =
    Number.isInteger(servicePort) && servicePort > 0
      ? lineService(process.env.RM_HOST_ADDRESS || '127.0.0.1', servicePort, () => ({
          replica: a.replica,
          role: a.role,
          counter,
          generation: a.generation,
        }))
      : null;

  const onRole = (role: AppRole) => {
    print({ event: 'role', role, replica: a.replica, counter });
    service?.serve(role === 'primary');
    if (role === 'primary') void resume();
  };
  a.on('role', onRole);
  a.on('stop', (reason) => {
    service?.serve(false);
    print({ event: 'stop', replica: a.replica, counter, reason });
  });
  a.on('fence', () => service?.serve(false));
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
