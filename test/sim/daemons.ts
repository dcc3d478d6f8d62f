/**
 * The daemons of the simulated cluster: the real cores and classes (WatchDog, BeatLoop, HostLease,
 * ReplicaManager, the ring and host-monitor cores, checkpointArbiter, CheckpointStore) with only their
 * I/O shell replaced by the simulated network and clock. Where the shell itself holds logic (the
 * ReplicaManager's process and its beats, the gRPC handlers), a thin re-creation stands in for it
 * here; the README's simulator section lists what that leaves out.
 */

import { pino } from 'pino';
import type { CheckpointClient } from '../../src/checkpoint-server/client.js';
import type { SaveToken } from '../../src/checkpoint-server/fence.js';
import type { CheckpointStore, TableChange } from '../../src/checkpoint-server/store.js';
import type { Action, Module, ModuleSpec } from '../../src/model/table.js';
import { checkpointTableStore, replicaSpec } from '../../src/replica-manager/daemon.js';
import { LeaseTerms } from '../../src/replica-manager/lease-terms.js';
import {
  type HostListing,
  NOT_WANTED,
  ReplicaManager,
  type WatchDogTransport,
} from '../../src/replica-manager/manager.js';
import { validateRegistration } from '../../src/replica-manager/validate.js';
import { type Clock, sleep } from '../../src/shared/clock.js';
import { NotFoundError, StaleEpochError, UnavailableError } from '../../src/shared/errors.js';
import type { ReplicaSpec__Output } from '../../src/shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import type { Logger } from '../../src/shared/logging.js';
import { maybeRoleFromWire, roleToWire } from '../../src/shared/wire.js';
import {
  checkpointArbiter,
  type LeadershipStore,
  type RingAnswer,
  SuperWatchDog,
} from '../../src/super-watchdog/daemon.js';
import type { HostMonitorState } from '../../src/super-watchdog/host-monitor.js';
import type { RingState } from '../../src/super-watchdog/ring.js';
import { type BeatAnswer, BeatLoop } from '../../src/watchdog/beats.js';
import { HostLease } from '../../src/watchdog/lease.js';
import type { Probes } from '../../src/watchdog/probes.js';
import type { FailureReport, Registrar, Reporter, RunningReport } from '../../src/watchdog/reporter.js';
import { WatchDog } from '../../src/watchdog/supervisor.js';
import type { Sim, SimHost } from './cluster.js';
import { die } from './copies.js';
import { Proc, procClock } from './world.js';

const NO_PROBES: Probes = {
  tcp: async () => ({ healthy: false, detail: 'not simulated' }),
  http: async () => ({ healthy: false, detail: 'not simulated' }),
  grpc: async () => ({ healthy: false, detail: 'not simulated' }),
  exec: async () => ({ healthy: false, detail: 'not simulated' }),
};

/** The Checkpoint Server: the real store (in memory) behind the simulated network. */
export function storeHandler(store: CheckpointStore) {
  return (method: string, req: unknown): unknown => {
    const r = req as {
      epoch: number;
      change: TableChange;
      module: string;
      replica: string;
      state: string;
      token?: SaveToken;
    };
    switch (method) {
      case 'acquireLeadership': {
        const q = req as Parameters<LeadershipStore['acquireLeadership']>[0];
        return store.acquireLeadership(q.role, q.holder, q.expectedEpoch, q.leaseMs);
      }
      case 'renewLeadership': {
        const q = req as Parameters<LeadershipStore['renewLeadership']>[0];
        return store.renewLeadership(q.role, q.holder, q.epoch, q.leaseMs);
      }
      case 'loadTable': {
        const t = store.loadTable();
        return t ? { found: true, ...t } : { found: false, tableJson: '', version: 0, epoch: 0 };
      }
      case 'saveTableChange':
        return store.saveTableChange(r.epoch, r.change);
      case 'saveCheckpoint':
        return store.saveCheckpoint(r.module, r.replica, r.state, r.token);
      case 'loadCheckpoint':
        return store.loadCheckpoint(r.module);
      default:
        throw new NotFoundError(`the Checkpoint Server has no method ${method}`);
    }
  };
}

/** The calls of the Checkpoint Server's client that the table store and the arbiter make, over the simulated network. */
function storeClient(sim: Sim, proc: Proc) {
  const call = <T>(method: string, req: unknown) =>
    sim.net.call<T>(proc, 'CS/cs', method, req, sim.timings.rpcDeadlineMs);
  return {
    acquireLeadership: (req: Parameters<LeadershipStore['acquireLeadership']>[0]) =>
      call('acquireLeadership', req),
    renewLeadership: (req: Parameters<LeadershipStore['renewLeadership']>[0]) => call('renewLeadership', req),
    loadTable: () => call('loadTable', {}),
    saveTableChange: (epoch: number, change: unknown) => call('saveTableChange', { epoch, change }),
  } as Pick<CheckpointClient, 'acquireLeadership' | 'renewLeadership' | 'loadTable' | 'saveTableChange'>;
}

