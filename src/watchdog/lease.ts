/**
 * The host's lease (fence first, DESIGN §5): how long the copies of this host may run without another
 * beat answered by a primary SuperWatchDog. The WatchDog renews it on each such answer and writes it
 * to the lease file, which each copy's keeper process (keeper.ts) reads: a keeper outlives its
 * WatchDog, so a copy is stopped in time even while no WatchDog runs. The copies attached through the
 * SDK are told the same lease with each beat's answer and stop themselves as well.
 *
 * Times are on this host's monotonic clock (CLOCK_MONOTONIC, shared by every process of the host):
 * a wall-clock step changes nothing.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Timings } from '../shared/config.js';
import type { Logger } from '../shared/logging.js';
import { type LeaseGrant, leaseUntil } from './rules.js';

/** This host's monotonic clock in milliseconds, as every process of the host reads it. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

export const LEASE_FILE = 'lease';

/** Where the lease is written. `write` raises on I/O errors. */
export interface LeaseFile {
  readonly path: string;
  write(untilMs: number): Promise<void>;
}

/** The real lease file: a decimal number, replaced whole by a rename (no fsync: a reboot ends every copy anyway). */
export class FileLease implements LeaseFile {
  readonly path: string;
  private seq = 0;

  constructor(stateDir: string) {
    this.path = join(stateDir, LEASE_FILE);
  }

  async write(untilMs: number): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${++this.seq}.tmp`;
    await fs.writeFile(tmp, `${untilMs}\n`, { mode: 0o600 });
    await fs.rename(tmp, this.path);
  }
}

/** The host's lease as the WatchDog holds it; writes to the file are coalesced, the latest wins. */
export class HostLease {
  private untilMs = 0;
  private currentTerm = 0;
  private written = 0;
  private writing: Promise<void> | null = null;
  private lostLogged = true;

  constructor(
    private readonly file: LeaseFile,
    private readonly timings: Pick<
      Timings,
      'appLeaseMs' | 'hostTimeoutMs' | 'fenceMarginMs' | 'takeoverGraceMs'
    >,
    private readonly logger: Logger,
    private readonly now: () => number = monotonicMs,
    /** The wall clock the term is read on: it must grow across WatchDog restarts. */
    private readonly wallNow: () => number = Date.now,
  ) {}

  /**
   * When the lease's current unbroken run of renewals began (wall clock, ms; 0: never granted). A
   * grant after the lease ran out, or the first one of this process, begins a new term: a command
   * decided under an older term is refused (supervisor.checkLeaseTerm), since the host may have
   * been declared dead meanwhile.
   */
  get term(): number {
    return this.currentTerm;
  }

  get path(): string {
    return this.file.path;
  }

  /** How long the lease still runs (0 when it has run out or was never granted). */
  remainingMs(): number {
    return Math.max(0, this.untilMs - this.now());
  }

  /** A primary answered a beat sent at `grant.sentAtMs`: the lease runs on from there. */
  granted(grant: LeaseGrant): void {
    const until = leaseUntil(grant, this.timings);
    if (until <= this.untilMs) return;
    if (this.remainingMs() <= 0) this.currentTerm = Math.max(this.currentTerm + 1, this.wallNow());
    if (this.lostLogged && this.untilMs > 0) this.logger.info('host lease renewed again');
    this.lostLogged = false;
    this.untilMs = until;
    this.flush();
  }

  /** Logs once when the lease has run out (the keepers stop the copies; the daemon only says so). */
  check(): void {
    if (this.lostLogged || this.remainingMs() > 0) return;
    this.lostLogged = true;
    this.logger.warn(
      { leaseMs: this.timings.appLeaseMs },
      'host lease ran out: no primary SuperWatchDog answered in time; the copies of this host are stopped',
    );
  }

  private flush(): void {
    if (this.writing) return;
    const value = this.untilMs;
    this.writing = this.file
      .write(value)
      .catch((err: unknown) =>
        this.logger.error({ err: (err as Error).message }, 'could not write the lease file'),
      )
      .finally(() => {
        // A failed write is not retried at once: the next beat's answer writes again.
        this.written = value;
        this.writing = null;
        if (this.untilMs > this.written) this.flush();
      });
  }
}
