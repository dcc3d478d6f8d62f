/**
 * `npm run bench [-- NAME…]`: runs the benchmarks (all, or the named ones) one after another on real
 * daemons and processes on loopback (sim: the deterministic simulator in this process), prints their
 * figures, and writes bench/results/latest.json and bench/results/latest.md (a run of some benchmarks
 * keeps the others' last figures). Figures are read against the issue's aims; nothing passes or fails.
 * Ctrl-C stops whatever runs and leaves nothing.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { localClusterYaml } from '../src/cli/local.js';
import { parseClusterConfig, type Timings } from '../src/shared/config.js';
import { footprintBench } from './footprint.bench.js';
import { hangBench } from './hang.bench.js';
import { hostFailureBench } from './host-failure.bench.js';
import { type Bench, type BenchResult, cleanupAll, type Figure, ROOT, tempDir } from './lib/common.js';
import { fmt } from './lib/stats.js';
import { replicationBench } from './replication.bench.js';
import { restartBench } from './restart.bench.js';
import { rmFailoverBench } from './rm-failover.bench.js';
import { routerBench } from './router.bench.js';
import { scaleBench } from './scale.bench.js';
import { simBench } from './sim.bench.js';
import { storeBench } from './store.bench.js';
import { warmFailoverBench } from './warm-failover.bench.js';

const BENCHES: Bench[] = [
  warmFailoverBench,
  restartBench,
  hangBench,
  hostFailureBench,
  rmFailoverBench,
  scaleBench,
  footprintBench,
  storeBench,
  routerBench,
  replicationBench,
  simBench,
];

const RESULTS = join(ROOT, 'bench', 'results');

interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
}

interface Results {
  generatedAt: string;
  machine: Machine;
  /** The local cluster file's timings (the cluster every benchmark runs). */
  timings: Timings;
  results: Record<string, BenchResult>;
}

function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

function localTimings(): Timings {
  return parseClusterConfig(localClusterYaml('/tmp/bench', ROOT, 7600)).timings;
}

function figureRow(f: Figure): string {
  const s = f.stats;
  const unit = f.unit === 'ms' ? '' : ` ${f.unit}`;
  const cells = s
    ? [String(s.n), fmt(s.min), fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.max), '']
    : ['', '', '', '', '', '', `${fmt(f.value)}${unit}`];
  const verdict = f.met === null ? '' : f.met ? 'met' : '**missed**';
  const deps = f.dependsOn
    ? Object.entries(f.dependsOn)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : '';
  return `| ${f.name}${s && f.unit !== 'ms' ? ` (${f.unit})` : ''} | ${cells.join(' | ')} | ${f.aim} | ${verdict} | ${deps} |`;
}

