/**
 * One simulated run from its seed: the cluster boots, the modules are registered, the seed's faults
 * come and go, and the cluster gets the settle bound to come back. The invariants are checked after
 * every event; the first violation ends the run. Same seed, same options: the same run, event for event.
 */
import { createHash } from 'node:crypto';
import type { decide } from '../../src/replica-manager/decide.js';
import type { Timings } from '../../src/shared/config.js';
import { Cluster } from './cluster.js';
import { FAULT_NAMES, FAULT_WINDOW, type Fault, type FaultName, planFaults } from './faults.js';
import { Auditor, type Violation } from './invariants.js';

export interface SimOptions {
  faults?: readonly FaultName[];
  hosts?: number;
  /** How long the cluster gets, once the last fault is healed, to run every module's degree again. */
  settleMs?: number;
  /** Keep every trace line (else only the last TRACE_TAIL). */
  fullTrace?: boolean;
  timings?: Partial<Timings>;
  decide?: typeof decide;
  /**
   * Which of the seed's faults are applied, by their number in its schedule (0 is the earliest); the
   * others are drawn all the same and left out, so that the rest of the run's chance is the seed's.
   * Default: every one.
   */
  keepFaults?: readonly number[];
}

export interface SimResult {
  seed: number;
  violation: Violation | null;
  /** How long after the last fault was healed the cluster had settled (null: it did not). */
  settleMs: number | null;
  faults: string[];
  /** The seed's schedule as drawn: how many faults; and the numbers of those applied. */
  planned: number;
  kept: number[];
  /** Simulated time reached, events run, messages sent. */
  simMs: number;
  steps: number;
  messages: number;
  trace: string[];
  /** SHA-256 of the whole trace (with fullTrace only): two runs with the same hash ran event for event alike. */
  traceHash: string | null;
}

/** keepFaults names a fault the seed's schedule does not have. */
export class NoSuchFaultError extends Error {
  constructor(
    readonly seed: number,
    readonly numbers: number[],
    readonly planned: number,
  ) {
    super(
      `seed ${seed} has no fault ${numbers.map((n) => `#${n}`).join(', ')}: its schedule has ${planned} (${planned > 0 ? `#0..#${planned - 1}` : 'none'})`,
    );
  }
}

export const TRACE_TAIL = 40;
export const DEFAULT_SETTLE_MS = 30_000;
const SETTLE_POLL_MS = 250;

export async function runSeed(seed: number, opts: SimOptions = {}): Promise<SimResult> {
  const lines: string[] = [];
  const trace = (line: string) => {
    lines.push(line);
    if (!opts.fullTrace && lines.length > 4 * TRACE_TAIL) lines.splice(0, lines.length - TRACE_TAIL);
  };
  const auditor = new Auditor();
  const cluster = new Cluster({
    seed,
    hosts: opts.hosts ?? 6,
    ...(opts.timings ? { timings: opts.timings } : {}),
    ...(opts.decide ? { decide: opts.decide } : {}),
    observe: auditor,
    trace,
  });
  auditor.attach(cluster);
  const planned = planFaults(seed, opts.faults ?? FAULT_NAMES, cluster);
  const keep = opts.keepFaults ? new Set(opts.keepFaults) : null;
  const unknown = [...(keep ?? [])].filter((i) => i >= planned.length);
  if (unknown.length > 0) {
    cluster.store.close();
    throw new NoSuchFaultError(seed, unknown, planned.length);
  }
  const kept = planned.map((_, i) => i).filter((i) => !keep || keep.has(i));
  const faults = kept.map((i) => planned[i] as (typeof planned)[number]);
  let healedAt = 0;
  for (const f of faults) {
    healedAt = Math.max(healedAt, f.atMs + f.durationMs);
    cluster.sched.at(f.atMs, null, () => {
      cluster.trace(`FAULT ${f.kind}: ${f.what}`);
      f.apply(cluster);
    });
    cluster.sched.at(f.atMs + f.durationMs, null, () => {
      cluster.trace(`HEAL ${f.kind}`);
      f.heal(cluster);
    });
  }
  const settleFrom = Math.max(healedAt, FAULT_WINDOW.fromMs);
  const endMs = settleFrom + (opts.settleMs ?? DEFAULT_SETTLE_MS);
  // Once the faults are healed the cluster must settle within the bound: the run ends as soon as it has.
  let settledAt: number | null = null;
  const poll = () => {
    if (auditor.settled(false)) settledAt = cluster.sched.now;
    else cluster.sched.after(SETTLE_POLL_MS, null, poll);
  };
  cluster.sched.at(settleFrom, null, poll);
  cluster.boot();
  await cluster.sched.run(endMs, () => auditor.check() && settledAt === null);
  if (auditor.violations.length === 0 && settledAt === null) auditor.settled(true);
  cluster.store.close();
  const violation = auditor.violations[0] ?? null;
  return {
    seed,
    violation,
    settleMs: settledAt === null ? null : settledAt - settleFrom,
    faults: faults.map(describeFault),
    planned: planned.length,
    kept,
    simMs: cluster.sched.now,
    steps: cluster.sched.steps,
    messages: cluster.net.messages,
    trace: opts.fullTrace ? lines : lines.slice(-TRACE_TAIL),
    traceHash: opts.fullTrace ? createHash('sha256').update(lines.join('\n')).digest('hex') : null,
  };
}

function describeFault(f: Fault): string {
  return `${f.kind} at ${f.atMs} ms for ${f.durationMs} ms: ${f.what}`;
}

/** A failing run as a person reads it: the seed, the invariant, the evidence, the faults and the trace's tail. */
export function describeFailure(r: SimResult, replay = `npm run sim -- --seed ${r.seed} --trace`): string {
  const v = r.violation;
  if (!v) return `seed ${r.seed}: no violation`;
  return [
    `seed ${r.seed}: ${v.invariant} violated at ${v.atMs.toFixed(2)} ms`,
    `  ${v.detail}`,
    '  faults:',
    ...r.faults.map((f, i) => `    #${r.kept[i]} ${f}`),
    `  the last ${r.trace.length} trace lines:`,
    ...r.trace.map((l) => `    ${l}`),
    `  replay: ${replay}`,
  ].join('\n');
}
