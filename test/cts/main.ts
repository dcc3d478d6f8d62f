/**
 * `npm run cts -- --seed N --iterations K [--faults LIST]`: the fault-injection suite from the command
 * line. One JSON line per round on stdout, then `N rounds, V violations, seed S`; exit code 1 when a
 * violation was found, 2 for bad input or a cluster that did not come up, 130/143 when interrupted.
 * Run it under `flock /tmp/rm-cluster.lock` beside other users of the local cluster's addresses.
 */

import { hasEtcd } from '../../src/cli/etcd-cluster.js';
import type { LocalStore } from '../../src/cli/local.js';
import type { Timings } from '../../src/shared/config.js';
import { argReader } from './args.js';
import { ETCD_FAULTS, FAULT_NAMES, type FaultName } from './faults.js';
import { partitionSupported } from './partition.js';
import { runCts } from './run.js';

const USAGE = `usage: npm run cts -- --seed N --iterations K [--faults LIST] [--store sqlite|etcd] [--port-base P]
                     [--settle-ms MS] [--timing NAME=MS]… [--keep]
  --faults      comma-separated, from: ${FAULT_NAMES.join(', ')}
                (default: all${partitionSupported() ? ' but partition and etcd-partition' : ''}; ${ETCD_FAULTS.join(', ')} only with --store etcd)
  --store       the Checkpoint Server on SQLite (default), or one on each ring host over a three-member etcd on 127.0.0.1
  --port-base   the Checkpoint Server's port; the daemons use the next three (default 7600)
  --settle-ms   how long the cluster gets to settle after a fault is healed (default 30000)
  --timing      a cluster-file timing instead of the local cluster's, e.g. --timing appLeaseMs=1000
  --keep        keep the cluster's folder (logs, state) even without a violation (kept with one)`;

const { int, names, fail: refuse } = argReader('cts', USAGE);

/** Declared, so that the checker narrows after a refusal. */
function fail(message: string): never {
  return refuse(message);
}

function parse(argv: string[]) {
  let seed: number | null = null;
  let iterations: number | null = null;
  let faults: FaultName[] | null = null;
  let portBase = 7600;
  let settleMs = 30_000;
  let keep = false;
  let store: LocalStore = 'sqlite';
  const timings: Partial<Timings> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--seed') seed = int(a, v, 0);
    else if (a === '--iterations') iterations = int(a, v, 1);
    else if (a === '--port-base') portBase = int(a, v, 1024);
    else if (a === '--settle-ms') settleMs = int(a, v, 1000);
    else if (a === '--faults') faults = names(a, v, FAULT_NAMES);
    else if (a === '--store') {
      if (v !== 'sqlite' && v !== 'etcd') fail(`--store: expected sqlite or etcd, got ${v ?? 'nothing'}`);
      store = v;
    } else if (a === '--timing') {
      const m = /^([A-Za-z]+)=(\d+)$/.exec(v ?? '');
      if (!m) fail(`--timing needs NAME=MS, got ${v ?? 'nothing'}`);
      (timings as Record<string, number>)[m[1] as string] = Number(m[2]);
    } else if (a === '--keep') {
      keep = true;
      continue;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${a}`);
    i++;
  }
  if (seed === null) fail('--seed is required');
  if (iterations === null) fail('--iterations is required');
  const noPartition = partitionSupported();
  const needsRules = (f: FaultName) => f === 'partition' || f === 'etcd-partition';
  faults ??= FAULT_NAMES.filter(
    (f) => (!needsRules(f) || noPartition === null) && (store === 'etcd' || !ETCD_FAULTS.includes(f)),
  );
  if (noPartition && faults.some(needsRules)) fail(noPartition);
  const etcdOnly = faults.filter((f) => ETCD_FAULTS.includes(f));
  if (store !== 'etcd' && etcdOnly.length > 0)
    fail(`--faults ${etcdOnly.join(', ')}: only with --store etcd`);
  if (store === 'etcd' && !hasEtcd())
    fail('--store etcd needs etcd on the PATH (apt-get install -y etcd-server)');
  return { seed, iterations, faults, portBase, settleMs, keep, timings, store };
}

const args = parse(process.argv.slice(2));
const controller = new AbortController();
let interrupted: NodeJS.Signals | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) {
      process.stderr.write('cts: still stopping the cluster and removing the packet-filter rules\n');
      return;
    }
    interrupted = sig;
    process.stderr.write(`cts: ${sig}: stopping everything this run started\n`);
    controller.abort();
  });
}

try {
  const r = await runCts({
    seed: args.seed,
    iterations: args.iterations,
    faults: args.faults,
    portBase: args.portBase,
    settleMs: args.settleMs,
    timings: args.timings,
    store: args.store,
    keep: args.keep ? 'always' : 'on-violation',
    signal: controller.signal,
    out: (line) => process.stdout.write(`${line}\n`),
    log: (line) => process.stderr.write(`cts: ${line}\n`),
  });
  process.exit(interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : r.violations.length > 0 ? 1 : 0);
} catch (err) {
  process.stderr.write(`cts: ${(err as Error).message}\n`);
  process.exit(interrupted ? 130 : 2);
}
