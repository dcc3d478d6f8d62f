/**
 * The ReplicaManager of an integration test in this process, served over gRPC as its daemon serves
 * it, beside real WatchDog processes of the cluster file (each waited for until it answers).
 */
import type { ReplicaManager } from '../../src/replica-manager/manager.js';
import { replicaManagerHandlers } from '../../src/replica-manager/service.js';
import { addressOf, type ClusterConfig, clusterHost } from '../../src/shared/config.js';
import { DaemonServer, protos } from '../../src/shared/grpc.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { type Spawned, spawnRmd, waitFor } from './processes.js';

/** Serves `rm` on `host`'s ReplicaManager port. */
export async function serveManager(
  cfg: ClusterConfig,
  rm: ReplicaManager,
  host: string,
): Promise<DaemonServer> {
  const server = new DaemonServer(clusterHost(cfg, host).address);
  server.server.addService(
    protos().replicaManager.rm.replica_manager.v1.ReplicaManager.service,
    replicaManagerHandlers(rm, host, cfg.allowedExecutableDirs),
  );
  await server.listen(cfg.ports.replicaManager);
  server.serving();
  return server;
}

/** Starts `rmd watchdog` on each host and waits until each answers (its output in the error if not). */
export async function startWatchDogs(cfg: ClusterConfig, hosts: readonly string[]): Promise<Spawned[]> {
  const spawned = hosts.map((h) => spawnRmd(['watchdog', '--config', cfg.file, '--host', h]));
  for (const [i, h] of hosts.entries()) {
    const wd = new WatchDogClient(addressOf.watchdog(cfg, h), { deadlineMs: 2000 });
    await waitFor(`the WatchDog on ${h}`, () => wd.listRunning(0).catch(() => null), {
      timeoutMs: 20_000,
    })
      .catch((err) => {
        throw new Error(`${(err as Error).message}\n${spawned[i]?.output()}`);
      })
      .finally(() => wd.close());
  }
  return spawned;
}
