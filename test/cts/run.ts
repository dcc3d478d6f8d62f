/**
 * The fault-injection suite (CTS): starts the six-host local cluster from its cluster file as an
 * operator would, every daemon under a systemd-like restarter, registers warm, hot and cold modules
 * of the sample application, and then, round after round, injects one fault drawn from the seed,
 * heals it and waits for the cluster to settle, auditing all along (audit.ts).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { issueCluster } from '../../src/cli/certs.js';
import { EtcdCluster } from '../../src/cli/etcd-cluster.js';
import {
  LOCAL_HOSTS,
  LocalCluster,
  type LocalStore,
  localClusterYaml,
  localEtcdBase,
} from '../../src/cli/local.js';
import { killGroup, waitGone } from '../../src/cli/local-processes.js';
import type { ModuleSpec } from '../../src/model/table.js';
import {
  addressOf,
  type ClusterConfig,
  hostStateDir,
  loadClusterConfig,
  type Timings,
} from '../../src/shared/config.js';
import { appSocketPath } from '../../src/watchdog/app-socket.js';
import { Auditor, type Snapshot, settleProblems, type Violation } from './audit.js';
import { ClusterView, type ManagerAnswer } from './cluster-view.js';
import { FAULTS, type FaultContext, type FaultName } from './faults.js';
import { clearStale } from './partition.js';
import { Prng } from './prng.js';
import { type CopyProcess, type DaemonProcess, Probe } from './probe.js';
import { Restarter } from './restarter.js';

/** The repository root, from test/cts (sources) or dist/test/cts (built). */
export const ROOT = (() => {
  let dir = resolve(import.meta.dirname);
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'rmd.js'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('repository root (package.json and bin/rmd.js) not found above the suite');
})();

export interface CtsOptions {
  seed: number;
  iterations: number;
  faults: readonly FaultName[];
  /** The Checkpoint Server's port; the daemons use the next three. */
  portBase?: number;
  /** Cluster-file timings other than the local cluster's. */
  timings?: Partial<Timings>;
  /** Where the Checkpoint Servers keep the table: one on SQLite (default), or one per ring host over a three-member etcd. */
  store?: LocalStore;
  /** How long the cluster gets to settle after a fault is healed. */
  settleMs?: number;
  /** One JSON line per round, and the summary line. */
  out: (line: string) => void;
  /** Progress and where the logs are. */
  log?: (line: string) => void;
  /** Whether to keep the cluster's folder (logs, state): always, when a violation was found (default: never). */
  keep?: 'always' | 'on-violation' | 'never';
  /** Stops the run early (Ctrl-C): everything started is stopped and every rule removed. */
  signal?: AbortSignal;
}

export interface CtsResult {
  rounds: number;
  violations: Violation[];
  dir: string;
  kept: boolean;
  aborted: boolean;
}

/** The copy timeout of the sample modules (heartbeat). */
const COPY_TIMEOUT_MS = 1000;

/** Warm modules (one on the ring hosts), a hot and a cold one, all run by the sample application. */
export function ctsModules(): ModuleSpec[] {
  const app = join(ROOT, 'examples', 'bin', 'sample-app');
  const common = {
    detect: 'heartbeat' as const,
    timeoutMs: COPY_TIMEOUT_MS,
    check: { kind: 'sdk' as const },
  };
  const replicas = (prefix: string, hosts: string[]) =>
    hosts.map((host, i) => ({ id: `${prefix}${i + 1}`, host, path: app }));
  return [
    {
      name: 'W',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      ...common,
      replicas: replicas('W', ['H1', 'H3', 'H4']),
    },
    {
      name: 'R',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      ...common,
      replicas: replicas('R', ['H2', 'H5', 'H6']),
    },
    {
      name: 'T',
      style: 'hot',
      degree: 2,
      policy: 'on-each-failure',
      ...common,
      replicas: replicas('T', ['H1', 'H4', 'H5']),
    },
    {
      name: 'C',
      style: 'cold',
      degree: 2,
      policy: 'on-over-threshold',
      threshold: 1,
      ...common,
      replicas: replicas('C', ['H3', 'H6']),
    },
  ];
}

/** Group ids of the hosts' daemons (and so of their copies): what the partition rules match. */
function gidOf(host: string): number | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (host === 'CS') return 61010;
  const i = LOCAL_HOSTS.indexOf(host);
  return i < 0 ? undefined : 61011 + i;
}

/** Modules an alert was raised for, from the ReplicaManager's log lines (in its SuperWatchDog's log). */
function alertedModules(logDir: string): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(logDir).filter((x) => x.startsWith('super-watchdog-'))) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line.includes('"alert"')) continue;
      try {
        const e = JSON.parse(line) as { msg?: string; alert?: { module?: string } };
        if (e.msg === 'alert' && e.alert?.module) out.add(e.alert.module);
      } catch {
        // a line being written
      }
    }
  }
  return out;
}