// ---------------------------------------------------------------- WatchDog

/** One incarnation of a host's WatchDog daemon: the real WatchDog, BeatLoop and HostLease. */
export class SimWatchDogDaemon {
  readonly proc: Proc;
  /** The WatchDog once it has loaded its state and adopted its copies. */
  ready: WatchDog | null = null;
  private managerHost = '';

  constructor(
    private readonly sim: Sim,
    private readonly host: SimHost,
  ) {
    this.proc = new Proc(`${host.name}/wd`, host.name);
  }

  start(): void {
    const { sim, host, proc } = this;
    const t = sim.timings;
    const clock = procClock(sim.sched, proc, host.clock);
    const lease = new HostLease(
      {
        path: 'lease',
        write: async (untilMs) => {
          host.disk.leaseUntil = Math.max(host.disk.leaseUntil, untilMs);
        },
      },
      t,
      sim.logger,
      clock.now,
      // The term's wall clock: the host's own, which only the simulator moves.
      clock.now,
    );
    const beats = new BeatLoop({
      ring: sim.ring,
      host: host.name,
      transport: {
        beat: (ringHost, from, epochSeen) =>
          sim.net.call<BeatAnswer>(
            proc,
            `${ringHost}/swd`,
            'watchdogBeat',
            { host: from, epochSeen },
            Math.min(t.rpcDeadlineMs, 2 * t.watchdogBeatMs),
          ),
        close: () => undefined,
      },
      clock,
      intervalMs: t.watchdogBeatMs,
      logger: sim.logger,
      epochSeen: () => this.ready?.epoch ?? 0,
      sentClock: clock.now,
      onPrimary: (_ringHost, answer, sentAtMs) => {
        if (!answer.leaseWithheld)
          lease.granted({ sentAtMs, primaryLeaseRemainingMs: answer.leaseRemainingMs });
        if (answer.managerAddress && answer.managerAddress !== this.managerHost) {
          this.managerHost = answer.managerAddress;
          this.ready?.managerChanged();
        }
      },
    });
    beats.start();
    const reporter: Reporter & Registrar = {
      reportFailure: (r: FailureReport) => this.toManager('reportFailure', r),
      reportRunning: (r: RunningReport) => this.toManager('reportRunning', r),
      register: () => Promise.reject(new UnavailableError('self-registration is not simulated')),
    };
    const watchdog = new WatchDog({
      host: host.name,
      hostAddress: host.name,
      stateDir: `/sim/${host.name}`,
      allowedExecutableDirs: ['/sim/apps'],
      timings: t,
      watchdogAddress: `${host.name}/wd`,
      checkpointAddress: 'CS/cs',
      processes: host.processes.controlFor(proc),
      reporter,
      registrar: reporter,
      probes: NO_PROBES,
      clock,
      store: {
        load: async () => structuredClone(host.disk.wdState),
        save: async (s) => {
          host.disk.wdState = structuredClone(s);
          sim.observe.watchdogEpoch(host.name, s.epoch);
        },
      },
      logger: sim.logger,
      lease,
      resolveExecutable: async (path) => path,
    });
    void watchdog.start().then(() => {
      this.ready = watchdog;
      if (this.managerHost) watchdog.managerChanged();
      sim.net.listen(`${host.name}/wd`, proc, (method, req) => this.handle(watchdog, method, req));
    });
    proc.onDeath.push(() => beats.stop());
  }

  private toManager(method: string, req: unknown): Promise<void> {
    if (!this.managerHost) return Promise.reject(new UnavailableError('no ReplicaManager known yet'));
    return this.sim.net.call(
      this.proc,
      `${this.managerHost}/rm`,
      method,
      req,
      this.sim.timings.rpcDeadlineMs,
    );
  }

