/**
 * The ReplicaManager's loop (source ¶0015–0017, ¶0020–0021; DESIGN §5): one event at a time, it asks
 * the pure decide() what to do, persists the new table under its epoch, and only then sends the
 * actions to the WatchDogs. A stale-epoch refusal from anyone stops it for good (fencing).
 */

import {
  type Action,
  type AppliedPosition,
  type AppliedPositions,
  type Decision,
  type Event,
  isRunning,
  type Module,
  type ModuleSpec,
  mergePersist,
  NOTHING_TO_PERSIST,
  type Persist,
  persistsAnything,
  type Replica,
  type ReplicaTable,
  type Role,
} from '../model/table.js';
import { type Clock, systemClock, type TimerHandle } from '../shared/clock.js';
import {
  ExecutableError,
  RegistrationError,
  StaleEpochError,
  StaleLeaseTermError,
  UnavailableError,
} from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { causeOf, decide } from './decide.js';
import { HostLane } from './host-lanes.js';
import { Incarnations } from './incarnations.js';

/** Stable storage of the table (the Checkpoint Server). */
export interface TableStore {
  /** The last saved table, or null if none was ever saved. Raises UnavailableError. */
  load(): Promise<ReplicaTable | null>;
  /**
   * Saves durably under `epoch` what `change` names of `table` (the hosts, the changed modules, the
   * removal of others), with the module order. Raises StaleEpochError (a higher epoch exists) or
   * UnavailableError.
   */
  save(table: ReplicaTable, epoch: number, change: Persist): Promise<void>;
}

/**
 * What a host's WatchDog runs, as of a time on its own clock; with each copy's applied position in
 * its module's replication stream, when the copy said at its last beat.
 */
export interface HostListing {
  asOfMs: number;
  running: Array<{ replica: string; role: Role; startedAtMs: number; applied?: AppliedPosition }>;
}

/** What an action comes to when, asked again just before a command leaves, the table no longer wants it. */
export const NOT_WANTED = Symbol('not wanted');

/** The WatchDogs, one per host. */
export interface WatchDogTransport {
  /**
   * Carries out one action on its host; a start or restart resolves with the start time (WatchDog
   * clock) of the copy that runs. A stop with `confirm` resolves only once the copy has ended.
   * Raises StaleEpochError, UnavailableError, ExecutableError, NotFoundError (set-role of a copy that
   * does not run there). A restart asks `stillWanted` between its stop and its start: NOT_WANTED when no.
   */
  execute(
    action: Action,
    module: Module,
    epoch: number,
    stillWanted?: () => boolean,
  ): Promise<{ startedAtMs: number } | null | typeof NOT_WANTED>;
  /** What the host's WatchDog runs. Raises StaleEpochError or UnavailableError. */
  listRunning(host: string, epoch: number): Promise<HostListing>;
  /**
   * Whether the WatchDog of `replica`'s host would start it (CheckReplica), within a check's short
   * deadline; a refusal is the answer. Raises UnavailableError, or another error, when that WatchDog
   * could not be asked.
   */
  checkReplica(module: Module, replica: string): Promise<StartCheck>;
}

/** A WatchDog's verdict on a copy: whether its start would be accepted, else why not. */
export interface StartCheck {
  startable: boolean;
  reason: string;
}

/** A host whose WatchDog could not be asked about a registration's copy there, and why. */
export interface UncheckedHost {
  host: string;
  reason: string;
}

/** A WatchDog's report of a failed copy (source ¶0020). */
export interface FailureReport {
  host: string;
  replica: string;
  reason: string;
  /** When the failed copy was started, on the WatchDog's clock (0: unknown). */
  startedAtMs: number;
  /** What the WatchDog said of it (for a copy-cat backup that diverged: which input, and how). */
  detail?: string;
  /** When the report came in, on this manager's clock: decide() keeps the restart back-off with it. */
  atMs: number;
  /** Where the failed copy stood in its module's replication stream at its last beat, when it said. */
  applied?: AppliedPosition;
}

/** The events that may take a warm module's primary away, and so may say how far each backup applied. */
type LosingEvent = Extract<Event, { kind: 'replica-failed' | 'host-down' | 'reconcile' }>;

