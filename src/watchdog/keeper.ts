/**
 * A copy's keeper (fence first, DESIGN §5): a small process between the WatchDog and each copy it
 * starts, as containerd's shim is. It leads the copy's process group, starts the copy, and kills the
 * whole group once the host's lease (lease.ts) has run out, whether or not a WatchDog still runs:
 * the WatchDog may be dead, restarting, or cut off from the primary SuperWatchDog, and the copy must
 * still be gone before its host can be declared dead. It ends with the copy's own exit status, so
 * the WatchDog sees the copy's exit as its own.
 *
 *   node keeper.js LEASE_FILE CHECK_MS   (the copy, as JSON { path, args, env, cwd, uid?, gid? }, on stdin)
 *
 * With uid and gid the copy runs as that account (the keeper itself stays the WatchDog's, so that it
 * can always kill the copy).
 *
 * It imports nothing of the project, so that it starts in a few milliseconds, and reads no
 * environment of the copy's for itself (no NODE_OPTIONS of a module reaches it).
 */
import { spawn } from 'node:child_process';
import { closeSync, readFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';

interface CopyToStart {
  path: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  uid?: number;
  gid?: number;
}

/** Exit code when the copy could not be started at all (as a shell's "command not found"). */
const KEEPER_SPAWN_FAILED = 127;

function say(event: Record<string, unknown>): void {
  try {
    process.stderr.write(`${JSON.stringify({ keeper: true, pid: process.pid, ...event })}\n`);
  } catch {
    // The log may be gone; the kill matters more than the line.
  }
}

/** Tells the WatchDog, on fd 3 (when it gave one), the copy's pid or why it could not start. Once. */
let reported = false;
function report(msg: { pid?: number | undefined; error?: string }): void {
  if (reported) return;
  reported = true;
  try {
    writeSync(3, `${JSON.stringify(msg)}\n`);
    closeSync(3);
  } catch {
    // No WatchDog listening (started by hand, or it is gone): nothing to tell.
  }
}

function nowMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

function leaseUntil(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

function fence(file: string): never {
  say({ event: 'lease-expired', lease: file, detail: 'the host lease ran out: the copy is killed' });
  // The group is the keeper's own (it was started as a group leader): the copy, whatever it started
  // in its group, and the keeper itself.
  process.kill(-process.pid, 'SIGKILL');
  process.exit(137);
}

function main(): void {
  const [file, checkArg] = process.argv.slice(2);
  const checkMs = Math.max(5, Number(checkArg) || 50);
  if (!file) {
    say({ event: 'usage', detail: 'keeper.js LEASE_FILE CHECK_MS, the copy as JSON on stdin' });
    process.exit(2);
  }
  let copy: CopyToStart;
  try {
    copy = JSON.parse(readFileSync(0, 'utf8')) as CopyToStart;
  } catch (err) {
    say({ event: 'bad-input', detail: (err as Error).message });
    process.exit(2);
  }
  if (nowMs() > leaseUntil(file)) fence(file);
  const child = spawn(copy.path, copy.args, {
    cwd: copy.cwd,
    env: copy.env,
    ...(copy.uid !== undefined ? { uid: copy.uid } : {}),
    ...(copy.gid !== undefined ? { gid: copy.gid } : {}),
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: false,
  });
  child.once('spawn', () => report({ pid: child.pid }));
  child.once('error', (err: NodeJS.ErrnoException) => {
    say({ event: 'spawn-failed', path: copy.path, detail: err.code ?? err.message });
    report({ error: err.code ?? err.message });
    process.exit(KEEPER_SPAWN_FAILED);
  });
  // Stopping is the WatchDog's to ask, by signalling the group: the keeper waits for the copy.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => undefined);
  // Signals for the copy alone (a promotion signal, a reload) are passed on.
  for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(sig, () => {
      try {
        child.kill(sig);
      } catch {
        // gone
      }
    });
  }
  const timer = setInterval(() => {
    if (nowMs() > leaseUntil(file)) fence(file);
  }, checkMs);
  child.once('exit', (code, signal) => {
    clearInterval(timer);
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      // Should the keeper survive the signal, it exits the shell's way: 128 + the signal's number.
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
      return;
    }
    process.exit(code ?? 0);
  });
}

main();
