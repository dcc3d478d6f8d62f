/**
 * The SuperWatchDog daemon (source ¶0022, ¶0024–0026): the pure ring and host-monitor cores wired to
 * gRPC (ring beats, WatchDog beats), to the Checkpoint Server (the epoch), and to the ReplicaManager
 * process it runs on its host while it is primary.
 */
import { type AcquireResult, CheckpointClient } from '../checkpoint-server/client.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { addressOf, type ClusterConfig, clusterHost, type Timings } from '../shared/config.js';
import { ConfigError, FencedError, StaleEpochError } from '../shared/errors.js';
import type { ReplicaManagerClient } from '../shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { HostLoad__Output as HostLoadOutput } from '../shared/generated/rm/super_watchdog/v1/HostLoad.js';
import type { RingView } from '../shared/generated/rm/super_watchdog/v1/RingView.js';
import type {
  SuperWatchDogClient,
  SuperWatchDogHandlers,
} from '../shared/generated/rm/super_watchdog/v1/SuperWatchDog.js';
import {
  CLIENT_OPTIONS,
  DaemonServer,
  daemonTransport,
  handle,
  protos,
  type Transport,
  unary,
} from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import {
  configuredPort,
  DaemonMetrics,
  StoreClientMetrics,
  startMetricsEndpoint,
} from '../shared/metrics.js';
import { type HostEffect, type HostMonitorState, initHostMonitor, stepHosts } from './host-monitor.js';
import { HostReports } from './host-reports.js';
import { ManagerProcess } from './manager-process.js';
import { SuperWatchDogMetrics } from './metrics.js';
import { initRing, type RingEffect, type RingMsg, type RingState, ringView, step } from './ring.js';

const ROLE = 'manager';

/** How the primary's take-over is arbitrated: the Checkpoint Server's leadership record (DESIGN §5). */
export interface EpochArbiter {
  /** Tries to become the holder; `believedDead(holder)` says whether a holder with a live lease may be overtaken. */
  acquire(
    me: string,
    expectedEpoch: number,
    believedDead: (holder: string) => boolean,
  ): Promise<{ won: boolean; holder: string; epoch: number }>;
  /** Extends the lease; raises StaleEpochError when the epoch is no longer ours. */
  renew(me: string, epoch: number): Promise<void>;
}

/** The leadership calls of the Checkpoint Server's client that the arbiter makes. */
export type LeadershipStore = Pick<CheckpointClient, 'acquireLeadership' | 'renewLeadership'>;

export function checkpointArbiter(
  cs: LeadershipStore,
  leaseMs: number,
  logger: Logger,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): EpochArbiter {
  return {
    async acquire(me, expectedEpoch, believedDead) {
      // One compare-and-set on the epoch the ring core expects. The store refuses it while another
      // holder's lease runs on the store's own clock; a holder believed dead is waited out (once,
      // for the remaining time the store gave) and asked again. No other clock is compared.
      const ask = () => cs.acquireLeadership({ role: ROLE, holder: me, expectedEpoch, leaseMs });
      const outcome = (r: AcquireResult) => ({ won: r.won, holder: r.holder, epoch: r.epoch });
      const first = await ask();
      const heldByTheDead =
        !first.won &&
        first.epoch === expectedEpoch &&
        first.leaseRemainingMs > 0 &&
        believedDead(first.holder);
      if (!heldByTheDead) return outcome(first);
      logger.info(
        { holder: first.holder, leaseLeftMs: first.leaseRemainingMs },
        'waiting out the lease of a dead primary',
      );
      await sleep(Math.min(first.leaseRemainingMs + 10, leaseMs));
      return outcome(await ask());
    },
    async renew(me, epoch) {
      await cs.renewLeadership({ role: ROLE, holder: me, epoch, leaseMs });
    },
  };
}

/** What one ring member answers a beat or a registration with: its view of the ring. */
export interface RingAnswer {
  primary: string;
  epoch: number;
}

/** The other ring members, as this SuperWatchDog reaches them (gRPC in the daemon). */
export interface RingPeers {
  send(
    to: string,
    what: 'beat' | 'register',
    req: { from: string; primary: string; epoch: number },
    deadlineMs: number,
  ): Promise<RingAnswer>;
  close(): void;
}

/** The ReplicaManager on this host, as its SuperWatchDog tells it of hosts (gRPC in the daemon). */
export interface HostReportSink {
  reportHost(host: string, up: boolean, epoch: number, deadlineMs: number): Promise<void>;
  close(): void;
}