/** Why an event was dropped in its turn without being decided. */
export interface Dropped {
  /** Short and fixed (a metrics label): a failure report about a copy already accounted for. */
  cause: 'stale-report';
  /** In the words of decide()'s reasons: what happened, then why nothing follows from it. */
  reason: string;
}

/**
 * Told of every decision (for the metrics and the event history); no call may throw or block.
 */
export interface DecisionObserver {
  /** Once the decision's table is durable, before its actions leave; `receivedAtMs` is when the event came in (wall clock). */
  decided(event: Event, decision: Decision, receivedAtMs: number): void;
  /** Once every action of a decision that had some was carried out (`failed` of them were not), `ms` after the event came in. */
  carriedOut?(event: Event, decision: Decision, ms: number, failed: number): void;
  /** An event dropped in its turn, undecided (nothing changed, nothing was sent); `receivedAtMs` as for `decided`. */
  dropped?(event: Event, dropped: Dropped, receivedAtMs: number): void;
}

/** starting: loading the table; reconciling: asking each WatchDog what it runs (only its answers are decided). */
export type ManagerState = 'starting' | 'reconciling' | 'serving' | 'fenced' | 'stopped';

export interface ManagerOptions {
  store: TableStore;
  watchdogs: WatchDogTransport;
  epoch: number;
  /** The cluster file's hosts: a table that lacks one gets it (up). */
  hosts: string[];
  logger: Logger;
  /** Called once when a higher epoch is seen: this manager must not act any more. */
  onFenced?: (err: StaleEpochError) => void;
  /** How many times an action is tried against a WatchDog that does not answer. */
  actionAttempts?: number;
  /** Back-off between attempts to reach the store while it is unreachable (freeze). */
  storeRetryMs?: number;
  /**
   * How long a fail-over waits for the backups' WatchDogs to say how far each backup applied
   * (default 500 ms): one that has not answered by then counts as not known (DESIGN §11).
   */
  positionWaitMs?: number;
  observer?: DecisionObserver;
  /** Time and timers (default: the system's); the simulator passes its own. */
  clock?: Clock;
  /** The decision core (default: decide()); a test may wrap it to show that a broken rule is caught. */
  decide?: typeof decide;
}

type Listener = (table: ReplicaTable) => void;

/** An event submitted and not yet decided. */
interface Pending {
  event: Event;
  stillValid: (() => boolean) | undefined;
  /** Checked in the event's turn, just before it is decided: a reason drops it (without a turn of its own). */
  refuse?: () => Dropped | null;
  /** Called in the event's turn, right after it is decided. */
  decided?: (d: Decision) => void;
  resolve: (d: Decision) => void;
  reject: (err: unknown) => void;
  /** When it came in: wall clock for the record, monotonic for durations. */
  receivedAtMs: number;
  receivedAt: number;
}

/** What an event may come with into the queue; `received`: when it came in, if earlier than now. */
type Hooks = Pick<Pending, 'refuse' | 'decided'> & {
  stillValid?: (() => boolean) | undefined;
  received?: { atMs: number; at: number };
};

/** The decision of an event dropped because its `stillValid` said no or its `refuse` gave a reason. */
const DROPPED: Decision = Object.freeze({
  table: { hosts: [], modules: [] },
  actions: [],
  alerts: [],
  persist: NOTHING_TO_PERSIST,
});

/** At most this many events share one write of the table. */
const MAX_TURN = 64;

/** Describes an event in a log line without its bulky parts. */
function describe(event: Event): Record<string, unknown> {
  if (event.kind === 'register')
    return { kind: 'register', module: event.module.name, runningOn: event.runningOn };
  return { ...event };
}

export class ReplicaManager {
  private stateValue: ManagerState = 'starting';
  private current: ReplicaTable = { hosts: [], modules: [] };
  /** Events waiting for their turn, and whether a turn runs. */
  private readonly pending: Pending[] = [];
  private draining = false;
  /** The commands and reconciles of each host, in their order. */
  private readonly lanes = new Map<string, HostLane>();
  /** Commands sent to each host so far, to tell a WatchDog's report that predates one. */
  private readonly dispatched = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private readonly incarnations = new Incarnations();
  private readonly timers = new Map<TimerHandle, () => void>();
  private readonly clock: Clock;
  private readonly decide: typeof decide;

