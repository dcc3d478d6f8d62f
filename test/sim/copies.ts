/**
 * What runs under a simulated WatchDog: the host's process table (ProcessControl), each copy's keeper
 * (fence first: it kills the copy once the host lease in the lease file has run out, WatchDog or not),
 * and the copies themselves, a model of the sample application on the SDK: each announces its role,
 * beats to its WatchDog and stops itself when the lease it hears runs out, and as a primary loads the
 * module's counter and saves it, one higher each time, through the fenced store.
 */

import type { Checkpoint } from '../../src/checkpoint-server/store.js';
import type { Role } from '../../src/model/table.js';
import { ConflictError, FencedError } from '../../src/shared/errors.js';
import type { WatchDogMessage } from '../../src/shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { maybeRoleFromWire } from '../../src/shared/wire.js';
import {
  type ExitStatus,
  KEEPER_CHECK_MS,
  type ProcessControl,
  type SpawnRequest,
} from '../../src/watchdog/process-control.js';
import type { AppLink } from '../../src/watchdog/supervisor.js';
import type { Sim, SimHost } from './cluster.js';
import { Proc } from './world.js';

/** How often a primary copy saves its counter. */
const SAVE_EVERY_MS = 150;
/** A copy's own latency between hearing of a thing and acting on it (one hop on its host). */
const LOCAL_HOP_MS = 0.05;

/** One copy, as a process: its role as it announces it, its counter as it knows it. */
export class SimCopy {
  readonly proc: Proc;
  readonly keeper: Proc;
  readonly replica: string;
  readonly module: string;
  readonly style: string;
  role: Role;
  epoch: number;
  generation: number;
  /** Its sanity check answers unhealthy (a fault), while it runs on as before. */
  lying = false;
  /** The role it last announced (its log line), null before it announced any. */
  announced: Role | null = null;
  exit: ExitStatus | null = null;
  /** SIGTERM received while frozen: acted on once it runs again. */
  private termPending = false;
  private readonly exitWaiters: Array<(s: ExitStatus) => void> = [];
  private link: { wd: Proc; toWd: (fn: () => void) => void; app: AppLink } | null = null;
  private attaching = false;
  private reattachMs = 50;
  private beatSeq = 0;
  private beatTimer = false;
  private heartbeatMs = 300;
  private readonly leaseMs: number;
  /** What the copy shows its WatchDog on Attach (RM_COPY_TOKEN), as the SDK does. */
  private readonly token: string;
  /** Until when (host clock) it may run on what its WatchDog last said. */
  private leaseUntil: number;
  private counter = 0;
  private version = 0;
  private loaded = false;
  private saving = false;
  /** Its session of saves (the process and when it began, as pids repeat after a boot) and its last save's number. */
  private readonly saveSession: string;
  private readonly incarnation: number;
  private saves = 0;

  constructor(
    private readonly sim: Sim,
    readonly host: SimHost,
    readonly pid: number,
    req: SpawnRequest,
  ) {
    this.replica = req.env.RM_REPLICA ?? '?';
    this.module = req.env.RM_MODULE ?? '?';
    this.style = req.env.RM_STYLE ?? 'warm';
    this.role = req.env.RM_ROLE === 'primary' ? 'P' : 'B';
    this.epoch = Number(req.env.RM_EPOCH ?? 0);
    this.generation = Number(req.env.RM_GENERATION ?? 0);
    this.leaseMs = Number(req.env.RM_LEASE_MS ?? 3000);
    this.token = req.env.RM_COPY_TOKEN ?? '';
    this.proc = new Proc(`${host.name}/${this.replica}#${pid}`, host.name);
    this.keeper = new Proc(`${host.name}/keeper#${pid}`, host.name);
    this.leaseUntil = this.now() + this.leaseMs;
    this.saveSession = `${this.proc.name}@${this.sim.sched.now}`;
    this.incarnation = Number(req.env.RM_INCARNATION ?? 0);
  }

  get alive(): boolean {
    return this.proc.alive;
  }

