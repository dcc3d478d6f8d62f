/**
 * The application SDK: how a program supervised by the cluster learns who it is and what it should
 * do (DESIGN §7). It attaches to the WatchDog of its host, beats, answers pings with the program's
 * own sanity check (source ¶0019), learns its role and every change of it at once (a backup promoted
 * to primary is told as soon as the WatchDog is), saves and loads its state through the Checkpoint
 * Server (¶0014), lets a warm backup follow the primary's saved state, and can register its own
 * module (¶0015).
 *
 * Self-fencing (DESIGN §5): a copy that has heard nothing from its WatchDog for longer than its lease
 * stops itself: `onFence` is called, then the process exits with FENCED_EXIT_CODE. The cluster will
 * have declared its host dead by then and started a replacement elsewhere; this copy must not go on
 * acting as a primary beside it.
 *
 * ```ts
 * import { connect } from 'replica-manager';
 * const app = await connect({ sanity: () => db.isOpen() });
 * app.on('role', (role) => (role === 'primary' ? serve() : follow()));
 * ```
 *
 * The identity comes from the environment the WatchDog gives every copy: RM_MODULE, RM_REPLICA,
 * RM_ROLE (primary | backup), RM_HOST, RM_WATCHDOG_ADDRESS, RM_CHECKPOINT_ADDRESS, RM_EPOCH,
 * RM_LEASE_MS; every one of them can be passed as an option instead.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { ModuleSpec } from '../model/table.js';
import { backoffMs } from '../shared/backoff.js';
import { type Clock, repeat, sleep, steadyClock, type TimerHandle } from '../shared/clock.js';
import { CopyCatModeError, FencedError } from '../shared/errors.js';
import { Failover, splitAddresses } from '../shared/failover.js';
import type { Checkpoint__Output } from '../shared/generated/rm/checkpoint/v1/Checkpoint.js';
import type { CheckpointServerClient } from '../shared/generated/rm/checkpoint/v1/CheckpointServer.js';
import type { AppMessage } from '../shared/generated/rm/watchdog/v1/AppMessage.js';
import type { WatchDogAppClient } from '../shared/generated/rm/watchdog/v1/WatchDogApp.js';
import type { WatchDogMessage__Output } from '../shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { CLIENT_OPTIONS, protos, Transport, unary } from '../shared/grpc.js';
import { type AppRole, appRoleFromWire, PROMOTE_SIGNALS, positionToWire } from '../shared/wire.js';
import { Copycat, type CopycatCopy, type CopycatOptions, type Divergence } from './copycat.js';
import {
  isAttached,
  type LifecycleEvent,
  nextLifecycle,
  type ReplicaLifecycle,
  UNATTACHED,
} from './lifecycle.js';
import {
  CheckpointDirectory,
  type Directory,
  type ReplicationOptions,
  ReplicationStream,
} from './replication.js';

export {
  ConflictError,
  CopyCatModeError,
  ExecutableError,
  GuidelineError,
  NotAcknowledgedError,
  NotFoundError,
  RegistrationError,
  StaleEpochError,
  SupervisorError,
  UnavailableError,
} from '../shared/errors.js';
export type { CopycatCopy, CopycatOptions, Divergence, ReplayContext } from './copycat.js';
export { Copycat } from './copycat.js';
export type {
  AckLevel,
  Announcement,
  Delivered,
  Directory,
  ReplicateOptions,
  ReplicationOptions,
  ReplicationPosition,
} from './replication.js';
export { CheckpointDirectory, FixedDirectory, ReplicationStream } from './replication.js';
export type { AppRole, ModuleSpec };

/** What a sanity check answers: healthy or not, optionally with a word on why. */
export type SanityResult = boolean | { healthy: boolean; detail?: string };

/** The exit code of a copy that stopped itself after losing its WatchDog (EX_TEMPFAIL). */
export const FENCED_EXIT_CODE = 75;
/** The exit code of a diverged copy-cat backup that its WatchDog did not stop in time (DESIGN §11). */
export const OUT_OF_SERVICE_EXIT_CODE = 76;

