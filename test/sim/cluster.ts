/**
 * The simulated cluster: hosts H1…HN (each with its WatchDog, a SuperWatchDog on the ring hosts, the
 * copies and their keepers), the Checkpoint Server's store on its own host CS, and an operator on OP
 * who registers the modules. It can crash, freeze and restart any of them; the fault schedule and the
 * invariants drive it from outside.
 */
import { CheckpointStore } from '../../src/checkpoint-server/store.js';
import { LOCAL_TIMINGS } from '../../src/cli/local.js';
import type { ModuleSpec } from '../../src/model/table.js';
import type { decide } from '../../src/replica-manager/decide.js';
import { DEFAULT_TIMINGS, type Timings } from '../../src/shared/config.js';
import { RegistrationError } from '../../src/shared/errors.js';
import { type Logger, silentLogger } from '../../src/shared/logging.js';
import type { WatchDogState } from '../../src/watchdog/state.js';
import { Prng } from '../cts/prng.js';
import { die, HostProcesses, type SimCopy } from './copies.js';
import { SimSuperWatchDog, SimWatchDogDaemon, storeHandler } from './daemons.js';
import { HostClock, Network, Proc, Scheduler } from './world.js';

/** What the invariants learn as it happens (the copies' own words and the daemons' durable writes). */
export interface Observer {
  started(copy: SimCopy): void;
  acknowledged(copy: SimCopy, value: number, version: number): void;
  watchdogEpoch(host: string, epoch: number): void;
  manager(daemon: { readonly epoch: number }): void;
}

export interface SimHost {
  readonly name: string;
  /** Its clock: the true time plus a few ms of disagreement between hosts, at a rate a fault may change. */
  readonly clock: HostClock;
  up: boolean;
  /** What survives its processes: the WatchDog's state file and the lease file its keepers read. */
  disk: { wdState: WatchDogState; leaseUntil: number };
  readonly processes: HostProcesses;
  wd: SimWatchDogDaemon | null;
  swd: SimSuperWatchDog | null;
}

/** What every simulated component reaches. */
export interface Sim {
  readonly sched: Scheduler;
  readonly net: Network;
  readonly rng: Prng;
  readonly timings: Timings;
  readonly logger: Logger;
  readonly hostNames: string[];
  readonly ring: string[];
  readonly hosts: Map<string, SimHost>;
  readonly observe: Observer;
  readonly decide: typeof decide | undefined;
  trace(line: string): void;
}

export interface ClusterOptions {
  seed: number;
  hosts: number;
  timings?: Partial<Timings>;
  /** A decision core to run instead of decide() (a test's deliberately broken rule). */
  decide?: typeof decide;
  observe: Observer;
  trace: (line: string) => void;
}

/** The modules of the run, FIG. 2's styles over the hosts there are (replicas in preference order). */
export function simModules(hosts: readonly string[]): ModuleSpec[] {
  const on = (...idx: number[]) => {
    const names = [
      ...new Set(idx.map((i) => hosts[((i % hosts.length) + hosts.length) % hosts.length] as string)),
    ];
    return names.map((host) => ({ host, path: '/sim/apps/app' }));
  };
  const n = hosts.length;
  const mod = (spec: Omit<ModuleSpec, 'degree'> & { degree: number }): ModuleSpec => ({
    ...spec,
    degree: Math.min(spec.degree, spec.replicas.length),
  });
  return [
    mod({
      name: 'W',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      detect: 'heartbeat',
      replicas: on(0, 2, 3),
    }),
    mod({
      name: 'R',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      detect: 'poll',
      replicas: on(1, n - 2, n - 1),
    }),
    mod({
      name: 'T',
      style: 'hot',
      degree: 2,
      policy: 'on-each-failure',
      detect: 'heartbeat',
      replicas: on(2, 3, 4),
    }),
    mod({
      name: 'C',
      style: 'cold',
      degree: 2,
      policy: 'on-over-threshold',
      threshold: 2,
      detect: 'heartbeat',
      replicas: on(n - 1, 0),
    }),
  ];
}

export class Cluster implements Sim {
  readonly sched = new Scheduler();
  readonly rng: Prng;
  readonly net: Network;
  readonly timings: Timings;
  readonly logger = silentLogger();
  readonly hostNames: string[];
  readonly ring: string[];
  readonly hosts = new Map<string, SimHost>();
  readonly observe: Observer;
  readonly decide: typeof decide | undefined;
  readonly store: CheckpointStore;
  readonly modules: ModuleSpec[];
  readonly registered = new Set<string>();
  private csProc: Proc | null = null;
  private readonly traceLine: (line: string) => void;