  constructor(private readonly opts: ManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.decide = opts.decide ?? decide;
  }

  get state(): ManagerState {
    return this.stateValue;
  }

  get epoch(): number {
    return this.opts.epoch;
  }

  get table(): ReplicaTable {
    return this.current;
  }

  /** Loads the table (waiting for the store if it is down), adds missing hosts, then reconciles every host. */
  async start(): Promise<void> {
    const loaded = await this.withStore(() => this.opts.store.load());
    const table: ReplicaTable = loaded ?? { hosts: [], modules: [] };
    for (const h of this.opts.hosts) {
      if (!table.hosts.some((x) => x.name === h)) table.hosts.push({ name: h, up: true });
    }
    this.current = table;
    this.opts.logger.info(
      {
        epoch: this.epoch,
        modules: table.modules.length,
        replicas: table.modules.reduce((n, m) => n + m.replicas.length, 0),
      },
      loaded ? 'table loaded' : 'no table saved yet; starting empty',
    );
    // Reconcile before acting (DESIGN §5): commands in flight when the last manager died may or may
    // not have happened; until every WatchDog that answers has been heard, nothing else is decided.
    if (this.stateValue === 'starting') this.stateValue = 'reconciling';
    await this.reconcileAll();
    if (this.stateValue === 'reconciling') this.stateValue = 'serving';
  }

  /** Asks every up host's WatchDog what it runs and reconciles the table with each answer. */
  async reconcileAll(): Promise<void> {
    await Promise.all(this.current.hosts.filter((h) => h.up).map((h) => this.reconcileHost(h.name)));
  }

  /**
   * Reconciles one host (level-triggered, STYLE §3). The WatchDog is asked only after the commands
   * already sent to it are done, and its answer is dropped if a command left for that host meanwhile:
   * a copy just asked for is never mistaken for a missing one.
   */
  reconcileHost(host: string): Promise<void> {
    return this.lane(host).barrier(async () => {
      if (this.stateValue !== 'serving' && this.stateValue !== 'reconciling') return;
      const seq = this.dispatched.get(host) ?? 0;
      const listing = await this.listOrNull(
        host,
        'warn',
        'WatchDog not answering; left to the SuperWatchDog',
      );
      if (!listing) return;
      const stillValid = () => (this.dispatched.get(host) ?? 0) === seq;
      const listed = new Set(listing.running.map((r) => r.replica));
      const d = await this.enqueueLosing(
        this.reconcileEvent(host, listing),
        (r) => r.host === host && !listed.has(r.id),
        {
          stillValid,
          decided: (decision) => this.learnListing(decision.table, host, listing),
        },
      );
      if (d === DROPPED) {
        // Expected: a command left for the host meanwhile; the next report or reconcile sees it.
        this.opts.logger.info({ host }, 'reconcile dropped: a command left for the host meanwhile');
      }
    });
  }

  /**
   * A host the SuperWatchDog saw come back (¶0024). It counts again only through a reconcile with
   * its WatchDog's report (DESIGN §5): a copy still running there from before is stopped or adopted
   * in the same decision that marks the host up, never left beside its replacement. Raises
   * UnavailableError while that WatchDog does not answer, so that the report is made again.
   */
  async hostUp(host: string): Promise<void> {
    let failed: unknown = null;
    await this.lane(host).barrier(async () => {
      try {
        const listing = await this.opts.watchdogs.listRunning(host, this.epoch);
        await this.enqueue(this.reconcileEvent(host, listing), {
          decided: (decision) => this.learnListing(decision.table, host, listing),
        });
      } catch (err) {
        if (err instanceof StaleEpochError) this.fence(err);
        failed = err;
      }
    });
    if (failed) throw failed;
  }

  /** A reconcile with what the listing says of its copies' applied positions. */
  private reconcileEvent(host: string, listing: HostListing): LosingEvent {
    const applied: Record<string, AppliedPosition> = {};
    for (const r of listing.running) if (r.applied) applied[r.replica] = r.applied;
    return {
      kind: 'reconcile',
      host,
      running: listing.running.map((r) => ({ replica: r.replica, role: r.role })),
      ...(Object.keys(applied).length > 0 ? { applied } : {}),
    };
  }

