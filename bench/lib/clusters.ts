/**
 * The local six-host cluster of `rmd local` (src/cli/local.ts) for the benchmarks: port base 7600 and
 * up, so that a benchmark never meets a test run (7400); stopped with every copy on interruption.
 */
import { LocalCluster } from '../../src/cli/local.js';
import type { ModuleSpec } from '../../src/model/table.js';
import { moduleToProto } from '../../src/replica-manager/proto-convert.js';
import type { Timings } from '../../src/shared/config.js';
import { unary } from '../../src/shared/grpc.js';
import { FIXTURES, onCleanup, ROOT } from './common.js';

export const RING = ['H2', 'H5', 'H6'];

/** Starts a local cluster (with bench/fixtures among its allowed folders if asked); stopped on interruption. */
export async function startCluster(
  dir: string,
  portBase: number,
  opts: { fixtures?: boolean; timings?: Partial<Timings> } = {},
): Promise<{ cluster: LocalCluster; stop: () => Promise<void> }> {
  const cluster = new LocalCluster(dir, ROOT, portBase, opts.timings, opts.fixtures ? [FIXTURES] : []);
  const stop = onCleanup(`the local cluster in ${dir}`, () => cluster.stop());
  try {
    await cluster.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { cluster, stop };
}

/** Registers modules one by one with the acting ReplicaManager. */
export async function register(cluster: LocalCluster, specs: ModuleSpec[]): Promise<void> {
  const client = cluster.clusterClient(2000);
  try {
    const m = await client.manager();
    for (const spec of specs) {
      await unary(m.client, m.client.Register, { module: moduleToProto(spec), running_on: '' }, 10_000, 'RM');
    }
  } finally {
    client.close();
  }
}

export async function unregister(cluster: LocalCluster, names: string[]): Promise<void> {
  const client = cluster.clusterClient(2000);
  try {
    const m = await client.manager();
    for (const name of names) await unary(m.client, m.client.Unregister, { name }, 10_000, 'RM');
  } finally {
    client.close();
  }
}

/** The pid of a running copy (found through its WatchDog's identity in /proc), or undefined. */
export function copyPid(cluster: LocalCluster, host: string, replica: string): number | undefined {
  return cluster.copiesOn(host).find((c) => c.replica === replica)?.pid;
}
