/**
 * The ReplicaManager daemon: the loop of manager.ts wired to the Checkpoint Server (its table, its
 * epoch), to the WatchDogs (its commands), and to the SuperWatchDog on its host (its beats).
 */
import type * as grpc from '@grpc/grpc-js';
import { CheckpointClient } from '../checkpoint-server/client.js';
import {
  type Action,
  copyCatEnv,
  copyServicePort,
  type Module,
  type ReplicaTable,
  type Role,
} from '../model/table.js';
import { addressOf, type ClusterConfig, clusterHost } from '../shared/config.js';
import { ConfigError, StaleEpochError, UnavailableError } from '../shared/errors.js';
import { CLIENT_OPTIONS, DaemonServer, daemonTransport, protos, Transport, unary } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import {
  configuredPort,
  DaemonMetrics,
  type MetricsEndpoint,
  StoreClientMetrics,
  startMetricsEndpoint,
} from '../shared/metrics.js';
import { checkToWire } from '../shared/wire.js';
import { WatchDogClient, type WatchDogReplicaSpec } from '../watchdog/client.js';
import { EventHistory } from './history.js';
import { LeaseTerms } from './lease-terms.js';
import {
  type DecisionObserver,
  NOT_WANTED,
  ReplicaManager,
  type TableStore,
  type WatchDogTransport,
} from './manager.js';
import { ManagerMetrics } from './metrics.js';
import { replicaManagerHandlers } from './service.js';
import { validateStoredModule } from './validate.js';

/** What the WatchDog needs to start one copy of `module`. */
export function replicaSpec(module: Module, replica: string): WatchDogReplicaSpec {
  const r = module.replicas.find((x) => x.id === replica);
  if (!r) throw new ConfigError(`replica ${replica} is not in module ${module.name}`);
  const index = module.replicas.indexOf(r);
  // The copy's own port, after the module's env so that it cannot be overridden (DESIGN §12).
  const service: Record<string, string> =
    module.servicePort === undefined
      ? {}
      : { RM_SERVICE_PORT: String(copyServicePort(module.servicePort, index)) };
  return {
    replica: r.id,
    module: module.name,
    path: r.path,
    args: module.args ?? [],
    env: { ...(module.env ?? {}), ...service, ...copyCatEnv(module) },
    detect: module.detect,
    interval_ms: module.intervalMs ?? 0,
    timeout_ms: module.timeoutMs ?? 0,
    check: checkToWire(module.check),
    style: module.style,
    user: module.user ?? '',
    group: module.group ?? '',
  };
}

/**
 * The table in the Checkpoint Server, written under the manager's epoch: each save writes the hosts,
 * the module order, and the modules the decisions named (Persist); the store removes the others no
 * longer named.
 */
export function checkpointTableStore(
  cs: CheckpointClient,
  logger?: Logger,
  metrics?: StoreClientMetrics,
): TableStore {
  const timed = <T>(op: string, call: () => Promise<T>) => (metrics ? metrics.time(op, call) : call());
  return {
    async load() {
      const res = await timed('load-table', () => cs.loadTable());
      return res.found ? loadedTable(res.tableJson, logger) : null;
    },
    async save(table, epoch, change) {
      const named = new Set(change.modules);
      await timed('save-table', () =>
        cs.saveTableChange(epoch, {
          hostsJson: JSON.stringify(table.hosts),
          moduleNames: table.modules.map((m) => m.name),
          changedModules: table.modules
            .filter((m) => named.has(m.name))
            .map((m) => ({ name: m.name, moduleJson: JSON.stringify(m) })),
        }),
      );
    },
  };
}

/**
 * The deadline of a WatchDog's CheckReplica: a quarter of the calls' deadline (at least 200 ms), so
 * that a registration waiting on one silent host still answers well within its own deadline.
 */
export function checkDeadlineMs(rpcDeadlineMs: number): number {
  return Math.max(200, Math.floor(rpcDeadlineMs / 4));
}

/**
 * A table read back from the store, validated like a registration: a bad module is reported and
 * left out (the next save drops it) instead of crashing every ReplicaManager that loads it.
 */