  /** The primary SuperWatchDog declared `host` dead (source ¶0024): each of its copies fails. */
  hostDown(host: string): Promise<Decision> {
    return this.enqueueLosing({ kind: 'host-down', host }, (r) => r.host === host, {});
  }

  private learnListing(table: ReplicaTable, host: string, listing: HostListing): void {
    const here = table.modules.flatMap((m) => m.replicas.filter((r) => r.host === host).map((r) => r.id));
    this.incarnations.learnListing(host, here, listing);
  }

  /**
   * A WatchDog's failure report. One about a copy older than what this manager already knows of that
   * replica (its end already decided, or a newer copy started since) is stale: dropped, never counted
   * twice against the copy that runs now. Resolves with the decision (DROPPED when stale).
   */
  reportFailure(r: FailureReport): Promise<Decision> {
    const event: LosingEvent = {
      kind: 'replica-failed',
      replica: r.replica,
      reason: r.reason,
      ...(r.detail ? { detail: r.detail } : {}),
      atMs: r.atMs,
      ...(r.applied ? { applied: { [r.replica]: r.applied } } : {}),
    };
    return this.enqueueLosing(event, (x) => x.id === r.replica && x.host === r.host, {
      refuse: () => {
        const since = this.incarnations.accountedSince(r.replica, r.host, r.startedAtMs);
        if (since === null) return null;
        return {
          cause: 'stale-report',
          reason:
            `${causeOf(event)}: ignored, a report about a copy already accounted for ` +
            `(started at ${r.startedAtMs} on ${r.host}'s clock; ${r.replica} on ${r.host} is known since ${since})`,
        };
      },
      // Counted once: the same report again (a WatchDog that restarted re-reports it) is stale.
      decided: () => this.incarnations.learn(r.replica, r.host, r.startedAtMs + 1),
    });
  }

  /**
   * Asks each listed host's WatchDog whether it would start the registration's copy there, before
   * the registration is decided. Raises RegistrationError, naming every host, path and reason, when
   * any says no: the registration is refused as a whole. A host that is down, or whose WatchDog
   * cannot be asked, does not block it: it is returned, and a copy that cannot start there is a
   * refused start when it is started.
   */
  async checkRegistration(spec: ModuleSpec): Promise<UncheckedHost[]> {
    // A manager that could not decide the registration anyway asks nobody.
    const refused = this.refusal({ kind: 'register', module: spec });
    if (refused) throw refused;
    // The copies as they would be started; their ids are not assigned yet and do not matter here.
    const module: Module = {
      ...spec,
      detect: spec.detect ?? 'poll',
      replicas: spec.replicas.map((r, i) => ({
        id: r.id ?? `${spec.name}${i + 1}`,
        host: r.host,
        path: r.path,
        status: 'I',
        failures: 0,
      })),
      underReplicated: false,
    };
    const up = new Set(this.current.hosts.filter((h) => h.up).map((h) => h.name));
    const unchecked: UncheckedHost[] = [];
    const cannot: Array<{ index: number; text: string }> = [];
    await Promise.all(
      module.replicas.map(async (r, index) => {
        if (!up.has(r.host)) {
          unchecked.push({ host: r.host, reason: `${r.host} is down` });
          return;
        }
        try {
          const verdict = await this.opts.watchdogs.checkReplica(module, r.id);
          if (!verdict.startable) cannot.push({ index, text: `on ${r.host}: ${verdict.reason}` });
        } catch (err) {
          unchecked.push({ host: r.host, reason: `its WatchDog was not asked: ${(err as Error).message}` });
        }
      }),
    );
    if (cannot.length > 0) {
      cannot.sort((a, b) => a.index - b.index);
      throw new RegistrationError(
        `${spec.name} cannot be started ${cannot.map((x) => x.text).join('; ')}`,
        `replicas[${cannot[0]?.index}].path`,
      );
    }
    unchecked.sort((a, b) => a.host.localeCompare(b.host));
    if (unchecked.length > 0) {
      this.opts.logger.warn(
        { module: spec.name, unchecked },
        'registration not checked on every host: a copy that cannot start there is a refused start',
      );
    }
    return unchecked;
  }

