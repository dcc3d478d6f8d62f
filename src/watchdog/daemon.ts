/**
 * The WatchDog daemon of one host (`rmd watchdog --config FILE --host NAME`): the supervisor of the
 * local copies behind the WatchDog and WatchDogApp gRPC services on the host's address, its beats to
 * the primary SuperWatchDog, and its reports to the ReplicaManager the beats point at.
 *
 * Stopping it (SIGTERM, SIGINT) leaves every copy running: a restarted WatchDog adopts them from its
 * state file (DESIGN §5: a WatchDog restart shorter than the host timeout disturbs no running copy).
 */
import { mkdirSync } from 'node:fs';
import { type ClusterConfig, clusterHost, hostStateDir } from '../shared/config.js';
import { DaemonServer, protos } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import { configuredPort, DaemonMetrics, startMetricsEndpoint } from '../shared/metrics.js';
import { BeatLoop, GrpcBeatTransport } from './beats.js';
import { type Clock, systemClock } from './clock.js';
import { WatchDogMetrics } from './metrics.js';
import { NetworkProbes } from './probes.js';
import { NodeProcessControl, type ProcessControl } from './process-control.js';
import { GrpcManagerLink } from './reporter.js';
import { watchDogAppHandlers, watchDogHandlers } from './service.js';
import { FileStateStore } from './state.js';
import { WatchDog } from './supervisor.js';

export interface WatchDogDaemon extends Daemon {
  readonly watchdog: WatchDog;
  /** Where the beats currently point and where reports go, for tests and status. */
  readonly managerAddress: string;
  /** Where `/metrics` is served, or null. */
  readonly metricsAddress: string | null;
  /** Stops every copy of this host, then the daemon (for a whole host's shutdown and for tests). */
  stopAll(): Promise<void>;
}

export interface WatchDogDaemonOptions {
  /** Port to bind instead of the cluster file's (0 picks a free one). */
  port?: number;
  processes?: ProcessControl;
  clock?: Clock;
  startGraceMs?: number;
  /** Port of `/metrics` instead of the cluster file's (0 picks a free one). */
  metricsPort?: number;
}

export async function startWatchDogDaemon(
  cfg: ClusterConfig,
  host: string,
  logger: Logger,
  options: WatchDogDaemonOptions = {},
): Promise<WatchDogDaemon> {
  const me = clusterHost(cfg, host);
  const stateDir = hostStateDir(cfg, host);
  mkdirSync(stateDir, { recursive: true });
  const clock = options.clock ?? systemClock;
  const t = cfg.timings;
  let state: DaemonState = 'starting';

  const metrics = new DaemonMetrics('watchdog', host);
  const server = new DaemonServer(me.address, [metrics.grpcInterceptor()]);
  const port = await server.listen(options.port ?? cfg.ports.watchdog);
  const link = new GrpcManagerLink(t.rpcDeadlineMs);
  const probes = new NetworkProbes();
  let supervisor: WatchDog | null = null;
  const watchdogMetrics = new WatchDogMetrics(
    metrics.registry,
    () => supervisor,
    () => link.managerAddress,
  );
  const watchdog = new WatchDog({
    host,
    hostAddress: me.address,
    stateDir,
    allowedExecutableDirs: cfg.allowedExecutableDirs,
    timings: t,
    watchdogAddress: `${me.address}:${port}`,
    checkpointAddress: cfg.checkpointServer.address,
    processes: options.processes ?? new NodeProcessControl(),
    reporter: watchdogMetrics.counting(link),
    registrar: link,
    probes,
    clock,
    store: new FileStateStore(stateDir),
    logger,
    ...(options.startGraceMs !== undefined ? { startGraceMs: options.startGraceMs } : {}),
  });
  supervisor = watchdog;
  // Adoption comes before the first command: no start or stop is decided on a partial view.
  try {
    await watchdog.start();
  } catch (err) {
    await server.stop(0);
    throw err;
  }
  const metricsEndpoint = await startMetricsEndpoint(
    metrics.registry,
    me.address,
    options.metricsPort ?? configuredPort(cfg.ports.metrics.watchdog),
    logger,
  );
  const pkg = protos().watchdog.rm.watchdog.v1;
  server.server.addService(pkg.WatchDog.service, watchDogHandlers(watchdog));
  server.server.addService(pkg.WatchDogApp.service, watchDogAppHandlers(watchdog, logger));

  const transport = new GrpcBeatTransport(
    cfg,
    Math.min(t.rpcDeadlineMs, Math.max(t.watchdogBeatMs, Math.floor(t.hostTimeoutMs / 2))),
  );
  const beats = new BeatLoop({
    ring: cfg.ring,
    host,
    transport,
    clock,
    intervalMs: t.watchdogBeatMs,
    logger,
    epochSeen: () => watchdog.epoch,
    onPrimary: (ringHost, answer) => {
      if (link.setAddress(answer.managerAddress)) {
        logger.info({ manager: answer.managerAddress, primary: ringHost }, 'ReplicaManager found');
        watchdog.managerChanged();
      }
    },
  });
  beats.start();
  server.serving();
  state = 'serving';
  logger.info(
    { address: server.address, running: watchdog.running().length, epoch: watchdog.epoch },
    'WatchDog serving',
  );

  const stop = async () => {
    if (state === 'stopping' || state === 'stopped') return;
    state = 'stopping';
    beats.stop();
    await watchdog.stop();
    await metricsEndpoint?.close();
    await server.stop(1000);
    transport.close();
    link.close();
    probes.close();
    state = 'stopped';
  };

  return {
    get state() {
      return state;
    },
    address: server.address,
    watchdog,
    get managerAddress() {
      return link.managerAddress;
    },
    metricsAddress: metricsEndpoint?.address ?? null,
    stop,
    stopAll: async () => {
      await watchdog.stopAll();
      await stop();
    },
  };
}