export function loadedTable(json: string, logger?: Logger): ReplicaTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`the stored replica table is not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
  const t = raw as Partial<ReplicaTable> | null;
  const hosts = Array.isArray(t?.hosts)
    ? t.hosts.filter((h) => h && typeof h.name === 'string' && typeof h.up === 'boolean')
    : [];
  const names = hosts.map((h) => h.name);
  const modules: Module[] = [];
  const ids = new Set<string>();
  (Array.isArray(t?.modules) ? t.modules : []).forEach((m, i) => {
    try {
      validateStoredModule(m, names, `modules[${i}].`);
      if (modules.some((x) => x.name === m.name)) throw new Error(`module ${m.name} is listed twice`);
      for (const r of m.replicas) {
        if (ids.has(r.id)) throw new Error(`replica id ${r.id} is taken twice`);
        ids.add(r.id);
      }
      modules.push(m);
    } catch (err) {
      logger?.error(
        { module: typeof m?.name === 'string' ? m.name.slice(0, 64) : null, err: (err as Error).message },
        'a module of the stored table is invalid: left out (the next save removes it); register it again',
      );
    }
  });
  return { hosts, modules };
}

/** The WatchDogs of the cluster file's hosts, over gRPC. */
export class GrpcWatchDogs implements WatchDogTransport {
  private readonly clients = new Map<string, WatchDogClient>();
  private readonly terms = new LeaseTerms();

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly deadlineMs = cfg.timings.rpcDeadlineMs,
    private readonly transport: Transport = Transport.insecure(),
  ) {}

  private client(host: string): WatchDogClient {
    let c = this.clients.get(host);
    if (!c) {
      c = new WatchDogClient(addressOf.watchdog(this.cfg, host), {
        deadlineMs: this.deadlineMs,
        transport: this.transport,
      });
      this.clients.set(host, c);
    }
    return c;
  }

  async execute(action: Action, module: Module | undefined, epoch: number, stillWanted = () => true) {
    const wd = this.client(action.host);
    // A primary is handed the module's primary generation of the table just persisted: its fencing token.
    const generation = action.kind !== 'stop' && action.role === 'P' ? (module?.generation ?? 0) : 0;
    const list = async () => (await wd.listRunning(epoch)).leaseTerm;
    const start = (role: Role) =>
      this.terms.stamped(action.host, list, (term) =>
        wd.startReplica(epoch, replicaSpec(module!, action.replica), role, generation, term),
      );
    switch (action.kind) {
      case 'start':
        return start(action.role);
      case 'restart':
        // In place: whatever is left of the failed copy goes first.
        await wd.stopReplica(epoch, action.replica);
        return stillWanted() ? start(action.role) : NOT_WANTED;
      case 'stop':
        // A switchover's first step waits for the copy's end: TERM, the grace, then KILL.
        if (action.confirm) {
          const t = this.cfg.timings;
          const deadlineMs = this.deadlineMs + t.killGraceMs + Math.max(2000, t.killGraceMs);
          await wd.stopReplica(epoch, action.replica, { waitExit: true, deadlineMs });
        } else await wd.stopReplica(epoch, action.replica);
        return null;
      case 'set-role':
        await this.terms.stamped(action.host, list, (term) =>
          wd.setRole(epoch, action.replica, action.role, generation, term),
        );
        return null;
    }
  }

  /** A check is short: it stands between an operator and the answer to a registration. */
  async checkReplica(module: Module, replica: string) {
    const host = module.replicas.find((r) => r.id === replica)?.host;
    if (!host) throw new ConfigError(`replica ${replica} is not in module ${module.name}`);
    return this.client(host).checkReplica(replicaSpec(module, replica), checkDeadlineMs(this.deadlineMs));
  }

  async listRunning(host: string, epoch: number) {
    const res = await this.client(host).listRunning(epoch);
    this.terms.heard(host, res.leaseTerm);
    return {
      asOfMs: res.asOfMs,
      running: res.running.map((r) => ({
        replica: r.replica,
        role: r.role,
        startedAtMs: r.startedAtMs,
        ...(r.applied ? { applied: r.applied } : {}),
      })),
    };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}

/** The epoch to act under: the one the SuperWatchDog won (RM_EPOCH), or one won here when run by hand. */
async function obtainEpoch(
  cs: CheckpointClient,
  host: string,
  leaseMs: number,
  logger: Logger,
): Promise<number> {
  const given = Number(process.env.RM_EPOCH ?? 0);
  if (given > 0) return given;
  const current = await cs.getLeadership('manager');
  const res = await cs.acquireLeadership({
    role: 'manager',
    holder: `replica-manager@${host}`,
    expectedEpoch: current.epoch,
    leaseMs,
  });
  if (!res.won) throw new StaleEpochError(current.epoch, res.epoch);
  logger.info({ epoch: res.epoch }, 'no SuperWatchDog gave an epoch: won one from the Checkpoint Server');
  return res.epoch;
}

export async function startReplicaManagerDaemon(
  cfg: ClusterConfig,
  host: string,
  logger: Logger,
): Promise<Daemon> {
  const me = clusterHost(cfg, host);
  const t = cfg.timings;
  const transport = daemonTransport(cfg, 'replica-manager', host, logger);
  const cs = new CheckpointClient(cfg.checkpointServer.addresses, { deadlineMs: t.rpcDeadlineMs, transport });
  let state: DaemonState = 'starting';
  const timers: NodeJS.Timeout[] = [];
  const metrics = new DaemonMetrics('replica-manager', host);
  const storeMetrics = new StoreClientMetrics(metrics.registry);
  const server = new DaemonServer(me.address, transport, [metrics.grpcInterceptor()]);
  const watchdogs = new GrpcWatchDogs(cfg, t.rpcDeadlineMs, transport);
  let swdClient: grpc.Client | null = null;
  let metricsEndpoint: MetricsEndpoint | null = null;

  const epoch = await obtainEpoch(cs, host, t.ringTimeoutMs, logger);
  const log = logger.child({ epoch });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      state = 'stopping';
      for (const timer of timers) clearInterval(timer);
      await rm.stop();
      // The last records get a moment to reach the store; the table itself is already saved.
      await Promise.race([history.idle(), new Promise((r) => setTimeout(r, 1000))]);
      history.stop();
      await metricsEndpoint?.close();
      await server.stop(t.killGraceMs);
      watchdogs.close();
      swdClient?.close();
      cs.close();
      transport.close();
      state = 'stopped';
    })();
    return stopping;
  };
  const managerMetrics = new ManagerMetrics(metrics.registry, () => rm);
  const history = new EventHistory({
    store: cs,
    epoch,
    manager: host,
    logger: log,
    timed: (op, call) => storeMetrics.time(op, call),
  });
  const observers: DecisionObserver[] = [managerMetrics, history];
  const tableStore = checkpointTableStore(cs, log, storeMetrics);
  const rm: ReplicaManager = new ReplicaManager({
    store: {
      load: async () => {
        const table = await tableStore.load();
        history.started(table ?? { hosts: [], modules: [] });
        return table;
      },
      save: (table, e, change) => tableStore.save(table, e, change),
    },
    observer: {
      decided: (...args) => {
        for (const o of observers) o.decided(...args);
      },
      carriedOut: (...args) => {
        for (const o of observers) o.carriedOut?.(...args);
      },
      dropped: (...args) => {
        for (const o of observers) o.dropped?.(...args);
      },
    },
    watchdogs,
    epoch,
    hosts: cfg.hosts.map((h) => h.name),
    logger: log,
    onFenced: () => {
      // A higher epoch exists: this manager must not act again. Its process ends with "refused".
      process.exitCode = 5;
      void stop();
    },
  });

  server.server.addService(
    protos().replicaManager.rm.replica_manager.v1.ReplicaManager.service,
    replicaManagerHandlers(rm, host, cfg.allowedExecutableDirs, { allowedEnv: cfg.security.allowedEnv }),
  );
  await server.listen(cfg.ports.replicaManager);
  metricsEndpoint = await startMetricsEndpoint(
    metrics.registry,
    me.address,
    configuredPort(cfg.ports.metrics.replicaManager),
    log,
  );
  // Beats to the SuperWatchDog of this host (source ¶0026), from the start, loading and reconciling
  // included: it restarts a manager that falls silent, and a manager it no longer backs (a higher
  // epoch, or not primary any more) stops acting.
  if (cfg.ring.includes(host)) {
    const SuperWatchDog = protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog;
    const swd = new SuperWatchDog(
      addressOf.superWatchdog(cfg, host),
      transport.channelCredentials(),
      CLIENT_OPTIONS,
    );
    swdClient = swd;
    let misses = 0;
    timers.push(
      setInterval(() => {
        unary(
          swd,
          swd.ManagerBeat,
          { host, epoch: String(epoch), address: server.address },
          t.ringBeatMs * 2,
          'SuperWatchDog',
        )
          .then((res) => {
            misses = 0;
            if (Number(res.epoch) > epoch || !res.primary) {
              log.error(
                { swdEpoch: res.epoch, swdPrimary: res.primary },
                'the SuperWatchDog no longer backs this manager',
              );
              process.exitCode = 5;
              void stop();
            }
          })
          .catch((err: unknown) => {
            misses++;
            if (misses === 1 || misses % 20 === 0) {
              log.warn({ err: (err as Error).message, misses }, 'SuperWatchDog on this host not answering');
            }
          });
      }, t.ringBeatMs),
    );
  }

  await rm.start();
  state = 'serving';
  server.serving();

  // Started by a SuperWatchDog: end with it, so that an orphan never acts beside a new manager.
  const parent = Number(process.env.RM_PARENT_PID ?? 0);
  if (parent > 0) {
    timers.push(
      setInterval(() => {
        if (process.ppid !== parent) {
          log.warn({ parent }, 'the SuperWatchDog that started this manager is gone: stopping');
          void stop();
        }
      }, 500),
    );
  }

  // Level-triggered: every WatchDog's report is asked for again now and then, so that a lost report
  // or command cannot leave the table and the hosts apart for long.
  timers.push(
    setInterval(() => {
      if (state !== 'serving' || rm.state !== 'serving') return;
      void rm.reconcileAll();
      // A copy whose start was refused is asked about as often: found startable, it is placed again.
      void rm.recheckUnusable();
    }, 10_000),
  );

  return {
    get state() {
      return rm.state === 'fenced' ? 'failed' : state;
    },
    address: server.address,
    stop,
  };
}

export { UnavailableError };
