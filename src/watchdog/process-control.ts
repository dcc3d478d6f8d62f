/**
 * How the WatchDog starts and signals local processes (STYLE §4: effects behind a narrow interface).
 * The real one uses child_process.spawn without a shell, each copy in its own process group so that a
 * WatchDog that dies or restarts takes none of its copies with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AccountError, ExecutableError } from '../shared/errors.js';
import type { Account } from './accounts.js';

export interface SpawnRequest {
  /** Absolute, already checked executable. */
  path: string;
  args: string[];
  /** The whole environment of the new process (nothing is inherited). */
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr are appended to this file. */
  logFile: string;
  /**
   * The host's lease file: the copy is started under a keeper (keeper.ts) that kills it once the
   * lease has run out, even with no WatchDog running. Absent: started directly, with no keeper.
   */
  leaseFile?: string;
  /**
   * The account the copy runs as (its module's user and group); `cwd` is then made its own (0700).
   * Absent: the WatchDog's own account.
   */
  account?: Account;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface SpawnedProcess {
  /** The program's own pid. */
  pid: number;
  /** Its process group's leader when that is not the program: its keeper. */
  pgid?: number;
  /** /proc start time, to tell this process from a later one with the same pid. */
  procStart: string | null;
  /** Resolves once, when the process has ended. */
  exited: Promise<ExitStatus>;
}

export interface ProcessControl {
  /** Starts a process. Raises ExecutableError when the system refuses to run it (missing, not executable). */
  spawn(req: SpawnRequest): Promise<SpawnedProcess>;
  /** Sends `signal` to the process, or to its whole process group when `group`. Never raises: a gone process is fine. */
  kill(pid: number, signal: NodeJS.Signals, group: boolean): void;
  /** Whether the process with this pid and start time still runs (a zombie does not). */
  isAlive(pid: number, procStart: string | null): boolean;
  /** What the system says of a running process (its start, group and parent); null when it is gone or a zombie. */
  stat(pid: number): ProcessStat | null;
  /** The uid a process runs as; null when it is gone. */
  owner(pid: number): number | null;
  /** The WatchDog's own process: its pid, its parent's, and the uid it runs as (undefined where there is none). */
  self(): { pid: number; ppid: number; uid: number | undefined };
}

export interface ProcessStat {
  /** Field 22 of /proc/<pid>/stat: tells the process from a later one with its pid. */
  start: string;
  state: string;
  pgid: number;
  ppid: number;
}

/** How often a keeper reads the lease file. Part of timings.fenceMarginMs. */
export const KEEPER_CHECK_MS = 50;

/** The built keeper (dist/src/watchdog/keeper.js), from dist itself or from the sources under test. */
export function keeperPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'keeper.js');
  if (existsSync(sibling)) return sibling;
  const built = join(here, '..', '..', 'dist', 'src', 'watchdog', 'keeper.js');
  if (existsSync(built)) return built;
  throw new Error(`the copies' keeper is not built (looked for ${sibling} and ${built}): run npm run build`);
}

/** How long a keeper may take to start its copy before the start counts as failed. */
const KEEPER_START_MS = 10_000;

/** Reads the keeper's report on fd 3: the copy's pid, or why it could not be started (ExecutableError). */
function copyPidFrom(child: ChildProcess, path: string): Promise<number> {
  const report = child.stdio[3] as Readable | null;
  return new Promise<number>((resolve, reject) => {
    let text = '';
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      reject(
        new ExecutableError(
          `could not start "${path}": its keeper did not start it within ${KEEPER_START_MS} ms`,
        ),
      );
    }, KEEPER_START_MS);
    // Once: on the report's line, or when the pipe closes (the keeper ended, or never wrote).
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      report?.destroy();
      let msg: { pid?: number; error?: string } = {};
      try {
        msg = JSON.parse(text.split('\n')[0] ?? '') as typeof msg;
      } catch {
        // no report: the keeper ended first
      }
      if (msg.pid && msg.pid > 0) resolve(msg.pid);
      else
        reject(
          new ExecutableError(
            `could not start "${path}": ${msg.error ?? 'its keeper ended before starting it'}`,
          ),
        );
    };
    if (!report) {
      settle();
      return;
    }
    report.setEncoding('utf8');
    report.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) settle();
    });
    report.once('end', settle);
    report.once('error', settle);
    // The pipe must not keep the WatchDog's event loop alive.
    (report as unknown as { unref?: () => void }).unref?.();
  });
}