  /** Until when (host clock) it may act on what its WatchDog last said: past it, it stops itself first. */
  get leaseEnds(): number {
    return this.leaseUntil;
  }

  private now(): number {
    return this.host.clock.at(this.sim.sched.now);
  }

  private later(ms: number, fn: () => void): void {
    this.sim.sched.after(ms, this.proc, fn);
  }

  start(): void {
    this.announce(this.role, 'started');
    this.keep();
    this.later(1, () => this.attach());
    this.selfFence();
    this.saveLoop();
  }

  /** The copy's exit as a promise for the WatchDog incarnation that started it (its event, on its process). */
  exited(wd: Proc): Promise<ExitStatus> {
    return new Promise((resolve) =>
      this.exitWaiters.push((s) => this.sim.sched.after(0, wd, () => resolve(s))),
    );
  }

  // ---- signals ----

  signal(sig: NodeJS.Signals): void {
    if (!this.proc.alive) return;
    if (sig === 'SIGKILL') {
      this.end({ code: null, signal: 'SIGKILL' }, 'killed');
      return;
    }
    if (sig === 'SIGSTOP') {
      this.proc.frozen = true;
      return;
    }
    if (sig === 'SIGCONT') {
      this.sim.sched.thaw(this.proc);
      if (this.termPending) this.sim.sched.after(0, this.proc, () => this.onTerm());
      return;
    }
    if (sig === 'SIGTERM') {
      if (this.proc.frozen) this.termPending = true;
      else this.sim.sched.after(1, this.proc, () => this.onTerm());
    }
  }

  private onTerm(): void {
    this.end({ code: null, signal: 'SIGTERM' }, 'terminated');
  }

  /** Ends the process (its keeper with it); the WatchDog that started it hears the status. */
  end(status: ExitStatus, why: string): void {
    if (!this.proc.alive) return;
    this.exit = status;
    this.sim.trace(`${this.proc.name} exits (${why})`);
    die(this.proc);
    die(this.keeper);
    for (const w of this.exitWaiters.splice(0)) w(status);
  }

  private announce(role: Role, why: string): void {
    this.announced = role;
    this.sim.trace(
      `${this.proc.name} announces ${role} (${why}, epoch ${this.epoch}, generation ${this.generation})`,
    );
  }

  // ---- the keeper ----

  /** Fence first: the keeper reads the host's lease file and kills the copy once it has run out. */
  private keep(): void {
    const check = () => {
      if (!this.proc.alive) return;
      if (this.host.disk.leaseUntil <= this.now()) {
        this.sim.trace(`${this.keeper.name}: host lease ran out, killing ${this.replica}`);
        this.end({ code: null, signal: 'SIGKILL' }, 'killed by its keeper');
        return;
      }
      this.sim.sched.after(KEEPER_CHECK_MS, this.keeper, check, true);
    };
    this.sim.sched.after(0, this.keeper, check, true);
  }

  // ---- the WatchDog's stream ----

  private attach(): void {
    if (this.attaching || this.link) return;
    const wd = this.host.wd;
    const watchdog = wd?.ready;
    if (!wd || !watchdog || !wd.proc.alive) {
      this.retryAttach();
      return;
    }
    this.attaching = true;
    const me = this.proc;
    const app: AppLink = {
      send: (msg) => this.sim.sched.after(LOCAL_HOP_MS, me, () => this.onMessage(app, msg)),
      end: () => this.sim.sched.after(LOCAL_HOP_MS, me, () => this.linkEnded(app)),
    };
    const toWd = (fn: () => void) => this.sim.sched.after(LOCAL_HOP_MS, wd.proc, fn);
    toWd(() => {
      let welcome: WatchDogMessage;
      try {
        welcome = watchdog.attach(
          { replica: this.replica, module: this.module, pid: this.pid },
          app,
          this.token,
        );
      } catch {
        this.sim.sched.after(LOCAL_HOP_MS, me, () => {
          this.attaching = false;
          this.retryAttach();
        });
        return;
      }
      this.sim.sched.after(LOCAL_HOP_MS, me, () => {
        this.attaching = false;
        this.link = { wd: wd.proc, toWd, app };
        this.reattachMs = 50;
        const w = welcome.welcome;
        if (w) {
          this.heartbeatMs = Number(w.heartbeat_interval_ms ?? this.heartbeatMs);
          this.setRole(
            maybeRoleFromWire(String(w.role ?? '')) ?? this.role,
            Number(w.epoch),
            Number(w.generation),
            'welcome',
          );
        }
        if (!this.beatTimer) this.beat();
      });
    });
  }