export interface ConnectOptions {
  /** The local WatchDog (default RM_WATCHDOG_ADDRESS: its local socket, `unix:…/app.sock`). */
  watchdogAddress?: string;
  /** The token this copy shows its WatchDog (default RM_COPY_TOKEN, which the WatchDog sets). */
  copyToken?: string;
  /**
   * Credentials for registerSelf() on the WatchDog's port: an operator's certificate
   * (`Transport.fromFiles`); plaintext only in an insecure cluster.
   */
  transport?: Transport;
  /** This copy's module and replica id (default RM_MODULE, RM_REPLICA). Without a replica, call registerSelf(). */
  module?: string;
  replica?: string;
  /** The host this copy runs on (default RM_HOST). */
  host?: string;
  /** The role until the WatchDog's welcome says otherwise (default RM_ROLE). */
  role?: AppRole;
  /** The Checkpoint Server (default RM_CHECKPOINT_ADDRESS; the WatchDog's welcome also names it). */
  checkpointAddress?: string;
  /** How long this copy lives without hearing from its WatchDog (default RM_LEASE_MS, else 4000). */
  leaseMs?: number;
  /** The program's sanity check, run on every ping of a polling WatchDog (source ¶0019). */
  sanity?: () => SanityResult | Promise<SanityResult>;
  /** Called once before a self-fenced copy exits; it gets at most `leaseMs` (at least 1 s) to finish. */
  onFence?: (reason: string) => void | Promise<void>;
  /** How the process ends after fencing (default process.exit). */
  exit?: (code: number) => void;
  /** How long connect() waits for the WatchDog's welcome (default the lease). */
  connectTimeoutMs?: number;
  /** Deadline of each call to the WatchDog and the Checkpoint Server (default 2000). */
  deadlineMs?: number;
  /** Where the RM_* variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * The time and timers of the lease, beats, reconnection and fencing (default the system's timers on
   * a monotonic time); given, the replication streams and Copycats of this copy use it too.
   */
  clock?: Clock;
  /**
   * Active copy-cat mode asked by code. Without it, the registration decides (copyCat, told in
   * RM_COPY_CAT); given and different from the registration: CopyCatModeError.
   */
  copyCat?: boolean;
}

/** A module's saved state. */
export interface SavedState {
  state: Buffer;
  /** Grows by one with every save of the module. */
  version: number;
  /** Which copy saved it. */
  replica: string;
  savedAtMs: number;
}

/** The events a Replica emits. */
export interface ReplicaEvents {
  /** The role changed (also when the welcome says something else than RM_ROLE). */
  role: [role: AppRole, previous: AppRole];
  /** The stream to the WatchDog is up (after connect and after every reconnection). */
  attached: [];
  /** The stream to the WatchDog was lost; the SDK reconnects on its own. */
  detached: [reason: string];
  /** The WatchDog asks this copy to stop; a TERM signal follows. */
  stop: [reason: string];
  /** The lease ran out: this copy stops itself. */
  fence: [reason: string];
  /** This copy-cat backup's replay diverged: it goes out of service (DESIGN §11). */
  diverged: [d: Divergence];
}

function toSavedState(c: Checkpoint__Output): SavedState {
  return {
    state: Buffer.from(c.state),
    version: Number(c.version),
    replica: c.replica,
    savedAtMs: Number(c.saved_at_ms),
  };
}

function envRole(v: string | undefined): AppRole {
  return v === 'primary' ? 'primary' : 'backup';
}

/** A supervised copy's handle on the cluster. Create it with connect(). */
export class Replica extends EventEmitter<ReplicaEvents> {
  private roleValue: AppRole;
  private moduleName: string;
  private replicaId: string;
  private hostName: string;
  private epochValue: number;
  /** The module's primary generation given with this copy's role: its fencing token with the epoch. */
  private generationValue: number;
  private readonly hot: boolean;
  /** The checkpoint version this copy last loaded or saved (a hot copy's compare-and-set). */
  private knownVersion = 0;
  /** This process's session of saves and the number of its last save: the store keeps their order. */
  private readonly saveSession = randomUUID();
  private saves = 0;
  /** When the WatchDog started this process, on its clock (RM_INCARNATION): later processes show more. */
  private readonly incarnation: number;
  private leaseMs: number;
  private checkpointAddress: string;
  private watchdogAddress: string;
  private readonly deadlineMs: number;
  private readonly opts: ConnectOptions;

