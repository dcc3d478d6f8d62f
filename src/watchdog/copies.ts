/**
 * The copies a WatchDog runs, as it holds them in memory, and what it does to their processes: the
 * record of one copy (its state, liveness, stream, last position), and how a copy is ended (TERM and
 * CONT, then KILL after the grace). Every effect goes through ProcessControl and the Clock.
 */
import type { AppliedPosition } from '../model/table.js';
import type { Clock } from '../shared/clock.js';
import type { Timings } from '../shared/config.js';
import type { WatchDogMessage } from '../shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import type { Logger } from '../shared/logging.js';
import { roleToWire } from '../shared/wire.js';
import type { ProbeResult } from './probes.js';
import type { ExitStatus, ProcessControl } from './process-control.js';
import type { Liveness } from './rules.js';
import type { CopyRecord, WatchDogState } from './state.js';

/** The WatchDog's end of a copy's Attach stream. */
export interface AppLink {
  send(msg: WatchDogMessage): void;
  end(): void;
}

export type CopyState = 'running' | 'stopping' | 'failing';

export interface Copy extends CopyRecord {
  state: CopyState;
  /** A child of this WatchDog: its exit is seen at once. Adopted and self-registered copies are watched by pid. */
  child: boolean;
  exited: Promise<ExitStatus> | null;
  exitStatus: ExitStatus | null;
  live: Liveness;
  lastPollMs: number | undefined;
  polling: boolean;
  app: AppLink | null;
  pingSeq: number;
  pendingPing: { seq: number; resolve: (r: ProbeResult) => void } | null;
  /**
   * Where the copy said at its last beat it stands in its module's replication stream (soft: a
   * restarted WatchDog learns it again from the next beat); null until it says.
   */
  applied: AppliedPosition | null;
  /** Resolves when the copy has left the table of running copies. */
  gone: Promise<void>;
  markGone: () => void;
}

/** A copy record as the WatchDog holds it, running from `now`; `onExit` hears a child's exit. */
export function newCopy(
  rec: CopyRecord,
  child: boolean,
  exited: Promise<ExitStatus> | null,
  now: number,
  onExit: (copy: Copy, status: ExitStatus) => void,
): Copy {
  let markGone: () => void = () => undefined;
  const gone = new Promise<void>((r) => {
    markGone = r;
  });
  const copy: Copy = {
    ...rec,
    state: 'running',
    child,
    exited,
    exitStatus: null,
    live: { startedAtMs: now, misses: 0, everHealthy: false },
    lastPollMs: undefined,
    polling: false,
    app: null,
    pingSeq: 0,
    pendingPing: null,
    applied: null,
    gone,
    markGone,
  };
  exited?.then((status) => onExit(copy, status));
  return copy;
}

/** The leader of a copy's process group: its keeper when it has one, else the copy itself. */
export function leaderOf(c: CopyRecord): number {
  return c.pgid ?? c.pid;
}

/** What an answer about a running copy says of it: its pid, role and start (the copy's incarnation). */
export function ackOf(c: CopyRecord) {
  return { pid: c.pid, role: roleToWire(c.role), started_at_ms: String(c.startedAtMs) };
}

/** Whether `pid` is a copy's own process or one of its process group. */
export function isOfCopy(copy: Copy, pid: number, processes: ProcessControl): boolean {
  return pid === copy.pid || (copy.group && processes.stat(pid)?.pgid === leaderOf(copy));
}

/** What the state file holds: the epoch and every copy's record, without what lives only in memory. */
export function stateOf(epoch: number, copies: Iterable<Copy>): WatchDogState {
  return {
    epoch,
    copies: [...copies].map((c) => ({
      spec: c.spec,
      role: c.role,
      pid: c.pid,
      procStart: c.procStart,
      startedAtMs: c.startedAtMs,
      group: c.group,
      ...(c.pgid !== undefined ? { pgid: c.pgid } : {}),
      epoch: c.epoch,
      ...(c.generation ? { generation: c.generation } : {}),
      ...(c.token ? { token: c.token } : {}),
    })),
  };
}

/** How a copy's processes are ended and waited for. */
export class CopyProcesses {
  constructor(
    private readonly opts: {
      processes: ProcessControl;
      clock: Clock;
      timings: Timings;
      logger: Logger;
    },
  ) {}

  /** TERM and CONT (to the process group when the WatchDog started it), then KILL after the grace. Says which ended it. */
  async terminate(copy: Copy, reason: string): Promise<string> {
    copy.app?.send({ stop: { reason } });
    const grace = this.opts.timings.killGraceMs;
    const target = copy.group ? leaderOf(copy) : copy.pid;
    this.opts.processes.kill(target, 'SIGTERM', copy.group);
    // A stopped copy (SIGSTOP) acts on TERM only once it runs: continue it at once, as systemd does.
    this.opts.processes.kill(target, 'SIGCONT', copy.group);
    if (await this.waitExit(copy, grace)) return 'TERM';
    this.opts.processes.kill(target, 'SIGKILL', copy.group);
    const ended = await this.waitExit(copy, Math.max(2000, grace));
    if (!ended)
      this.opts.logger.error({ replica: copy.spec.replica, pid: copy.pid }, 'copy still there after KILL');
    return `TERM, then KILL after ${grace} ms`;
  }

  /** Whatever a failed copy left behind in its process group goes with it. */
  killGroup(copy: Copy): void {
    this.opts.processes.kill(leaderOf(copy), 'SIGKILL', true);
  }

  /** Whether the copy ended within `ms`: its exit event for a child, its pid otherwise. */
  async waitExit(copy: Copy, ms: number): Promise<boolean> {
    const clock = this.opts.clock;
    const deadline = clock.now() + ms;
    for (;;) {
      if (copy.exitStatus) return true;
      if (!copy.child && !this.opts.processes.isAlive(copy.pid, copy.procStart)) return true;
      if (copy.child && !this.opts.processes.isAlive(copy.pid, copy.procStart)) {
        // The exit event follows shortly; the pid is already gone.
        await this.sleep(10);
        return true;
      }
      if (clock.now() >= deadline) return false;
      await this.sleep(Math.min(50, Math.max(1, deadline - clock.now())));
    }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.opts.clock.setTimeout(resolve, ms));
  }

  withTimeout(p: Promise<void>, ms: number): Promise<void> {
    return Promise.race([p, this.sleep(ms)]);
  }
}