export interface SuperWatchDogOptions {
  host: string;
  /** The ring's members, in ring order. */
  ring: readonly string[];
  /** Every host of the cluster, watched while primary. */
  hosts: readonly string[];
  timings: Timings;
  /** Where the ReplicaManager of a ring host listens (told to WatchDogs and rmctl). */
  managerAddress(host: string): string;
  logger: Logger;
  arbiter: EpochArbiter;
  /** Runs the ReplicaManager on this host while primary. */
  manager: Pick<ManagerProcess, 'ensure' | 'stop' | 'restart' | 'spawnedAt'>;
  peers: RingPeers;
  reports: HostReportSink;
  /** The time and timers (default the system's). */
  clock?: Clock;
  /**
   * The highest epoch the Checkpoint Server has handed out (DESIGN §9: epochs are verified, not
   * believed). A ring beat or answer with a higher epoch than this SuperWatchDog knows is acted on
   * only when the store confirms it. Without it (unit tests), every epoch is believed.
   */
  handedOutEpoch?: () => Promise<number>;
}

/** One SuperWatchDog: feeds messages into the pure cores and carries out their effects. */
export class SuperWatchDog {
  ring: RingState;
  hosts: HostMonitorState | null = null;
  private readonly inFlight = new Set<string>();
  /** Host reports not yet accepted by the ReplicaManager: the latest state per host. */
  private readonly hostReports = new HostReports();
  /** The last load each WatchDog sent with its beats, for `rmctl hosts`. */
  private readonly hostLoads = new Map<string, HostLoadOutput>();
  private lastManagerBeat = 0;
  private acquiring = false;
  private renewing = false;
  /** When the last successful renewal (or the winning acquire) was sent: the lease runs from there at the latest. */
  private lastRenew = 0;
  private acquireSentAt = 0;
  /** The lease ran out unrenewed: the ReplicaManager is stopped until a renewal succeeds (DESIGN §5). */
  private leaseLost = false;
  private stopped = false;
  private lastTick = 0;
  /** Epochs up to this one are confirmed as handed out by the Checkpoint Server. */
  private verifiedEpoch = 0;
  private readonly clock: Clock;
  private readonly now: () => number;

  constructor(private readonly opts: SuperWatchDogOptions) {
    this.clock = opts.clock ?? systemClock;
    this.now = () => this.clock.now();
    this.ring = initRing(
      {
        self: opts.host,
        members: [...opts.ring],
        beatIntervalMs: opts.timings.ringBeatMs,
        ringTimeoutMs: opts.timings.ringTimeoutMs,
      },
      this.now(),
    );
  }

  get isPrimary(): boolean {
    return this.ring.primary === this.opts.host && this.ring.epoch > 0;
  }

  /** One turn of the clock: ring tick, host tick, lease, manager liveness, pending reports. */
  tick(): void {
    if (this.stopped) return;
    const now = this.now();
    const gap = this.lastTick === 0 ? 0 : now - this.lastTick;
    this.lastTick = now;
    if (gap > Math.floor(this.opts.timings.ringTimeoutMs / 4)) {
      // This SuperWatchDog did not run for `gap` (starved of CPU, or frozen): the manager's silence
      // it could not watch is not held against it (DESIGN §5, no false deaths).
      this.lastManagerBeat += gap;
    }
    this.feed({ kind: 'tick', now });
    if (this.hosts) this.feedHosts(stepHosts(this.hosts, { kind: 'tick', now }));
    if (this.isPrimary) {
      this.renewLease(now);
      this.checkLease(now);
      if (!this.leaseLost) this.watchManager(now);
      this.flushHostReports();
    }
  }

  feed(msg: RingMsg): void {
    const before = this.isPrimary;
    const res = step(this.ring, msg);
    this.ring = res.state;
    for (const e of res.effects) this.carryOut(e);
    if (before && !this.isPrimary) this.stepDown('a higher epoch or another primary was seen');
  }

