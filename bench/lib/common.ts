/**
 * What every benchmark shares: the figure format, bounded waits, the clean-up registry that the SIGINT
 * handler runs, the sample application's log lines, and /proc readings (memory, CPU time).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAlive, killGroup, waitGone } from '../../src/cli/local-processes.js';
import { type ClusterConfig, hostStateDir, type Timings } from '../../src/shared/config.js';
import { type Summary, summarize } from './stats.js';

/** The repository root, from bench/lib (sources) or dist/bench/lib (built). */
export const ROOT = (() => {
  let dir = resolve(import.meta.dirname);
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'rmd.js'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('repository root (package.json and bin/rmd.js) not found above the benchmark');
})();
export const RMD = join(ROOT, 'bin', 'rmd.js');
export const SAMPLE_APP = join(ROOT, 'examples', 'bin', 'sample-app');
export const FIXTURES = join(ROOT, 'bench', 'fixtures');
export const PROBE = join(FIXTURES, 'restart-probe.cjs');

/** One figure of a benchmark: a distribution (ms) or a single value, with the aim it is read against. */
export interface Figure {
  name: string;
  unit: string;
  /** Distribution of trials (in `unit`). */
  stats?: Summary;
  /** A single value (throughput, memory …). */
  value?: number;
  /** The issue's aim, in words, or '' when there is none. */
  aim: string;
  /** Whether the figure meets its aim (null: no aim). */
  met: boolean | null;
  /** One line on why an aim was missed, when it can be told. */
  why?: string;
  /** Cluster-file timings (and module settings) the figure depends on, with their values. */
  dependsOn?: Record<string, number>;
  /** How the figure was measured, where it is approximate, what it leaves out. */
  note?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  startedAt: string;
  durationS: number;
  /** Trials and warm-up, and why fewer than 30 where that is so. */
  trials: string;
  figures: Figure[];
  notes: string[];
  error?: string;
}