  private handle(wd: WatchDog, method: string, req: unknown): unknown {
    const r = req as {
      epoch: number;
      spec: Module;
      replica: string;
      role: 'P' | 'B';
      generation: number;
      leaseTerm: number;
    };
    switch (method) {
      case 'startReplica':
        // replicaSpec fills every field of the wire's spec, as the gRPC layer would on arrival.
        return wd.startReplica(
          r.epoch,
          replicaSpec(r.spec, r.replica) as ReplicaSpec__Output,
          roleToWire(r.role),
          r.generation,
          r.leaseTerm,
        );
      case 'stopReplica':
        return wd.stopReplica(r.epoch, r.replica);
      case 'setRole':
        return wd.setRole(r.epoch, r.replica, roleToWire(r.role), r.generation, r.leaseTerm);
      case 'listRunning':
        return wd.listRunning(r.epoch);
      case 'checkReplica':
        return wd.checkReplica(replicaSpec(r.spec, r.replica) as ReplicaSpec__Output);
      default:
        throw new NotFoundError(`the WatchDog has no method ${method}`);
    }
  }
}

/** The ReplicaManager's commands to the WatchDogs over the simulated network (GrpcWatchDogs' part). */
class SimWatchDogs implements WatchDogTransport {
  private readonly terms = new LeaseTerms();

  constructor(
    private readonly sim: Sim,
    private readonly proc: Proc,
  ) {}

  private call<T>(host: string, method: string, req: unknown): Promise<T> {
    return this.sim.net.call<T>(this.proc, `${host}/wd`, method, req, this.sim.timings.rpcDeadlineMs);
  }

  async execute(action: Action, module: Module, epoch: number, stillWanted = () => true) {
    const generation = action.kind !== 'stop' && action.role === 'P' ? (module?.generation ?? 0) : 0;
    const list = async () => (await this.listing(action.host, epoch)).lease_term;
    const start = (role: 'P' | 'B') =>
      this.terms.stamped(action.host, list, async (term) => {
        const ack = await this.call<{ started_at_ms: string }>(action.host, 'startReplica', {
          epoch,
          spec: module,
          replica: action.replica,
          role,
          generation,
          leaseTerm: term,
        });
        return { startedAtMs: Number(ack.started_at_ms) };
      });
    switch (action.kind) {
      case 'start':
        return start(action.role);
      case 'restart':
        await this.call(action.host, 'stopReplica', { epoch, replica: action.replica });
        return stillWanted() ? start(action.role) : NOT_WANTED;
      case 'stop':
        await this.call(action.host, 'stopReplica', { epoch, replica: action.replica });
        return null;
      case 'set-role':
        await this.terms.stamped(action.host, list, (term) =>
          this.call(action.host, 'setRole', {
            epoch,
            replica: action.replica,
            role: action.role,
            generation,
            leaseTerm: term,
          }),
        );
        return null;
    }
  }

  async checkReplica(module: Module, replica: string) {
    const host = module.replicas.find((r) => r.id === replica)?.host ?? '';
    return this.call<{ startable: boolean; reason: string }>(host, 'checkReplica', { spec: module, replica });
  }

  private async listing(host: string, epoch: number) {
    const res = await this.call<{
      as_of_ms: string;
      lease_term: string;
      running: Array<{ replica: string; role: string; started_at_ms: string }>;
    }>(host, 'listRunning', { epoch });
    this.terms.heard(host, Number(res.lease_term));
    return { ...res, lease_term: Number(res.lease_term) };
  }

  async listRunning(host: string, epoch: number): Promise<HostListing> {
    const res = await this.listing(host, epoch);
    return {
      asOfMs: Number(res.as_of_ms),
      running: res.running.flatMap((x) => {
        const role = maybeRoleFromWire(x.role);
        return role ? [{ replica: x.replica, role, startedAtMs: Number(x.started_at_ms) }] : [];
      }),
    };
  }
}

// ---------------------------------------------------------------- ReplicaManager

/** A logger whose lines go to the trace: the manager's decisions are what a failing run is read by. */
function traceLogger(sim: Sim, name: string): Logger {
  return pino(
    { level: 'info', timestamp: false, base: null },
    {
      write: (line: string) => {
        const { msg, level: _level, ...rest } = JSON.parse(line) as Record<string, unknown>;
        sim.trace(`${name}: ${String(msg)} ${JSON.stringify(rest)}`);
      },
    },
  );
}

/** One ReplicaManager process: the real ReplicaManager, its handlers and its beats to its SuperWatchDog. */
class SimReplicaManagerDaemon {
  readonly rm: ReplicaManager;

