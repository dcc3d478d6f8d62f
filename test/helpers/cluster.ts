/**
 * The six-host local cluster (the one `npm run demo` runs) for end-to-end tests: H1–H6 on
 * 127.0.0.11–16, SuperWatchDogs on H2, H5, H6, the Checkpoint Server on 127.0.0.10, FIG. 2's modules
 * run by the sample application. Each test file starts its own in a temporary folder and stops it,
 * with every copy, in afterAll, even when a test failed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { demoModules, LocalCluster } from '../../src/cli/local.js';
import type { ReplicaTable, Status } from '../../src/model/table.js';
import { hostStateDir } from '../../src/shared/config.js';
import { RMCTL, ROOT, tempDir, waitFor } from './processes.js';

const run = promisify(execFile);

export interface TestCluster {
  cluster: LocalCluster;
  stop: () => Promise<void>;
}

/**
 * The cluster of one describe block: started (FIG. 2 registered unless `register: false`) before its tests, stopped after
 * them, even when they fail. `tc.cluster` is valid inside the tests.
 */
export function clusterForSuite(opts: { register?: boolean } = {}): { readonly cluster: LocalCluster } {
  let tc: TestCluster | undefined;
  beforeAll(async () => {
    tc = await startCluster(opts);
  }, 90_000);
  afterAll(async () => {
    await tc?.stop();
  }, 60_000);
  return {
    get cluster(): LocalCluster {
      if (!tc) throw new Error('the cluster is not started (it is valid inside the tests only)');
      return tc.cluster;
    },
  };
}

/** Starts the cluster and registers FIG. 2's modules; waits until every copy of the table runs. */
export async function startCluster(opts: { register?: boolean } = {}): Promise<TestCluster> {
  const tmp = tempDir('rm-e2e-');
  const cluster = new LocalCluster(join(tmp.dir, 'cluster'), ROOT);
  const stop = async () => {
    await cluster.stop();
    tmp.remove();
  };
  try {
    await cluster.start();
    if (opts.register !== false) {
      await cluster.register(demoModules(ROOT));
      await waitFor('every copy of the table to run', () => cluster.settled(), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { cluster, stop };
}

export function statusOf(t: ReplicaTable, replica: string): Status | undefined {
  return t.modules.flatMap((m) => m.replicas).find((r) => r.id === replica)?.status;
}

export function statuses(t: ReplicaTable, module: string): string {
  return (t.modules.find((m) => m.name === module)?.replicas ?? [])
    .map((r) => `${r.id}:${r.status}`)
    .join(' ');
}

/** Waits until the table (as the ReplicaManager answers it) passes `cond`; the last table is in the error. */
export async function untilTable(
  c: LocalCluster,
  what: string,
  cond: (t: ReplicaTable & { epoch: number; managerHost: string }) => boolean,
  timeoutMs = 20_000,
) {
  let last = '';
  try {
    return await waitFor(
      what,
      async () => {
        const t = await c.table();
        last = t.modules.map((m) => `${m.name}[${statuses(t, m.name)}]`).join(' ');
        return cond(t) ? t : null;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last table: ${last}`);
  }
}

/** The JSON lines the sample application printed as copy `replica` on `host`. */
export function appEvents(c: LocalCluster, host: string, replica: string): Array<Record<string, unknown>> {
  const file = join(hostStateDir(c.cfg, host), 'logs', `${replica}.log`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** `rmctl ARGS` as a user runs it, against this cluster's file. */
export async function rmctl(
  c: LocalCluster,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [RMCTL, '--config', c.cfgFile, ...args], { timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