  private carryOut(e: RingEffect): void {
    const { logger, host } = this.opts;
    switch (e.kind) {
      case 'beat':
        this.send(e.to, 'beat');
        return;
      case 'register-with':
        logger.info({ member: e.member }, 'registering with a new ring successor');
        this.send(e.member, 'register');
        return;
      case 'declare-dead':
        logger.warn({ member: e.member, wasPrimary: e.wasPrimary }, 'ring member declared dead');
        return;
      case 'acquire-epoch':
        this.acquire(e.expectedEpoch);
        return;
      case 'became-primary':
        logger.info({ epoch: e.epoch }, 'primary SuperWatchDog: starting the ReplicaManager on this host');
        // A new primary gives every WatchDog the take-over grace and a full host timeout before
        // declaring anything (¶0026; the last primary's host leases end within them).
        this.hosts = initHostMonitor(
          {
            hosts: [...this.opts.hosts],
            hostTimeoutMs: this.opts.timings.hostTimeoutMs,
            takeoverGraceMs: this.opts.timings.takeoverGraceMs,
          },
          this.now(),
        );
        this.lastManagerBeat = this.now();
        this.lastRenew = this.acquireSentAt || this.now();
        this.leaseLost = false;
        this.opts.manager.ensure(e.epoch);
        return;
      case 'step-down':
        this.stepDown(`epoch ${e.epoch} is higher than ours`);
        return;
      default:
        logger.debug({ effect: e, host }, 'ring effect');
    }
  }

  private stepDown(reason: string): void {
    if (!this.hosts) return;
    this.opts.logger.warn({ reason }, 'stepping down to backup: stopping the ReplicaManager on this host');
    this.hosts = null;
    this.leaseLost = false;
    this.hostReports.clear();
    void this.opts.manager.stop();
  }

  private feedHosts(res: { state: HostMonitorState; effects: HostEffect[] }): void {
    this.hosts = res.state;
    for (const e of res.effects) {
      const up = e.kind === 'host-up';
      this.opts.logger.warn({ host: e.host }, up ? 'host is back' : 'host declared dead');
    }
    this.hostReports.noted(res.effects);
    if (res.effects.length > 0) this.flushHostReports();
  }

