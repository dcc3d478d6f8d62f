/**
 * The WatchDog daemon of one host (`rmd watchdog --config FILE --host NAME`): the supervisor of the
 * local copies behind the WatchDog and WatchDogApp gRPC services on the host's address, its beats to
 * the primary SuperWatchDog, and its reports to the ReplicaManager the beats point at.
 *
 * Stopping it (SIGTERM, SIGINT) leaves every copy running: a restarted WatchDog adopts them from its
 * state file (DESIGN §5: a WatchDog restart shorter than the host timeout disturbs no running copy).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import * as nodeOs from 'node:os';
import { dirname } from 'node:path';
import { CheckpointClient } from '../checkpoint-server/client.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { type ClusterConfig, clusterHost, hostStateDir } from '../shared/config.js';
import { FencedError, UnavailableError } from '../shared/errors.js';
import { DaemonServer, daemonTransport, protos } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import { appSocketPath, startAppSocket } from './app-socket.js';
import { BeatLoop, GrpcBeatTransport } from './beats.js';
import { type HostOs, hostLoad } from './host-load.js';
import { FileLease, HostLease, monotonicMs } from './lease.js';
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

/** The host's load as node:os reports it. */
const nodeHostOs: HostOs = {
  loadavg: () => nodeOs.loadavg(),
  cpuCount: () => nodeOs.availableParallelism(),
  totalmem: () => nodeOs.totalmem(),
  freemem: () => nodeOs.freemem(),
};

