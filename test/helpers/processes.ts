/**
 * Real processes for tests: each spawned in its own process group and remembered, so that
 * `killAll()` (called from afterEach/afterAll) stops every one of them, even when a test failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { procStat } from '../../src/watchdog/state.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const RMD = join(ROOT, 'bin', 'rmd.js');
export const RMCTL = join(ROOT, 'bin', 'rmctl.js');

const children = new Set<ChildProcess>();

export interface Spawned {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `command args` in a new process group; its stdout+stderr are kept for failure messages. */
export function spawnTracked(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Spawned {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, RM_LOG_LEVEL: process.env.RM_LOG_LEVEL ?? 'info', ...opts.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      res({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { child, pid: child.pid, output: () => out, exited };
}

/** `node bin/rmd.js …` (the project must be built: `npm test` builds first). */
export function spawnRmd(args: string[], env?: NodeJS.ProcessEnv): Spawned {
  return spawnTracked(process.execPath, [RMD, ...args], { env });
}

/**
 * Sends a signal to a whole process group: the group `pid` leads, else the group it is in (a copy
 * led by its keeper). A group that is already gone is fine; the test's own group is never signalled.
 */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch {
    // not a group leader, or gone
  }
  const group = procStat(pid)?.pgid ?? 0;
  if (group <= 1 || group === procStat(process.pid)?.pgid) return;
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

/** Kills every process group a test started and waits (bounded) until they are gone. */
export async function killAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const list = [...children];
  for (const c of list) if (c.pid) killGroup(c.pid, signal);
  await Promise.race([
    Promise.all(
      list.map(
        (c) => new Promise((r) => (c.exitCode !== null || c.signalCode ? r(null) : c.once('exit', r))),
      ),
    ),
    new Promise((r) => setTimeout(r, 5000)),
  ]);
}

/** Polls `probe` until it returns a truthy value, at most `timeoutMs`; fails with `what` and the last error. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 15_000, intervalMs = 50 } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 100_000; i++) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
  );
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix = 'rm-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether a pid is alive (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