  private send(to: string, what: 'beat' | 'register'): void {
    const key = `${what}:${to}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    const req = { from: this.opts.host, primary: this.ring.primary ?? '', epoch: this.ring.epoch };
    const deadline = Math.max(200, this.opts.timings.ringBeatMs * 2);
    this.opts.peers
      .send(to, what, req, deadline)
      .then(async (view) => {
        if (this.stopped) return;
        if (!(await this.believable(view.epoch, `the answer of ${to}`))) return;
        this.feed({
          kind: 'beat-received',
          from: to,
          now: this.now(),
          view: { primary: view.primary || null, epoch: view.epoch },
        });
      })
      .catch(() => {
        if (!this.stopped) this.feed({ kind: 'send-failed', to, now: this.now() });
      })
      .finally(() => this.inFlight.delete(key));
  }

  private acquire(expectedEpoch: number): void {
    if (this.acquiring) return;
    this.acquiring = true;
    this.acquireSentAt = this.now();
    const dead = (holder: string) => {
      const m = ringView(this.ring).members.find((x) => x.name === holder);
      return m ? !m.live : false;
    };
    this.opts.arbiter
      .acquire(this.opts.host, expectedEpoch, dead)
      .then((res) => {
        if (this.stopped) return;
        if (res.won) this.feed({ kind: 'epoch-won', epoch: res.epoch, now: this.now() });
        else this.feed({ kind: 'epoch-lost', primary: res.holder, epoch: res.epoch, now: this.now() });
      })
      .catch((err: unknown) => {
        // Store unreachable: nobody is promoted on a guess; the ring core asks again on a later tick.
        this.opts.logger.warn(
          { err: (err as Error).message },
          'could not reach the Checkpoint Server to take over',
        );
        if (!this.stopped) this.feed({ kind: 'epoch-unavailable', now: this.now() });
      })
      .finally(() => {
        this.acquiring = false;
      });
  }

  private renewLease(now: number): void {
    if (this.renewing || now - this.lastRenew < this.opts.timings.ringBeatMs) return;
    this.renewing = true;
    const epoch = this.ring.epoch;
    this.opts.arbiter
      .renew(this.opts.host, epoch)
      .then(() => {
        // From when it was sent: the store's lease runs at least that long (DESIGN §5).
        this.lastRenew = now;
        if (this.leaseLost && this.isPrimary) {
          this.leaseLost = false;
          this.opts.logger.info({ epoch }, 'lease renewed again: starting the ReplicaManager');
          this.lastManagerBeat = this.now();
          this.opts.manager.ensure(epoch);
        }
      })
      .catch((err: unknown) => {
        if (err instanceof StaleEpochError && !this.stopped) {
          this.opts.logger.warn({ epoch, current: err.current }, 'our epoch is stale');
          this.feed({ kind: 'stale-epoch', epoch: err.current, now: this.now() });
        }
      })
      .finally(() => {
        this.renewing = false;
      });
  }

  /**
   * Leases only reduce aborted work (DESIGN §5): a primary that could not renew within its lease
   * stops commanding (its ReplicaManager) until it can; a backup may be taking over meanwhile, and the
   * epochs keep that safe either way.
   */
  private checkLease(now: number): void {
    if (this.leaseLost || now - this.lastRenew <= this.opts.timings.ringTimeoutMs) return;
    this.leaseLost = true;
    this.opts.logger.warn(
      { sinceRenewMs: now - this.lastRenew },
      'lease not renewed in time: stopping the ReplicaManager until the Checkpoint Server answers',
    );
    void this.opts.manager.stop();
  }

  /**
   * The manager beats every ring beat; one silent past the ring timeout is restarted (¶0026). A new
   * manager's silence counts from its own spawn plus its start grace, never from before it ran (a
   * manager started after a back-off gets its whole grace); none is judged while none runs.
   */
  private watchManager(now: number): void {
    const spawnedAt = this.opts.manager.spawnedAt;
    if (spawnedAt === null) return;
    const t = this.opts.timings;
    const since = this.lastManagerBeat > spawnedAt ? this.lastManagerBeat : spawnedAt + t.managerStartGraceMs;
    if (now - since > t.ringTimeoutMs) {
      this.opts.manager.restart(
        this.lastManagerBeat > spawnedAt
          ? `no beat for ${now - this.lastManagerBeat} ms (ring timeout ${t.ringTimeoutMs} ms)`
          : `no first beat within ${now - spawnedAt} ms of its start (start grace ${t.managerStartGraceMs} ms + ring timeout ${t.ringTimeoutMs} ms)`,
      );
    }
  }

  /**
   * A ring member's beat, or its registration as this member's predecessor; FencedError for an epoch
   * the Checkpoint Server never handed out.
   */
  async ringBeat(
    what: 'beat' | 'register',
    req: { from: string; primary: string; epoch: number },
  ): Promise<void> {
    await this.requireBelievable(req.epoch, req.from);
    if (what === 'register') this.feed({ kind: 'registered', from: req.from, now: this.now() });
    this.feed({
      kind: 'beat-received',
      from: req.from,
      now: this.now(),
      view: { primary: req.primary || null, epoch: req.epoch },
    });
  }

  managerBeat(epoch: number): { primary: boolean; epoch: number } {
    if (this.isPrimary && epoch === this.ring.epoch) this.lastManagerBeat = this.now();
    return { primary: this.isPrimary, epoch: this.ring.epoch };
  }

  /**
   * A WatchDog's beat. A primary answers with its own lower bound of its manager lease, so that the
   * WatchDog's copies never outlive the time another primary could declare their host dead.
   */
  watchdogBeat(
    host: string,
    load?: HostLoadOutput,
  ): {
    primary: boolean;
    primaryHost: string;
    epoch: number;
    leaseRemainingMs: number;
    leaseWithheld: boolean;
  } {
    const now = this.now();
    if (this.isPrimary && this.hosts)
      this.feedHosts(stepHosts(this.hosts, { kind: 'watchdog-beat', host, now }));
    if (this.isPrimary && load) this.hostLoads.set(host, load);
    return {
      primary: this.isPrimary,
      primaryHost: this.ring.primary ?? '',
      epoch: this.ring.epoch,
      leaseRemainingMs: this.isPrimary ? this.lastRenew + this.opts.timings.ringTimeoutMs - now : 0,
      leaseWithheld: this.isPrimary && this.hostReports.withheld(host),
    };
  }

  private flushing = false;

  /** Delivers host reports to the ReplicaManager on this host; undelivered ones wait for the next tick. */
  private flushHostReports(): void {
    const report = this.hostReports.next();
    if (this.flushing || !report) return;
    this.flushing = true;
    const { host, up } = report;
    this.opts.reports
      .reportHost(host, up, this.ring.epoch, this.opts.timings.rpcDeadlineMs)
      .then(() => {
        this.hostReports.settled(host, up, true);
        this.opts.logger.info({ host, up }, 'host reported to the ReplicaManager');
      })
      .catch((err: unknown) => {
        this.hostReports.settled(host, up, false);
        this.opts.logger.debug(
          { host, err: (err as Error).message },
          'ReplicaManager not ready for the host report yet',
        );
      })
      .finally(() => {
        this.flushing = false;
        if (this.hostReports.size > 0 && !this.stopped)
          this.clock.setTimeout(() => this.flushHostReports(), 0);
      });
  }

  /**
   * Whether an epoch may be acted on: any epoch this SuperWatchDog knows, and a higher one only once
   * the Checkpoint Server confirms it handed it out (one call per new epoch). Logs a refusal.
   */
  private async believable(epoch: number, from: string): Promise<boolean> {
    if (!Number.isSafeInteger(epoch) || epoch < 0) return false;
    if (epoch <= this.ring.epoch || epoch <= this.verifiedEpoch || !this.opts.handedOutEpoch) return true;
    try {
      const handed = await this.opts.handedOutEpoch();
      this.verifiedEpoch = Math.max(this.verifiedEpoch, handed);
    } catch (err) {
      this.opts.logger.warn(
        { epoch, from, err: (err as Error).message },
        'cannot confirm a higher epoch with the Checkpoint Server: not acted on',
      );
      return false;
    }
    if (epoch <= this.verifiedEpoch) return true;
    this.opts.logger.warn(
      { epoch, from, handedOut: this.verifiedEpoch },
      'an epoch the Checkpoint Server never handed out: refused',
    );
    return false;
  }

  private async requireBelievable(epoch: number, from: string): Promise<void> {
    if (!(await this.believable(epoch, from))) {
      throw new FencedError(
        `epoch ${String(epoch).slice(0, 20)} from ${from.slice(0, 64)} was not handed out by the Checkpoint Server (highest known: ${Math.max(this.verifiedEpoch, this.ring.epoch)}); refused`,
      );
    }
  }

  view(): RingView {
    const v = ringView(this.ring);
    return {
      self: this.opts.host,
      primary: v.primary ?? '',
      epoch: String(v.epoch),
      members: v.members.map((m) => ({
        name: m.name,
        live: m.live,
        last_beat_ms: String(m.lastBeatMs ?? 0),
      })),
      manager_address: v.primary ? this.opts.managerAddress(v.primary) : '',
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.opts.manager.stop();
    this.opts.peers.close();
    this.opts.reports.close();
  }

  handlers(): SuperWatchDogHandlers {
    return {
      RingBeat: handle(async (req) => {
        await this.ringBeat('beat', { from: req.from, primary: req.primary, epoch: Number(req.epoch) });
        return this.view();
      }),
      RegisterPredecessor: handle(async (req) => {
        await this.ringBeat('register', { from: req.from, primary: req.primary, epoch: Number(req.epoch) });
        return this.view();
      }),
      WatchDogBeat: handle((req) => {
        const res = this.watchdogBeat(req.host, req.load ?? undefined);
        return {
          primary: res.primary,
          primary_host: res.primaryHost,
          epoch: String(res.epoch),
          manager_address: res.primaryHost ? this.opts.managerAddress(res.primaryHost) : '',
          lease_remaining_ms: String(res.leaseRemainingMs),
          lease_withheld: res.leaseWithheld,
        };
      }),
      ManagerBeat: handle((req) => {
        const res = this.managerBeat(Number(req.epoch));
        return { primary: res.primary, epoch: String(res.epoch) };
      }),
      GetRing: handle(() => this.view()),
      GetHosts: handle(() => {
        if (!this.isPrimary || !this.hosts) return { primary: false, hosts: [] };
        return {
          primary: true,
          hosts: this.hosts.hosts.map((h) => ({
            name: h.name,
            up: h.up,
            since_ms: String(h.sinceMs),
            last_beat_ms: String(h.lastBeatMs ?? 0),
            load: this.hostLoads.get(h.name) ?? null,
          })),
        };
      }),
    };
  }
}

/** The ring members over gRPC, one channel each. */
function grpcRingPeers(cfg: ClusterConfig, transport: Transport): RingPeers {
  const peers = new Map<string, SuperWatchDogClient>();
  const peer = (member: string) => {
    let c = peers.get(member);
    if (!c) {
      const Client = protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog;
      c = new Client(addressOf.superWatchdog(cfg, member), transport.channelCredentials(), CLIENT_OPTIONS);
      peers.set(member, c);
    }
    return c;
  };
  return {
    async send(to, what, req, deadlineMs) {
      const c = peer(to);
      const wire = { ...req, epoch: String(req.epoch) };
      const view =
        what === 'beat'
          ? await unary(c, c.RingBeat, wire, deadlineMs, `SuperWatchDog on ${to}`)
          : await unary(c, c.RegisterPredecessor, wire, deadlineMs, `SuperWatchDog on ${to}`);
      return { primary: view.primary, epoch: Number(view.epoch) };
    },
    close() {
      for (const c of peers.values()) c.close();
    },
  };
}

/** The ReplicaManager on this host over gRPC. */
function grpcHostReports(cfg: ClusterConfig, host: string, transport: Transport): HostReportSink {
  let client: ReplicaManagerClient | null = null;
  return {
    async reportHost(reported, up, epoch, deadlineMs) {
      if (!client) {
        const Client = protos().replicaManager.rm.replica_manager.v1.ReplicaManager;
        client = new Client(
          addressOf.replicaManager(cfg, host),
          transport.channelCredentials(),
          CLIENT_OPTIONS,
        );
      }
      const c = client;
      await unary(
        c,
        c.ReportHost,
        { host: reported, up, epoch: String(epoch) },
        deadlineMs,
        'ReplicaManager',
      );
    },
    close() {
      client?.close();
    },
  };
}

export async function startSuperWatchDogDaemon(
  cfg: ClusterConfig,
  host: string,
  logger: Logger,
): Promise<Daemon> {
  const me = clusterHost(cfg, host);
  if (!cfg.ring.includes(host)) {
    throw new ConfigError(`host "${host}" is not in the ring (ring: ${cfg.ring.join(', ')})`, 'ring');
  }
  const t = cfg.timings;
  const transport = daemonTransport(cfg, 'super-watchdog', host, logger);
  const cs = new CheckpointClient(cfg.checkpointServer.addresses, { deadlineMs: t.rpcDeadlineMs, transport });
  const metrics = new DaemonMetrics('super-watchdog', host);
  let current: SuperWatchDog | null = null;
  const swdMetrics = new SuperWatchDogMetrics(metrics.registry, () => current);
  let unresponsive = false;
  const manager = new ManagerProcess({
    configFile: cfg.file,
    host,
    logger,
    killGraceMs: t.killGraceMs,
    onUnwantedExit: () => {
      swdMetrics.managerRestarts.labels(unresponsive ? 'unresponsive' : 'exited').inc();
      unresponsive = false;
    },
  });
  const storeMetrics = new StoreClientMetrics(metrics.registry);
  const arbiter = checkpointArbiter(cs, t.ringTimeoutMs, logger);
  const swd = new SuperWatchDog({
    host,
    ring: cfg.ring,
    hosts: cfg.hosts.map((h) => h.name),
    timings: t,
    managerAddress: (h) => addressOf.replicaManager(cfg, h),
    peers: grpcRingPeers(cfg, transport),
    reports: grpcHostReports(cfg, host, transport),
    logger,
    arbiter: {
      acquire: (me, expected, dead) =>
        storeMetrics.time('acquire-leadership', () => arbiter.acquire(me, expected, dead)),
      renew: (me, epoch) => storeMetrics.time('renew-leadership', () => arbiter.renew(me, epoch)),
    },
    manager: {
      ensure: (epoch) => manager.ensure(epoch),
      stop: () => manager.stop(),
      restart: (reason) => {
        unresponsive = manager.running;
        manager.restart(reason);
      },
      get spawnedAt() {
        return manager.spawnedAt;
      },
    },
    ...(transport.secure ? { handedOutEpoch: async () => (await cs.getLeadership(ROLE)).epoch } : {}),
  });
  current = swd;
  const server = new DaemonServer(me.address, transport, [metrics.grpcInterceptor()]);
  server.server.addService(protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog.service, swd.handlers());
  await server.listen(cfg.ports.superWatchdog);
  const metricsEndpoint = await startMetricsEndpoint(
    metrics.registry,
    me.address,
    configuredPort(cfg.ports.metrics.superWatchdog),
    logger,
  );
  server.serving();
  let state: DaemonState = 'serving';
  const timer = setInterval(() => swd.tick(), Math.max(20, Math.min(t.ringBeatMs, t.watchdogBeatMs) / 2));
  let stopping: Promise<void> | null = null;
  return {
    get state() {
      return state;
    },
    address: server.address,
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        clearInterval(timer);
        await swd.stop();
        await metricsEndpoint?.close();
        await server.stop(t.killGraceMs);
        cs.close();
        transport.close();
        state = 'stopped';
      })();
      return stopping;
    },
  };
}