  constructor(
    sim: Sim,
    readonly proc: Proc,
    host: SimHost,
    readonly epoch: number,
  ) {
    const clock = procClock(sim.sched, proc, host.clock);
    const stop = () => {
      void this.rm.stop();
      die(proc);
    };
    this.rm = new ReplicaManager({
      store: checkpointTableStore(storeClient(sim, proc) as CheckpointClient),
      watchdogs: new SimWatchDogs(sim, proc),
      epoch,
      hosts: sim.hostNames,
      logger: traceLogger(sim, proc.name),
      onFenced: () => stop(),
      clock,
      ...(sim.decide ? { decide: sim.decide } : {}),
    });
    sim.observe.manager(this);
    sim.net.listen(`${host.name}/rm`, proc, (method, req) => this.handle(clock, method, req));
    // The manager's beats to the SuperWatchDog of its host (¶0026): one that no longer backs it ends it.
    const beat = () => {
      sim.net
        .call<{ primary: boolean; epoch: number }>(
          proc,
          `${host.name}/swd`,
          'managerBeat',
          { epoch },
          2 * sim.timings.ringBeatMs,
        )
        .then((res) => {
          if (res.epoch > epoch || !res.primary) stop();
        })
        .catch(() => undefined);
      clock.setTimeout(beat, sim.timings.ringBeatMs);
    };
    beat();
    // Level-triggered: every WatchDog is asked again now and then.
    const reconcile = () => {
      if (this.rm.state === 'serving') void this.rm.reconcileAll();
      clock.setTimeout(reconcile, 10_000);
    };
    clock.setTimeout(reconcile, 10_000);
    void this.rm.start().catch(() => undefined);
  }

  private handle(clock: Clock, method: string, req: unknown): unknown {
    const rm = this.rm;
    switch (method) {
      case 'reportFailure': {
        const r = req as FailureReport;
        const replica = rm.table.modules.flatMap((m) => m.replicas).find((x) => x.id === r.replica);
        if (replica && replica.host !== r.host) throw new NotFoundError(`${r.replica} is not on ${r.host}`);
        return rm.reportFailure({ ...r, atMs: clock.now() }).then(() => ({ epoch: rm.epoch }));
      }
      case 'reportRunning':
        return rm.reconcileHost((req as RunningReport).host).then(() => ({ epoch: rm.epoch }));
      case 'reportHost': {
        const r = req as { host: string; up: boolean; epoch: number };
        if (r.epoch < rm.epoch) throw new StaleEpochError(r.epoch, rm.epoch);
        const done = r.up ? rm.hostUp(r.host) : rm.submit({ kind: 'host-down', host: r.host });
        return done.then(() => ({ epoch: rm.epoch }));
      }
      case 'register': {
        const spec = req as ModuleSpec;
        validateRegistration(spec, rm.table);
        return rm.submit({ kind: 'register', module: spec }).then(() => ({ epoch: rm.epoch }));
      }
      default:
        throw new NotFoundError(`the ReplicaManager has no method ${method}`);
    }
  }
}

/** What manager-process.ts does for a primary SuperWatchDog: runs its ReplicaManager, restarts it with a back-off. */
class SimManagerProcess {
  /** The manager's process, from its spawn (while it starts) to its end. */
  private proc: Proc | null = null;
  private daemon: SimReplicaManagerDaemon | null = null;
  private epoch = 0;
  private wanted = false;
  private restarts = 0;
  private startedAt = 0;

  constructor(
    private readonly sim: Sim,
    private readonly host: SimHost,
    private readonly swd: Proc,
  ) {}

  private now(): number {
    return this.host.clock.at(this.sim.sched.now);
  }

  get spawnedAt(): number | null {
    return this.proc ? this.startedAt : null;
  }

  ensure(epoch: number): void {
    this.wanted = true;
    if (this.proc && this.epoch === epoch) return;
    this.kill();
    this.epoch = epoch;
    this.spawn();
  }

  /** The manager stopped beating: kill it; its end starts a new one. */
  restart(reason: string): void {
    if (!this.proc) return;
    this.sim.trace(`${this.host.name}/swd restarts its ReplicaManager: ${reason}`);
    die(this.proc);
  }

  stop(): void {
    this.wanted = false;
    this.kill();
  }

  private kill(): void {
    const p = this.proc;
    this.proc = null;
    void this.daemon?.rm.stop();
    this.daemon = null;
    if (p) die(p);
  }

  private spawn(): void {
    const proc = new Proc(`${this.host.name}/rm`, this.host.name);
    this.proc = proc;
    this.startedAt = this.now();
    const epoch = this.epoch;
    this.sim.trace(`${proc.name} starts with epoch ${epoch}`);
    // A node process takes a while to start.
    this.sim.sched.after(40, proc, () => {
      this.daemon = new SimReplicaManagerDaemon(this.sim, proc, this.host, epoch);
    });
    proc.onDeath.push(() => {
      if (this.proc !== proc) return;
      this.proc = null;
      this.daemon = null;
      if (!this.wanted) return;
      // A manager that ran for a while restarts at once; one that keeps dying backs off.
      this.restarts = this.now() - this.startedAt > 10_000 ? 0 : this.restarts + 1;
      const delay = this.restarts === 0 ? 0 : Math.min(200 * 2 ** (this.restarts - 1), 5000);
      this.sim.sched.after(delay, this.swd, () => {
        if (this.wanted && !this.proc) this.spawn();
      });
    });
  }

