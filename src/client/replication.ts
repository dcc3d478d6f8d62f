/**
 * The ordered replication stream of a module (DESIGN §11, seed 003): the shell around the pure rules
 * of replication-core.ts.
 *
 * How backups reach the primary: the primary copy's SDK serves the small `rm.replication.v1`
 * gRPC service on its host's address (the WatchDog's host, a port of its own, RM_REPLICATION_PORT or
 * one the kernel picks) and announces it in the Checkpoint Server under `replication/<module>` with
 * its fencing token (epoch, primary generation). Backups watch that key and follow the announcement
 * of the newest generation; an older primary that still announces, or still answers, is refused by
 * the token its welcome shows, and learns from the first backup that has seen a newer one that it is
 * stale (it steps down, as a refused save makes it). No daemon sits in the data path: a message goes
 * from the primary's process to each backup's process over one stream.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { threadId as currentThreadId } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { backoffMs } from '../shared/backoff.js';
import { type Clock, repeat, sleep, steadyClock, systemClock, type TimerHandle } from '../shared/clock.js';
import { GuidelineError, NotAcknowledgedError } from '../shared/errors.js';
import type { Failover } from '../shared/failover.js';
import type { CheckpointServerClient } from '../shared/generated/rm/checkpoint/v1/CheckpointServer.js';
import type { WatchEvent__Output } from '../shared/generated/rm/checkpoint/v1/WatchEvent.js';
import type {
  FollowerMessage,
  FollowerMessage__Output,
} from '../shared/generated/rm/replication/v1/FollowerMessage.js';
import type {
  LeaderMessage,
  LeaderMessage__Output,
} from '../shared/generated/rm/replication/v1/LeaderMessage.js';
import type { ReplicationClient } from '../shared/generated/rm/replication/v1/Replication.js';
import type {
  StreamMessage as WireMessage,
  StreamMessage__Output as WireMessageOut,
} from '../shared/generated/rm/replication/v1/StreamMessage.js';
import { CLIENT_OPTIONS, protos, unary } from '../shared/grpc.js';
import { announcementKey } from '../shared/wire.js';
import {
  ACK_LEVELS,
  type AckLevel,
  acknowledged,
  type FollowerState,
  followerHead,
  followerReceive,
  followerRestored,
  followerTick,
  followerWelcome,
  followRequest,
  type GuidelineState,
  generationAt,
  guideline,
  inSync,
  type LeaderLimits,
  type LeaderState,
  leaderAppend,
  leaderOnAck,
  leaderOnFollow,
  leaderOnGone,
  leaderResend,
  leaderSnapshotSent,
  newFollower,
  promote,
  type StreamMessage,
} from './replication-core.js';

export type { AckLevel, StreamMessage };

/** A message as a backup's handler receives it. */
export interface Delivered {
  seq: number;
  epoch: number;
  generation: number;
  /** Origin on the primary: process id and thread id (seed 003). */
  pid: number;
  threadId: number;
  payload: Buffer;
}

/** Where the primary's stream is announced, and how backups learn of it. */
export interface Announcement {
  address: string;
  replica: string;
  epoch: number;
  generation: number;
  /**
   * A secret the primary draws when it starts to lead: a backup shows it when it follows, so that
   * only a copy that could read the announcement follows and acknowledges (empty: none asked).
   */
  token?: string;
}

/** The rendezvous between a primary and its backups (the Checkpoint Server, or a fixed address in tests). */
export interface Directory {
  /** Makes `a` the module's announced primary stream. Rejects with UnavailableError when the store is out of reach. */
  announce(a: Announcement): Promise<void>;
  /** Calls `cb` with the current announcement and every new one; returns the function that stops watching. */
  watch(cb: (a: Announcement) => void): () => void;
  /** Whether announcements reach only the module's copies, so that a stream token in them is a secret. */
  readonly keepsTokens: boolean;
}

