/**
 * The Checkpoint Server daemon (`rmd checkpoint-server --config FILE --host NAME`): the store in
 * `<dataDir>/checkpoint.db` behind the CheckpointServer gRPC service and grpc.health.v1, on the
 * cluster file's `checkpointServer.address`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../shared/config.js';
import { DaemonServer, protos } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import {
  configuredPort,
  DaemonMetrics,
  type MetricsEndpoint,
  startMetricsEndpoint,
} from '../shared/metrics.js';
import { checkpointServerMetrics } from './metrics.js';
import { CheckpointService } from './service.js';
import { CheckpointStore, MANAGER_ROLE } from './store.js';

/** The database file's name inside the data folder. */
export const DB_FILE = 'checkpoint.db';

export interface CheckpointServerOptions {
  /** `host:port` to bind; port 0 picks a free one (tests). */
  address: string;
  /** Created when missing; holds checkpoint.db and its WAL. */
  dataDir: string;
  logger: Logger;
  /** The clock for leases and checkpoint times (default Date.now). */
  now?: () => number;
  /** How long a stop lets calls in flight finish before it cuts them (default 2000). */
  graceMs?: number;
  /** Port of `/metrics` on the address's host (0 picks a free one); null or absent: not served. */
  metricsPort?: number | null;
}

export interface CheckpointServerDaemon extends Daemon {
  /** The port actually bound. */
  readonly port: number;
  /** The database file. */
  readonly dbFile: string;
  readonly store: CheckpointStore;
  readonly service: CheckpointService;
  /** Where `/metrics` is served, or null. */
  readonly metricsAddress: string | null;
}

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Checkpoint Server address: expected host:port, got "${address}"`);
  }
  return { host: address.slice(0, at), port };
}

/** Opens the store and serves it; stop() ends the watch streams, shuts the server down and closes the store. */
export async function startCheckpointServer(
  options: CheckpointServerOptions,
): Promise<CheckpointServerDaemon> {
  const { host, port: wanted } = splitAddress(options.address);
  const logger = options.logger;
  mkdirSync(options.dataDir, { recursive: true });
  const dbFile = join(options.dataDir, DB_FILE);
  const store = new CheckpointStore(dbFile, options.now ? { now: options.now } : {});
  const manager = store.getLeadership(MANAGER_ROLE);
  logger.info({ dbFile, epoch: manager.epoch, holder: manager.holder }, 'store opened');
  let state: DaemonState = 'starting';
  const metrics = new DaemonMetrics('checkpoint-server', host);
  checkpointServerMetrics(metrics.registry, store, options.now);
  const server = new DaemonServer(host, [metrics.grpcInterceptor()]);
  const service = new CheckpointService(store, logger);
  let port: number;
  let metricsEndpoint: MetricsEndpoint | null = null;
  try {
    server.server.addService(
      protos().checkpoint.rm.checkpoint.v1.CheckpointServer.service,
      service.handlers(),
    );
    port = await server.listen(wanted);
  } catch (err) {
    store.close();
    await server.stop(0);
    throw err;
  }
  metricsEndpoint = await startMetricsEndpoint(metrics.registry, host, options.metricsPort ?? null, logger);
  server.serving();
  state = 'serving';

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      state = 'stopping';
      service.endStreams();
      await metricsEndpoint?.close();
      await server.stop(options.graceMs ?? 2000);
      store.close();
      state = 'stopped';
    })();
    return stopping;
  };

  return {
    get state() {
      return state;
    },
    address: server.address,
    port,
    dbFile,
    store,
    service,
    metricsAddress: metricsEndpoint?.address ?? null,
    stop,
  };
}

/** `rmd checkpoint-server`: `host` only labels the logs; the address and data folder come from the cluster file. */
export async function startCheckpointServerDaemon(
  cfg: ClusterConfig,
  _host: string,
  logger: Logger,
): Promise<Daemon> {
  return startCheckpointServer({
    address: cfg.checkpointServer.address,
    dataDir: cfg.checkpointServer.dataDir,
    logger,
    // Well inside the launcher's forced exit, so that the store is always closed cleanly.
    graceMs: Math.min(cfg.timings.killGraceMs, 3000),
    metricsPort: configuredPort(cfg.ports.metrics.checkpointServer),
  });
}
