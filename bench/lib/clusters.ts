/**
 * The local six-host cluster of `rmd local` (src/cli/local.ts) for the benchmarks: port base 7600 and
 * up, so that a benchmark never meets a test run (7400); stopped with every copy on interruption.
 * BenchCluster is the same cluster with bench/fixtures among the allowed executable folders.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { ClusterClient } from '../../src/cli/cluster-client.js';
import { LOCAL_HOSTS, LocalCluster, localClusterYaml } from '../../src/cli/local.js';
import { moduleToProto } from '../../src/replica-manager/proto-convert.js';
import type { ModuleSpec } from '../../src/replica-manager/table.js';
import { unary } from '../../src/shared/grpc.js';
import { FIXTURES, onCleanup, ROOT, waitFor } from './common.js';

export const RING = ['H2', 'H5', 'H6'];

/** The local cluster, but with extra allowed executable folders (the benchmark's fixtures). */
export class BenchCluster extends LocalCluster {
  constructor(
    dir: string,
    portBase: number,
    private readonly extraAllowed: string[] = [FIXTURES],
  ) {
    super(dir, ROOT, portBase);
  }

  override async start(): Promise<void> {
    const running = this.liveRecorded();
    if (running.length > 0) throw new Error(`a cluster already runs from ${this.dir}`);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    const yaml = localClusterYaml(this.dir, this.root, this.portBase).replace(
      'allowedExecutableDirs:\n',
      `allowedExecutableDirs:\n${this.extraAllowed.map((d) => `  - ${d}\n`).join('')}`,
    );
    writeFileSync(this.cfgFile, yaml);
    this.startDaemon('checkpoint-server', 'CS');
    const cs = new CheckpointClient(this.cfg.checkpointServer.address, { deadlineMs: 500 });
    try {
      await waitFor('the Checkpoint Server', () => cs.getLeadership('manager').then(() => true), 20_000, 50);
    } finally {
      cs.close();
    }
    for (const h of LOCAL_HOSTS) this.startDaemon('watchdog', h);
    for (const h of RING) this.startDaemon('super-watchdog', h);
    await this.manager(30_000);
  }
}

/** Starts a cluster (LocalCluster, or BenchCluster with the fixtures allowed); stopped on interruption. */
export async function startCluster(
  dir: string,
  portBase: number,
  opts: { fixtures?: boolean } = {},
): Promise<{ cluster: LocalCluster; stop: () => Promise<void> }> {
  const cluster = opts.fixtures ? new BenchCluster(dir, portBase) : new LocalCluster(dir, ROOT, portBase);
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
  const client = new ClusterClient(cluster.cfg, 2000);
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
  const client = new ClusterClient(cluster.cfg, 2000);
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