function parseAnnouncement(value: Uint8Array): Announcement | null {
  try {
    const a = JSON.parse(Buffer.from(value).toString('utf8')) as Partial<Announcement>;
    if (typeof a.address !== 'string' || typeof a.replica !== 'string') return null;
    return {
      address: a.address,
      replica: a.replica,
      epoch: Number(a.epoch) || 0,
      generation: Number(a.generation) || 0,
      ...(typeof a.token === 'string' && a.token !== '' ? { token: a.token } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * The Checkpoint Server as the directory: a compare-and-set keeps a newer generation's announcement
 * from being overwritten by an older primary's, and backups watch the key. `servers`: the Checkpoint
 * Servers, one or several (etcd backend), each call moving on to the next as Failover does.
 */
export class CheckpointDirectory implements Directory {
  /**
   * With mutual TLS the Checkpoint Server lets only the module's copies (through their WatchDogs),
   * the manager and operators read an announcement.
   */
  readonly keepsTokens = true;

  constructor(
    private readonly servers: () => Failover<CheckpointServerClient>,
    private readonly module: string,
    private readonly deadlineMs = 2000,
    private readonly clock: Clock = systemClock,
  ) {}

  async announce(a: Announcement): Promise<void> {
    const f = this.servers();
    const key = announcementKey(this.module);
    for (let i = 0; i < 5; i++) {
      const cur = await f.call(this.deadlineMs, 'read', (c, ms, peer) => unary(c, c.Get, { key }, ms, peer));
      const prev = cur.found && cur.kv ? parseAnnouncement(cur.kv.value) : null;
      if (prev && prev.generation > a.generation) return;
      try {
        await f.call(this.deadlineMs, 'write', (c, ms, peer) =>
          unary(
            c,
            c.Put,
            {
              key,
              value: Buffer.from(JSON.stringify(a)),
              has_expected_version: true,
              expected_version: cur.found && cur.kv ? cur.kv.version : '0',
              epoch: '0',
            },
            ms,
            peer,
          ),
        );
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'conflict') throw err;
      }
    }
  }

  watch(cb: (a: Announcement) => void): () => void {
    let active = true;
    let call: grpc.ClientReadableStream<WatchEvent__Output> | null = null;
    let failures = 0;
    let timer: TimerHandle | null = null;
    const open = () => {
      if (!active) return;
      const { client, index } = this.servers().current();
      call = client.Watch({ prefix: announcementKey(this.module) });
      // A watch that failed opens the next one on the next Checkpoint Server (several over etcd).
      call.on('error', () => {
        if (active) this.servers().failed(index);
      });
      call.on('data', (ev: WatchEvent__Output) => {
        failures = 0;
        if (ev.deleted || !ev.kv || ev.kv.key !== announcementKey(this.module)) return;
        const a = parseAnnouncement(ev.kv.value);
        if (a) cb(a);
      });
      call.on('status', () => {
        call = null;
        if (!active) return;
        failures++;
        timer = this.clock.setTimeout(open, backoffMs(failures + 1, 100, 2000));
      });
    };
    open();
    return () => {
      active = false;
      if (timer) this.clock.clearTimeout(timer);
      call?.cancel();
    };
  }
}

/** A fixed primary address (tests, or a deployment that names it). Announcing does nothing. */
export class FixedDirectory implements Directory {
  /** A fixed address has nobody to hand a token to: the primary asks none. */
  readonly keepsTokens = false;

  constructor(
    private readonly a: Announcement,
    private readonly clock: Clock = systemClock,
  ) {}
  async announce(): Promise<void> {}
  watch(cb: (a: Announcement) => void): () => void {
    const t = this.clock.setTimeout(() => cb(this.a), 0);
    return () => this.clock.clearTimeout(t);
  }
}

/** What the stream needs of the copy it runs in: its identity, role and fencing token. */
export interface StreamCopy {
  readonly module: string;
  readonly replica: string;
  readonly role: 'primary' | 'backup';
  readonly epoch: number;
  readonly generation: number;
  on(event: 'role', cb: (role: 'primary' | 'backup') => void): unknown;
  off(event: 'role', cb: (role: 'primary' | 'backup') => void): unknown;
  /** This copy learnt that a newer primary exists: it must stop acting as one. */
  stepDown(reason: string): void;
}

export interface ReplicationOptions {
  /** A backup's handler: every message once, in the primary's order. The next waits until it resolves. */
  onMessage: (m: Delivered) => void | Promise<void>;
  /**
   * The primary's whole state as of its last replicate() call, taken synchronously; sent to a backup
   * that is too far behind or diverged, which gets it through `restore`.
   */
  snapshot: () => Uint8Array | string;
  /** A backup replaces its whole state with the primary's, as of message `seq`. */
  restore: (state: Buffer, seq: number) => void | Promise<void>;
  /** The directory (default: the Checkpoint Server of the copy). */
  directory?: Directory;
  /** The address the primary's stream binds (default the WatchDog's host; port RM_REPLICATION_PORT or 0). */
  listenHost?: string;
  port?: number;
  /** Messages the primary keeps for backups that missed some (default 10000). */
  backlog?: number;
  /** Messages a backup may be behind and still count as in sync (default RM_REPLICATION_MAX_LAG, else 1000). */
  maxLag?: number;
  /** In-sync backups an acknowledgement needs at least (default RM_REPLICATION_MIN_IN_SYNC, else 0). */
  minInSync?: number;
  /**
   * The primary's guideline (seed 002): with minInSync > 0, how long it may have fewer in-sync
   * backups before it accepts no more work (default RM_REPLICATION_MAX_OUT_OF_SYNC_MS, else 5000).
   */
  maxOutOfSyncMs?: number;
  /** Told when the primary stops keeping its guideline (`kept` false, with why) and when it keeps it again. */
  onGuideline?: (kept: boolean, reason: string) => void;
  /** How many messages a backup buffers beyond the next one (default 1000). */
  maxBuffer?: number;
  /** How often the primary tells its head and a backup asks again for a gap (default 200 ms). */
  tickMs?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * The time and timers of ticks, acknowledgement timeouts, retries and the guideline's allowance
   * (default the system's timers on a monotonic time; a Copycat's recorded times are the wall clock's).
   */
  clock?: Clock;
}

export interface ReplicateOptions {
  /** none: return at once; received: every in-sync backup has it; applied: every in-sync backup applied it. */
  ack?: AckLevel;
  /** Instead of every in-sync backup: this many backups (in sync or not). */
  quorum?: number;
  /** How long to wait for the acknowledgement (default 5000 ms): then NotAcknowledgedError. */
  timeoutMs?: number;
}

export interface ReplicationPosition {
  role: 'primary' | 'backup';
  /** Primary: the last sequence number written. Backup: the last one applied. */
  applied: number;
  /** The generation that wrote message `applied`. */
  appliedGeneration: number;
  /** The primary's head as far as known here. */
  head: number;
}

interface Waiter {
  seq: number;
  level: AckLevel;
  quorum?: number;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

function toWire(m: StreamMessage): WireMessage {
  return {
    seq: String(m.seq),
    generation: String(m.generation),
    epoch: String(m.epoch),
    pid: m.pid,
    thread_id: m.threadId,
    payload: Buffer.from(m.payload),
  };
}

function fromWire(m: WireMessageOut): StreamMessage {
  return {
    seq: Number(m.seq),
    generation: Number(m.generation),
    epoch: Number(m.epoch),
    pid: m.pid,
    threadId: m.thread_id,
    payload: Buffer.from(m.payload),
  };
}

/** Whether a follower's token is this primary's, compared in constant time. */
function sameToken(shown: string, mine: string): boolean {
  const a = Buffer.from(shown);
  const b = Buffer.from(mine);
  return a.length === b.length && timingSafeEqual(a, b);
}

function positiveInt(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && v !== undefined && v !== '' ? n : fallback;
}

/** One copy's end of its module's replication stream; a primary writes, a backup follows. */
export class ReplicationStream {
  private readonly limits: LeaderLimits;
  private readonly maxOutOfSyncMs: number;
  private guidelineState: GuidelineState = { outOfSyncSinceMs: null, accepting: true };
  private readonly maxBuffer: number;
  private readonly tickMs: number;
  private leader: LeaderState | null = null;
  private follower: FollowerState = newFollower();
  /** What the application has applied (a backup's handler finished; a primary's writes). */
  private appliedSeq = 0;
  private appliedGeneration = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly streams = new Map<
    string,
    grpc.ServerDuplexStream<FollowerMessage__Output, LeaderMessage>
  >();
  private server: grpc.Server | null = null;
  private address = '';
  /** This primary's stream token (announced; a backup must show it to follow). */
  private token = '';
  private readonly clock: Clock;
  private stopTicker: (() => void) | null = null;
  private stopWatch: (() => void) | null = null;
  private following: {
    call: grpc.ClientDuplexStream<FollowerMessage, LeaderMessage__Output>;
    client: ReplicationClient;
    a: Announcement;
    sender: number;
  } | null = null;
  private best: Announcement | null = null;
  private queue: Promise<void> = Promise.resolve();
  private ackScheduled = false;
  private leading: Promise<void> | null = null;
  private closed = false;
  private readonly onRole = (role: 'primary' | 'backup') => void this.switchTo(role);

  constructor(
    private readonly copy: StreamCopy,
    private readonly directory: Directory,
    private readonly opts: ReplicationOptions,
  ) {
    const env = opts.env ?? process.env;
    this.limits = {
      backlog: opts.backlog ?? 10_000,
      maxLag: opts.maxLag ?? positiveInt(env.RM_REPLICATION_MAX_LAG, 1000),
      minInSync: opts.minInSync ?? positiveInt(env.RM_REPLICATION_MIN_IN_SYNC, 0),
    };
    this.maxOutOfSyncMs = opts.maxOutOfSyncMs ?? positiveInt(env.RM_REPLICATION_MAX_OUT_OF_SYNC_MS, 5000);
    this.maxBuffer = opts.maxBuffer ?? 1000;
    this.tickMs = opts.tickMs ?? 200;
    this.clock = opts.clock ?? steadyClock;
    copy.on('role', this.onRole);
    this.stopTicker = repeat(this.clock, this.tickMs, () => this.tick());
    void this.switchTo(copy.role);
  }

  /** Where this copy stands in the stream (reported with its heartbeats; promotion uses it). */
  get position(): ReplicationPosition {
    return {
      role: this.leader ? 'primary' : 'backup',
      applied: this.leader ? this.leader.head : this.appliedSeq,
      appliedGeneration: this.leader
        ? generationAt(this.leader.lineage, this.leader.head)
        : this.appliedGeneration,
      head: this.leader ? this.leader.head : this.follower.head,
    };
  }

  /** The backups the primary counts for acknowledgements now. */
  get inSync(): string[] {
    return this.leader ? inSync(this.leader, this.limits) : [];
  }

  /**
   * Whether this copy takes work now (seed 002's guideline): a backup does not, a primary does
   * unless its module demands in-sync backups and has had too few for longer than maxOutOfSyncMs.
   */
  get accepting(): { accepting: boolean; reason?: string } {
    if (!this.leader)
      return { accepting: false, reason: `${this.copy.replica} is not the primary of ${this.copy.module}` };
    const g = this.checkGuideline();
    return g.reason !== undefined ? { accepting: g.accepting, reason: g.reason } : { accepting: g.accepting };
  }

  /** Resolves once a promoted copy has applied everything it had and serves its stream. */
  ready(): Promise<void> {
    return this.leading ?? Promise.resolve();
  }

  /**
   * Primary: writes one message and resolves with its sequence number once it is acknowledged at the
   * level asked (DESIGN §11). Call it right after the change is made to the state `snapshot` returns,
   * before any await, so that a snapshot taken later includes it. Rejects with FencedError-like
   * errors on a backup, NotAcknowledgedError after the deadline, and at once with GuidelineError
   * while the primary does not keep its guideline (the message is written all the same, since the
   * state already holds it; the caller takes no more work until `accepting` says so). Ack none asks
   * nothing of the backups and is not refused.
   */
  async replicate(payload: Uint8Array | string, options: ReplicateOptions = {}): Promise<number> {
    const level = options.ack ?? 'applied';
    if (!ACK_LEVELS.includes(level))
      throw new RangeError(`ack ${JSON.stringify(level)} is not one of ${ACK_LEVELS.join(', ')}`);
    if (this.leading) await this.leading;
    if (!this.leader)
      throw new Error(
        `${this.copy.replica} is not the primary of ${this.copy.module}: only the primary replicates`,
      );
    const r = leaderAppend(
      this.leader,
      typeof payload === 'string' ? Buffer.from(payload) : payload,
      { pid: process.pid, threadId: currentThreadId },
      this.limits,
    );
    this.leader = r.state;
    const frame: LeaderMessage = { message: toWire(r.message) };
    for (const s of this.streams.values()) s.write(frame);
    const seq = r.message.seq;
    const g = this.checkGuideline();
    if (!g.accepting && level !== 'none')
      throw new GuidelineError(`message ${seq} of ${this.copy.module} (${this.copy.replica}): ${g.reason}`);
    if (acknowledged(this.leader, seq, level, this.limits, options.quorum)) return seq;
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = {
        seq,
        level,
        ...(options.quorum !== undefined ? { quorum: options.quorum } : {}),
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.waiters.delete(w);
          const sync = this.leader ? inSync(this.leader, this.limits) : [];
          reject(
            new NotAcknowledgedError(
              `message ${seq} not ${level} by ${options.quorum !== undefined ? `${options.quorum} backups` : 'every in-sync backup'} within ${timeoutMs} ms (in sync: ${sync.join(', ') || 'none'}; at least ${this.limits.minInSync} needed)`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Stops serving and following; pending acknowledgements are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.copy.off('role', this.onRole);
    this.stopTicker?.();
    this.stopTicker = null;
    this.stopFollowing();
    this.stopWatch?.();
    this.stopWatch = null;
    for (const w of this.waiters) {
      this.clock.clearTimeout(w.timer);
      w.reject(new NotAcknowledgedError(`message ${w.seq}: the stream was closed before it was ${w.level}`));
    }
    this.waiters.clear();
    await this.stopServing();
  }

  // ---- roles ----

  private async switchTo(role: 'primary' | 'backup'): Promise<void> {
    if (this.closed) return;
    if (role === 'primary' && !this.leader && !this.leading) {
      this.leading = this.lead().finally(() => {
        this.leading = null;
      });
      await this.leading.catch(() => undefined);
    } else if (role === 'backup' && this.leader) {
      // A demoted primary follows like any backup: what it wrote and nobody has, it drops (resync).
      this.follower = {
        ...newFollower(this.leader.head, generationAt(this.leader.lineage, this.leader.head)),
        lineage: this.leader.lineage,
        leaderGeneration: this.leader.generation,
      };
      this.leader = null;
      await this.stopServing();
      this.follow();
    } else if (role === 'backup' && !this.stopWatch) this.follow();
  }

  private async lead(): Promise<void> {
    this.stopFollowing();
    // Everything handed to the handler is applied before this copy writes after it.
    await this.queue;
    this.leader = promote(
      { ...this.follower, delivered: this.appliedSeq, deliveredGeneration: this.appliedGeneration },
      this.copy.generation,
      this.copy.epoch,
    );
    // A new primary's allowance counts from its promotion: its backups need time to find it.
    this.guidelineState = { outOfSyncSinceMs: this.clock.now(), accepting: true };
    this.server = new grpc.Server();
    this.server.addService(protos().replication.rm.replication.v1.Replication.service, {
      Follow: (call: grpc.ServerDuplexStream<FollowerMessage__Output, LeaderMessage>) =>
        this.serveFollower(call),
    });
    const host = this.opts.listenHost ?? '127.0.0.1';
    const port = this.opts.port ?? positiveInt((this.opts.env ?? process.env).RM_REPLICATION_PORT, 0);
    const bound = await new Promise<number>((resolve, reject) =>
      this.server?.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.address = `${host}:${bound}`;
    this.token = this.directory.keepsTokens ? randomBytes(32).toString('hex') : '';
    await this.announce();
  }

  private async announce(): Promise<void> {
    // The backups cannot follow a primary they cannot find: keep trying while this copy leads.
    for (let attempt = 0; !this.closed && this.leader; attempt++) {
      try {
        await this.directory.announce({
          address: this.address,
          replica: this.copy.replica,
          epoch: this.copy.epoch,
          generation: this.copy.generation,
          token: this.token,
        });
        return;
      } catch {
        await sleep(this.clock, backoffMs(attempt + 1, 50, 1000));
      }
    }
  }

  private async stopServing(): Promise<void> {
    for (const s of this.streams.values()) s.end();
    this.streams.clear();
    const server = this.server;
    this.server = null;
    if (server) server.forceShutdown();
  }

  // ---- the primary's side ----

  private serveFollower(call: grpc.ServerDuplexStream<FollowerMessage__Output, LeaderMessage>): void {
    let replica = '';
    const gone = () => {
      if (!replica || this.streams.get(replica) !== call) return;
      this.streams.delete(replica);
      if (this.leader) this.leader = leaderOnGone(this.leader, replica);
      this.checkWaiters();
    };
    call.on('error', gone);
    // A backup whose process died, or whose connection broke, shows as a cancelled call.
    call.on('cancelled', gone);
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('data', (msg: FollowerMessage__Output) => {
      const leader = this.leader;
      if (!leader) {
        call.write({ refused: { reason: `${this.copy.replica} is no longer the primary` } });
        call.end();
        return;
      }
      if (msg.follow) {
        const f = msg.follow;
        if (!sameToken(f.token, this.token)) {
          // Not a copy that read the announcement: it neither follows nor acknowledges.
          call.write({
            refused: { reason: `${f.replica || 'a follower'} did not show this primary's stream token` },
          });
          call.end();
          return;
        }
        replica = f.replica;
        const { state, answer } = leaderOnFollow(leader, {
          replica: f.replica,
          delivered: Number(f.delivered),
          deliveredGeneration: Number(f.delivered_generation),
          generationSeen: Number(f.generation_seen),
        });
        if (answer.kind === 'stale') {
          call.write({ refused: { reason: answer.reason } });
          call.end();
          this.copy.stepDown(answer.reason);
          return;
        }
        this.leader = state;
        this.streams.get(replica)?.end();
        this.streams.set(replica, call);
        call.write({
          welcome: {
            replica: this.copy.replica,
            generation: String(state.generation),
            epoch: String(state.epoch),
            lineage: state.lineage.map((e) => ({
              generation: String(e.generation),
              first_seq: String(e.firstSeq),
            })),
            head: String(state.head),
          },
        });
        if (answer.kind === 'snapshot') this.sendSnapshot(call, replica);
        else for (const m of answer.messages) call.write({ message: toWire(m) });
      } else if (msg.ack && replica) {
        this.leader = leaderOnAck(leader, replica, Number(msg.ack.received), Number(msg.ack.applied));
        this.checkWaiters();
      } else if (msg.resend && replica) {
        const a = leaderResend(leader, Number(msg.resend.from), Number(msg.resend.to));
        if (a.kind === 'snapshot') this.sendSnapshot(call, replica);
        else for (const m of a.messages) call.write({ message: toWire(m) });
      }
    });
  }

  private sendSnapshot(
    call: grpc.ServerDuplexStream<FollowerMessage__Output, LeaderMessage>,
    replica: string,
  ): void {
    const leader = this.leader as LeaderState;
    const state = this.opts.snapshot();
    call.write({
      snapshot: {
        seq: String(leader.head),
        generation: String(generationAt(leader.lineage, leader.head)),
        state: Buffer.from(state),
      },
    });
    this.leader = leaderSnapshotSent(leader, replica, leader.head);
  }

  private checkWaiters(): void {
    const leader = this.leader;
    if (!leader) return;
    for (const w of this.waiters) {
      if (!acknowledged(leader, w.seq, w.level, this.limits, w.quorum)) continue;
      this.clock.clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve(w.seq);
    }
  }

  /** The guideline now (time read here, the rule is the core's); says so when it changes. */
  private checkGuideline(): GuidelineState {
    const leader = this.leader;
    if (!leader) return this.guidelineState;
    const before = this.guidelineState;
    const g = guideline(
      inSync(leader, this.limits).length,
      { minInSync: this.limits.minInSync, maxOutOfSyncMs: this.maxOutOfSyncMs },
      before.outOfSyncSinceMs,
      this.clock.now(),
    );
    this.guidelineState = g;
    if (g.accepting !== before.accepting)
      this.opts.onGuideline?.(
        g.accepting,
        g.reason ?? `${inSync(leader, this.limits).length} in-sync backups: work is accepted again`,
      );
    return g;
  }

  private tick(): void {
    if (this.leader) {
      const head: LeaderMessage = { head: { head: String(this.leader.head) } };
      for (const s of this.streams.values()) s.write(head);
      this.checkGuideline();
      return;
    }
    if (!this.following) return;
    const r = followerTick(this.follower);
    this.follower = r.state;
    if (r.resend) this.askResend(r.resend);
  }

  // ---- the backup's side ----

  private follow(): void {
    if (this.stopWatch || this.closed) return;
    this.stopWatch = this.directory.watch((a) => {
      if (a.replica === this.copy.replica || a.generation < this.follower.leaderGeneration) return;
      if (this.best && a.generation < this.best.generation) return;
      this.best = a;
      if (this.following?.a.address === a.address && this.following.a.generation === a.generation) return;
      this.connect(a);
    });
  }

  private stopFollowing(): void {
    this.stopWatch?.();
    this.stopWatch = null;
    const f = this.following;
    this.following = null;
    if (f) {
      f.call.cancel();
      f.client.close();
    }
  }

  private connect(a: Announcement): void {
    const old = this.following;
    this.following = null;
    if (old) {
      old.call.cancel();
      old.client.close();
    }
    if (this.closed || this.leader) return;
    const client = new (protos().replication.rm.replication.v1.Replication)(
      a.address,
      grpc.credentials.createInsecure(),
      CLIENT_OPTIONS,
    ) as unknown as ReplicationClient;
    const call = client.Follow();
    const link = { call, client, a, sender: -1 };
    this.following = link;
    const req = followRequest(
      {
        ...this.follower,
        delivered: this.follower.delivered,
        deliveredGeneration: this.follower.deliveredGeneration,
      },
      this.copy.replica,
    );
    call.write({
      follow: {
        module: this.copy.module,
        replica: this.copy.replica,
        delivered: String(req.delivered),
        delivered_generation: String(req.deliveredGeneration),
        generation_seen: String(req.generationSeen),
        token: a.token ?? '',
      },
    });
    call.on('data', (msg: LeaderMessage__Output) => {
      if (this.following !== link) return;
      this.onLeaderMessage(link, msg);
    });
    call.on('error', () => undefined);
    call.on('status', () => {
      if (this.following !== link) return;
      this.following = null;
      client.close();
      // The same primary again after a pause, unless a newer one is announced meanwhile.
      this.clock.setTimeout(
        () => {
          if (!this.following && !this.closed && !this.leader && this.best) this.connect(this.best);
        },
        300,
        { unref: true },
      );
    });
  }

  private onLeaderMessage(link: { sender: number }, msg: LeaderMessage__Output): void {
    if (msg.welcome) {
      const w = msg.welcome;
      const r = followerWelcome(this.follower, {
        generation: Number(w.generation),
        epoch: Number(w.epoch),
        lineage: w.lineage.map((e) => ({ generation: Number(e.generation), firstSeq: Number(e.first_seq) })),
        head: Number(w.head),
      });
      this.follower = r.state;
      if (!r.accepted) {
        this.following?.call.cancel();
        return;
      }
      link.sender = Number(w.generation);
      return;
    }
    if (msg.message) {
      const r = followerReceive(this.follower, link.sender, fromWire(msg.message), {
        maxBuffer: this.maxBuffer,
      });
      this.follower = r.state;
      for (const m of r.deliver) this.enqueue(m);
      if (r.resend) this.askResend(r.resend);
      this.scheduleAck();
      return;
    }
    if (msg.snapshot) {
      const seq = Number(msg.snapshot.seq);
      const generation = Number(msg.snapshot.generation);
      const state = Buffer.from(msg.snapshot.state);
      const r = followerRestored(this.follower, seq, generation);
      this.follower = r.state;
      this.queue = this.queue.then(async () => {
        try {
          await this.opts.restore(state, seq);
        } catch {
          // As with a handler: the position moves on, the application said what it could not do.
        }
        this.appliedSeq = seq;
        this.appliedGeneration = generation;
        this.scheduleAck();
      });
      for (const m of r.deliver) this.enqueue(m);
      if (r.resend) this.askResend(r.resend);
      return;
    }
    if (msg.head) {
      const r = followerHead(this.follower, link.sender, Number(msg.head.head));
      this.follower = r.state;
      if (r.resend) this.askResend(r.resend);
      return;
    }
    if (msg.refused) this.following?.call.cancel();
  }

  private enqueue(m: StreamMessage): void {
    this.queue = this.queue.then(async () => {
      try {
        await this.opts.onMessage({ ...m, payload: Buffer.from(m.payload) });
      } catch {
        // A handler that throws still moves on: the stream's order is not the handler's to stop.
      }
      this.appliedSeq = m.seq;
      this.appliedGeneration = m.generation;
      this.scheduleAck();
    });
  }

  private askResend(range: { from: number; to: number }): void {
    this.following?.call.write({ resend: { from: String(range.from), to: String(range.to) } });
  }

  private scheduleAck(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      this.following?.call.write({
        ack: { received: String(this.follower.delivered), applied: String(this.appliedSeq) },
      });
    });
  }
}