export async function startWatchDogDaemon(
  cfg: ClusterConfig,
  host: string,
  logger: Logger,
  options: WatchDogDaemonOptions = {},
): Promise<WatchDogDaemon> {
  const me = clusterHost(cfg, host);
  const stateDir = hostStateDir(cfg, host);
  // The state file (each copy's token and spec, its environment) and the logs are the WatchDog's
  // alone (0600, 0700); the folder itself is only passable (0711), so that copies of a module's own
  // user reach the socket in it (token-checked) and their working folders, and list nothing. The
  // cluster's state folder, when this WatchDog makes it, is passable too.
  const parent = dirname(stateDir);
  if (!existsSync(parent)) {
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, 0o711);
  }
  mkdirSync(stateDir, { recursive: true });
  chmodSync(stateDir, 0o711);
  const clock = options.clock ?? systemClock;
  const t = cfg.timings;
  let state: DaemonState = 'starting';

  const transport = daemonTransport(cfg, 'watchdog', host, logger);
  const cs = new CheckpointClient(cfg.checkpointServer.addresses, { deadlineMs: t.rpcDeadlineMs, transport });
  const link = new GrpcManagerLink(t.rpcDeadlineMs, transport);
  const lease = new HostLease(new FileLease(stateDir), t, logger);
  // Beats come first, before anything else is loaded: a restarted WatchDog renews the host lease
  // its copies' keepers hold as soon as it can, so that a quick restart disturbs no copy.
  // A beat that takes longer than two beat intervals is as good as lost: the next ring member is
  // tried, so that a SuperWatchDog take-over is found well within the host lease.
  const beatTransport = new GrpcBeatTransport(
    cfg,
    Math.min(t.rpcDeadlineMs, 2 * t.watchdogBeatMs),
    transport,
  );
  /** The WatchDog once it has loaded its state and adopted its copies. */
  let ready: WatchDog | null = null;
  const beats = new BeatLoop({
    ring: cfg.ring,
    host,
    transport: beatTransport,
    clock,
    intervalMs: t.watchdogBeatMs,
    logger,
    epochSeen: () => ready?.epoch ?? 0,
    sentClock: monotonicMs,
    load: () => hostLoad(nodeHostOs, ready?.copyCount ?? 0),
    onPrimary: (ringHost, answer, sentAtMs) => {
      if (!answer.leaseWithheld)
        lease.granted({ sentAtMs, primaryLeaseRemainingMs: answer.leaseRemainingMs });
      if (link.setAddress(answer.managerAddress)) {
        logger.info({ manager: answer.managerAddress, primary: ringHost }, 'ReplicaManager found');
        ready?.managerChanged();
      }
    },
  });
  beats.start();

  // The metrics (prom-client) are loaded only once the beats run: they must not delay the first one.
  const { DaemonMetrics, configuredPort, startMetricsEndpoint } = await import('../shared/metrics.js');
  const { WatchDogMetrics } = await import('./metrics.js');
  const metrics = new DaemonMetrics('watchdog', host);
  const server = new DaemonServer(me.address, transport, [metrics.grpcInterceptor()]);
  const closeClients = () => {
    beatTransport.close();
    cs.close();
  };
  const port = await server.listen(options.port ?? cfg.ports.watchdog).catch((err: unknown) => {
    beats.stop();
    closeClients();
    transport.close();
    throw err;
  });
  const probes = new NetworkProbes(process.env.PATH);
  // Read at each scrape: nothing until the WatchDog has loaded its state and adopted its copies.
  const watchdogMetrics = new WatchDogMetrics(
    metrics.registry,
    () => ready,
    () => link.managerAddress,
  );
  const watchdog = new WatchDog({
    host,
    hostAddress: me.address,
    stateDir,
    allowedExecutableDirs: cfg.allowedExecutableDirs,
    timings: t,
    watchdogAddress: `${me.address}:${port}`,
    checkpointAddress: cfg.checkpointServer.addresses.join(','),
    processes: options.processes ?? new NodeProcessControl(),
    reporter: watchdogMetrics.counting(link),
    registrar: link,
    probes,
    clock,
    store: new FileStateStore(stateDir),
    logger,
    lease,
    appAddress: `unix:${appSocketPath(stateDir)}`,
    // Copies get the WatchDog's own PATH, read here, at the edge, not in the supervision.
    ...(process.env.PATH ? { path: process.env.PATH } : {}),
    allowedEnv: cfg.security.allowedEnv,
    // A higher epoch than any seen is accepted only once the Checkpoint Server confirms it handed it
    // out (with TLS: in an insecure cluster anyone may command anything anyway).
    verifyEpoch: async (epoch) => {
      if (!transport.secure) return;
      const handed = await cs.getLeadership('manager').then(
        (l) => l.epoch,
        (err: unknown) => {
          throw new UnavailableError(
            `cannot confirm epoch ${epoch} with the Checkpoint Server: ${(err as Error).message}`,
          );
        },
      );
      if (epoch > handed) {
        logger.warn({ epoch, handedOut: handed }, 'a command with an epoch never handed out: refused');
        throw new FencedError(
          `epoch ${epoch} was never handed out by the Checkpoint Server (the highest is ${handed}); refused`,
        );
      }
    },
    ...(options.startGraceMs !== undefined ? { startGraceMs: options.startGraceMs } : {}),
  });
  // Adoption comes before the first command: no start or stop is decided on a partial view.
  try {
    await watchdog.start();
  } catch (err) {
    beats.stop();
    closeClients();
    transport.close();
    await server.stop(0);
    throw err;
  }
  const appSocket = await startAppSocket({
    stateDir,
    watchdog,
    checkpointAddresses: cfg.checkpointServer.addresses,
    transport,
    deadlineMs: t.rpcDeadlineMs,
    logger,
    clock,
  });
  ready = watchdog;
  // A manager found while adopting is told now, with what runs here.
  if (link.managerAddress) watchdog.managerChanged();
  const pkg = protos().watchdog.rm.watchdog.v1;
  server.server.addService(pkg.WatchDog.service, watchDogHandlers(watchdog));
  server.server.addService(pkg.WatchDogApp.service, watchDogAppHandlers(watchdog, logger));

  const leaseCheck = setInterval(() => lease.check(), t.watchdogBeatMs);
  leaseCheck.unref();
  server.serving();
  state = 'serving';
  // After the services: the metrics never hold up a WatchDog that adopts its copies.
  const metricsEndpoint = await startMetricsEndpoint(
    metrics.registry,
    me.address,
    options.metricsPort ?? configuredPort(cfg.ports.metrics.watchdog),
    logger,
  );
  logger.info(
    { address: server.address, running: watchdog.running().length, epoch: watchdog.epoch },
    'WatchDog serving',
  );

  const stop = async () => {
    if (state === 'stopping' || state === 'stopped') return;
    state = 'stopping';
    beats.stop();
    clearInterval(leaseCheck);
    await watchdog.stop();
    await metricsEndpoint?.close();
    await server.stop(1000);
    await appSocket.stop();
    closeClients();
    link.close();
    transport.close();
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
