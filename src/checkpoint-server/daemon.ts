/**
 * The Checkpoint Server daemon (`rmd checkpoint-server --config FILE --host NAME`): the store behind
 * the CheckpointServer gRPC service and grpc.health.v1. With the sqlite backend the store is
 * `<dataDir>/checkpoint.db` and there is one Checkpoint Server, on `checkpointServer.address`; with
 * etcd it holds nothing itself, and one runs on each host that `checkpointServer.addresses` names,
 * all serving the same etcd data (DESIGN §10).
 */
import { accessSync, chmodSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterConfig, checkpointServerAddressOf, type EtcdConfig } from '../shared/config.js';
import { ConfigError, NotFoundError } from '../shared/errors.js';
import { DaemonServer, daemonTransport, protos, type Transport } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import {
  configuredPort,
  DaemonMetrics,
  type MetricsEndpoint,
  startMetricsEndpoint,
} from '../shared/metrics.js';
import { SqliteBackend, type StoreBackend } from './backend.js';
import { EtcdClient } from './etcd-client.js';
import { EtcdStore } from './etcd-store.js';
import { checkpointServerMetrics } from './metrics.js';
import { CheckpointService } from './service.js';
import { CheckpointStore, MANAGER_ROLE } from './store.js';

/** The database file's name inside the data folder. */
export const DB_FILE = 'checkpoint.db';

export interface CheckpointServerOptions {
  /** `host:port` to bind; port 0 picks a free one (tests). */
  address: string;
  /** sqlite: created when missing; holds checkpoint.db and its WAL. Ignored with `etcd`. */
  dataDir: string;
  /** Serve the store kept in etcd instead of a local SQLite file. */
  etcd?: EtcdConfig | null;
  logger: Logger;
  /** The clock for leases and checkpoint times (default Date.now). */
  now?: () => number;
  /** How long a stop lets calls in flight finish before it cuts them (default 2000). */
  graceMs?: number;
  /** Mutual TLS and authorization by certificate (default: plaintext, for tests of the store itself). */
  transport?: Transport;
  /** The longest manager lease granted (default 60 s). */
  maxLeaseMs?: number;
  /** Port of `/metrics` on the address's host (0 picks a free one); null or absent: not served. */
  metricsPort?: number | null;
}

export interface CheckpointServerDaemon extends Daemon {
  /** The port actually bound. */
  readonly port: number;
  /** The database file (sqlite; '' with etcd). */
  readonly dbFile: string;
  /** The SQLite store itself (sqlite only). */
  readonly store: CheckpointStore | null;
  readonly backend: StoreBackend;
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
  const backend = openStoreBackend(options, options.now ? { now: options.now } : {});
  const store = backend instanceof SqliteBackend ? backend.store : null;
  const dbFile = store?.file ?? '';
  try {
    const manager = await backend.getLeadership(MANAGER_ROLE);
    logger.info(
      { backend: backend.kind, where: backend.where, epoch: manager.epoch, holder: manager.holder },
      'store opened',
    );
  } catch (err) {
    // etcd may come later: the server serves (and answers unavailable) until it does.
    if (!options.etcd) {
      await backend.close();
      throw err;
    }
    logger.warn(
      { backend: backend.kind, where: backend.where, err: (err as Error).message },
      'store not reachable yet',
    );
  }
  let state: DaemonState = 'starting';
  const metrics = new DaemonMetrics('checkpoint-server', host);
  checkpointServerMetrics(metrics.registry, backend, options.now);
  const server = new DaemonServer(host, options.transport, [metrics.grpcInterceptor()]);
  const service = new CheckpointService(backend, logger, {
    secure: options.transport?.secure ?? false,
    maxLeaseMs: options.maxLeaseMs ?? 60_000,
  });
  let port: number;
  let metricsEndpoint: MetricsEndpoint | null = null;
  try {
    server.server.addService(
      protos().checkpoint.rm.checkpoint.v1.CheckpointServer.service,
      service.handlers(),
    );
    port = await server.listen(wanted);
  } catch (err) {
    await backend.close();
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
      await backend.close();
      options.transport?.close();
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
    backend,
    service,
    metricsAddress: metricsEndpoint?.address ?? null,
    stop,
  };
}

/**
 * The store the cluster file's settings name: `<dataDir>/checkpoint.db` (created when missing,
 * unless `existing`: then NotFoundError), or the etcd backend.
 */
export function openStoreBackend(
  where: { dataDir: string; etcd?: EtcdConfig | null },
  options: { now?: () => number; existing?: boolean } = {},
): StoreBackend {
  if (where.etcd) return openEtcd(where.etcd, options.now);
  const file = join(where.dataDir, DB_FILE);
  if (options.existing && !existsSync(file)) {
    throw new NotFoundError(
      `no store at ${file} (checkpointServer.dataDir): run this on the Checkpoint Server's host, with its cluster file`,
    );
  }
  // The table holds every module's environment: the folder and the database are the daemon's alone.
  mkdirSync(where.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(where.dataDir, 0o700);
  const store = new CheckpointStore(file, options.now ? { now: options.now } : {});
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      // The WAL and shared-memory files exist only while the database is open in WAL mode.
    }
  }
  return new SqliteBackend(store);
}

/** The etcd backend of the cluster file's settings; a TLS file that cannot be read is a ConfigError naming it. */
function openEtcd(etcd: EtcdConfig, now?: () => number): EtcdStore {
  if (etcd.tls) {
    for (const [field, file] of Object.entries(etcd.tls)) {
      try {
        accessSync(file as string, constants.R_OK);
      } catch (err) {
        throw new ConfigError(
          `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`,
          `checkpointServer.etcd.tls.${field}`,
        );
      }
    }
  }
  const client = new EtcdClient({
    endpoints: etcd.endpoints,
    tls: etcd.tls,
    deadlineMs: etcd.requestTimeoutMs,
  });
  return new EtcdStore({ client, prefix: etcd.prefix, ...(now ? { now } : {}) });
}

/**
 * `rmd checkpoint-server`: the address comes from the cluster file (with etcd, the one on this
 * host's address), and the backend with it.
 */
export async function startCheckpointServerDaemon(
  cfg: ClusterConfig,
  host: string,
  logger: Logger,
): Promise<Daemon> {
  const cs = cfg.checkpointServer;
  return startCheckpointServer({
    transport: daemonTransport(cfg, 'checkpoint-server', host, logger),
    // A manager's lease is a ring timeout; ten of them is the most anyone is granted.
    maxLeaseMs: Math.max(10 * cfg.timings.ringTimeoutMs, 10_000),
    address: checkpointServerAddressOf(cfg, host),
    dataDir: cs.dataDir,
    etcd: cs.backend === 'etcd' ? cs.etcd : null,
    logger,
    // Well inside the launcher's forced exit, so that the store is always closed cleanly.
    graceMs: Math.min(cfg.timings.killGraceMs, 3000),
    metricsPort: configuredPort(cfg.ports.metrics.checkpointServer),
  });
}
