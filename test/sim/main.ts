/**
 * `npm run sim -- --seeds A..B [--faults LIST] [--hosts N]`, or `--seed N --trace` to replay one seed
 * with its whole trace. Prints each failing seed (invariant, evidence, faults, trace tail), then
 * `N seeds, V violations, … seeds/s`. Exit code 1 on any violation, 2 on bad input.
 */
import { argReader } from '../cts/args.js';
import { FAULT_NAMES, type FaultName } from './faults.js';
import { DEFAULT_SETTLE_MS, describeFailure, runSeed } from './run.js';

const USAGE = `usage: npm run sim -- --seeds A..B [--faults LIST] [--hosts N] [--settle-ms MS]
       npm run sim -- --seed N [--trace] [--faults LIST] [--hosts N]
  --faults  comma-separated, from: ${FAULT_NAMES.join(', ')} (default: all)
  --hosts   how many hosts (default 6; at least 1)
  --trace   print the run's whole trace (a replay prints the same lines every time)`;

const { int, names, fail: refuse } = argReader('sim', USAGE);

/** Declared, so that the checker narrows after a refusal. */
function fail(message: string): never {
  return refuse(message);
}

function parse(argv: string[]) {
  let from: number | null = null;
  let to: number | null = null;
  let trace = false;
  let hosts = 6;
  let settleMs = DEFAULT_SETTLE_MS;
  let faults: FaultName[] = [...FAULT_NAMES];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--trace') {
      trace = true;
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
    else fail(`unknown argument ${a}`);
    i++;
  }
  if (from === null || to === null) fail('--seeds A..B or --seed N is needed');
  if (trace && from !== to) fail('--trace replays one seed: give --seed N');
  return { from, to, trace, hosts, settleMs, faults };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const began = performance.now();
  let violations = 0;
  let simMs = 0;
  for (let seed = o.from; seed <= o.to; seed++) {
    const r = await runSeed(seed, {
      faults: o.faults,
      hosts: o.hosts,
      settleMs: o.settleMs,
      fullTrace: o.trace,
    });
    simMs += r.simMs;
    if (o.trace) {
      for (const f of r.faults) process.stdout.write(`fault: ${f}\n`);
      for (const l of r.trace) process.stdout.write(`${l}\n`);
    }
    if (r.violation) {
      violations++;
      process.stdout.write(`${describeFailure(o.trace ? { ...r, trace: r.trace.slice(-40) } : r)}\n`);
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

void main();