  private app: WatchDogAppClient | null = null;
  private stream: grpc.ClientDuplexStream<AppMessage, WatchDogMessage__Output> | null = null;
  private readonly clock: Clock;
  /** Where this copy is in its lifecycle (lifecycle.ts). */
  private state: ReplicaLifecycle = UNATTACHED;
  private welcomed: (() => void) | null = null;
  private stopBeats: (() => void) | null = null;
  private stopFenceCheck: (() => void) | null = null;
  private reconnectTimer: TimerHandle | null = null;
  private beatSeq = 0;
  /** When each unanswered beat left: an answer renews the lease from then, never from its arrival. */
  private readonly beatsSent = new Map<string, number>();
  /**
   * Until when this copy may run (on its clock): renewed only by the WatchDog's answers to its
   * beats, which carry the host's lease; a WatchDog cut off from the primary SuperWatchDog, or gone,
   * renews nothing (DESIGN §5, fence first).
   */
  private leaseUntil: number;
  private lastContact: number;
  private checkpoints: Failover<CheckpointServerClient> | null = null;
  /** What this copy shows its WatchDog on every call (RM_COPY_TOKEN). */
  private copyToken: string;
  private readonly registerTransport: Transport;
  private registrar: WatchDogAppClient | null = null;
  private readonly watches = new Set<() => void>();
  private readonly signalHandler: (() => void) | null = null;
  private readonly promoteSignal: string | undefined;
  private readonly streamsOpen = new Set<ReplicationStream>();
  private readonly copyCatValue: boolean;

  constructor(options: ConnectOptions = {}) {
    super();
    const env = options.env ?? process.env;
    this.opts = options;
    this.clock = options.clock ?? steadyClock;
    this.lastContact = this.clock.now();
    this.watchdogAddress = options.watchdogAddress ?? env.RM_WATCHDOG_ADDRESS ?? '';
    this.copyToken = options.copyToken ?? env.RM_COPY_TOKEN ?? '';
    this.registerTransport = options.transport ?? Transport.insecure();
    this.moduleName = options.module ?? env.RM_MODULE ?? '';
    this.replicaId = options.replica ?? env.RM_REPLICA ?? '';
    this.hostName = options.host ?? env.RM_HOST ?? '';
    this.roleValue = options.role ?? envRole(env.RM_ROLE);
    this.checkpointAddress = options.checkpointAddress ?? env.RM_CHECKPOINT_ADDRESS ?? '';
    this.epochValue = Number(env.RM_EPOCH ?? 0) || 0;
    this.generationValue = Number(env.RM_GENERATION ?? 0) || 0;
    this.incarnation = Number(env.RM_INCARNATION ?? 0) || 0;
    this.hot = env.RM_STYLE === 'hot';
    this.copyCatValue = copyCatMode(this.moduleName, env.RM_COPY_CAT, options.copyCat);
    this.leaseMs = options.leaseMs ?? (Number(env.RM_LEASE_MS) || 3000);
    // The WatchDog started this copy under a live host lease.
    this.leaseUntil = this.clock.now() + this.leaseMs;
    this.deadlineMs = options.deadlineMs ?? 2000;
    // A program without its own handler must not be ended by the optional promotion signal.
    this.promoteSignal = env.RM_PROMOTE_SIGNAL;
    if (this.promoteSignal && PROMOTE_SIGNALS.includes(this.promoteSignal)) {
      this.signalHandler = () => undefined;
      process.on(this.promoteSignal as NodeJS.Signals, this.signalHandler);
    }
  }

  /**
   * Whether this module runs as an active copy-cat (DESIGN §11, seed 002): as registered (copyCat,
   * RM_COPY_CAT), else as ConnectOptions.copyCat says. Its stream is opened with copycat().
   */
  get copyCat(): boolean {
    return this.copyCatValue;
  }

  /** The current role. */
  get role(): AppRole {
    return this.roleValue;
  }

  get isPrimary(): boolean {
    return this.roleValue === 'primary';
  }

  get replica(): string {
    return this.replicaId;
  }

  get module(): string {
    return this.moduleName;
  }

  get host(): string {
    return this.hostName;
  }

  /** The epoch of the last command that concerned this copy. */
  get epoch(): number {
    return this.epochValue;
  }

  /** The module's primary generation this copy was given with its role (its fencing token). */
  get generation(): number {
    return this.generationValue;
  }

  /** Whether the stream to the WatchDog is up. */
  get attached(): boolean {
    return isAttached(this.state);
  }

