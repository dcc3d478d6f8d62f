/**
 * `npm run sim -- --seeds A..B [--faults LIST] [--hosts N]`, or `--seed N --trace` to replay one seed
 * with its whole trace, or `--seed N --shrink` to make a failing seed's fault schedule shorter.
 * Prints each failing seed (invariant, evidence, faults, trace tail), then
 * `N seeds, V violations, … seeds/s`. Exit code 1 on any violation, 2 on bad input.
 */
import { argReader } from '../cts/args.js';
import { FAULT_NAMES, type FaultName } from './faults.js';
import { DEFAULT_SETTLE_MS, describeFailure, NoSuchFaultError, runSeed, type SimOptions } from './run.js';
import { DEFAULT_SHRINK_BUDGET_MS, DEFAULT_SHRINK_REPLAYS, shrinkSeed } from './shrink.js';

const USAGE = `usage: npm run sim -- --seeds A..B [--faults LIST] [--hosts N] [--settle-ms MS]
       npm run sim -- --seed N [--trace] [--faults LIST] [--hosts N] [--keep-faults LIST]
       npm run sim -- --seed N --shrink [--shrink-replays N] [--shrink-ms MS] [--faults LIST] [--hosts N]
  --faults       comma-separated, from: ${FAULT_NAMES.join(', ')} (default: all)
  --hosts        how many hosts (default 6; at least 1)
  --trace        print the run's whole trace and its hash (a replay prints the same lines every time)
  --keep-faults  apply only these of the seed's faults, by number (#0 is the earliest; "none": no fault)
  --shrink       find a shorter schedule of the seed's faults that violates the same invariant, and
                 the command that replays it (at most --shrink-replays runs, default ${DEFAULT_SHRINK_REPLAYS},
                 and --shrink-ms of real time, default ${DEFAULT_SHRINK_BUDGET_MS})
  --app-lease-ms the WatchDogs' application lease (to see the invariants catch one longer than the
                 host timeout, which breaks the fence-first inequality; default: the cluster's own)`;

const { int, names, fail: refuse } = argReader('sim', USAGE);

/** Declared, so that the checker narrows after a refusal. */
function fail(message: string): never {
  return refuse(message);
}

/** `--keep-faults 0,2` or `none`: fault numbers, each an integer ≥ 0. */
function faultNumbers(flag: string, v: string | undefined): number[] {
  if (v === 'none') return [];
  const list = (v ?? '').split(',');
  if (list.some((x) => !/^\d+$/.test(x)))
    fail(`${flag} needs fault numbers like 0,2 (or none), got ${v ?? 'nothing'}`);
  return list.map(Number);
}

interface Args {
  from: number;
  to: number;
  trace: boolean;
  shrink: boolean;
  shrinkReplays: number;
  shrinkMs: number;
  hosts: number;
  settleMs: number;
  faults: FaultName[];
  keepFaults: number[] | null;
  appLeaseMs: number | null;
}

function parse(argv: string[]): Args {
  let from: number | null = null;
  let to: number | null = null;
  let trace = false;
  let shrink = false;
  let shrinkReplays = DEFAULT_SHRINK_REPLAYS;
  let shrinkMs = DEFAULT_SHRINK_BUDGET_MS;
  let hosts = 6;
  let settleMs = DEFAULT_SETTLE_MS;
  let faults: FaultName[] = [...FAULT_NAMES];
  let keepFaults: number[] | null = null;
  let appLeaseMs: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--trace' || a === '--shrink') {
      if (a === '--trace') trace = true;
      else shrink = true;
      continue;
    }
    if (a === '--seed') from = to = int(a, v, 0);
    else if (a === '--seeds') {
      const m = /^(\d+)\.\.(\d+)$/.exec(v ?? '');
      if (!m || Number(m[1]) > Number(m[2])) fail(`--seeds needs A..B with A ≤ B, got ${v ?? 'nothing'}`);
      from = Number(m[1]);
      to = Number(m[2]);
    } else if (a === '--hosts') hosts = int(a, v, 1);
    else if (a === '--settle-ms') settleMs = int(a, v, 1000);
    else if (a === '--faults') faults = names(a, v, FAULT_NAMES);
    else if (a === '--keep-faults') keepFaults = faultNumbers(a, v);
    else if (a === '--shrink-replays') shrinkReplays = int(a, v, 1);
    else if (a === '--shrink-ms') shrinkMs = int(a, v, 1000);
    else if (a === '--app-lease-ms') appLeaseMs = int(a, v, 100);
    else fail(`unknown argument ${a}`);
    i++;
  }
  if (from === null || to === null) fail('--seeds A..B or --seed N is needed');
  if (trace && from !== to) fail('--trace replays one seed: give --seed N');
  if (shrink && from !== to) fail('--shrink works on one seed: give --seed N');
  if (keepFaults && from !== to) fail('--keep-faults names one seed’s faults: give --seed N');
  if (shrink && keepFaults) fail('--shrink starts from all the seed’s faults: leave out --keep-faults');
  return {
    from,
    to,
    trace,
    shrink,
    shrinkReplays,
    shrinkMs,
    hosts,
    settleMs,
    faults,
    keepFaults,
    appLeaseMs,
  };
}