function markdown(r: Results): string {
  const m = r.machine;
  const lines = [
    '# Benchmark results',
    '',
    `Written ${r.generatedAt} by \`npm run bench\` (bench/run.ts). Times in ms unless a unit is given;`,
    'latencies are min/p50/p95/p99/max over the trials (nearest rank). Aims are the issue’s, read, not asserted.',
    '',
    `**Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.os}.`,
    '',
    '**Cluster file timings** (the local cluster, `rmd local`, which every benchmark runs):',
    '',
    '| timing | ms |',
    '|---|---|',
    ...Object.entries(r.timings).map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ];
  for (const b of BENCHES) {
    const res = r.results[b.name];
    if (!res) continue;
    lines.push(`## ${res.title} (\`${res.name}\`)`, '');
    lines.push(`Run ${res.startedAt}, ${Math.round(res.durationS)} s. Trials: ${res.trials}.`, '');
    if (res.error) lines.push(`**Failed:** ${res.error}`, '');
    if (res.figures.length > 0) {
      lines.push(
        '| figure | n | min | p50 | p95 | p99 | max | value | aim | vs aim | depends on |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
        ...res.figures.map(figureRow),
        '',
      );
    }
    for (const f of res.figures) if (f.met === false && f.why) lines.push(`- Missed — ${f.name}: ${f.why}.`);
    for (const f of res.figures) if (f.note) lines.push(`- ${f.name}: ${f.note}.`);
    for (const n of res.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function loadPrevious(): Results | null {
  try {
    return JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as Results;
  } catch {
    return null;
  }
}

function writeResults(r: Results): void {
  mkdirSync(RESULTS, { recursive: true });
  for (const [file, text] of [
    ['latest.json', `${JSON.stringify(r, null, 2)}\n`],
    ['latest.md', markdown(r)],
  ] as const) {
    writeFileSync(join(RESULTS, `${file}.tmp`), text);
    renameSync(join(RESULTS, `${file}.tmp`), join(RESULTS, file));
  }
}

function printResult(res: BenchResult): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`\n== ${res.title} (${res.name}) — ${Math.round(res.durationS)} s; trials: ${res.trials}`);
  if (res.error) out(`   FAILED: ${res.error}`);
  for (const f of res.figures) {
    const s = f.stats;
    const body = s
      ? `n=${s.n} min ${fmt(s.min)} p50 ${fmt(s.p50)} p95 ${fmt(s.p95)} p99 ${fmt(s.p99)} max ${fmt(s.max)} ${f.unit}`
      : `${fmt(f.value)} ${f.unit}`;
    const aim = f.aim ? ` [aim ${f.aim}: ${f.met === null ? '—' : f.met ? 'met' : 'MISSED'}]` : '';
    out(`   ${f.name}: ${body}${aim}`);
    if (f.met === false && f.why) out(`      why: ${f.why}`);
  }
  for (const n of res.notes) out(`   note: ${n}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `usage: npm run bench [-- NAME…]\nbenchmarks: ${BENCHES.map((b) => `${b.name} (${b.title})`).join('; ')}\n`,
    );
    return 0;
  }
  const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown benchmark ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})\n`,
    );
    return 2;
  }
  const chosen = args.length > 0 ? BENCHES.filter((b) => args.includes(b.name)) : BENCHES;
  const estimate = chosen.reduce((n, b) => n + b.estimateS, 0);
  process.stdout.write(
    `bench: ${chosen.map((b) => b.name).join(', ')} (about ${Math.round(estimate / 60)} min on 2 cores)\n`,
  );

  const previous = loadPrevious();
  const results: Results = {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    timings: localTimings(),
    results: { ...(previous?.results ?? {}) },
  };
  const t0 = Date.now();
  let failed = 0;
  for (const b of chosen) {
    const tmp = tempDir(`rm-bench-${b.name}-`);
    const started = Date.now();
    const loadBefore = loadavg()[0] ?? 0;
    process.stdout.write(`\n-- ${b.name}: ${b.title} (free memory ${Math.round(freemem() / 2 ** 20)} MB)\n`);
    let res: BenchResult;
    let keep = false;
    try {
      res = await b.run({ dir: tmp.dir, log: (l) => process.stdout.write(`${l}\n`) });
    } catch (err) {
      failed++;
      keep = process.env.BENCH_KEEP_FAILED !== '0';
      res = {
        name: b.name,
        title: b.title,
        startedAt: new Date(started).toISOString(),
        durationS: (Date.now() - started) / 1000,
        trials: '—',
        figures: [],
        notes: [],
        error:
          `${(err as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(err)}` +
          (keep ? ` (its files and the daemons' logs are kept in ${tmp.dir})` : ''),
      };
    } finally {
      if (keep) tmp.keep();
      else await tmp.remove();
    }
    res.notes.push(
      `Load average (1 min) of the machine: ${loadBefore.toFixed(1)} when it started, ${(loadavg()[0] ?? 0).toFixed(1)} when it ended (${machine().cores} cores; other work on the machine inflates every figure).`,
    );
    printResult(res);
    results.results[b.name] = res;
    writeResults(results);
  }
  process.stdout.write(
    `\nbench: done in ${Math.round((Date.now() - t0) / 1000)} s; wrote bench/results/latest.json and latest.md\n`,
  );
  return failed > 0 ? 1 : 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}: stopping every cluster, PM2 daemon and process started…\n`);
    cleanupAll().finally(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    await cleanupAll();
    process.exit(1);
  });
