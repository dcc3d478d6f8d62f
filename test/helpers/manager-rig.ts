/**
 * The ReplicaManager of an integration test in this process, served over gRPC as its daemon serves
 * it, beside real WatchDog processes of the cluster file (each waited for until it answers).
 */
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { type CheckpointServerDaemon, startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import { checkpointTableStore, GrpcWatchDogs } from '../../src/replica-manager/daemon.js';
import { ReplicaManager } from '../../src/replica-manager/manager.js';
import { replicaManagerHandlers } from '../../src/replica-manager/service.js';
import { addressOf, type ClusterConfig, clusterHost } from '../../src/shared/config.js';
import { DaemonServer, protos } from '../../src/shared/grpc.js';
import { silentLogger } from '../../src/shared/logging.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { killAll, type Spawned, spawnRmd, waitFor } from './processes.js';
import { FakeSuperWatchDog } from './watchdog-fakes.js';

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

/** A real ReplicaManager on H1 over a real Checkpoint Server, a fake primary SuperWatchDog on H2, WatchDogs. */
export interface ManagerRig {
  cs: CheckpointServerDaemon;
  csClient: CheckpointClient;
  rm: ReplicaManager;
  server: DaemonServer;
  watchdogs: GrpcWatchDogs;
  swd: FakeSuperWatchDog;
  /** Stops the manager, its server, the fake, the WatchDog processes and the Checkpoint Server. */
  stop(): Promise<void>;
}

/**
 * Starts the Checkpoint Server of `cfg`, takes the manager role at epoch 1, serves a ReplicaManager
 * on H1 (the fake SuperWatchDog on H2 is its primary) and starts a WatchDog on each of `running`
 * (default: every host of the file); then starts the manager. The copies' process groups are the
 * caller's to stop (they are in the WatchDogs' state, not here).
 */
export async function startManagerRig(
  cfg: ClusterConfig,
  running: readonly string[] = cfg.hosts.map((h) => h.name),
): Promise<ManagerRig> {
  const parts: Partial<ManagerRig> = {};
  const stop = async () => {
    await parts.rm?.stop();
    await parts.server?.stop(500);
    parts.watchdogs?.close();
    await killAll();
    parts.swd?.stop();
    parts.csClient?.close();
    await parts.cs?.stop();
  };
  try {
    parts.cs = await startCheckpointServer({
      address: cfg.checkpointServer.address,
      dataDir: cfg.checkpointServer.dataDir,
      logger: silentLogger(),
    });
    parts.csClient = new CheckpointClient(cfg.checkpointServer.address, { deadlineMs: 2000 });
    const { epoch } = await parts.csClient.acquireLeadership({
      role: 'manager',
      holder: 'replica-manager@H1',
      expectedEpoch: 0,
      leaseMs: 60_000,
    });
    parts.watchdogs = new GrpcWatchDogs(cfg);
    parts.rm = new ReplicaManager({
      store: checkpointTableStore(parts.csClient),
      watchdogs: parts.watchdogs,
      epoch,
      hosts: cfg.hosts.map((h) => h.name),
      logger: silentLogger(),
    });
    parts.server = await serveManager(cfg, parts.rm, 'H1');
    parts.swd = await new FakeSuperWatchDog(addressOf.replicaManager(cfg, 'H1')).start(
      addressOf.superWatchdog(cfg, 'H2'),
    );
    await startWatchDogs(cfg, running);
    await parts.rm.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { ...(parts as Omit<ManagerRig, 'stop'>), stop };
}
