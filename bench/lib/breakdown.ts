/**
 * Where the time of a fail-over goes, from the daemons' own log lines: pino stamps each line with
 * Date.now() (ms). The wall clock and the monotonic clock differ by the same offset in every process,
 * so a log time maps onto process.hrtime.bigint()'s axis to within a millisecond or so.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines } from './common.js';

export type LogEntry = Record<string, unknown> & { time?: number; msg?: string };

/** Date.now() − hrtime (ms): the best of a few readings (Date.now() truncates to the ms). */
export function wallOffsetMs(): number {
  let best = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 200; i++) {
    const hr = Number(process.hrtime.bigint()) / 1e6;
    best = Math.max(best, Date.now() - hr);
  }
  return best;
}

/** Every JSON line of every *.log in `dir` (the local cluster's daemons' logs). */
export function logEntries(dir: string): LogEntry[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  } catch {
    return [];
  }
  return files.flatMap((f) => jsonLines<LogEntry>(join(dir, f)));
}

/** The earliest `time` at or after `sinceMs` of an entry that `pred` accepts, or null. */
export function firstTime(
  entries: readonly LogEntry[],
  sinceMs: number,
  pred: (e: LogEntry) => boolean,
): number | null {
  return (firstEntry(entries, sinceMs, pred)?.time as number | undefined) ?? null;
}

/** The earliest entry at or after `sinceMs` that `pred` accepts, or null. */
export function firstEntry(
  entries: readonly LogEntry[],
  sinceMs: number,
  pred: (e: LogEntry) => boolean,
): LogEntry | null {
  let best: LogEntry | null = null;
  for (const e of entries) {
    if (typeof e.time !== 'number' || e.time < sinceMs) continue;
    if (pred(e) && (best === null || e.time < (best.time as number))) best = e;
  }
  return best;
}