  private retryAttach(): void {
    // The SDK's reconnect back-off, capped well inside the lease.
    const delay = Math.min(1000, Math.floor(this.leaseMs / 10), this.reattachMs);
    this.reattachMs = Math.min(this.reattachMs * 2, 1600);
    this.later(delay, () => this.attach());
  }

  private linkEnded(app: AppLink): void {
    if (this.link?.app !== app) return;
    this.link = null;
    this.retryAttach();
  }

  private beat(): void {
    this.beatTimer = true;
    const link = this.link;
    if (link && !link.wd.alive) {
      this.link = null;
      this.retryAttach();
    } else if (link) {
      const seq = String(++this.beatSeq);
      const sent = this.now();
      this.pendingBeats.set(seq, sent);
      const watchdog = this.host.wd?.proc === link.wd ? this.host.wd.ready : null;
      link.toWd(() => watchdog?.heartbeat(this.replica, link.app, seq));
    }
    this.later(this.heartbeatMs, () => this.beat());
  }

  private readonly pendingBeats = new Map<string, number>();

  private onMessage(app: AppLink, msg: WatchDogMessage): void {
    if (this.link?.app !== app) return;
    if (msg.beat_ack) {
      const seq = String(msg.beat_ack.seq);
      const sent = this.pendingBeats.get(seq);
      this.pendingBeats.delete(seq);
      const remaining = Math.min(Number(msg.beat_ack.lease_remaining_ms ?? 0), this.leaseMs);
      if (sent !== undefined && remaining > 0) this.leaseUntil = Math.max(this.leaseUntil, sent + remaining);
    } else if (msg.role_change) {
      const r = msg.role_change;
      this.setRole(
        maybeRoleFromWire(String(r.role ?? '')) ?? this.role,
        Number(r.epoch),
        Number(r.generation),
        'role change',
      );
    } else if (msg.stop) {
      this.end({ code: 0, signal: null }, `told to stop: ${msg.stop.reason}`);
    } else if (msg.ping) {
      const seq = Number(msg.ping.seq);
      const watchdog = this.host.wd?.proc === this.link.wd ? this.host.wd.ready : null;
      const healthy = !this.lying;
      this.link.toWd(() =>
        watchdog?.pong(
          this.replica,
          app,
          seq,
          healthy,
          healthy ? `counter ${this.counter}` : 'unwell (it says)',
        ),
      );
    }
  }

  private setRole(role: Role, epoch: number, generation: number, why: string): void {
    const changed = role !== this.role || generation !== this.generation || this.announced === null;
    const promoted = role === 'P' && (this.role !== 'P' || generation !== this.generation);
    this.role = role;
    if (epoch) this.epoch = epoch;
    this.generation = generation;
    if (promoted) this.loaded = false;
    if (changed) this.announce(role, why);
  }

  /** The SDK stops a copy whose lease, as its WatchDog last told it, has run out (exit 75). */
  private selfFence(): void {
    const every = Math.max(10, Math.min(50, Math.floor(this.leaseMs / 10)));
    const ahead = Math.min(100, Math.floor(this.leaseMs / 10));
    const check = () => {
      if (this.now() > this.leaseUntil - ahead) {
        this.end({ code: 75, signal: null }, 'its lease ran out');
        return;
      }
      this.sim.sched.after(every, this.proc, check, true);
    };
    this.sim.sched.after(every, this.proc, check, true);
  }

  // ---- the counter ----