function simOptions(o: Args): SimOptions {
  return {
    faults: o.faults,
    hosts: o.hosts,
    settleMs: o.settleMs,
    fullTrace: o.trace,
    ...(o.keepFaults ? { keepFaults: o.keepFaults } : {}),
    ...(o.appLeaseMs !== null ? { timings: { appLeaseMs: o.appLeaseMs } } : {}),
  };
}

/** The command that runs `seed` again as `o` ran it, with `keep` of its faults, with its whole trace. */
function replayCommand(seed: number, o: Args, keep: number[] | null): string {
  const parts = ['npm run sim -- --seed', String(seed)];
  if (o.faults.length !== FAULT_NAMES.length || o.faults.some((f, i) => f !== FAULT_NAMES[i]))
    parts.push('--faults', o.faults.join(','));
  if (o.hosts !== 6) parts.push('--hosts', String(o.hosts));
  if (o.settleMs !== DEFAULT_SETTLE_MS) parts.push('--settle-ms', String(o.settleMs));
  if (o.appLeaseMs !== null) parts.push('--app-lease-ms', String(o.appLeaseMs));
  if (keep) parts.push('--keep-faults', keep.length > 0 ? keep.join(',') : 'none');
  parts.push('--trace');
  return parts.join(' ');
}

async function shrink(o: Args): Promise<void> {
  const began = performance.now();
  const s = await shrinkSeed(o.from, simOptions({ ...o, trace: false }), {
    maxReplays: o.shrinkReplays,
    budgetMs: o.shrinkMs,
  });
  if (!s) {
    process.stdout.write(`seed ${o.from}: no violation, nothing to shrink\n`);
    process.exitCode = 0;
    return;
  }
  const r = s.result;
  const v = r.violation;
  const lines = [
    `seed ${s.seed}: ${s.invariant} violated with faults ${s.original.map((i) => `#${i}`).join(' ') || '(none)'}`,
    `shrunk to ${s.kept.length} of ${s.original.length} faults in ${s.replays} replays${s.bounded ? ' (stopped by the bound; a shorter one may exist)' : ''}:`,
    ...(r.faults.length > 0
      ? r.faults.map((f, i) => `  #${r.kept[i]} ${f}`)
      : ['  (no fault: the violation comes without any)']),
    v
      ? `${v.invariant} violated at ${v.atMs.toFixed(2)} ms: ${v.detail}`
      : 'the shorter schedule violated nothing on its last replay (a defect in the replay)',
    `trace hash ${r.traceHash}`,
    `replay: ${replayCommand(s.seed, o, s.kept)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stderr.write(`shrunk in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
  process.exitCode = v ? 1 : 0;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (o.shrink) return shrink(o);
  const began = performance.now();
  let violations = 0;
  let simMs = 0;
  for (let seed = o.from; seed <= o.to; seed++) {
    const r = await runSeed(seed, simOptions(o));
    simMs += r.simMs;
    if (o.trace) {
      for (const [i, f] of r.faults.entries()) process.stdout.write(`fault: #${r.kept[i]} ${f}\n`);
      for (const l of r.trace) process.stdout.write(`${l}\n`);
      process.stdout.write(`trace hash ${r.traceHash}\n`);
    }
    if (r.violation) {
      violations++;
      const failed = o.trace ? { ...r, trace: r.trace.slice(-40) } : r;
      process.stdout.write(`${describeFailure(failed, replayCommand(seed, o, o.keepFaults))}\n`);
      if (!o.trace)
        process.stdout.write(`  shrink: ${replayCommand(seed, o, null).replace(/ --trace$/, ' --shrink')}\n`);
    }
  }
  const seeds = o.to - o.from + 1;
  const secs = (performance.now() - began) / 1000;
  // Figures go to stderr: stdout stays the same from run to run (the replay's promise).
  process.stderr.write(
    `${(seeds / secs).toFixed(1)} seeds/s, ${(simMs / 1000 / secs).toFixed(0)} simulated s per real s\n`,
  );
  process.stdout.write(`${seeds} seeds, ${violations} violations, seeds ${o.from}..${o.to}\n`);
  process.exitCode = violations > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  if (err instanceof NoSuchFaultError) fail(err.message);
  throw err;
});
