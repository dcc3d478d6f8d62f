/**
 * A failing seed's schedule made shorter: delta debugging (ddmin) over the numbers of the seed's
 * faults. Each attempt replays the seed with a subset of its faults (the others drawn and left out,
 * runSeed's keepFaults) and keeps the subset if the same invariant is violated again. Bounded in
 * replays and in real time; the subset kept is the shortest found within them, and one replay of it
 * (with its whole trace) is the result.
 */
import { runSeed, type SimOptions, type SimResult } from './run.js';

export interface ShrinkLimits {
  /** At most this many replays (the final replay of the result not counted). Default 64. */
  maxReplays?: number;
  /** At most this much real time for the replays; the one running is finished. Default 120 s. */
  budgetMs?: number;
}

export interface Shrunk {
  seed: number;
  /** The invariant the seed's own run violated, which every kept subset violates again. */
  invariant: string;
  /** The numbers of the seed's faults, as drawn; and those of the shorter schedule. */
  original: number[];
  kept: number[];
  replays: number;
  /** The bound on replays or time ended the search before no subset was left to try. */
  bounded: boolean;
  /** The shorter schedule's run, with its whole trace. */
  result: SimResult;
}

export const DEFAULT_SHRINK_REPLAYS = 64;
export const DEFAULT_SHRINK_BUDGET_MS = 120_000;

/** Splits `items` into `n` chunks of nearly equal length, in order. */
function chunks<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = from + Math.ceil((items.length - from) / (n - i));
    out.push(items.slice(from, to));
    from = to;
  }
  return out.filter((c) => c.length > 0);
}

/**
 * Shrinks `seed`'s schedule under `opts` (the options that made it fail: fault kinds, hosts, timings,
 * decision core). Null if the seed, run with `opts` and every fault, violates nothing.
 */
export async function shrinkSeed(seed: number, opts: SimOptions = {}, limits: ShrinkLimits = {}) {
  const maxReplays = limits.maxReplays ?? DEFAULT_SHRINK_REPLAYS;
  const budgetMs = limits.budgetMs ?? DEFAULT_SHRINK_BUDGET_MS;
  const began = performance.now();
  const base: SimOptions = { ...opts, fullTrace: false };
  delete base.keepFaults;
  const first = await runSeed(seed, base);
  if (!first.violation) return null;
  const invariant = first.violation.invariant;
  const original = first.kept;
  const tried = new Map<string, boolean>();
  let replays = 0;
  let bounded = false;
  /** Whether `subset` fails as the seed did; undefined once a bound is reached. */
  const fails = async (subset: number[]): Promise<boolean | undefined> => {
    const key = subset.join(',');
    const known = tried.get(key);
    if (known !== undefined) return known;
    if (replays >= maxReplays || performance.now() - began >= budgetMs) {
      bounded = true;
      return undefined;
    }
    replays++;
    const r = await runSeed(seed, { ...base, keepFaults: subset });
    const failed = r.violation?.invariant === invariant;
    tried.set(key, failed);
    return failed;
  };

  let current = [...original];
  let n = 2;
  search: while (current.length > 0) {
    if (current.length === 1) {
      // Whether the fault is needed at all: the violation may come without any.
      const none = await fails([]);
      if (none) current = [];
      break;
    }
    const parts = chunks(current, Math.min(n, current.length));
    let reduced = false;
    for (const part of parts) {
      const r = await fails(part);
      if (r === undefined) break search;
      if (r) {
        current = part;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && parts.length > 2) {
      for (const part of parts) {
        const rest = current.filter((i) => !part.includes(i));
        const r = await fails(rest);
        if (r === undefined) break search;
        if (r) {
          current = rest;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (parts.length >= current.length) break;
      n = Math.min(2 * n, current.length);
    }
  }
  const result = await runSeed(seed, { ...base, keepFaults: current, fullTrace: true });
  return { seed, invariant, original, kept: current, replays, bounded, result } satisfies Shrunk;
}