  /**
   * Asks the WatchDog of every copy that cannot start (on a host that is up) whether it can start
   * it now, and decides `replica-startable` for those it can: an executable put back is picked up
   * without anyone's help (DESIGN §5: never silently give up). A WatchDog that cannot be asked is
   * asked again next time.
   */
  async recheckUnusable(): Promise<void> {
    if (this.stateValue !== 'serving') return;
    const up = new Set(this.current.hosts.filter((h) => h.up).map((h) => h.name));
    const asks: Array<Promise<void>> = [];
    for (const m of this.current.modules) {
      for (const r of m.replicas) {
        if (r.unusable === undefined || !up.has(r.host)) continue;
        asks.push(
          this.opts.watchdogs.checkReplica(m, r.id).then(
            async (verdict) => {
              if (!verdict.startable) return;
              this.opts.logger.info({ replica: r.id, host: r.host }, 'a copy that could not start can now');
              await this.submit({ kind: 'replica-startable', replica: r.id });
            },
            (err: unknown) =>
              this.opts.logger.debug(
                { replica: r.id, host: r.host, err: (err as Error).message },
                'could not ask whether a copy can start now',
              ),
          ),
        );
      }
    }
    await Promise.all(asks).catch((err: unknown) =>
      this.opts.logger.warn({ err: (err as Error).message }, 'could not record a copy found startable'),
    );
  }

  /**
   * Enqueues an event that stops the copies `gone` picks. Where that takes a warm module's primary
   * and leaves a choice between two live backups or more, the backups' WatchDogs are asked first
   * how far each applied (ListRunning, within positionWaitMs), and the event carries it: decide()
   * promotes the backup that applied the most (DESIGN §11). Otherwise the event goes as it is, at once.
   */
  private enqueueLosing(event: LosingEvent, gone: (r: Replica) => boolean, hooks: Hooks): Promise<Decision> {
    const ask = this.backupsToAsk(gone);
    if (ask.size === 0) return this.enqueue(event, hooks);
    // The event came in now: the time spent asking counts in its fail-over's duration.
    const received = { atMs: this.clock.now(), at: performance.now() };
    return this.askPositions(ask).then((found) => {
      const applied = { ...found, ...event.applied };
      return this.enqueue(Object.keys(applied).length > 0 ? { ...event, applied } : event, {
        ...hooks,
        received,
      });
    });
  }

  /** The live backups whose position would choose a warm module's next primary, by host. */
  private backupsToAsk(gone: (r: Replica) => boolean): Map<string, Set<string>> {
    const up = new Set(this.current.hosts.filter((h) => h.up).map((h) => h.name));
    const ask = new Map<string, Set<string>>();
    for (const m of this.current.modules) {
      if (m.style !== 'warm' || !m.replicas.some((r) => r.status === 'P' && gone(r))) continue;
      const backups = m.replicas.filter((r) => r.status === 'B' && up.has(r.host) && !gone(r));
      // One backup is asked too when the module limits the lag of the one it promotes.
      if (backups.length < (m.maxLagOnFailover === undefined ? 2 : 1)) continue;
      for (const b of backups) ask.set(b.host, (ask.get(b.host) ?? new Set<string>()).add(b.id));
    }
    return ask;
  }

  /**
   * Where every running copy of a warm module stands in its stream now, as its WatchDog says within
   * positionWaitMs (`rmctl status`); a copy whose WatchDog did not answer is left out.
   */
  positionsNow(): Promise<AppliedPositions> {
    const up = new Set(this.current.hosts.filter((h) => h.up).map((h) => h.name));
    const ask = new Map<string, Set<string>>();
    for (const m of this.current.modules) {
      if (m.style !== 'warm') continue;
      for (const r of m.replicas)
        if (isRunning(r.status) && up.has(r.host))
          ask.set(r.host, (ask.get(r.host) ?? new Set<string>()).add(r.id));
    }
    return ask.size === 0 ? Promise.resolve({}) : this.askPositions(ask);
  }

