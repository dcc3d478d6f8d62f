/**
 * How the WatchDog tells the ReplicaManager what happened (source ¶0020): failure reports and the
 * full list of what runs here. The manager moves with the primary SuperWatchDog (¶0026), so reports
 * that cannot be delivered wait in a bounded outbox and are retried with back-off; none is dropped
 * without a log line saying so.
 */
import type { AppliedPosition } from '../model/table.js';
import { backoffMs } from '../shared/backoff.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { NotFoundError, RegistrationError, UnavailableError } from '../shared/errors.js';
import type { Module } from '../shared/generated/rm/replica_manager/v1/Module.js';
import type { RegisterResponse__Output } from '../shared/generated/rm/replica_manager/v1/RegisterResponse.js';
import type { ReplicaManagerClient } from '../shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import { CLIENT_OPTIONS, protos, Transport, unary } from '../shared/grpc.js';
import type { Logger } from '../shared/logging.js';
import { positionToWire } from '../shared/wire.js';

export interface FailureReport {
  host: string;
  replica: string;
  /** exit | signal | hang | ping | missing */
  reason: string;
  detail: string;
  epochSeen: number;
  /** When the failed copy was started, on this host's clock: the manager ignores a report older than what it knows. */
  startedAtMs: number;
  /** Where the failed copy stood in its module's replication stream at its last beat, when it said. */
  applied?: AppliedPosition;
}

/** "Reconcile me": the manager then lists the host itself, in order with its commands there. */
export interface RunningReport {
  host: string;
  epochSeen: number;
}

/**
 * The ReplicaManager as the WatchDog reports to it. Both methods raise UnavailableError when no
 * manager is known or it does not answer in time, NotFoundError when it does not know the replica,
 * StaleEpochError when it no longer acts.
 */
export interface Reporter {
  reportFailure(report: FailureReport): Promise<void>;
  reportRunning(report: RunningReport): Promise<void>;
}

/** Forwards a self-registration (RegisterSelf) to the ReplicaManager's Register. Raises like Reporter, and RegistrationError. */
export interface Registrar {
  register(module: Module, runningOn: string): Promise<RegisterResponse__Output>;
}

/** The real Reporter and Registrar: gRPC to the manager address the SuperWatchDog's beat answers name. */
export class GrpcManagerLink implements Reporter, Registrar {
  private client: ReplicaManagerClient | null = null;
  private address = '';

  constructor(
    private readonly deadlineMs: number,
    private readonly transport: Transport = Transport.insecure(),
  ) {}

  get managerAddress(): string {
    return this.address;
  }

  /** Points the link at a (new) manager address; returns whether it changed. */
  setAddress(address: string): boolean {
    if (!address || address === this.address) return false;
    this.client?.close();
    this.address = address;
    this.client = new (protos().replicaManager.rm.replica_manager.v1.ReplicaManager)(
      address,
      this.transport.channelCredentials(),
      CLIENT_OPTIONS,
    );
    return true;
  }

  private need(): ReplicaManagerClient {
    if (!this.client)
      throw new UnavailableError('no ReplicaManager known yet (no SuperWatchDog has named one)');
    return this.client;
  }

  async reportFailure(r: FailureReport): Promise<void> {
    const c = this.need();
    await unary(
      c,
      c.ReportFailure,
      {
        host: r.host,
        replica: r.replica,
        reason: r.reason,
        detail: r.detail,
        epoch_seen: String(r.epochSeen),
        started_at_ms: String(r.startedAtMs),
        applied: positionToWire(r.applied),
      },
      this.deadlineMs,
      `ReplicaManager at ${this.address}`,
    );
  }

  async reportRunning(r: RunningReport): Promise<void> {
    const c = this.need();
    await unary(
      c,
      c.ReportRunning,
      { host: r.host, epoch_seen: String(r.epochSeen) },
      this.deadlineMs,
      `ReplicaManager at ${this.address}`,
    );
  }

  async register(module: Module, runningOn: string): Promise<RegisterResponse__Output> {
    const c = this.need();
    return unary(
      c,
      c.Register,
      { module, running_on: runningOn },
      this.deadlineMs,
      `ReplicaManager at ${this.address}`,
    );
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }
}

export interface OutboxOptions {
  reporter: Reporter;
  clock: Clock;
  logger: Logger;
  /** The freshest list of what runs, taken when a running report is sent. */
  snapshot: () => RunningReport;
  /** At most this many failure reports wait; beyond it the oldest is dropped with an error log. */
  maxQueue?: number;
  baseRetryMs?: number;
  maxRetryMs?: number;
}

