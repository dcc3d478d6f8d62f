/**
 * The WatchDog's beats to the primary SuperWatchDog (source ¶0022, ¶0024): every watchdogBeatMs to
 * the last known primary; when that fails or answers that it is not the primary, the next target is
 * the primary it names or the next ring member in order (¶0026: each WatchDog discovers the new
 * primary). The primary's answer says where the ReplicaManager is.
 */

import type { Clock, TimerHandle } from '../shared/clock.js';
import { addressOf, type ClusterConfig } from '../shared/config.js';
import type { SuperWatchDogClient } from '../shared/generated/rm/super_watchdog/v1/SuperWatchDog.js';
import { CLIENT_OPTIONS, protos, Transport, unary } from '../shared/grpc.js';
import type { Logger } from '../shared/logging.js';
import type { HostLoad } from './host-load.js';
import { type BeatOutcome, nextBeatTarget } from './rules.js';

export interface BeatAnswer {
  primary: boolean;
  primaryHost: string;
  epoch: number;
  managerAddress: string;
  /** A primary's own lower bound of its manager lease, from its answer (negative once run out). */
  leaseRemainingMs: number;
  /** The primary grants no lease on this beat: it declared this host dead and its manager has not heard yet. */
  leaseWithheld?: boolean;
}

/** One beat to one ring member. Raises when the member does not answer in time. */
export interface BeatTransport {
  beat(ringHost: string, host: string, epochSeen: number, load?: HostLoad): Promise<BeatAnswer>;
  close(): void;
}

/** The real transport: WatchDogBeat over gRPC to addressOf.superWatchdog of the ring member. */
export class GrpcBeatTransport implements BeatTransport {
  private readonly clients = new Map<string, SuperWatchDogClient>();

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly deadlineMs: number,
    private readonly transport: Transport = Transport.insecure(),
  ) {}

  private client(ringHost: string): SuperWatchDogClient {
    let c = this.clients.get(ringHost);
    if (!c) {
      c = new (protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog)(
        addressOf.superWatchdog(this.cfg, ringHost),
        this.transport.channelCredentials(),
        CLIENT_OPTIONS,
      );
      this.clients.set(ringHost, c);
    }
    return c;
  }

  async beat(ringHost: string, host: string, epochSeen: number, load?: HostLoad): Promise<BeatAnswer> {
    const c = this.client(ringHost);
    const res = await unary(
      c,
      c.WatchDogBeat,
      {
        host,
        epoch_seen: String(epochSeen),
        ...(load
          ? { load: { load_per_cpu: load.loadPerCpu, memory_used: load.memoryUsed, copies: load.copies } }
          : {}),
      },
      this.deadlineMs,
      `SuperWatchDog on ${ringHost}`,
    );
    return {
      primary: res.primary,
      primaryHost: res.primary_host,
      epoch: Number(res.epoch),
      managerAddress: res.manager_address,
      leaseRemainingMs: Number(res.lease_remaining_ms),
      leaseWithheld: res.lease_withheld,
    };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

export interface BeatLoopOptions {
  ring: readonly string[];
  host: string;
  transport: BeatTransport;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
  epochSeen: () => number;
  /** Called after every answer of a primary, with when that beat was sent (on `sentClock`). */
  onPrimary: (ringHost: string, answer: BeatAnswer, sentAtMs: number) => void;
  /** The clock the sending time is read on (default: `clock.now`); the host lease uses the monotonic one. */
  sentClock?: () => number;
  /** The host's load, sent with every beat (none: the beat carries no load). */
  load?: () => HostLoad;
}

/** Beats on a timer; a round that is still trying members delays the next one instead of overlapping it. */
export class BeatLoop {
  private target: string;
  private timer: TimerHandle | null = null;
  private stopped = true;
  private lostLogged = false;

  constructor(private readonly opts: BeatLoopOptions) {
    this.target = opts.ring[0] ?? '';
  }

  /** The ring member the next beat goes to. */
  get primary(): string {
    return this.target;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    const began = this.opts.clock.now();
    await this.round();
    if (this.stopped) return;
    const wait = Math.max(0, this.opts.intervalMs - (this.opts.clock.now() - began));
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      void this.loop();
    }, wait);
  }

  /** One beat: tries ring members in turn until a primary answers, at most once each. */
  async round(): Promise<boolean> {
    const { ring, host, transport, logger } = this.opts;
    for (let i = 0; i < ring.length && !this.stopped; i++) {
      const to = this.target;
      let outcome: BeatOutcome;
      try {
        const sentAtMs = (this.opts.sentClock ?? this.opts.clock.now)();
        const answer = await transport.beat(to, host, this.opts.epochSeen(), this.opts.load?.());
        outcome = { ok: true, primary: answer.primary, primaryHost: answer.primaryHost };
        if (answer.primary) {
          if (this.lostLogged) logger.info({ primary: to }, 'primary SuperWatchDog found');
          this.lostLogged = false;
          this.opts.onPrimary(to, answer, sentAtMs);
          return true;
        }
      } catch (err) {
        outcome = { ok: false };
        logger.debug({ to, err: (err as Error).message }, 'beat failed');
      }
      this.target = nextBeatTarget(ring, to, outcome);
    }
    if (!this.lostLogged) {
      logger.warn({ ring }, 'no primary SuperWatchDog answered this beat; trying the ring again');
      this.lostLogged = true;
    }
    return false;
  }
}
