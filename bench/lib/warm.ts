/**
 * Warm modules of the sample application for the fail-over benchmarks: registering them, waiting until
 * one is ready for a trial (its primary and backups run and have said their roles), and finding the
 * moment its promoted backup's own code learnt it is primary (the `t` of its "role primary" line).
 */
import type { LocalCluster } from '../../src/cli/local.js';
import type { ModuleSpec } from '../../src/model/table.js';
import { copyPid } from './clusters.js';
import { lastRole, primaryLineAfter, SAMPLE_APP, waitFor } from './common.js';

export interface WarmOptions {
  degree?: number;
  /** Heartbeat timeout of the module (ms). */
  timeoutMs?: number;
  args?: string[];
  /** The SDK ping as a health check besides the heartbeats (default, as the sample modules have it). */
  check?: boolean;
  /** Start each module one host further along `hosts` (default); false: every module in `hosts` order. */
  rotate?: boolean;
  /** A host every module's first copy is on (its first primary); the others come from `hosts`. */
  lead?: string;
}

/** `count` warm modules `${prefix}1…`, each on `perModule` consecutive hosts of `hosts` (rotating). */
export function warmModules(
  prefix: string,
  count: number,
  hosts: string[],
  perModule: number,
  opts: WarmOptions = {},
): ModuleSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}${i + 1}`,
    style: 'warm' as const,
    degree: opts.degree ?? 2,
    policy: 'on-each-failure' as const,
    detect: 'heartbeat' as const,
    timeoutMs: opts.timeoutMs ?? 1000,
    ...(opts.check === false ? {} : { check: { kind: 'sdk' as const } }),
    ...(opts.args ? { args: opts.args } : {}),
    replicas: [
      ...(opts.lead === undefined ? [] : [opts.lead]),
      ...Array.from(
        { length: perModule - (opts.lead === undefined ? 0 : 1) },
        (_, k) => hosts[((opts.rotate === false ? 0 : i) + k) % hosts.length] as string,
      ),
    ].map((host, k) => ({ id: `${prefix}${i + 1}r${k + 1}`, host, path: SAMPLE_APP })),
  }));
}

export interface ReadyModule {
  name: string;
  primary: { id: string; host: string; pid: number };
  backups: Array<{ id: string; host: string }>;
  /** Every replica of the module with its host (the candidates for promotion). */
  replicas: Array<{ id: string; host: string }>;
}

/**
 * The module, if it is ready for a trial: its degree runs, the primary and every backup run on their
 * hosts, and each has announced its role (so a backup is attached and follows the primary).
 */
export async function readyModule(cluster: LocalCluster, name: string): Promise<ReadyModule | null> {
  const t = await cluster.table();
  const m = t.modules.find((x) => x.name === name);
  if (!m || m.underReplicated) return null;
  const p = m.replicas.find((r) => r.status === 'P');
  const bs = m.replicas.filter((r) => r.status === 'B');
  if (!p || bs.length < m.degree - 1) return null;
  const pid = copyPid(cluster, p.host, p.id);
  if (pid === undefined || lastRole(cluster.cfg, p.host, p.id) !== 'primary') return null;
  for (const b of bs) {
    if (copyPid(cluster, b.host, b.id) === undefined) return null;
    if (lastRole(cluster.cfg, b.host, b.id) !== 'backup') return null;
  }
  return {
    name,
    primary: { id: p.id, host: p.host, pid },
    backups: bs.map((b) => ({ id: b.id, host: b.host })),
    replicas: m.replicas.map((r) => ({ id: r.id, host: r.host })),
  };
}

export function waitReady(cluster: LocalCluster, name: string, timeoutMs: number): Promise<ReadyModule> {
  return waitFor(
    `module ${name} to run its degree with roles announced`,
    () => readyModule(cluster, name),
    timeoutMs,
    100,
  );
}

/** The first "role primary" line printed by any of `candidates` after `after`: who and when. */
export function promotedAfter(
  cluster: LocalCluster,
  candidates: Array<{ id: string; host: string }>,
  after: bigint,
): { id: string; t: bigint } | null {
  let best: { id: string; t: bigint } | null = null;
  for (const c of candidates) {
    const t = primaryLineAfter(cluster.cfg, c.host, c.id, after);
    if (t !== null && (best === null || t < best.t)) best = { id: c.id, t };
  }
  return best;
}
