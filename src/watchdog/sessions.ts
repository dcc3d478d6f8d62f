/**
 * The copies' side of the WatchDog: each copy's Attach stream from the SDK (its hello and welcome,
 * beats, answers to pings, a copy-cat backup's divergence, its end) and the token that tells a copy
 * from anyone else. What a message does to a copy's liveness is written here; stopping a copy is the
 * WatchDog's (`fail`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { AppliedPosition } from '../model/table.js';
import type { Clock } from '../shared/clock.js';
import type { Timings } from '../shared/config.js';
import { NotFoundError, PermissionError } from '../shared/errors.js';
import type { WatchDogMessage } from '../shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { quote } from '../shared/limits.js';
import type { Logger } from '../shared/logging.js';
import { roleToWire } from '../shared/wire.js';
import { type AppLink, type Copy, isOfCopy } from './copies.js';
import type { ProcessControl } from './process-control.js';
import { heartbeatIntervalMs, type Watch } from './rules.js';

export interface SessionsOptions {
  host: string;
  timings: Timings;
  /** What a welcome names as the Checkpoint Server's address. */
  checkpointAddress: string;
  /** The host's lease: each beat's answer carries what remains of it. Without it, the copies' lease. */
  lease?: { remainingMs(): number };
  processes: ProcessControl;
  clock: Clock;
  logger: Logger;
  /** The copy of that replica the WatchDog holds, if any. */
  copy(replica: string): Copy | undefined;
  copies(): Iterable<Copy>;
  watchOf(copy: Copy): Watch;
  fail(copy: Copy, reason: string, detail: string, kill: boolean): Promise<void>;
}

export class Sessions {
  constructor(private readonly opts: SessionsOptions) {}

  /** The copy a token was given to (RM_COPY_TOKEN at its start), or null. */
  copyByToken(token: string): { replica: string; module: string } | null {
    if (!token) return null;
    const given = Buffer.from(token);
    for (const c of this.opts.copies()) {
      if (!c.token) continue;
      const own = Buffer.from(c.token);
      if (own.length === given.length && timingSafeEqual(own, given)) {
        return { replica: c.spec.replica, module: c.spec.module };
      }
    }
    return null;
  }

  /**
   * A copy attaches (Attach's hello). Returns its welcome; raises NotFoundError when no such copy
   * runs here, or when the pid is neither the copy's nor in its process group.
   */
  attach(
    hello: { replica: string; module: string; pid: number },
    link: AppLink,
    token = '',
  ): WatchDogMessage {
    const { host } = this.opts;
    const copy = this.opts.copy(hello.replica);
    if (copy?.state !== 'running') {
      throw new NotFoundError(`replica ${quote(hello.replica)} does not run on ${host}`);
    }
    // A copy is known by the token its WatchDog gave it: nobody else beats or answers for it.
    if (copy.token && this.copyByToken(token)?.replica !== copy.spec.replica) {
      throw new PermissionError(
        `only copy ${copy.spec.replica} itself may attach as ${copy.spec.replica}: its RM_COPY_TOKEN is needed`,
      );
    }
    if (hello.pid && !isOfCopy(copy, hello.pid, this.opts.processes)) {
      throw new NotFoundError(
        `replica ${hello.replica} runs on ${host} as pid ${copy.pid}, not as pid ${hello.pid}`,
      );
    }
    if (copy.app && copy.app !== link) copy.app.end();
    copy.app = link;
    copy.live = { ...copy.live, lastBeatMs: this.opts.clock.now() };
    const w = this.opts.watchOf(copy);
    this.opts.logger.info({ replica: copy.spec.replica, pid: hello.pid || copy.pid }, 'copy attached');
    return {
      welcome: {
        replica: copy.spec.replica,
        module: copy.spec.module,
        role: roleToWire(copy.role),
        host,
        lease_ms: this.opts.timings.appLeaseMs,
        heartbeat_interval_ms: heartbeatIntervalMs(w.timeoutMs),
        checkpoint_address: this.opts.checkpointAddress,
        epoch: String(copy.epoch),
        generation: String(copy.generation ?? 0),
      },
    };
  }

  /**
   * A beat on a copy's stream; answered so that the copy knows its WatchDog lives. `applied`: where
   * the copy stands in its module's replication stream, kept for the manager's promotions.
   */
  heartbeat(replica: string, link: AppLink, seq: string, applied?: AppliedPosition): void {
    const copy = this.opts.copy(replica);
    if (!copy || copy.app !== link) return;
    copy.live = { ...copy.live, lastBeatMs: this.opts.clock.now() };
    if (applied) copy.applied = applied;
    // The answer carries the host's lease: a copy whose WatchDog is cut off from the primary
    // SuperWatchDog hears its lease shrink and stops itself when it runs out (DESIGN §5).
    const lease = this.opts.lease ? this.opts.lease.remainingMs() : this.opts.timings.appLeaseMs;
    link.send({ beat_ack: { seq, lease_remaining_ms: lease } });
  }

  /** A copy's answer to a ping, with its sanity check (source ¶0019). */
  pong(replica: string, link: AppLink, seq: number, healthy: boolean, detail: string): void {
    const copy = this.opts.copy(replica);
    if (!copy || copy.app !== link) return;
    copy.live = { ...copy.live, lastBeatMs: this.opts.clock.now() };
    if (copy.pendingPing?.seq === seq) {
      copy.pendingPing.resolve({
        healthy,
        detail: detail || (healthy ? 'sanity check passed' : 'sanity check failed'),
      });
      copy.pendingPing = null;
    }
  }

  /**
   * A copy-cat backup says its replay of input `seq` differed from the primary's run (DESIGN §11,
   * seed 002): it is stopped and reported failed, reason diverged, for the ReplicaManager to replace
   * it and raise an alert naming the input.
   */
  diverged(replica: string, link: AppLink, seq: number, detail: string): void {
    const copy = this.opts.copy(replica);
    if (!copy || copy.app !== link) return;
    // The copy's words go to the manager's alert: bounded, like every input.
    const said = detail.length > 500 ? `${detail.slice(0, 500)}…` : detail;
    void this.opts.fail(
      copy,
      'diverged',
      `its replay of input ${seq} diverged from the primary's run (${said})`,
      true,
    );
  }

  /** The stream ended; the copy itself is watched on (its exit or silence tells the rest). */
  detach(replica: string, link: AppLink): void {
    const copy = this.opts.copy(replica);
    if (copy && copy.app === link) {
      copy.app = null;
      this.opts.logger.info({ replica }, 'copy detached');
    }
  }
}
