/**
 * How the WatchDog starts and signals local processes (STYLE §4: effects behind a narrow interface).
 * The real one uses child_process.spawn without a shell, each copy in its own process group so that a
 * WatchDog that dies or restarts takes none of its copies with it.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExecutableError } from '../shared/errors.js';
import { procStat, sameProcess } from './state.js';

export interface SpawnRequest {
  /** Absolute, already checked executable. */
  path: string;
  args: string[];
  /** The whole environment of the new process (nothing is inherited). */
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr are appended to this file. */
  logFile: string;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface SpawnedProcess {
  pid: number;
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
}

/** The real ProcessControl. */
export class NodeProcessControl implements ProcessControl {
  async spawn(req: SpawnRequest): Promise<SpawnedProcess> {
    mkdirSync(dirname(req.logFile), { recursive: true });
    const fd = openSync(req.logFile, 'a', 0o640);
    try {
      const child = spawn(req.path, req.args, {
        cwd: req.cwd,
        env: req.env,
        detached: true,
        shell: false,
        stdio: ['ignore', fd, fd],
      });
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
      const pid = child.pid!;
      return { pid, procStart: procStat(pid)?.start ?? null, exited };
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
}