  /** What the WatchDogs of `ask` say of those copies' applied positions by positionWaitMs. */
  private async askPositions(ask: Map<string, Set<string>>): Promise<AppliedPositions> {
    const found: Record<string, AppliedPosition> = {};
    const queries = [...ask].map(async ([host, ids]) => {
      const listing = await this.listOrNull(
        host,
        'info',
        'WatchDog did not say how far its backups applied: not known',
      );
      for (const r of listing?.running ?? [])
        if (ids.has(r.replica) && r.applied) found[r.replica] = r.applied;
    });
    let timer: TimerHandle | undefined;
    await Promise.race([
      Promise.all(queries),
      new Promise<void>((resolve) => {
        timer = this.clock.setTimeout(resolve, this.opts.positionWaitMs ?? 500);
      }),
    ]);
    if (timer) this.clock.clearTimeout(timer);
    // A copy: an answer that comes later changes nothing already decided.
    return { ...found };
  }

  /** What `host`'s WatchDog runs, or null when it does not answer (logged so); a stale epoch fences. */
  private async listOrNull(
    host: string,
    level: 'info' | 'warn',
    silent: string,
  ): Promise<HostListing | null> {
    try {
      return await this.opts.watchdogs.listRunning(host, this.epoch);
    } catch (err) {
      if (err instanceof StaleEpochError) this.fence(err);
      else this.opts.logger[level]({ host, err: (err as Error).message }, silent);
      return null;
    }
  }

  private lane(host: string): HostLane {
    let lane = this.lanes.get(host);
    if (!lane) {
      lane = new HostLane();
      this.lanes.set(host, lane);
    }
    return lane;
  }

  /**
   * Decides one event after all earlier ones; resolves once the new table is durable. With `stillValid`,
   * the event is dropped (an empty decision) if that says no when its turn comes.
   */
  submit(event: Event, stillValid?: () => boolean): Promise<Decision> {
    return this.enqueue(event, { stillValid });
  }

  private enqueue(event: Event, hooks: Hooks): Promise<Decision> {
    const { received, ...rest } = hooks;
    return new Promise<Decision>((resolve, reject) => {
      this.pending.push({
        ...rest,
        event,
        stillValid: hooks.stillValid,
        resolve,
        reject,
        receivedAtMs: received?.atMs ?? this.clock.now(),
        receivedAt: received?.at ?? performance.now(),
      });
      if (this.draining) return;
      // Started after this tick, so that the events submitted in it share the first turn.
      this.draining = true;
      queueMicrotask(() => void this.drain());
    });
  }

