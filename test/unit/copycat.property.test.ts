/**
 * Active copy-cat backups (DESIGN §11, seed 002), the pure rules: a record carries the input, the
 * primary's output and the values its handler drew; a backup replaying a deterministic handler with
 * those values never diverges, one that computes differently is caught at the first input where its
 * output or its draws differ, and a primary without enough in-sync backups for longer than allowed
 * stops accepting work.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareReplay,
  decodeRecord,
  encodeRecord,
  Recording,
  Replay,
  type ReplayContext,
} from '../../src/client/copycat-core.js';
import { guideline } from '../../src/client/replication-core.js';

/** A small state machine as an application's handler: adds the input, draws the time now and then. */
function machine(skewFrom = Number.POSITIVE_INFINITY, extraDrawFrom = Number.POSITIVE_INFINITY) {
  let total = 0;
  return (input: Uint8Array, ctx: ReplayContext): Uint8Array => {
    const n = Number(Buffer.from(input).toString());
    total += n + (ctx.seq >= skewFrom ? 1 : 0);
    const at = n % 2 === 0 ? ctx.now() : 0;
    const coin = ctx.random() < 0.5 ? 'heads' : 'tails';
    if (ctx.seq >= extraDrawFrom) ctx.random();
    return Buffer.from(`${total}:${at}:${coin}`);
  };
}

/** The primary runs `inputs` through `primary`, the backup replays the records with `backup`. */
function run(inputs: number[], backup: ReturnType<typeof machine>) {
  const primary = machine();
  let clock = 1_700_000_000_000;
  let seed = 7;
  const records = inputs.map((n, i) => {
    const ctx = new Recording(
      i + 1,
      () => {
        clock += 13;
        return clock;
      },
      () => {
        seed = (seed * 48271) % 2147483647;
        return seed / 2147483647;
      },
    );
    const input = Buffer.from(String(n));
    const output = primary(input, ctx);
    // Through the wire form, as a backup receives it.
    return decodeRecord(encodeRecord({ input, output, times: ctx.times, randoms: ctx.randoms }));
  });
  for (const [i, r] of records.entries()) {
    if (typeof r === 'string') throw new Error(r);
    const replay = new Replay(i + 1, r);
    const v = compareReplay(i + 1, r, backup(r.input, replay), replay);
    if (!v.same) return { divergedAt: i + 1, detail: v.detail };
  }
  return { divergedAt: null, detail: '' };
}

const inputs = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 40 });

describe('copy-cat replay', () => {
  it('a deterministic handler replayed with the recorded time and random numbers never diverges', () => {
    fc.assert(
      fc.property(inputs, (xs) => {
        expect(run(xs, machine()).divergedAt).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('a backup that computes differently from input k on is caught at exactly input k', () => {
    fc.assert(
      fc.property(inputs, fc.nat(), (xs, pick) => {
        const k = 1 + (pick % xs.length);
        const r = run(xs, machine(k));
        expect(r.divergedAt).toBe(k);
        expect(r.detail).toMatch(new RegExp(`^input ${k}: the backup's output "`));
      }),
      { numRuns: 200 },
    );
  });

  it('a backup that draws more than the primary did is caught at that input, even if its output matches', () => {
    fc.assert(
      fc.property(inputs, fc.nat(), (xs, pick) => {
        const k = 1 + (pick % xs.length);
        const r = run(xs, machine(Number.POSITIVE_INFINITY, k));
        expect(r.divergedAt).toBe(k);
        expect(r.detail).toBe(`input ${k}: the backup asked for a random number 2 times, the primary 1`);
      }),
      { numRuns: 100 },
    );
  });

  it('a payload that is not a copy-cat record says so', () => {
    expect(decodeRecord(Buffer.from('42'))).toMatch(/not a copy-cat record of format 1/);
    expect(decodeRecord(Buffer.from('{'))).toMatch(/not JSON/);
    expect(decodeRecord(Buffer.from('{"v":1,"i":"","o":""}'))).toMatch(/missing/);
  });
});

describe("the primary's guideline (seed 002)", () => {
  const limits = { minInSync: 1, maxOutOfSyncMs: 1000 };

  it('holds while enough backups are in sync, or when the module demands none', () => {
    expect(guideline(1, limits, 500, 10_000)).toEqual({ outOfSyncSinceMs: null, accepting: true });
    expect(guideline(0, { minInSync: 0, maxOutOfSyncMs: 0 }, 0, 10_000)).toMatchObject({ accepting: true });
  });

  it('counts from the first time too few are in sync, and stops accepting once the allowance has passed', () => {
    const first = guideline(0, limits, null, 10_000);
    expect(first).toEqual({ outOfSyncSinceMs: 10_000, accepting: true });
    expect(guideline(0, limits, first.outOfSyncSinceMs, 11_000)).toMatchObject({ accepting: true });
    const broken = guideline(0, limits, first.outOfSyncSinceMs, 11_001);
    expect(broken).toMatchObject({ outOfSyncSinceMs: 10_000, accepting: false });
    expect(broken.reason).toBe(
      '0 of the 1 in-sync backups the module demands for 1001 ms (allowed 1000 ms): no work is accepted until one is back in sync',
    );
    // A backup back in sync restores it at once, and the count starts afresh next time.
    expect(guideline(1, limits, 10_000, 11_002)).toEqual({ outOfSyncSinceMs: null, accepting: true });
  });
});