  /** The manager's process while one runs or starts. */
  get processNow(): Proc | null {
    return this.proc;
  }
}

// ---------------------------------------------------------------- SuperWatchDog

/**
 * One SuperWatchDog incarnation: the daemon's own SuperWatchDog (the ring and host-monitor cores,
 * the manager lease and its grant to WatchDogs, the manager's liveness, host reports) over the
 * simulated network, with checkpointArbiter and the simulated ReplicaManager process.
 */
export class SimSuperWatchDog {
  readonly proc: Proc;
  readonly manager: SimManagerProcess;
  private readonly swd: SuperWatchDog;
  private readonly clock: Clock;

  constructor(
    private readonly sim: Sim,
    private readonly host: SimHost,
  ) {
    this.proc = new Proc(`${host.name}/swd`, host.name);
    this.clock = procClock(sim.sched, this.proc, host.clock);
    const t = sim.timings;
    const manager = new SimManagerProcess(sim, host, this.proc);
    this.manager = manager;
    const call = <T>(to: string, method: string, req: unknown, deadlineMs: number) =>
      sim.net.call<T>(this.proc, to, method, req, deadlineMs);
    this.swd = new SuperWatchDog({
      host: host.name,
      ring: sim.ring,
      hosts: sim.hostNames,
      timings: t,
      // The simulated network addresses a ReplicaManager by its host.
      managerAddress: (h) => h,
      logger: traceLogger(sim, this.proc.name),
      arbiter: checkpointArbiter(storeClient(sim, this.proc), t.ringTimeoutMs, sim.logger, (ms) =>
        sleep(this.clock, ms),
      ),
      manager: {
        ensure: (epoch) => this.manager.ensure(epoch),
        restart: (reason) => this.manager.restart(reason),
        stop: async () => this.manager.stop(),
        get spawnedAt() {
          return manager.spawnedAt;
        },
      },
      peers: {
        send: (to, what, req, deadlineMs) =>
          call<RingAnswer>(
            `${to}/swd`,
            what === 'beat' ? 'ringBeat' : 'registerPredecessor',
            req,
            deadlineMs,
          ),
        close: () => undefined,
      },
      reports: {
        reportHost: async (reported, up, epoch, deadlineMs) => {
          await call(`${host.name}/rm`, 'reportHost', { host: reported, up, epoch }, deadlineMs);
        },
        close: () => undefined,
      },
      clock: this.clock,
    });
    // Its unit takes its ReplicaManager with it.
    this.proc.onDeath.push(() => this.manager.stop());
  }

  get isPrimary(): boolean {
    return this.swd.isPrimary;
  }

  get ring(): RingState {
    return this.swd.ring;
  }

  get hosts(): HostMonitorState | null {
    return this.swd.hosts;
  }

  start(): void {
    this.sim.net.listen(`${this.host.name}/swd`, this.proc, (method, req) => this.handle(method, req));
    const every = Math.max(20, Math.min(this.sim.timings.ringBeatMs, this.sim.timings.watchdogBeatMs) / 2);
    const tick = () => {
      this.swd.tick();
      this.clock.setTimeout(tick, every);
    };
    this.clock.setTimeout(tick, 0);
  }

  /** The daemon's handlers, as the simulated network delivers them. */
  private async handle(method: string, req: unknown): Promise<unknown> {
    switch (method) {
      case 'ringBeat':
      case 'registerPredecessor': {
        const r = req as { from: string; primary: string; epoch: number };
        await this.swd.ringBeat(method === 'ringBeat' ? 'beat' : 'register', r);
        const view = this.swd.view();
        return { primary: view.primary ?? '', epoch: Number(view.epoch) } satisfies RingAnswer;
      }
      case 'watchdogBeat': {
        const r = this.swd.watchdogBeat((req as { host: string }).host);
        const answer: BeatAnswer = { ...r, managerAddress: r.primaryHost };
        return answer;
      }
      case 'managerBeat':
        return this.swd.managerBeat((req as { epoch: number }).epoch);
      default:
        throw new NotFoundError(`the SuperWatchDog has no method ${method}`);
    }
  }
}