  private saveLoop(): void {
    this.later(SAVE_EVERY_MS, () => {
      if (this.role === 'P' && !this.saving) void this.saveOnce();
      this.saveLoop();
    });
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return this.sim.net.call<T>(this.proc, 'CS/cs', method, req, this.sim.timings.rpcDeadlineMs);
  }

  /** Loads the module's counter (after each promotion), then saves it one higher under its fencing token. */
  private async saveOnce(): Promise<void> {
    this.saving = true;
    try {
      if (!this.loaded) {
        const cp = await this.call<Checkpoint | null>('loadCheckpoint', { module: this.module });
        this.counter = cp ? Number(cp.state.toString()) : 0;
        this.version = cp?.version ?? 0;
        this.loaded = true;
        return;
      }
      const value = this.counter + 1;
      const generation = this.generation;
      const token = {
        replica: this.replica,
        epoch: this.epoch,
        generation,
        ...(this.style === 'hot' ? { expectedVersion: this.version } : {}),
        incarnation: this.incarnation,
        session: this.saveSession,
        sequence: ++this.saves,
      };
      const version = await this.call<number>('saveCheckpoint', {
        module: this.module,
        replica: this.replica,
        state: String(value),
        token,
      });
      this.counter = Math.max(this.counter, value);
      this.version = version;
      this.sim.observe.acknowledged(this, value, version);
    } catch (err) {
      if (err instanceof FencedError) {
        this.end({ code: 75, signal: null }, `save refused: ${err.message}`);
      } else if (err instanceof ConflictError) {
        this.loaded = false;
      }
      // Unavailable: the next turn tries again with the same counter.
    } finally {
      this.saving = false;
    }
  }
}

/** Kills a process: its events are dropped from now on. */
export function die(p: Proc): void {
  if (!p.alive) return;
  p.alive = false;
  p.frozen = false;
  p.deferred.length = 0;
  for (const f of p.onDeath.splice(0)) f();
}

/** The process table of one host. */
export class HostProcesses {
  private nextPid = 100;
  readonly copies = new Map<number, SimCopy>();

  constructor(
    private readonly sim: Sim,
    private readonly host: SimHost,
  ) {}

  /** The ProcessControl one WatchDog incarnation gets: its children's exits reach only it. */
  controlFor(wd: Proc): ProcessControl {
    return {
      spawn: async (req) => {
        const pid = this.nextPid++;
        const copy = new SimCopy(this.sim, this.host, pid, req);
        this.copies.set(pid, copy);
        this.sim.observe.started(copy);
        copy.start();
        return { pid, pgid: pid + 100_000, procStart: `t${this.sim.sched.now}`, exited: copy.exited(wd) };
      },
      kill: (pid, signal) => this.byPidOrGroup(pid)?.signal(signal),
      isAlive: (pid) => this.copies.get(pid)?.alive ?? false,
      // A copy leads no group of its own: its keeper's group is its pid + 100 000.
      stat: (pid) =>
        this.copies.get(pid)?.alive ? { start: 'sim', state: 'S', pgid: pid + 100_000, ppid: 0 } : null,
      owner: (pid) => (this.copies.get(pid)?.alive ? 0 : null),
      self: () => ({ pid: 1, ppid: 0, uid: 0 }),
    };
  }

  private byPidOrGroup(pid: number): SimCopy | undefined {
    return this.copies.get(pid) ?? this.copies.get(pid - 100_000);
  }

  /** The copies that run (alive, maybe frozen). */
  running(): SimCopy[] {
    return [...this.copies.values()].filter((c) => c.alive);
  }

  /** Every process of the host ends at once (a host crash). */
  killAll(): void {
    for (const c of this.copies.values()) c.end({ code: null, signal: 'SIGKILL' }, 'host crashed');
    this.copies.clear();
  }

  freezeAll(frozen: boolean): void {
    for (const c of this.running()) {
      for (const p of [c.proc, c.keeper]) {
        if (frozen) p.frozen = true;
        else this.sim.sched.thaw(p);
      }
    }
  }
}
