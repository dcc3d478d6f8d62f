/**
 * The ReplicaManager process that a primary SuperWatchDog runs on its own host (source ¶0026): started
 * with the epoch the SuperWatchDog won, restarted when it dies, stopped when the SuperWatchDog steps down.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../shared/logging.js';

/** bin/rmd.js of this package, from src/super-watchdog (vitest) or dist/src/super-watchdog (built). */
export function rmdPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'bin', 'rmd.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('bin/rmd.js not found next to the package');
}

export interface ManagerProcessOptions {
  configFile: string;
  host: string;
  logger: Logger;
  /** Back-off bounds between restarts of a manager that keeps dying. */
  minRestartMs?: number;
  maxRestartMs?: number;
  /** How long a stopped manager gets between TERM and KILL. */
  killGraceMs?: number;
  /** Told when the manager exits while wanted (it is about to be restarted), e.g. for the metrics. */
  onUnwantedExit?: () => void;
}

export class ManagerProcess {
  private child: ChildProcess | null = null;
  private epoch = 0;
  private wanted = false;
  private restarts = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ManagerProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** When the running manager was spawned (`Date.now()`), or null while none runs (e.g. during its back-off). */
  get spawnedAt(): number | null {
    return this.running ? this.startedAt : null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs the ReplicaManager under `epoch` (a running one with an older epoch is replaced). */
  ensure(epoch: number): void {
    this.wanted = true;
    if (this.running && this.epoch === epoch) return;
    if (this.running) void this.stopChild();
    this.epoch = epoch;
    this.spawnChild();
  }

  /** The manager stopped answering its beats: kill it; the exit handler starts a new one. */
  restart(reason: string): void {
    if (!this.child || !this.running || this.child.killed) return;
    this.opts.logger.warn(
      { pid: this.child.pid, reason },
      'ReplicaManager unresponsive: killing it to restart it',
    );
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.wanted = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.stopChild();
  }

  private spawnChild(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = spawn(
      process.execPath,
      [rmdPath(), 'replica-manager', '--config', this.opts.configFile, '--host', this.opts.host],
      {
        // Same process group as this SuperWatchDog: a host that dies takes both.
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, RM_EPOCH: String(this.epoch), RM_PARENT_PID: String(process.pid) },
      },
    );
    this.child = child;
    this.startedAt = Date.now();
    this.opts.logger.info({ pid: child.pid, epoch: this.epoch }, 'ReplicaManager started');
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (!this.wanted) return;
      this.opts.onUnwantedExit?.();
      // A manager that ran for a while restarts at once; one that keeps dying backs off.
      this.restarts = Date.now() - this.startedAt > 10_000 ? 0 : this.restarts + 1;
      const min = this.opts.minRestartMs ?? 0;
      const delay =
        this.restarts === 0 ? min : Math.min(200 * 2 ** (this.restarts - 1), this.opts.maxRestartMs ?? 5000);
      this.opts.logger.warn({ code, signal, delay }, 'ReplicaManager exited; restarting it on this host');
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.wanted) this.spawnChild();
      }, delay);
    });
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.child = null;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), this.opts.killGraceMs ?? 2000);
    await gone;
    clearTimeout(force);
    this.opts.logger.info({ pid: child.pid }, 'ReplicaManager stopped');
  }
}