/**
 * A copy's working folder, its account's alone; the folder above it (`copies/`) only passable. A
 * WatchDog that is not root cannot start a copy as another account: refused with AccountError.
 */
function ownFolder(dir: string, account: Account): void {
  const me = process.getuid?.();
  if (me !== undefined && me !== 0 && me !== account.uid)
    throw new AccountError(
      `this WatchDog runs as uid ${me}: it can run copies as uid ${account.uid} only as root (or run the module as uid ${me})`,
    );
  mkdirSync(dirname(dir), { recursive: true, mode: 0o711 });
  // The daemons' umask (077) takes the search bit off what mkdir makes.
  chmodSync(dirname(dir), 0o711);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (me === 0) chownSync(dir, account.uid, account.gid);
}

/** The real ProcessControl. */
export class NodeProcessControl implements ProcessControl {
  async spawn(req: SpawnRequest): Promise<SpawnedProcess> {
    const account = req.account;
    if (account) ownFolder(req.cwd, account);
    mkdirSync(dirname(req.logFile), { recursive: true, mode: 0o700 });
    const fd = openSync(req.logFile, 'a', 0o600);
    try {
      const kept = req.leaseFile !== undefined;
      // Under a keeper, the keeper leads the process group and the copy's spec reaches it on stdin,
      // so that nothing of the copy's environment (NODE_OPTIONS, say) applies to the keeper itself.
      const child = kept
        ? spawn(process.execPath, [keeperPath(), req.leaseFile as string, String(KEEPER_CHECK_MS)], {
            cwd: req.cwd,
            env: { PATH: req.env.PATH ?? '/usr/bin:/bin' },
            detached: true,
            shell: false,
            // fd 3: the keeper says the copy's pid once it runs, or why it could not start it.
            stdio: ['pipe', fd, fd, 'pipe'],
          })
        : spawn(req.path, req.args, {
            cwd: req.cwd,
            env: req.env,
            ...account,
            detached: true,
            shell: false,
            stdio: ['ignore', fd, fd],
          });
      if (kept) {
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(
          JSON.stringify({ path: req.path, args: req.args, env: req.env, cwd: req.cwd, ...account }),
        );
      }
      const exited = new Promise<ExitStatus>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', (err: NodeJS.ErrnoException) =>
          reject(new ExecutableError(`could not start "${req.path}": ${err.code ?? err.message}`)),
        );
      });
      // The WatchDog must be able to stop without waiting for its copies.
      child.unref();
      const leader = child.pid!;
      const pid = kept ? await copyPidFrom(child, req.path) : leader;
      return {
        pid,
        ...(kept ? { pgid: leader } : {}),
        procStart: procStat(pid)?.start ?? null,
        exited,
      };
    } finally {
      closeSync(fd);
    }
  }

  kill(pid: number, signal: NodeJS.Signals, group: boolean): void {
    if (pid <= 0) return;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      if (group) {
        // The group may be gone while its leader lingers (or the copy changed group): try the pid itself.
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    }
  }

  isAlive(pid: number, procStart: string | null): boolean {
    return sameProcess(pid, procStart);
  }

  stat(pid: number): ProcessStat | null {
    return procStat(pid);
  }

  owner(pid: number): number | null {
    return processOwner(pid);
  }

  self(): { pid: number; ppid: number; uid: number | undefined } {
    return { pid: process.pid, ppid: process.ppid, uid: process.getuid?.() };
  }
}

/** Process facts read from /proc, or null when the process does not exist (or is a zombie). */
export function procStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '';
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const start = rest[19];
  if (start === undefined || state === 'Z' || state === 'X') return null;
  return { start, state, pgid, ppid };
}

/** Whether `pid` is the very process recorded (same start time), alive and not a zombie. */
export function sameProcess(pid: number, procStart: string | null): boolean {
  if (pid <= 0) return false;
  const st = procStat(pid);
  if (st) return procStart === null || st.start === procStart;
  // Without /proc (not Linux) only the pid can be checked.
  if (process.platform === 'linux') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The uid a process runs as (the owner of /proc/PID), or null when it is gone. */
export function processOwner(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return null;
  }
}