export interface Bench {
  name: string;
  title: string;
  /** Rough duration on a 2-core machine, for the plan printed at the start. */
  estimateS: number;
  /** Needs the whole cluster (the SuperWatchDog ring), or only single daemons. */
  needsRing: boolean;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export interface BenchContext {
  /** A fresh folder for this benchmark's clusters and files, removed afterwards. */
  dir: string;
  log: (line: string) => void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const now = () => process.hrtime.bigint();

/** Polls `probe` until it returns a truthy value; at most `timeoutMs`; fails with `what` and the last error. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (let i = 0; i < 10_000_000; i++) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= until) break;
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
  );
}

/** Rejects after `ms` unless `p` settles first. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------
// Clean-up: every resource a benchmark starts registers how to stop it; finally blocks and the SIGINT
// handler both run the registry, so nothing is left behind.

const cleanups = new Map<number, { what: string; fn: () => Promise<void> | void }>();
let nextCleanup = 1;

/** Registers a clean-up; the returned function runs it now (once) and unregisters it. */
export function onCleanup(what: string, fn: () => Promise<void> | void): () => Promise<void> {
  const id = nextCleanup++;
  cleanups.set(id, { what, fn });
  return async () => {
    const c = cleanups.get(id);
    if (!c) return;
    cleanups.delete(id);
    await withTimeout(Promise.resolve().then(c.fn), 20_000, `clean-up of ${c.what}`).catch((err: unknown) =>
      process.stderr.write(`bench: clean-up of ${c.what} failed: ${(err as Error).message}\n`),
    );
  };
}

/** Runs every registered clean-up, newest first. */
export async function cleanupAll(): Promise<void> {
  const list = [...cleanups.entries()].reverse();
  cleanups.clear();
  for (const [, c] of list) {
    await withTimeout(Promise.resolve().then(c.fn), 20_000, `clean-up of ${c.what}`).catch((err: unknown) =>
      process.stderr.write(`bench: clean-up of ${c.what} failed: ${(err as Error).message}\n`),
    );
  }
}

/**
 * A fresh temporary folder, removed by `remove` (and on interruption); `keep` leaves it where it is
 * (a failed benchmark's logs).
 */
export function tempDir(prefix: string): { dir: string; remove: () => Promise<void>; keep: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let kept = false;
  const remove = onCleanup(`temporary folder ${dir}`, () => {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    remove,
    keep: () => {
      kept = true;
      void remove();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Processes

export { isAlive, killGroup, waitGone };

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

/** Pids whose environment has `name=value` (this process excluded), through /proc. */
export function pidsWithEnv(name: string, value: string): number[] {
  const found: number[] = [];
  const entries = readdirSync('/proc');
  const needle = `${name}=${value}\0`;
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    try {
      const env = `${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`;
      if (env.startsWith(needle) || env.includes(`\0${needle}`)) found.push(pid);
    } catch {
      // gone or not ours
    }
  }
  return found;
}

/** Resident memory of a process in MB (VmRSS), or null when it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

let clkTck = 0;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
export function clockTicks(): number {
  if (clkTck) return clkTck;
  try {
    clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    clkTck = 100;
  }
  return clkTck;
}

/** CPU time (utime + stime) a process has used, in clock ticks, or null when it is gone. */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name (0-based 11, 12).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// The sample application's JSON lines

export interface AppEvent {
  event: string;
  role?: string;
  replica?: string;
  t?: string;
  [k: string]: unknown;
}

/** The JSON lines of a file (a pino log, an application's output); a missing file has none. */
export function jsonLines<T>(file: string): T[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line being written
    }
  }
  return out;
}

/** The JSON lines the sample application printed as copy `replica` on `host` (its WatchDog keeps them). */
export function appEvents(cfg: ClusterConfig, host: string, replica: string): AppEvent[] {
  return jsonLines<AppEvent>(join(hostStateDir(cfg, host), 'logs', `${replica}.log`));
}

/** The `t` of the first "role primary" line a copy printed after `after` (hrtime ns), if any. */
export function primaryLineAfter(
  cfg: ClusterConfig,
  host: string,
  replica: string,
  after: bigint,
): bigint | null {
  for (const e of appEvents(cfg, host, replica)) {
    if (e.event === 'role' && e.role === 'primary' && e.t && BigInt(e.t) > after) return BigInt(e.t);
  }
  return null;
}

/** The role a copy last announced since its last start ("primary", "backup"), or null. */
export function lastRole(cfg: ClusterConfig, host: string, replica: string): string | null {
  const events = appEvents(cfg, host, replica);
  let role: string | null = null;
  for (const e of events) {
    if (e.event === 'started') role = null;
    if (e.event === 'role' && typeof e.role === 'string') role = e.role;
  }
  return role;
}

// ---------------------------------------------------------------------------------------------------
// Figures

/** A latency figure from samples in ms, read against an aim on its p50/p99 (or on its max). */
export function latencyFigure(
  name: string,
  samplesMs: readonly number[],
  opts: {
    aim?: string;
    met?: (s: Summary) => boolean;
    why?: (s: Summary) => string | undefined;
    dependsOn?: Record<string, number>;
    note?: string;
  } = {},
): Figure {
  const stats = summarize(samplesMs);
  const met = opts.met && stats.n > 0 ? opts.met(stats) : null;
  const why = met === false ? opts.why?.(stats) : undefined;
  return {
    name,
    unit: 'ms',
    stats,
    aim: opts.aim ?? '',
    met,
    ...(why ? { why } : {}),
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
}

export function valueFigure(
  name: string,
  value: number,
  unit: string,
  opts: {
    aim?: string;
    met?: boolean | null;
    why?: string;
    dependsOn?: Record<string, number>;
    note?: string;
  } = {},
): Figure {
  const met = opts.met ?? null;
  return {
    name,
    unit,
    value,
    aim: opts.aim ?? '',
    met,
    ...(met === false && opts.why ? { why: opts.why } : {}),
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
}

/** The named timings of a cluster file, for a figure's `dependsOn`. */
export function timingsOf(t: Timings, ...names: Array<keyof Timings>): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, t[n]]));
}

/** Trials with a warm-up, each bounded; `label` names the progress lines. */
export function trialPlan(envName: string, fallback: number): number {
  const v = Number(process.env[envName]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}