  constructor(opts: ClusterOptions) {
    this.rng = new Prng(opts.seed);
    this.traceLine = opts.trace;
    this.net = new Network(this.sched, new Prng(opts.seed ^ 0x5eed), (l) => this.trace(l));
    this.timings = { ...DEFAULT_TIMINGS, ...LOCAL_TIMINGS, ...opts.timings };
    this.hostNames = Array.from({ length: opts.hosts }, (_, i) => `H${i + 1}`);
    const n = opts.hosts;
    this.ring = n >= 6 ? ['H2', `H${n - 1}`, `H${n}`] : n >= 3 ? ['H1', 'H2', 'H3'] : [...this.hostNames];
    this.observe = opts.observe;
    this.decide = opts.decide;
    for (const name of this.hostNames) {
      const host: SimHost = {
        name,
        clock: new HostClock(1_000_000 + this.rng.int(-20, 20)),
        up: true,
        disk: { wdState: { epoch: 0, copies: [] }, leaseUntil: 0 },
        processes: null as unknown as HostProcesses,
        wd: null,
        swd: null,
      };
      (host as { processes: HostProcesses }).processes = new HostProcesses(this, host);
      this.hosts.set(name, host);
    }
    this.store = new CheckpointStore(':memory:', { now: () => this.sched.now + 1_000_000 });
    this.modules = simModules(this.hostNames);
  }

  trace(line: string): void {
    this.traceLine(`${this.sched.now.toFixed(2).padStart(9)} ${line}`);
  }

  host(name: string): SimHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Starts the Checkpoint Server, every host's daemons, and the operator's registrations. */
  boot(): void {
    this.startStore();
    for (const h of this.hosts.values()) this.startHostDaemons(h);
    this.sched.after(1500, null, () => this.registerAll());
  }

  // ---- the Checkpoint Server ----

  startStore(): void {
    if (this.csProc?.alive) return;
    this.csProc = new Proc('CS/cs', 'CS');
    this.net.listen('CS/cs', this.csProc, storeHandler(this.store));
  }

  /** The server process dies; its data (the store) is on disk and survives. */
  crashStore(): void {
    if (this.csProc) die(this.csProc);
    this.csProc = null;
  }

  // ---- daemons ----

  private startHostDaemons(h: SimHost): void {
    this.startWatchDog(h);
    if (this.ring.includes(h.name)) this.startSuperWatchDog(h);
  }

  startWatchDog(h: SimHost): void {
    if (!h.up || h.wd?.proc.alive) return;
    this.trace(`${h.name}/wd starts`);
    h.wd = new SimWatchDogDaemon(this, h);
    h.wd.start();
  }

  crashWatchDog(h: SimHost): void {
    if (h.wd) die(h.wd.proc);
  }

  startSuperWatchDog(h: SimHost): void {
    if (!h.up || h.swd?.proc.alive || !this.ring.includes(h.name)) return;
    this.trace(`${h.name}/swd starts`);
    h.swd = new SimSuperWatchDog(this, h);
    h.swd.start();
  }

  crashSuperWatchDog(h: SimHost): void {
    if (h.swd) die(h.swd.proc);
  }

  /** The processes of a host's daemons that run now (for freezes). */
  daemonProcs(h: SimHost): Proc[] {
    const ps = [h.wd?.proc, h.swd?.proc, h.swd?.manager.processNow].filter((p): p is Proc => !!p && p.alive);
    return ps;
  }

  /** Every process of the host ends and the host is switched off. */
  crashHost(h: SimHost): void {
    this.crashWatchDog(h);
    this.crashSuperWatchDog(h);
    h.processes.killAll();
    h.up = false;
    this.net.down.add(h.name);
  }

  /** The host boots again: its lease file is gone with the reboot, its WatchDog state file is not. */
  bootHost(h: SimHost): void {
    h.up = true;
    h.disk.leaseUntil = 0;
    this.net.down.delete(h.name);
    this.startHostDaemons(h);
  }

  // ---- the operator ----

  private registerAll(): void {
    const op = new Proc('OP/operator', 'OP');
    const round = () => {
      const left = this.modules.filter((m) => !this.registered.has(m.name));
      if (left.length === 0) return;
      for (const spec of left) void this.registerOne(op, spec);
      this.sched.after(500, op, round);
    };
    round();
  }

  private async registerOne(op: Proc, spec: ModuleSpec): Promise<void> {
    for (const h of this.ring) {
      if (this.registered.has(spec.name)) return;
      try {
        await this.net.call(op, `${h}/rm`, 'register', spec, this.timings.rpcDeadlineMs);
        this.registered.add(spec.name);
        this.trace(`operator registered ${spec.name}`);
        return;
      } catch (err) {
        // Already registered: an earlier answer was lost on the way back.
        if (err instanceof RegistrationError && /already|duplicate/i.test(err.message)) {
          this.registered.add(spec.name);
          return;
        }
      }
    }
  }
}