  /** Where this copy is in its lifecycle: unattached, connecting, attached, fenced or stopped. */
  get lifecycle(): ReplicaLifecycle {
    return this.state;
  }

  private get closed(): boolean {
    return this.state.kind === 'stopped';
  }

  private move(event: LifecycleEvent): void {
    this.state = nextLifecycle(this.state, event);
  }

  /**
   * Attaches to the WatchDog and resolves with its welcome; rejects after `timeoutMs`. Called by
   * connect() and registerSelf(); the SDK re-attaches on its own after a lost stream.
   */
  attach(timeoutMs = this.opts.connectTimeoutMs ?? this.leaseMs): Promise<void> {
    if (!this.replicaId)
      return Promise.reject(new Error('no replica id: set RM_REPLICA or call registerSelf()'));
    if (!this.watchdogAddress)
      return Promise.reject(new Error('no WatchDog address: set RM_WATCHDOG_ADDRESS'));
    this.lastContact = this.clock.now();
    this.move({ type: 'attach' });
    this.startFenceTimer();
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.welcomed = null;
        reject(new Error(`no welcome from the WatchDog at ${this.watchdogAddress} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.welcomed = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      this.openStream();
    });
  }

  /**
   * Sends one heartbeat now, on top of the automatic ones (per-request beats, source ¶0019). Each
   * beat says where this copy stands in its replication stream, when one is open: the WatchDog
   * keeps it, and the ReplicaManager promotes the backup that applied the most (DESIGN §11).
   */
  beat(): void {
    const stream = this.streamsOpen.values().next().value;
    const p = stream?.position;
    const seq = String(++this.beatSeq);
    this.beatsSent.set(seq, this.clock.now());
    this.write({
      heartbeat: {
        seq,
        applied: p ? positionToWire({ seq: p.applied, generation: p.appliedGeneration }) : null,
      },
    });
  }

  /**
   * Saves this module's state (source ¶0014); resolves with its version once it is durable. The save
   * shows this copy's fencing token (epoch, primary generation): a copy that is no longer the
   * module's primary is refused, and steps down at once (FencedError, then the fence hook and exit).
   * A hot module's copies save by compare-and-set on the version last loaded or saved here: a
   * ConflictError means another copy saved meanwhile; load, merge, save again.
   */
  async saveCheckpoint(state: Buffer | Uint8Array | string): Promise<number> {
    const servers = this.checkpointServers();
    // Taken before the call: a retry of this save (another server) is the same save, not a later one.
    const sequence = ++this.saves;
    let res: { version: string };
    try {
      res = await servers.call(this.deadlineMs, 'write', (c, ms, peer) =>
        unary(
          c,
          c.SaveCheckpoint,
          {
            module: this.moduleName,
            replica: this.replicaId,
            state: Buffer.from(state),
            epoch: String(Math.max(1, this.epochValue)),
            generation: String(this.generationValue),
            has_expected_version: this.hot,
            expected_version: String(this.knownVersion),
            session: this.saveSession,
            sequence: String(sequence),
            incarnation: String(this.incarnation),
          },
          ms,
          peer,
        ),
      );
    } catch (err) {
      if (err instanceof FencedError) void this.fence(`save refused: ${err.message}`);
      throw err;
    }
    this.knownVersion = Number(res.version);
    return this.knownVersion;
  }

  /** The module's last saved state, or null when none was saved yet. */
  async loadCheckpoint(): Promise<SavedState | null> {
    const res = await this.checkpointServers().call(this.deadlineMs, 'read', (c, ms, peer) =>
      unary(c, c.LoadCheckpoint, { module: this.moduleName }, ms, peer),
    );
    const saved = res.found && res.checkpoint ? toSavedState(res.checkpoint) : null;
    this.knownVersion = saved?.version ?? 0;
    return saved;
  }

  /**
   * Calls `cb` with every state another copy of this module saves (a warm backup following its
   * primary), starting with the current one. Reconnects on its own; returns the unsubscribe function.
   */
  onStateUpdate(cb: (saved: SavedState) => void): () => void {
    let call: grpc.ClientReadableStream<Checkpoint__Output> | null = null;
    let timer: TimerHandle | null = null;
    let active = true;
    let failures = 0;
    let lastVersion = -1;
    const open = () => {
      if (!active || this.closed) return;
      const { client: c, index } = this.checkpointServers().current();
      const opened = c.WatchCheckpoint({ module: this.moduleName });
      call = opened;
      call.on('data', (cp: Checkpoint__Output) => {
        failures = 0;
        const saved = toSavedState(cp);
        if (saved.replica === this.replicaId || saved.version <= lastVersion) return;
        lastVersion = saved.version;
        cb(saved);
      });
      // A stream that failed moves the next one to the next Checkpoint Server (several over etcd).
      opened.on('error', () => this.checkpoints?.failed(index));
      opened.on('close', () => {
        call = null;
        if (!active || this.closed) return;
        failures++;
        timer = this.clock.setTimeout(open, backoffMs(failures + 1, 100, 2000));
      });
    };
    const stop = () => {
      active = false;
      if (timer) this.clock.clearTimeout(timer);
      call?.cancel();
      this.watches.delete(stop);
    };
    this.watches.add(stop);
    open();
    return stop;
  }

  /**
   * Registers this running program's module (source ¶0015; `spec` as TABLE-FORMAT.md describes one
   * module, with this host among its replicas): it becomes the module's primary here. Then attaches.
   */
  async registerSelf(spec: ModuleSpec | string): Promise<{ replica: string; role: AppRole }> {
    const json = typeof spec === 'string' ? spec : JSON.stringify(spec);
    // Registration is an operator act: on the WatchDog's port, with the operator's certificate
    // (options.transport); then the program attaches over the local socket like any copy.
    this.registrar ??= new (protos().watchdog.rm.watchdog.v1.WatchDogApp)(
      this.watchdogAddress,
      this.registerTransport.channelCredentials(),
      CLIENT_OPTIONS,
    );
    const c = this.registrar;
    const res = await unary(
      c,
      c.RegisterSelf,
      { module_json: json, pid: process.pid },
      this.deadlineMs,
      `WatchDog at ${this.watchdogAddress}`,
    );
    this.replicaId = res.replica;
    if (res.copy_token) this.copyToken = res.copy_token;
    if (res.app_address && res.app_address !== this.watchdogAddress) {
      this.watchdogAddress = res.app_address;
      this.app?.close();
      this.app = null;
      if (!this.opts.checkpointAddress) {
        this.checkpointAddress = res.app_address;
        this.checkpoints?.close();
        this.checkpoints = null;
      }
    }
    this.moduleName = typeof spec === 'string' ? (JSON.parse(spec) as { name: string }).name : spec.name;
    this.setRole(appRoleFromWire(res.role) ?? 'primary');
    await this.attach();
    return { replica: this.replicaId, role: this.roleValue };
  }

  /**
   * Opens this module's ordered replication stream (DESIGN §11): as primary, `stream.replicate()`
   * writes; as backup, `onMessage` receives every message once, in the primary's order. It follows
   * this copy's role changes by itself. Backups find the primary through the Checkpoint Server.
   */
  replication(options: ReplicationOptions): ReplicationStream {
    if (this.copyCatValue)
      throw new CopyCatModeError(
        `${this.moduleName} runs as an active copy-cat (${this.copyCatOrigin()}): its backups replay each input, so open its stream with copycat({ handle }), not replication({ onMessage })`,
      );
    const stream = new ReplicationStream(
      this.streamCopy(),
      this.directoryOf(options),
      this.streamOptions(options),
    );
    this.streamsOpen.add(stream);
    return stream;
  }

  /**
   * Opens this module's stream as an active copy-cat module (DESIGN §11, seed 002): on the primary,
   * `submit(input)` runs the handler and hands the input with its output to the backups; a backup
   * replays each input and compares. A backup that diverges tells its WatchDog, which stops it and
   * reports it (reason diverged) for the ReplicaManager to replace; it stops applying at once.
   */
  copycat(options: CopycatOptions): Copycat {
    if (this.opts.copyCat === false)
      throw new CopyCatModeError(
        `${this.moduleName}: copycat() opened with copyCat: false in the connect options; drop that option or open the stream with replication({ onMessage })`,
      );
    const cat = new Copycat(this.streamCopy(), this.directoryOf(options), this.streamOptions(options));
    this.streamsOpen.add(cat.stream);
    return cat;
  }

  private copyCatOrigin(): string {
    return this.opts.copyCat === undefined
      ? 'registered with copyCat: true'
      : 'copyCat: true in the connect options';
  }

  private directoryOf(options: { directory?: Directory }): Directory {
    return (
      options.directory ??
      new CheckpointDirectory(() => this.checkpointServers(), this.moduleName, this.deadlineMs, this.clock)
    );
  }

  /**
   * A stream's options with this copy's defaults: it listens on its host's address (RM_HOST_ADDRESS,
   * from its WatchDog; else the host of a TCP WatchDog address, else loopback).
   */
  private streamOptions<T extends object>(options: T): T & { listenHost: string } {
    const env = this.opts.env ?? process.env;
    const tcp = this.watchdogAddress && !this.watchdogAddress.startsWith('unix:');
    const host = env.RM_HOST_ADDRESS || (tcp ? this.watchdogAddress.replace(/:\d+$/, '') : '127.0.0.1');
    return {
      listenHost: host,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      ...options,
    };
  }

  /** Detaches and stops every timer and stream. The process is left to end on its own. */
  close(): void {
    if (this.closed) return;
    this.move({ type: 'close' });
    this.stopBeats?.();
    this.stopFenceCheck?.();
    if (this.reconnectTimer) this.clock.clearTimeout(this.reconnectTimer);
    this.stopBeats = this.stopFenceCheck = this.reconnectTimer = null;
    for (const stop of [...this.watches]) stop();
    for (const s of this.streamsOpen) void s.close();
    this.streamsOpen.clear();
    if (this.stream) {
      this.stream.end();
      this.stream.cancel();
      this.stream = null;
    }
    this.app?.close();
    this.registrar?.close();
    this.checkpoints?.close();
    if (this.signalHandler && this.promoteSignal)
      process.off(this.promoteSignal as NodeJS.Signals, this.signalHandler);
  }

  // ---- internals ----

  /** The live view of this copy the replication stream reads (role and token change under it). */
  private streamCopy(): CopycatCopy {
    const self = this;
    return {
      get module() {
        return self.moduleName;
      },
      get replica() {
        return self.replicaId;
      },
      get role() {
        return self.roleValue;
      },
      get epoch() {
        return self.epochValue;
      },
      get generation() {
        return self.generationValue;
      },
      on: (e: 'role', cb: (role: AppRole) => void) => this.on(e, cb),
      off: (e: 'role', cb: (role: AppRole) => void) => this.off(e, cb),
      stepDown: (reason: string) => void this.fence(`a newer primary exists: ${reason}`),
      outOfService: (d: Divergence) => this.outOfService(d),
    };
  }

  /**
   * A copy-cat backup whose replay diverged: its WatchDog is told, stops it and reports it; should
   * the WatchDog not stop it within its lease, it exits on its own (OUT_OF_SERVICE_EXIT_CODE).
   */
  private outOfService(d: Divergence): void {
    this.emit('diverged', d);
    this.write({ diverged: { seq: String(d.seq), detail: d.detail } });
    this.clock.setTimeout(
      () => {
        this.close();
        (this.opts.exit ?? ((code: number) => process.exit(code)))(OUT_OF_SERVICE_EXIT_CODE);
      },
      Math.max(1000, this.leaseMs),
      { unref: true },
    );
  }

  /** Every call to the WatchDog's local socket carries the copy token. */
  private clientOptions(): grpc.ClientOptions {
    const token = () => this.copyToken;
    const interceptor: grpc.Interceptor = (options, nextCall) =>
      new grpc.InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          if (token()) metadata.set('rm-copy-token', token());
          next(metadata, listener);
        },
      });
    return { ...CLIENT_OPTIONS, interceptors: [interceptor] };
  }

  private appClient(): WatchDogAppClient {
    if (!this.watchdogAddress) throw new Error('no WatchDog address: set RM_WATCHDOG_ADDRESS');
    // The WatchDog is on this host: a restarted one is found again within a tenth of a second, not
    // after the channel's usual back-off, so the copy renews its lease before it runs out.
    this.app ??= new (protos().watchdog.rm.watchdog.v1.WatchDogApp)(
      this.watchdogAddress,
      grpc.credentials.createInsecure(),
      {
        ...this.clientOptions(),
        'grpc.initial_reconnect_backoff_ms': 50,
        'grpc.max_reconnect_backoff_ms': 100,
      },
    );
    return this.app;
  }

  /** The Checkpoint Servers: one address, or several separated by commas (etcd backend), tried in turn. */
  private checkpointServers(): Failover<CheckpointServerClient> {
    if (!this.checkpointAddress) throw new Error('no Checkpoint Server address: set RM_CHECKPOINT_ADDRESS');
    // A copy reaches its checkpoints through its WatchDog's local socket (RM_CHECKPOINT_ADDRESS);
    // TCP addresses (several with the etcd backend) are only for insecure clusters and tools.
    const Ctor = protos().checkpoint.rm.checkpoint.v1.CheckpointServer;
    this.checkpoints ??= new Failover(
      splitAddresses(this.checkpointAddress),
      (address) => new Ctor(address, grpc.credentials.createInsecure(), this.clientOptions()),
      'Checkpoint Server',
    );
    return this.checkpoints;
  }

  private write(msg: AppMessage): void {
    if (this.stream && isAttached(this.state)) this.stream.write(msg);
  }

  private openStream(): void {
    if (this.closed || this.stream) return;
    const call = this.appClient().Attach();
    this.stream = call;
    call.write({ hello: { replica: this.replicaId, module: this.moduleName, pid: process.pid } });
    call.on('data', (msg: WatchDogMessage__Output) => this.onMessage(msg));
    let reason = 'stream ended';
    call.on('error', (err: grpc.ServiceError) => {
      reason = err.details || err.message;
    });
    // 'status' ends every call, failed or not; 'close' does not fire while our writing side is open.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (this.stream === call) this.stream = null;
      this.lost(reason);
    };
    call.on('status', end);
    call.on('close', end);
  }

  private lost(reason: string): void {
    const was = isAttached(this.state);
    this.move({ type: 'lost' });
    this.beatsSent.clear();
    this.stopBeats?.();
    this.stopBeats = null;
    if (this.state.kind !== 'connecting') return;
    if (was) this.emit('detached', reason);
    // Capped well inside the lease: a restarted WatchDog must hear from its copies (and answer
    // their beats with its renewed lease) before their lease runs out.
    const delay = backoffMs(this.state.reconnects + 1, 50, Math.min(1000, Math.floor(this.leaseMs / 10)));
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.openStream();
    }, delay);
  }

  private onMessage(msg: WatchDogMessage__Output): void {
    this.lastContact = this.clock.now();
    switch (msg.msg) {
      case 'welcome': {
        const w = msg.welcome!;
        this.move({ type: 'welcome' });
        if (w.lease_ms > 0) this.leaseMs = w.lease_ms;
        this.takeToken(Number(w.epoch), Number(w.generation));
        if (w.checkpoint_address && !this.opts.checkpointAddress)
          this.checkpointAddress = w.checkpoint_address;
        if (w.host) this.hostName = w.host;
        if (w.module) this.moduleName = w.module;
        this.startBeats(w.heartbeat_interval_ms > 0 ? w.heartbeat_interval_ms : 500);
        const role = appRoleFromWire(w.role);
        if (role) this.setRole(role);
        this.emit('attached');
        this.welcomed?.();
        this.welcomed = null;
        return;
      }
      case 'role_change': {
        const rc = msg.role_change!;
        this.takeToken(Number(rc.epoch), Number(rc.generation));
        const role = appRoleFromWire(rc.role);
        if (role) this.setRole(role);
        return;
      }
      case 'ping': {
        void this.answerPing(msg.ping!.seq);
        return;
      }
      case 'stop':
        this.emit('stop', msg.stop!.reason);
        return;
      case 'beat_ack': {
        // Only the answer to a beat renews the lease, and only as far as the host's own lease runs,
        // counted from when the beat left (the WatchDog measured what remains after that).
        const seq = Number(msg.beat_ack!.seq);
        const sent = this.beatsSent.get(String(seq));
        for (const k of this.beatsSent.keys()) if (Number(k) <= seq) this.beatsSent.delete(k);
        const remaining = Math.min(msg.beat_ack!.lease_remaining_ms, this.leaseMs);
        if (sent !== undefined && remaining > 0)
          this.leaseUntil = Math.max(this.leaseUntil, sent + remaining);
        return;
      }
      default:
        return;
    }
  }

  /** The fencing token of a newer command (a role given again at the same epoch brings its generation). */
  private takeToken(epoch: number, generation: number): void {
    if (!(epoch > 0) || epoch < this.epochValue) return;
    this.epochValue = epoch;
    if (Number.isFinite(generation)) this.generationValue = generation;
  }

  private setRole(role: AppRole): void {
    if (role === this.roleValue) return;
    const previous = this.roleValue;
    this.roleValue = role;
    this.emit('role', role, previous);
  }

  private startBeats(intervalMs: number): void {
    this.stopBeats?.();
    this.beat();
    this.stopBeats = repeat(this.clock, intervalMs, () => this.beat());
  }

  private async answerPing(seq: string): Promise<void> {
    let healthy = true;
    let detail = '';
    if (this.opts.sanity) {
      try {
        const bound = sleep(this.clock, this.deadlineMs, { unref: true }).then(
          (): SanityResult => ({ healthy: false, detail: 'sanity check took too long' }),
        );
        const r = await Promise.race([Promise.resolve(this.opts.sanity()), bound]);
        healthy = typeof r === 'boolean' ? r : r.healthy;
        detail = typeof r === 'boolean' ? '' : (r.detail ?? '');
      } catch (err) {
        healthy = false;
        detail = `sanity check failed: ${(err as Error).message}`;
      }
    }
    this.write({ pong: { seq, healthy, detail } });
  }

  private startFenceTimer(): void {
    if (this.stopFenceCheck) return;
    // Checked often, and a little before the host lease itself ends, so that the copy stops itself
    // (its fence hook runs) before its keeper has to kill it.
    const every = Math.max(10, Math.min(50, Math.floor(this.leaseMs / 10)));
    const ahead = Math.min(100, Math.floor(this.leaseMs / 10));
    this.stopFenceCheck = repeat(this.clock, every, () => {
      const now = this.clock.now();
      if (now > this.leaseUntil - ahead) {
        const silent = Math.round(now - this.lastContact);
        void this.fence(
          silent > this.leaseMs - ahead
            ? `no word from the WatchDog for ${silent} ms (lease ${this.leaseMs} ms)`
            : `the host lease ran out with no renewal for ${silent} ms (lease ${this.leaseMs} ms): the WatchDog has no contact with the primary SuperWatchDog`,
        );
      }
    });
  }

  /** Self-fencing: the hook, then the exit. */
  private async fence(reason: string): Promise<void> {
    if (this.state.kind === 'fenced' || this.state.kind === 'stopped') return;
    this.move({ type: 'fence', reason });
    this.emit('fence', reason);
    if (this.opts.onFence) {
      const bound = sleep(this.clock, Math.max(1000, this.leaseMs), { unref: true });
      try {
        await Promise.race([Promise.resolve(this.opts.onFence(reason)), bound]);
      } catch {
        // The copy stops whatever its hook did.
      }
    }
    this.close();
    (this.opts.exit ?? ((code: number) => process.exit(code)))(FENCED_EXIT_CODE);
  }
}

/**
 * Connects a supervised copy to its WatchDog: reads its identity from RM_* (or `options`), attaches,
 * and resolves once the WatchDog has welcomed it. A program that registers itself (no RM_REPLICA)
 * gets an unattached handle and calls registerSelf().
 */
export async function connect(options: ConnectOptions = {}): Promise<Replica> {
  const r = new Replica(options);
  if (!r.replica) return r;
  try {
    await r.attach();
  } catch (err) {
    r.close();
    throw err;
  }
  return r;
}

/**
 * The module's copy-cat mode: the registration's (RM_COPY_CAT, '1' or '0') unless code says
 * otherwise, which is refused; with no registration, the code's (default false).
 */
export function copyCatMode(
  module: string,
  registered: string | undefined,
  code: boolean | undefined,
): boolean {
  if (registered === undefined || registered === '') return code === true;
  if (registered !== '1' && registered !== '0')
    throw new CopyCatModeError(
      `RM_COPY_CAT is ${JSON.stringify(registered)}; accepted: 1 or 0 (set by the WatchDog from the registration)`,
    );
  const reg = registered === '1';
  if (code !== undefined && code !== reg)
    throw new CopyCatModeError(
      `${module || 'this module'} is registered ${reg ? 'with copyCat: true' : 'without copyCat'} but the connect options say copyCat: ${code}; drop the option (the registration decides) or register the module ${code ? 'with copyCat: true' : 'without copyCat'}`,
    );
  return reg;
}
