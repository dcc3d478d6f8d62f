/**
 * An active copy-cat module (DESIGN §11, seed 002) on its replication stream: the primary runs each
 * input through the application's handler, and only then hands the input, its output and every value
 * the handler drew (the time, random numbers) to the backups, which run the same handler on it with
 * those values and compare outputs (copycat-core.ts). A backup whose output differs goes out of
 * service: nothing from that input on is applied or acknowledged, it says which input and how, and
 * its WatchDog stops it for the ReplicaManager to replace. A primary that cannot keep its guideline
 * (too few in-sync backups for too long) takes no input until it can again.
 */
import { type Clock, systemClock } from '../shared/clock.js';
import { GuidelineError } from '../shared/errors.js';
import {
  compareReplay,
  decodeRecord,
  encodeRecord,
  Recording,
  Replay,
  type ReplayContext,
  type Verdict,
} from './copycat-core.js';
import {
  type Delivered,
  type Directory,
  type ReplicationOptions,
  type ReplicationPosition,
  ReplicationStream,
  type StreamCopy,
} from './replication.js';

export type { ReplayContext };

/** Where and how a backup's replay first differed from the primary's run. */
export interface Divergence {
  /** The input's sequence number in the stream. */
  seq: number;
  detail: string;
}

/** The copy a copy-cat stream runs in: a stream copy that can also be taken out of service. */
export interface CopycatCopy extends StreamCopy {
  /** This backup diverged: it must stop serving and be replaced (absent: it only stops applying). */
  outOfService?(d: Divergence): void;
}

export interface CopycatOptions extends Omit<ReplicationOptions, 'onMessage'> {
  /**
   * The application's work on one input: deterministic given the state, the input and what `ctx`
   * answers (take the time and random numbers from `ctx`, nothing else from the world). It runs on
   * the primary, then on every backup. A handler that throws on the primary replicates nothing, so
   * it must leave the state as it found it.
   */
  handle: (input: Buffer, ctx: ReplayContext) => Uint8Array | string | Promise<Uint8Array | string>;
  /**
   * When submit() lets the output go: `received` (default), once every in-sync backup has the input
   * (VMware FT's output rule); `applied`, once they have replayed and compared it.
   */
  ack?: 'received' | 'applied';
  /** How long submit() waits for that (default 5000 ms): then NotAcknowledgedError. */
  timeoutMs?: number;
  /** Told on a backup whose replay diverged, before it goes out of service. */
  onDiverged?: (d: Divergence) => void;
}

const bytes = (v: Uint8Array | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : Buffer.from(v));

export class Copycat {
  readonly stream: ReplicationStream;
  private queue: Promise<unknown> = Promise.resolve();
  private divergence: Divergence | null = null;
  /** The time the handler reads through its context (default the wall clock). */
  private readonly clock: Clock;

  constructor(
    private readonly copy: CopycatCopy,
    directory: Directory,
    private readonly opts: CopycatOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.stream = new ReplicationStream(copy, directory, { ...opts, onMessage: (m) => this.replay(m) });
  }

  /** Where this copy stands in the stream (reported with its beats). */
  get position(): ReplicationPosition {
    return this.stream.position;
  }

  /** Whether this copy takes inputs now, and why not (a backup, or a primary out of its guideline). */
  get accepting(): { accepting: boolean; reason?: string } {
    return this.stream.accepting;
  }

  /** Where this backup's replay diverged, once it has. */
  get diverged(): Divergence | null {
    return this.divergence;
  }

  /**
   * Primary: runs `input`, hands it with its output to the backups, and resolves with the output
   * once they have it (`ack`). Inputs run one at a time, in the order submitted. Rejects, without
   * running the input, with GuidelineError while the primary does not keep its guideline (and with
   * an Error on a backup); with NotAcknowledgedError when the backups did not confirm in time (the
   * input has run, its output is known only to this copy).
   */
  submit(input: Uint8Array | string): Promise<Buffer> {
    const run = this.queue.then(() => this.runOne(bytes(input)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops serving and following. */
  close(): Promise<void> {
    return this.stream.close();
  }

  private async runOne(input: Buffer): Promise<Buffer> {
    await this.stream.ready();
    const now = this.stream.accepting;
    if (!now.accepting) {
      if (this.copy.role !== 'primary') throw new Error(now.reason);
      throw new GuidelineError(`${this.copy.module} (${this.copy.replica}) takes no input: ${now.reason}`);
    }
    // Inputs run one at a time on the stream this object alone writes: this one's number is the next.
    const ctx = new Recording(this.stream.position.applied + 1, () => this.clock.now(), Math.random);
    const output = bytes(await this.opts.handle(input, ctx));
    await this.stream.replicate(encodeRecord({ input, output, times: ctx.times, randoms: ctx.randoms }), {
      ack: this.opts.ack ?? 'received',
      ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
    });
    return output;
  }

  /** Backup: replays one input and compares; a divergence stops the stream at that input for good. */
  private async replay(m: Delivered): Promise<void> {
    if (this.divergence) return new Promise<void>(() => undefined);
    const verdict = await this.verdict(m);
    if (verdict.same) return;
    const d: Divergence = { seq: m.seq, detail: verdict.detail };
    this.divergence = d;
    this.opts.onDiverged?.(d);
    this.copy.outOfService?.(d);
    void this.stream.close();
    // Never resolves: the diverging input is neither applied nor acknowledged, nor anything after it.
    return new Promise<void>(() => undefined);
  }

  private async verdict(m: Delivered): Promise<Verdict> {
    const record = decodeRecord(m.payload);
    if (typeof record === 'string') return { same: false, detail: `input ${m.seq}: ${record}` };
    const ctx = new Replay(m.seq, record);
    try {
      return compareReplay(m.seq, record, bytes(await this.opts.handle(Buffer.from(record.input), ctx)), ctx);
    } catch (err) {
      return {
        same: false,
        detail: `input ${m.seq}: the backup's handler failed: ${(err as Error).message}`,
      };
    }
  }
}
