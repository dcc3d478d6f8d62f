/**
 * A systemd-like restarter for the daemons of the local cluster, as deploy/systemd runs them: one
 * unit per daemon and host, `Restart=always`, `RestartSec=1`. A SuperWatchDog's unit is
 * `KillMode=control-group` (when it dies, what is left of its group, its ReplicaManager, is killed
 * before the restart); a WatchDog's is `KillMode=process` (its copies, in groups of their own, live on).
 *
 * The fault injector can hold a host's units (a crashed host stays down until it is brought back)
 * and delay one restart (a WatchDog back within or beyond the host timeout). Each host's daemons run
 * under a group id of their own (when this process is root), so that packet-filter rules can tell a
 * host's traffic from the others' (partition.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { isAlive, killGroup, waitGone } from '../../src/cli/local-processes.js';

export type DaemonKind = 'checkpoint-server' | 'watchdog' | 'super-watchdog';

interface Unit {
  kind: DaemonKind;
  host: string;
  child: ChildProcess | null;
  pid: number;
  /** Times this unit's process was started. */
  starts: number;
  /** Delay of the next restart only (ms), instead of RestartSec. */
  nextDelayMs: number | null;
  timer: NodeJS.Timeout | null;
}

export interface RestarterOptions {
  rmd: string;
  cfgFile: string;
  logDir: string;
  /** RestartSec, in ms. */
  restartMs: number;
  /** The group id a host's daemons run under, or undefined to keep this process's. */
  gidOf: (host: string) => number | undefined;
  /** Environment added to every daemon's. */
  env?: NodeJS.ProcessEnv;
}

export class Restarter {
  private readonly units = new Map<string, Unit>();
  private readonly held = new Set<string>();
  private stopping = false;

  constructor(private readonly opts: RestarterOptions) {}

  private key(kind: DaemonKind, host: string): string {
    return `${kind}@${host}`;
  }

  /** Enables a unit and starts its process now. */
  start(kind: DaemonKind, host: string): void {
    const k = this.key(kind, host);
    let u = this.units.get(k);
    if (!u) {
      u = { kind, host, child: null, pid: 0, starts: 0, nextDelayMs: null, timer: null };
      this.units.set(k, u);
    }
    this.spawnUnit(u);
  }

  /** The pid of a unit's running process (0 when none runs). */
  pid(kind: DaemonKind, host: string): number {
    const u = this.units.get(this.key(kind, host));
    return u?.child && u.child.exitCode === null && u.child.signalCode === null ? u.pid : 0;
  }

  /** Every running unit of `host` (all hosts when omitted). */
  running(host?: string): Array<{ kind: DaemonKind; host: string; pid: number }> {
    return [...this.units.values()]
      .filter((u) => (host === undefined || u.host === host) && this.pid(u.kind, u.host) > 0)
      .map((u) => ({ kind: u.kind, host: u.host, pid: u.pid }));
  }

  starts(kind: DaemonKind, host: string): number {
    return this.units.get(this.key(kind, host))?.starts ?? 0;
  }

  /** The next restart of this unit waits `ms` instead of RestartSec. */
  delayNext(kind: DaemonKind, host: string, ms: number): void {
    const u = this.units.get(this.key(kind, host));
    if (u) u.nextDelayMs = ms;
  }

  /** No unit of `host` is restarted until release(host) (a host that is down). */
  hold(host: string): void {
    this.held.add(host);
  }

  /** Brings a held host back: every one of its units that does not run is started now. */
  release(host: string): void {
    this.held.delete(host);
    for (const u of this.units.values()) {
      if (u.host !== host || this.pid(u.kind, u.host) > 0) continue;
      if (u.timer) clearTimeout(u.timer);
      u.timer = null;
      this.spawnUnit(u);
    }
  }

  /** Waits until the unit runs again with a process started after `afterStarts` starts, at most `timeoutMs`. */
  async waitRestarted(
    kind: DaemonKind,
    host: string,
    afterStarts: number,
    timeoutMs: number,
  ): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (let i = 0; i < 100_000 && Date.now() < until; i++) {
      if (this.starts(kind, host) > afterStarts && this.pid(kind, host) > 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Stops every unit (TERM to each group, KILL after `graceMs`) and restarts none. */
  async stopAll(graceMs = 3000): Promise<number[]> {
    this.stopping = true;
    const pids: number[] = [];
    for (const u of this.units.values()) {
      if (u.timer) clearTimeout(u.timer);
      u.timer = null;
      if (u.pid > 0) pids.push(u.pid);
    }
    for (const pid of pids) killGroup(pid, 'SIGCONT');
    for (const pid of pids) killGroup(pid, 'SIGTERM');
    await waitGone(pids, graceMs);
    for (const pid of pids) killGroup(pid, 'SIGKILL');
    await waitGone(pids, 5000);
    return pids.filter(isAlive);
  }

  private spawnUnit(u: Unit): void {
    if (this.stopping) return;
    const out = openSync(join(this.opts.logDir, `${u.kind}-${u.host}.log`), 'a');
    const gid = this.opts.gidOf(u.host);
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        [this.opts.rmd, u.kind, '--config', this.opts.cfgFile, '--host', u.host],
        {
          detached: true,
          stdio: ['ignore', out, out],
          env: { ...process.env, ...this.opts.env },
          ...(gid === undefined ? {} : { gid }),
        },
      );
    } finally {
      closeSync(out);
    }
    if (child.pid === undefined) throw new Error(`could not start ${u.kind} on ${u.host}`);
    child.unref();
    // The suite may run at a higher priority than what it tests (so that its samples keep their pace):
    // the daemons run at the ordinary one.
    try {
      setPriority(child.pid, 0);
    } catch {
      // not allowed: it runs at the suite's priority
    }
    u.child = child;
    u.pid = child.pid;
    u.starts++;
    const pid = child.pid;
    child.once('exit', () => {
      if (u.child !== child) return;
      // KillMode=control-group for a SuperWatchDog (and the Checkpoint Server): what is left of the
      // group goes too. KillMode=process for a WatchDog: its copies are in groups of their own anyway.
      if (u.kind !== 'watchdog') killGroup(pid, 'SIGKILL');
      if (this.stopping) return;
      const delay = u.nextDelayMs ?? this.opts.restartMs;
      u.nextDelayMs = null;
      u.timer = setTimeout(() => {
        u.timer = null;
        if (!this.held.has(u.host) && !this.stopping && this.pid(u.kind, u.host) === 0) this.spawnUnit(u);
      }, delay);
    });
  }
}