  /**
   * Decides the waiting events in turns (group commit): each turn decides its events one after the
   * other on the table the one before left, persists the last table once, then acts on every one.
   * An event with `stillValid` is decided in a turn of its own, after the commands of the turns
   * before it have left, so that its check sees them.
   */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        let n = 1;
        if (this.pending[0]?.stillValid === undefined) {
          while (n < this.pending.length && n < MAX_TURN && this.pending[n]?.stillValid === undefined) n++;
        }
        await this.turn(this.pending.splice(0, n));
      }
    } finally {
      this.draining = false;
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (this.stateValue !== 'fenced') this.stateValue = 'stopped';
    // Wake every wait so that the loops see the state and end.
    for (const [t, wake] of this.timers) {
      this.clock.clearTimeout(t);
      wake();
    }
    this.timers.clear();
    this.listeners.clear();
  }

  /** Why this manager cannot decide `event` now, or null if it can. */
  private refusal(event: Event): Error | null {
    if (this.stateValue === 'fenced') return new StaleEpochError(this.epoch, this.epoch + 1);
    if (this.stateValue === 'stopped') return new UnavailableError('the ReplicaManager is stopping');
    // Nothing is decided on a table not yet loaded: it would overwrite the saved one.
    // A WatchDog's refusal of a start this manager sent is an answer, like a reconcile's: decided.
    const answer = event.kind === 'reconcile' || event.kind === 'start-refused';
    if (this.stateValue === 'starting' || (this.stateValue === 'reconciling' && !answer)) {
      const what =
        this.stateValue === 'starting' ? 'still loading its table' : 'reconciling with the WatchDogs';
      return new UnavailableError(`the ReplicaManager is ${what}`);
    }
    return null;
  }

  private async turn(items: Pending[]): Promise<void> {
    let table = this.current;
    let change = NOTHING_TO_PERSIST;
    const decided: Array<{ item: Pending; decision: Decision }> = [];
    for (const item of items) {
      const refused = this.refusal(item.event);
      if (refused) {
        item.reject(refused);
        continue;
      }
      if (item.stillValid && !item.stillValid()) {
        item.resolve(DROPPED);
        continue;
      }
      const dropped = item.refuse?.() ?? null;
      if (dropped) {
        this.opts.logger.info(
          { event: describe(item.event), cause: dropped.cause, reason: dropped.reason, epoch: this.epoch },
          'event dropped',
        );
        this.opts.observer?.dropped?.(item.event, dropped, item.receivedAtMs);
        item.resolve(DROPPED);
        continue;
      }
      try {
        const decision = this.decide(table, item.event);
        item.decided?.(decision);
        table = decision.table;
        change = mergePersist(change, decision.persist);
        decided.push({ item, decision });
      } catch (err) {
        item.reject(err);
      }
    }
    // The decisions say what changed (STYLE §9); nobody compares tables.
    const changed = persistsAnything(change);
    if (changed) {
      // Persist, then act (DESIGN §5): no command leaves before the table that explains it is durable.
      try {
        await this.withStore(() => this.opts.store.save(table, this.epoch, change));
      } catch (err) {
        for (const { item } of decided) item.reject(err);
        return;
      }
    }
    this.current = table;
    for (const { item, decision } of decided) {
      const { event } = item;
      if (decision.actions.length > 0 || decision.alerts.length > 0 || event.kind !== 'replica-started') {
        this.opts.logger.info(
          { event: describe(event), actions: decision.actions, alerts: decision.alerts, epoch: this.epoch },
          'decision',
        );
      }
      for (const alert of decision.alerts) this.opts.logger.warn({ alert, epoch: this.epoch }, 'alert');
      this.opts.observer?.decided(event, decision, item.receivedAtMs);
      const done = decision.actions.map((action) => this.dispatch(action));
      const observer = this.opts.observer;
      if (observer?.carriedOut && done.length > 0) {
        void Promise.all(done).then((oks) =>
          observer.carriedOut?.(
            event,
            decision,
            performance.now() - item.receivedAt,
            oks.filter((ok) => !ok).length,
          ),
        );
      }
    }
    if (changed) for (const l of this.listeners) l(this.current);
    for (const { item, decision } of decided) item.resolve(decision);
  }

  /** Runs a store call, waiting out an unreachable store (freeze: nobody is promoted on a guess). */
  private async withStore<T>(call: () => Promise<T>): Promise<T> {
    const retryMs = this.opts.storeRetryMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      if (this.stateValue === 'stopped') throw new UnavailableError('the ReplicaManager is stopping');
      try {
        return await call();
      } catch (err) {
        if (err instanceof StaleEpochError) {
          this.fence(err);
          throw err;
        }
        if (!(err instanceof UnavailableError)) throw err;
        if (attempt === 1 || attempt % 20 === 0) {
          this.opts.logger.warn(
            { attempt, err: err.message },
            'Checkpoint Server unreachable: frozen until it answers',
          );
        }
        await this.sleep(retryMs);
      }
    }
  }

  /**
   * Actions for one copy run in order; copies and hosts proceed independently (HostLane). Resolves
   * with whether the WatchDog carried it out.
   */
  private dispatch(action: Action): Promise<boolean> {
    this.dispatched.set(action.host, (this.dispatched.get(action.host) ?? 0) + 1);
    let ok = false;
    return this.lane(action.host)
      .command(action.replica, async () => {
        ok = await this.execute(action);
      })
      .then(
        () => ok,
        () => false,
      );
  }

  /** Carries out one action, trying again while its WatchDog does not answer; whether it was done. */
  private async execute(action: Action): Promise<boolean> {
    if (!this.acting()) return false;
    // decide() gives a copy that keeps failing its back-off (time came in with the failure).
    if ((action.kind === 'start' || action.kind === 'restart') && action.delayMs)
      await this.sleep(action.delayMs);
    const attempts = this.opts.actionAttempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (!this.acting()) return false;
      try {
        const kind = action.kind === 'start' || action.kind === 'restart' ? 'spawn' : 'answer';
        const started = await this.lane(action.host).inSlot(kind, () => {
          // Asked again when its turn comes (the lane may have held it behind a slow WatchDog), and
          // between a restart's stop and its start: a decision meanwhile may have given the role away.
          const now = this.stillWanted(action);
          if (now === null) return Promise.resolve(NOT_WANTED);
          return this.opts.watchdogs.execute(
            action,
            now ?? (undefined as unknown as Module),
            this.epoch,
            () => this.stillWanted(action) !== null,
          );
        });
        if (started === NOT_WANTED) {
          this.opts.logger.info(
            { action, epoch: this.epoch },
            'command dropped: a later decision replaced it',
          );
          return false;
        }
        // A copy started in the replica's place: reports about the ones before it are stale.
        if (started) this.incarnations.learn(action.replica, action.host, started.startedAtMs);
        // A switchover's first step is done: its successor may be named now (DESIGN §12).
        if ((action.kind === 'set-role' || action.kind === 'stop') && action.confirm)
          this.confirmDemoted(action);
        return true;
      } catch (err) {
        if (err instanceof StaleEpochError) {
          this.fence(err);
          return false;
        }
        if (err instanceof StaleLeaseTermError) {
          // The host's lease ran out and was renewed since the decision: not a failure of the copy
          // (counting one would move its role while another command for it may still be on its way);
          // what runs there now decides, through a reconcile of the host.
          this.opts.logger.warn(
            { action, err: err.message },
            'command refused: decided under an older host lease term',
          );
          void this.reconcileHost(action.host);
          return false;
        }
        const unreachable = err instanceof UnavailableError;
        this.opts.logger.warn({ action, attempt, err: (err as Error).message }, 'action failed');
        if (!unreachable || attempt === attempts) {
          // A copy that cannot be started is a failed copy: decide() moves it on (its policy applies).
          // One its WatchDog refused (the executable) is also unusable there until found startable.
          if (action.kind === 'start' || action.kind === 'restart') {
            const atMs = this.clock.now();
            this.submit(
              err instanceof ExecutableError
                ? { kind: 'start-refused', replica: action.replica, reason: err.message, atMs }
                : { kind: 'replica-failed', replica: action.replica, reason: 'start-failed', atMs },
            ).catch((e: unknown) =>
              this.opts.logger.warn({ err: (e as Error).message }, 'could not record the failed start'),
            );
          }
          return false;
        }
        await this.sleep(200 * attempt);
      }
    }
    return false;
  }

  /**
   * The action's module in the table as it is now, or null when a later decision replaced the action:
   * a start, restart or role change of a replica whose status is no longer the action's role. Such a
   * command, queued behind a WatchDog that did not answer, would otherwise run long after, against a
   * table that gave the role (and its generation, the fencing token) to another copy: two primaries.
   * A stop is always safe to carry out.
   */
  private stillWanted(action: Action): Module | undefined | null {
    const module = this.current.modules.find((m) => m.replicas.some((r) => r.id === action.replica));
    if (action.kind === 'stop') return module;
    // A switchover's step down: the table keeps the copy as primary until it is confirmed.
    if (action.kind === 'set-role' && action.confirm)
      return module?.switchover?.from === action.replica ? module : null;
    const status = module?.replicas.find((r) => r.id === action.replica)?.status;
    return status === action.role ? module : null;
  }

  /** Decides `demoted` for the old primary of a switchover whose WatchDog carried out its step down. */
  private confirmDemoted(action: Action): void {
    this.submit({ kind: 'demoted', replica: action.replica }).catch((e: unknown) =>
      // Not lost: the next reconcile of that host asks again, and its answer confirms it.
      this.opts.logger.warn(
        { replica: action.replica, err: (e as Error).message },
        'could not record that the old primary stepped down',
      ),
    );
  }

  /** Whether this manager may command WatchDogs now. */
  private acting(): boolean {
    return this.stateValue === 'serving' || this.stateValue === 'reconciling';
  }

  private fence(err: StaleEpochError): void {
    if (this.stateValue === 'fenced') return;
    this.stateValue = 'fenced';
    this.opts.logger.error(
      { epoch: this.epoch, current: err.current },
      'a higher epoch exists: this ReplicaManager stops acting',
    );
    this.opts.onFenced?.(err);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.clock.setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }
}
