/**
 * Active copy-cat backups (DESIGN §11, seed 002), the pure part. A backup is given each input only
 * after the primary has completed it, together with the primary's output and every value its
 * handler drew from the world (the time, random numbers); it runs the same handler on the input with
 * those values and compares its output with the primary's. No clock, no I/O, no randomness here:
 * the primary's sources come in as functions, and the record is plain data.
 */

/** What one stream message carries: the input, the primary's output, the values its handler drew. */
export interface CopycatRecord {
  input: Uint8Array;
  output: Uint8Array;
  /** What `now()` answered on the primary, in order. */
  times: number[];
  /** What `random()` answered on the primary, in order. */
  randoms: number[];
}

/** What a copy-cat handler may ask besides its input: the same answers on every copy. */
export interface ReplayContext {
  /** The input's sequence number in the module's stream. */
  readonly seq: number;
  /** ms since the Unix epoch: the primary's clock when it ran the input, replayed on the backups. */
  now(): number;
  /** A number in [0, 1): drawn on the primary, replayed on the backups. */
  random(): number;
}

const FORMAT = 1;

/** A record as the payload of one replication message (JSON, bytes in base64). */
export function encodeRecord(r: CopycatRecord): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      v: FORMAT,
      i: Buffer.from(r.input).toString('base64'),
      o: Buffer.from(r.output).toString('base64'),
      t: r.times,
      r: r.randoms,
    }),
  );
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** A record from a message's payload, or why it is not one (a stream not written by a copy-cat primary). */
export function decodeRecord(payload: Uint8Array): CopycatRecord | string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'the message is not a copy-cat record (not JSON)';
  }
  if (o.v !== FORMAT)
    return `the message is not a copy-cat record of format ${FORMAT} (format ${String(o.v)})`;
  if (typeof o.i !== 'string' || typeof o.o !== 'string' || !numbers(o.t) || !numbers(o.r))
    return 'the message is not a copy-cat record (i, o, t or r missing)';
  return { input: Buffer.from(o.i, 'base64'), output: Buffer.from(o.o, 'base64'), times: o.t, randoms: o.r };
}

/** The primary's context: answers from its own sources, each one kept for the record. */
export class Recording implements ReplayContext {
  readonly times: number[] = [];
  readonly randoms: number[] = [];

  constructor(
    readonly seq: number,
    private readonly clock: () => number,
    private readonly draw: () => number,
  ) {}

  now(): number {
    const v = this.clock();
    this.times.push(v);
    return v;
  }

  random(): number {
    const v = this.draw();
    this.randoms.push(v);
    return v;
  }
}

/**
 * A backup's context: the primary's answers in the primary's order. Asking more often than the
 * primary did is a divergence (the backup took another path); it is answered with the last value, so
 * that the handler finishes and the comparison can say so.
 */
export class Replay implements ReplayContext {
  private timesUsed = 0;
  private randomsUsed = 0;

  constructor(
    readonly seq: number,
    private readonly record: CopycatRecord,
  ) {}

  now(): number {
    return this.record.times[this.timesUsed++] ?? this.record.times.at(-1) ?? 0;
  }

  random(): number {
    return this.record.randoms[this.randomsUsed++] ?? this.record.randoms.at(-1) ?? 0;
  }

  /** How this replay's draws differ from the primary's, or null when it used exactly the primary's. */
  drawsDiffer(): string | null {
    const say = (what: string, used: number, had: number) =>
      used === had ? null : `the backup asked for ${what} ${used} times, the primary ${had}`;
    return (
      say('the time', this.timesUsed, this.record.times.length) ??
      say('a random number', this.randomsUsed, this.record.randoms.length)
    );
  }
}

export type Verdict = { same: true } | { same: false; detail: string };

/** A few bytes as people read them: their length and the start, as text. */
function show(b: Uint8Array): string {
  const text = Buffer.from(b.subarray(0, 40)).toString('utf8');
  return `${JSON.stringify(text)}${b.length > 40 ? '…' : ''} (${b.length} bytes)`;
}

/** Whether a backup's replay of input `seq` matches the primary's run, and if not, how it differs. */
export function compareReplay(
  seq: number,
  record: CopycatRecord,
  output: Uint8Array,
  replay: Replay,
): Verdict {
  const draws = replay.drawsDiffer();
  if (draws) return { same: false, detail: `input ${seq}: ${draws}` };
  if (Buffer.compare(Buffer.from(output), Buffer.from(record.output)) !== 0)
    return {
      same: false,
      detail: `input ${seq}: the backup's output ${show(output)} differs from the primary's ${show(record.output)}`,
    };
  return { same: true };
}
