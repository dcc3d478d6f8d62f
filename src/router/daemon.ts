/**
 * The router daemon (`rmd router --config FILE --host NAME`, DESIGN §12): one ModuleProxy per
 * module with a service port, bound to this host's address on that port. It learns every role
 * change from the Checkpoint Server's watch on the replica table's keys (rm/replica-table…), the
 * table as the ReplicaManager persisted it before acting, not by polling. While the store is out
 * of reach it keeps the last routes and watches again (capped back-off).
 *
 * Its own daemon rather than part of the WatchDog: a WatchDog restart (which the copies survive)
 * then leaves open client connections alone, and the proxies' sockets and buffers do not share an
 * event loop with the WatchDog's beats and detectors.
 *
 * Timings, from the cluster file: a connection is held up to hostTimeoutMs + startGraceMs (a host
 * declared dead, then its replacement started); a demoted copy's connections drain for killGraceMs.
 */
import { CheckpointClient } from '../checkpoint-server/client.js';
import type { ReplicaTable } from '../model/table.js';
import { TABLE_KEY, WatchedTable } from '../model/watched-table.js';
import { type ClusterConfig, clusterHost } from '../shared/config.js';
import { daemonTransport, type Transport } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import { ModuleProxy } from './proxy.js';
import { changeFor, type Route, routesFor } from './routes.js';

export { WatchedTable };

export interface RouterOptions {
  /** The Checkpoint Servers (fail-over between them) and how to reach them (mutual TLS or insecure). */
  checkpointAddresses: readonly string[];
  transport?: Transport;
  /** This host's address: every proxy binds it. */
  bindHost: string;
  addressOf: (host: string) => string;
  holdMs: number;
  drainMs: number;
  retryMs?: number;
  rpcDeadlineMs: number;
  logger: Logger;
}

export interface RouterDaemon extends Daemon {
  /** The current routes (tests, status). */
  routes(): Map<string, Route>;
  proxy(module: string): ModuleProxy | undefined;
}

export async function startRouter(opts: RouterOptions): Promise<RouterDaemon> {
  const log = opts.logger;
  const cs = new CheckpointClient(opts.checkpointAddresses, {
    deadlineMs: opts.rpcDeadlineMs,
    ...(opts.transport ? { transport: opts.transport } : {}),
  });
  const proxies = new Map<string, ModuleProxy>();
  let routes = new Map<string, Route>();
  let state: DaemonState = 'serving';
  let stream: ReturnType<CheckpointClient['watch']> | null = null;
  let wake: (() => void) | null = null;

  const applyTable = async (table: ReplicaTable) => {
    const next = routesFor(table);
    for (const [name, route] of next) {
      const p = proxies.get(name);
      if (p && p.port === route.port) {
        p.update(route, changeFor(routes.get(name), route, table));
        continue;
      }
      if (p) {
        await p.stop();
        proxies.delete(name);
      }
      const proxy = new ModuleProxy(route, {
        bindHost: opts.bindHost,
        addressOf: opts.addressOf,
        holdMs: opts.holdMs,
        retryMs: opts.retryMs ?? 50,
        drainMs: opts.drainMs,
        logger: log.child({ module: name }),
      });
      try {
        await proxy.listen();
        proxies.set(name, proxy);
        log.info({ module: name, address: `${opts.bindHost}:${route.port}` }, 'endpoint open');
      } catch (err) {
        log.error({ module: name, port: route.port, err: (err as Error).message }, 'endpoint could not bind');
      }
    }
    for (const [name, p] of proxies) {
      if (next.has(name)) continue;
      await p.stop();
      proxies.delete(name);
      log.info({ module: name }, 'endpoint closed');
    }
    routes = next;
  };

  const loop = async () => {
    let backoff = 100;
    while (state === 'serving') {
      const watched = new WatchedTable();
      try {
        stream = cs.watch(TABLE_KEY);
        for await (const ev of stream) {
          backoff = 100;
          if (!watched.apply(ev.kv.key, ev.deleted ? null : ev.kv.value)) continue;
          await applyTable(watched.table());
        }
      } catch (err) {
        if (state === 'serving')
          log.warn({ err: (err as Error).message, retryInMs: backoff }, 'table watch lost');
      }
      if (state !== 'serving') break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      backoff = Math.min(backoff * 2, 2000);
    }
  };
  const running = loop();

  return {
    get state() {
      return state;
    },
    address: opts.bindHost,
    routes: () => routes,
    proxy: (m) => proxies.get(m),
    async stop() {
      if (state !== 'serving') return;
      state = 'stopping';
      stream?.cancel();
      (wake as (() => void) | null)?.();
      await running;
      for (const p of proxies.values()) await p.stop();
      proxies.clear();
      cs.close();
      state = 'stopped';
    },
  };
}

/** `rmd router`: this host's endpoints, with the cluster file's addresses and timings. */
export async function startRouterDaemon(cfg: ClusterConfig, host: string, logger: Logger): Promise<Daemon> {
  const t = cfg.timings;
  const transport = daemonTransport(cfg, 'router', host, logger);
  const router = await startRouter({
    checkpointAddresses: cfg.checkpointServer.addresses,
    transport,
    bindHost: clusterHost(cfg, host).address,
    addressOf: (h) => clusterHost(cfg, h).address,
    holdMs: t.hostTimeoutMs + t.startGraceMs,
    drainMs: t.killGraceMs,
    rpcDeadlineMs: t.rpcDeadlineMs,
    logger,
  }).catch((err: unknown) => {
    transport.close();
    throw err;
  });
  return {
    get state() {
      return router.state;
    },
    address: router.address,
    async stop() {
      await router.stop();
      transport.close();
    },
  };
}