/** How often the SuperWatchDogs killed a ReplicaManager that did not beat in time, so far, from their logs. */
function managerKills(logDir: string): string {
  const counts: string[] = [];
  for (const f of readdirSync(logDir).filter((x) => x.startsWith('super-watchdog-'))) {
    const n = readFileSync(join(logDir, f), 'utf8')
      .split('\n')
      .filter((l) => l.includes('ReplicaManager unresponsive: killing it')).length;
    if (n > 0) counts.push(`${f.replace(/\.log$/, '')} killed its ReplicaManager ${n} times`);
  }
  return counts.join(', ') || 'no SuperWatchDog killed its ReplicaManager';
}

export async function runCts(opts: CtsOptions): Promise<CtsResult> {
  const log = opts.log ?? (() => undefined);
  const portBase = opts.portBase ?? 7600;
  const settleMs = opts.settleMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'rm-cts-'));
  const clusterDir = join(dir, 'cluster');
  const logDir = join(clusterDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const cfgFile = join(clusterDir, 'cluster.yaml');
  const store = opts.store ?? 'sqlite';
  writeFileSync(cfgFile, localClusterYaml(clusterDir, ROOT, portBase, opts.timings ?? {}, [], store));
  let etcd: EtcdCluster | null = null;
  const cfg: ClusterConfig = loadClusterConfig(cfgFile);
  // The cluster's own CA and a certificate per daemon and for its operator, as `rmd local` makes them.
  await issueCluster(cfg);
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const prng = new Prng(opts.seed);
  const modules = ctsModules();
  const auditor = new Auditor(modules.map((m) => ({ name: m.name, style: m.style })));
  const local = new LocalCluster(clusterDir, ROOT, portBase, opts.timings ?? {});
  const restarter = new Restarter({
    rmd: join(ROOT, 'bin', 'rmd.js'),
    cfgFile,
    logDir,
    restartMs: 1000,
    gidOf,
    env: { RM_LOG_LEVEL: process.env.RM_LOG_LEVEL ?? 'info' },
  });
  const probe = new Probe({
    cfgFile,
    // Copies know their WatchDog by its local socket (or, in an insecure cluster, by its address).
    watchdogAddresses: cfg.hosts.flatMap((h) => [
      `unix:${appSocketPath(hostStateDir(cfg, h.name))}`,
      addressOf.watchdog(cfg, h.name),
    ]),
    logDirOf: (h) => join(hostStateDir(cfg, h), 'logs'),
    replicas: modules.flatMap((m) =>
      m.replicas.map((r) => ({ host: r.host, replica: r.id ?? '', module: m.name })),
    ),
  });
  const view = new ClusterView(cfg, local.transport());
  const undos = new Map<number, () => void>();
  let nextUndo = 1;
  const undo = (fn: () => void) => {
    const id = nextUndo++;
    undos.set(id, fn);
    return () => {
      const f = undos.get(id);
      undos.delete(id);
      f?.();
    };
  };
  let aborted = opts.signal?.aborted ?? false;
  const wakers = new Set<() => void>();
  const onAbort = () => {
    aborted = true;
    for (const f of [...undos.values()]) f();
    undos.clear();
    for (const w of [...wakers]) w();
  };
  opts.signal?.addEventListener('abort', onAbort);
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      if (aborted) return r();
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        r();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  /** A wait of the start-up that Ctrl-C cuts short. */
  const interruptible = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([
      p,
      new Promise<never>((_, reject) => {
        const check = () =>
          aborted ? reject(new Error('interrupted while the cluster was starting')) : undefined;
        check();
        opts.signal?.addEventListener('abort', check, { once: true });
      }),
    ]);

  let latestDaemons: DaemonProcess[] = [];
  const sample = (): Snapshot => {
    const atMs = clock();
    probe.readLogs(atMs);
    const s = probe.scan(atMs);
    latestDaemons = s.daemons;
    return { atMs, copies: s.copies };
  };
  const scan = () => {
    const s = sample();
    return { copies: s.copies, daemons: latestDaemons };
  };

  const all: Violation[] = [];
  let rounds = 0;
  let kept = false;
  let auditing = false;
  const loops: Array<Promise<void>> = [];
  const latest: { manager: (ManagerAnswer & { atMs: number }) | null } = { manager: null };

  const startAudits = () => {
    auditing = true;
    // Processes, every ≤ 50 ms.
    loops.push(
      (async () => {
        for (let i = 0; auditing && i < 10_000_000; i++) {
          const began = performance.now();
          const s = sample();
          const confirm = auditor.suspects(s).length > 0 ? sample() : null;
          auditor.processes(s, confirm);
          await sleep(Math.max(5, 30 - (performance.now() - began)));
        }
      })(),
    );
    // The table, with a process sample on each side of the call.
    loops.push(
      (async () => {
        for (let i = 0; auditing && i < 10_000_000; i++) {
          const before = sample();
          const m = await view.manager().catch(() => null);
          const after = sample();
          if (m) {
            latest.manager = { ...m, atMs: after.atMs };
            auditor.table(m.table, m.epoch, m.host, before, after);
          }
          await sleep(150);
        }
      })(),
    );
    // The store: its epoch and every warm and cold module's checkpoint, after the acknowledgements read.
    loops.push(
      (async () => {
        for (let i = 0; auditing && i < 10_000_000; i++) {
          probe.readLogs(clock());
          const acks = new Map([...probe.acks.entries()].map(([k, v]) => [k, [...v]]));
          try {
            const lead = await view.cs.getLeadership('manager');
            auditor.epoch('store', lead.epoch, clock(), 'Checkpoint Server leadership record');
            for (const m of modules) {
              if (m.style === 'hot') continue;
              const cp = await view.cs.loadCheckpoint(m.name);
              if (!cp) continue;
              const counter = Number(cp.state.toString('utf8'));
              if (!Number.isFinite(counter)) continue;
              auditor.checkpoint(
                m.name,
                { counter, version: cp.version, replica: cp.replica },
                acks.get(m.name) ?? [],
                clock(),
              );
            }
          } catch {
            // the store is down (a fault): nothing to compare
          }
          await sleep(150);
        }
      })(),
    );
  };

  /** Waits until the cluster has been settled for `stableMs` without a break, at most `boundMs`. */
  const settle = async (boundMs: number, stableMs: number) => {
    const until = performance.now() + boundMs;
    let stableSince: number | null = null;
    let problems: Array<{ invariant: string; detail: string }> = [];
    let ringViews = '';
    for (let i = 0; i < 100_000 && !aborted; i++) {
      const m = await view.manager().catch(() => null);
      const ring = await view.ringPrimary();
      ringViews = ring.views;
      const s = sample();
      const short = m?.table.modules.some((x) => x.underReplicated) ?? false;
      problems = settleProblems({
        table: m?.table ?? null,
        managerHost: m?.host ?? null,
        ringJoined: ring.joined,
        copies: s.copies,
        managers: latestDaemons.filter((d) => d.kind === 'replica-manager'),
        alerted: short ? alertedModules(logDir) : new Set(),
      });
      const expected = new Set(restarter.running().map((d) => d.pid));
      for (const d of latestDaemons) {
        // A daemon's child that has not exec'd yet still looks like the daemon.
        if (d.kind !== 'replica-manager' && !expected.has(d.pid) && s.atMs - d.firstSeenMs > 2000)
          problems.push({
            invariant: 'no-stray-process',
            detail: `${d.kind} pid ${d.pid} on ${d.host} (${d.state}) is not the one its unit runs`,
          });
      }
      const now = performance.now();
      if (problems.length === 0) {
        stableSince ??= now;
        if (now - stableSince >= stableMs) return { settledMs: stableSince, problems, ringViews };
      } else stableSince = null;
      if (now > until) break;
      await sleep(200);
    }
    return { settledMs: null, problems, ringViews };
  };

  const teardown = async () => {
    auditing = false;
    for (const w of [...wakers]) w();
    await Promise.allSettled(loops);
    log(`audits stopped at ${Math.round(clock())} ms`);
    for (const f of [...undos.values()]) f();
    undos.clear();
    clearStale();
    const left = await restarter.stopAll(3000);
    etcd?.stop();
    log(`daemons stopped at ${Math.round(clock())} ms`);
    let copies: CopyProcess[] = scan().copies;
    for (const c of copies) killGroup(c.pid, 'SIGKILL');
    for (const d of latestDaemons) killGroup(d.pid, 'SIGKILL');
    await waitGone([...copies.map((c) => c.pid), ...latestDaemons.map((d) => d.pid)], 5000);
    const again = scan();
    copies = again.copies;
    log(`copies stopped at ${Math.round(clock())} ms`);
    view.close();
    return [...left, ...copies.map((c) => c.pid), ...again.daemons.map((d) => d.pid)];
  };

  // The audits sample at a higher priority than the cluster (root only), so that a busy machine
  // delays the cluster, not the samples; what it starts runs at the ordinary priority.
  const priority = getPriority();
  try {
    if (process.getuid?.() === 0) setPriority(-10);
  } catch {
    // stays as it is
  }
  const stable = cfg.timings.hostTimeoutMs + 500;
  let failed = false;
  try {
    clearStale();
    log(`cluster folder ${clusterDir}; ports ${portBase}–${portBase + 3}; seed ${opts.seed}`);
    if (store === 'etcd') {
      etcd = await interruptible(
        EtcdCluster.start({ dir: join(clusterDir, 'etcd'), basePort: localEtcdBase(portBase) }),
      );
      log(`etcd members on ${etcd.endpoints.join(', ')}`);
      for (const h of cfg.ring) restarter.start('checkpoint-server', h);
    } else restarter.start('checkpoint-server', 'CS');
    await waitUntil(
      'the Checkpoint Server',
      () => view.cs.getLeadership('manager').then(() => true),
      20_000,
      sleep,
    );
    for (const h of LOCAL_HOSTS) restarter.start('watchdog', h);
    const [first, ...rest] = cfg.ring;
    restarter.start('super-watchdog', first as string);
    await interruptible(
      local.manager(120_000).catch((err: Error) => {
        throw new Error(`${err.message}; ${managerKills(logDir)}`);
      }),
    );
    log(`ReplicaManager answers after ${Math.round(clock())} ms`);
    for (const h of rest) restarter.start('super-watchdog', h);
    await interruptible(local.ringJoined(60_000));
    log(`ring joined after ${Math.round(clock())} ms`);
    await interruptible(local.register(modules));
    const initial = await settle(60_000, stable);
    if (initial.settledMs === null)
      throw new Error(
        `the cluster did not settle after the registrations: ${initial.problems.map((p) => p.detail).join('; ')}`,
      );
    log(`cluster up and settled after ${Math.round(clock())} ms`);
    startAudits();

    for (let round = 1; round <= opts.iterations && !aborted; round++) {
      auditor.round = round;
      const fault = prng.pick(opts.faults);
      const ctx: FaultContext = {
        cfg,
        prng,
        restarter,
        view,
        hosts: LOCAL_HOSTS,
        copyTimeoutMs: COPY_TIMEOUT_MS,
        gidOf,
        scan,
        undo,
        sleep,
        violation: (invariant, evidence) => auditor.report(invariant, evidence),
        etcd,
      };
      const began = clock();
      const samplesBefore = auditor.samples;
      auditor.maxGapMs = 0;
      auditor.gapsOver50 = 0;
      let report: Record<string, unknown>;
      try {
        report = await FAULTS[fault](ctx);
      } catch (err) {
        report = { target: 'none', error: (err as Error).message };
      }
      const healed = clock();
      const s = await settle(settleMs, stable);
      if (s.settledMs === null && !aborted) {
        auditor.report('bounded-settle', {
          boundMs: settleMs,
          healedAtMs: Math.round(healed),
          ring: s.ringViews,
          problems: s.problems.map((p) => p.detail).slice(0, 12),
          managerKills: managerKills(logDir),
        });
        auditor.settleProblems(
          s.problems.filter((p) => p.invariant !== 'bounded-settle'),
          { afterMs: settleMs },
        );
      }
      const violations = auditor.endRound(clock());
      all.push(...violations);
      rounds = round;
      opts.out(
        JSON.stringify({
          round,
          fault,
          ...report,
          atMs: Math.round(began),
          faultMs: Math.round(healed - began),
          settleMs: s.settledMs === null ? null : Math.round(s.settledMs - t0 - healed),
          lastManagerAnswer: latest.manager
            ? {
                host: latest.manager.host,
                epoch: latest.manager.epoch,
                atMs: Math.round(latest.manager.atMs),
              }
            : null,
          samples: auditor.samples - samplesBefore,
          maxSampleGapMs: Math.round(auditor.maxGapMs),
          sampleGapsOver50ms: auditor.gapsOver50,
          violations,
        }),
      );
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    const left = await teardown();
    if (left.length > 0) {
      const v: Violation = {
        invariant: 'no-stray-process',
        round: rounds,
        evidence: { when: 'after the cluster was stopped', pids: left },
      };
      all.push(v);
      opts.out(JSON.stringify({ end: true, violations: [v] }));
    }
    try {
      setPriority(priority);
    } catch {
      // stays as it is
    }
    kept = opts.keep === 'always' || (opts.keep === 'on-violation' && (all.length > 0 || failed));
    if (kept) log(`logs and state kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  opts.out(`${rounds} rounds, ${all.length} violations, seed ${opts.seed}`);
  return { rounds, violations: all, dir, kept, aborted };
}

async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  let last = '';
  for (let i = 0; i < 100_000 && performance.now() < until; i++) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
  );
}