/** Errors that no retry can fix: the report is dropped, with a warning. */
function isPermanent(err: unknown): boolean {
  return err instanceof NotFoundError || err instanceof RegistrationError;
}

/**
 * Delivers failure reports in order, then a running report when one is asked for, retrying with a
 * capped back-off while the ReplicaManager cannot be reached.
 */
export class Outbox {
  private readonly queue: FailureReport[] = [];
  private runningWanted = false;
  private sending = false;
  private attempt = 0;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly maxQueue: number;

  constructor(private readonly opts: OutboxOptions) {
    this.maxQueue = opts.maxQueue ?? 1000;
  }

  /** Failure reports not yet delivered. */
  get pending(): readonly FailureReport[] {
    return this.queue;
  }

  get runningPending(): boolean {
    return this.runningWanted;
  }

  /**
   * A new copy of `replica` runs here (started at `startedAtMs`), on the manager's command: the
   * manager has accounted for the end of every older copy, so their undelivered reports are dropped.
   * Delivered late, to a manager that has not learnt of the new copy yet (one just restarted), such
   * a report would fail the module over from a copy that runs.
   */
  supersede(replica: string, startedAtMs: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const r = this.queue[i] as FailureReport;
      if (r.replica !== replica || !(r.startedAtMs < startedAtMs)) continue;
      this.queue.splice(i, 1);
      this.opts.logger.info(
        { replica, startedAtMs: r.startedAtMs, reason: r.reason, newCopySince: startedAtMs },
        'undelivered failure report dropped: a newer copy of the replica runs',
      );
    }
  }

  pushFailure(report: FailureReport): void {
    if (this.queue.length >= this.maxQueue) {
      const dropped = this.queue.shift();
      this.opts.logger.error(
        { dropped, maxQueue: this.maxQueue },
        'failure outbox full: the oldest undelivered failure report is dropped',
      );
    }
    this.queue.push(report);
    this.wake();
  }

  /** Asks for a running report (after a reconnection, or when the manager asks). */
  requestRunning(): void {
    this.runningWanted = true;
    this.wake();
  }

  /** Sends now unless a send is under way or a back-off is running (which keeps its pace). */
  private wake(): void {
    if (this.stopped || this.timer) return;
    void this.flush();
  }

  /** Tries now, without waiting for the back-off (the manager address changed). */
  kick(): void {
    if (this.stopped) return;
    if (this.timer) {
      this.opts.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    this.attempt = 0;
    void this.flush();
  }

  /** Whether nothing waits and nothing is being sent. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.runningWanted && !this.sending;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length > 0) {
      this.opts.logger.warn(
        { undelivered: this.queue.map((r) => r.replica) },
        'stopping with undelivered failure reports; the ReplicaManager will find the difference when it reconciles',
      );
    }
  }

  private async flush(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    try {
      while (!this.stopped) {
        const head = this.queue[0];
        if (head) {
          try {
            await this.opts.reporter.reportFailure(head);
            this.opts.logger.info({ replica: head.replica, reason: head.reason }, 'failure reported');
          } catch (err) {
            if (!isPermanent(err)) return this.retryLater(err);
            this.opts.logger.warn(
              { report: head, err: (err as Error).message },
              'failure report refused by the ReplicaManager; dropped',
            );
          }
          if (this.queue[0] === head) this.queue.shift();
          continue;
        }
        if (this.runningWanted) {
          this.runningWanted = false;
          const report = this.opts.snapshot();
          try {
            await this.opts.reporter.reportRunning(report);
            this.opts.logger.info({ host: report.host }, 'asked the ReplicaManager to reconcile this host');
          } catch (err) {
            this.runningWanted = true;
            if (!isPermanent(err)) return this.retryLater(err);
            this.runningWanted = false;
            this.opts.logger.warn(
              { err: (err as Error).message },
              'running report refused by the ReplicaManager',
            );
          }
          continue;
        }
        this.attempt = 0;
        return;
      }
    } finally {
      this.sending = false;
    }
  }

  private retryLater(err: unknown): void {
    this.attempt++;
    const delay = backoffMs(this.attempt, this.opts.baseRetryMs ?? 100, this.opts.maxRetryMs ?? 5000);
    if (this.attempt === 1 || this.attempt % 10 === 0) {
      this.opts.logger.warn(
        {
          waiting: this.queue.length,
          running: this.runningWanted,
          attempt: this.attempt,
          retryMs: delay,
          err: (err as Error).message,
        },
        'ReplicaManager not reachable; reports kept for a retry',
      );
    }
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }
}
