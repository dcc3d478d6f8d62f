/**
 * The replica table of the source's FIG. 2 (table 200): every module, its replication style, degree,
 * switching policy, and each copy with its host, executable path and status. Plain data, so that it
 * can be persisted, diffed and printed; every function over it is pure.
 */

/** Replication style (source ¶0003–0005). */
export type Style = 'cold' | 'warm' | 'hot';
export const STYLES: readonly Style[] = ['cold', 'warm', 'hot'];

/** Switching policy (source ¶0015): OnEachFailure or OnOverThreshold. */
export type Policy = 'on-each-failure' | 'on-over-threshold';
export const POLICIES: readonly Policy[] = ['on-each-failure', 'on-over-threshold'];

/** Status of one copy: P primary, B backup, I idle (installed, not running). */
export type Status = 'P' | 'B' | 'I';
export const STATUSES: readonly Status[] = ['P', 'B', 'I'];

/** A running copy's role; an idle copy has none. */
export type Role = 'P' | 'B';

/** Failure detection style (source ¶0019). */
export type Detect = 'poll' | 'heartbeat';
export const DETECTS: readonly Detect[] = ['poll', 'heartbeat'];

/** How a polling WatchDog checks a copy that is alive. `sdk` is the SDK's ping with its sanity check. */
export type CheckKind = 'sdk' | 'tcp' | 'http' | 'grpc' | 'exec';
export const CHECK_KINDS: readonly CheckKind[] = ['sdk', 'tcp', 'http', 'grpc', 'exec'];

export interface Check {
  kind: CheckKind;
  /** tcp, http, grpc: the port on the copy's host address. */
  port?: number;
  /** http: the path to GET (default `/`). */
  path?: string;
  /** exec: an absolute executable and its arguments; exit 0 means healthy. */
  command?: string[];
}

export interface Host {
  name: string;
  up: boolean;
  /**
   * Maintenance (rmctl drain): no copy is placed here, and the copies running here leave in a planned
   * way (a primary hands its role over first, a backup or hot copy is replaced before it stops).
   * Absent means false.
   */
  drained?: boolean;
}

export interface Replica {
  /** Unique in the whole table (A1, A2 …). */
  id: string;
  host: string;
  /** Absolute path of the executable on that host. */
  path: string;
  status: Status;
  /** Failures counted on this host, for OnOverThreshold. */
  failures: number;
  /**
   * Its failures in a row, each within RESTART_WINDOW_MS of the one before, and when the last one
   * was (ms since the Unix epoch, from the event): the restart back-off. Absent when none is recent.
   */
  streak?: { count: number; lastAtMs: number };
  /**
   * Its WatchDog refused to start it (the executable missing, not a regular file, or not executable
   * there): why, in that WatchDog's words. Such a copy is I and is not placed, not even as the last
   * resort, until its WatchDog finds it startable again (`replica-startable`) or its host returns.
   * Absent: nothing is known against it.
   */
  unusable?: string;
}

export interface Module {
  name: string;
  style: Style;
  /** warm/hot: how many copies run; cold: how many hosts it may run on (source ¶0015). */
  degree: number;
  policy: Policy;
  /** OnOverThreshold(n): restarted in place while its failures on that host are ≤ n. */
  threshold?: number;
  detect: Detect;
  intervalMs?: number;
  timeoutMs?: number;
  check?: Check;
  args?: string[];
  env?: Record<string, string>;
  /** The account its copies run as, and their group (TABLE-FORMAT.md); absent: the WatchDog's own. */
  user?: string;
  group?: string;
  /**
   * The port the router serves this module on at every host (DESIGN §12). The copy at index i of
   * `replicas` is told its own port, servicePort + 1 + i, in RM_SERVICE_PORT (copyServicePort).
   */
  servicePort?: number;
  /**
   * Warm: at a fail-over, a backup whose applied position lags the most advanced one known by more
   * than this many messages of the replication stream is not promoted (DESIGN §11; Patroni's
   * maximum_lag_on_failover). Absent: any live backup may be promoted.
   */
  maxLagOnFailover?: number;
  /**
   * Warm/hot with degree ≥ 2: the module runs as an active copy-cat (DESIGN §11, seed 002). Each
   * copy is told so in RM_COPY_CAT, and the SDK opens its stream in copy-cat mode: the backups replay
   * every input after the primary and compare outputs; a backup that differs is reported `diverged`.
   * Absent means false.
   */
  copyCat?: boolean;
  /**
   * Only with copyCat: the primary's guideline, the longest time (ms) it may run without an in-sync
   * backup before it refuses work (GuidelineError). Told in RM_REPLICATION_MIN_IN_SYNC=1 and
   * RM_REPLICATION_MAX_OUT_OF_SYNC_MS. Absent: the primary demands no in-sync backup.
   */
  maxOutOfSyncMs?: number;
  /** Registration order is preference order. */
  replicas: Replica[];
  /**
   * Fewer copies run than the style and degree ask for: no live idle copy is left, the module is
   * paused, or its fail-over is held for lag (lagHold).
   */
  underReplicated: boolean;
  /**
   * Warm and cold: grows by one each time a copy is given the primary role (started, restarted or
   * promoted as P), and is handed to that copy as its fencing token; the Checkpoint Server refuses a
   * save showing an older one (DESIGN §5, fenced application state). Absent means 0.
   */
  generation?: number;
  /**
   * Maintenance mode (rmctl pause): the copies keep running and are watched, their failures are
   * recorded, but nothing is failed over, restarted or moved until rmctl resume. Absent means false.
   */
  paused?: boolean;
  /**
   * While paused: the copies that failed, with the role each had, in order. On resume they are
   * handled as their failures would have been (restarted in place within OnOverThreshold, else
   * replaced, themselves only as the last resort), if still needed. Absent means none.
   */
  held?: HeldFailure[];
  /**
   * A planned switchover under way (rmctl switchover, rmctl drain): `from`, the primary, was asked
   * to step down (warm: to a backup; cold: stopped); `to` is made primary once its WatchDog confirmed
   * it (the `demoted` event), or its host or copy is known gone. Meanwhile nobody is promoted.
   */
  switchover?: { from: string; to: string };
  /**
   * A fail-over found no backup within maxLagOnFailover of this position, the most advanced known
   * (usually the lost primary's): nobody is promoted and no copy is started as primary until a
   * backup is reported within the limit of it, or an operator names one (rmctl switchover --to),
   * accepting what it lacks. Absent: no fail-over is held.
   */
  lagHold?: AppliedPosition;
}

/** A copy that failed while its module was paused, and the role it had. */
export interface HeldFailure {
  replica: string;
  role: Role;
}

export interface ReplicaTable {
  hosts: Host[];
  modules: Module[];
}

/** What a registration carries: a module without ids or statuses (the ReplicaManager assigns them). */
export interface ReplicaSpec {
  id?: string;
  host: string;
  path: string;
}

export interface ModuleSpec {
  name: string;
  style: Style;
  degree: number;
  policy: Policy;
  threshold?: number;
  detect?: Detect;
  intervalMs?: number;
  timeoutMs?: number;
  check?: Check;
  args?: string[];
  env?: Record<string, string>;
  /** The account its copies run as on every host (a name or uid); absent: the WatchDog's own. */
  user?: string;
  /** Their group (a name or gid); absent: the user's primary group. Only with a user. */
  group?: string;
  servicePort?: number;
  /** Warm: the most messages a backup may lag and still be promoted (Module.maxLagOnFailover). */
  maxLagOnFailover?: number;
  /** Active copy-cat mode (Module.copyCat). */
  copyCat?: boolean;
  /** Only with copyCat: the longest time without an in-sync backup (Module.maxOutOfSyncMs). */
  maxOutOfSyncMs?: number;
  replicas: ReplicaSpec[];
}

/** The failure reason of a copy-cat backup whose replay differed from the primary's run (DESIGN §11). */
export const DIVERGED = 'diverged';

/**
 * The last message a copy applied from its module's replication stream (DESIGN §11): its sequence
 * number and the primary generation that wrote it. A primary's is the last message it wrote.
 */
export interface AppliedPosition {
  seq: number;
  generation: number;
}

/**
 * Copies' applied positions as their WatchDogs last heard them, by replica id; a copy not named has
 * none known. Soft state that comes with an event, never kept in the table: it changes with every
 * message, and a position from before a takeover says nothing about now.
 */
export type AppliedPositions = Readonly<Record<string, AppliedPosition>>;

/**
 * The inputs of decide() (DESIGN §4). The events that can take a warm module's primary away may say
 * how far each backup applied (`applied`): the one that applied the most is promoted (DESIGN §11).
 */
export type Event =
  /** `runningOn`: the registering copy already runs on that host and becomes its primary (SDK self-registration). */
  | { kind: 'register'; module: ModuleSpec; runningOn?: string }
  | { kind: 'unregister'; name: string }
  /**
   * `atMs`: when it failed (ms since the Unix epoch); the restart back-off counts from it. `reason`
   * and `detail` as its WatchDog reported them (DIVERGED raises an alert with the detail).
   */
  | {
      kind: 'replica-failed';
      replica: string;
      reason?: string;
      detail?: string;
      atMs?: number;
      applied?: AppliedPositions;
    }
  /**
   * The WatchDog refused to start the copy the table runs (its executable is missing or not
   * executable there): a failure of that copy, and the copy is unusable until found startable.
   * `reason`: the WatchDog's words; `atMs` as for replica-failed.
   */
  | { kind: 'start-refused'; replica: string; reason?: string; atMs?: number }
  /** Its WatchDog finds an unusable copy startable again (the executable is back). */
  | { kind: 'replica-startable'; replica: string }
  | { kind: 'host-down'; host: string; applied?: AppliedPositions }
  | { kind: 'host-up'; host: string }
  | { kind: 'replica-started'; replica: string }
  /** A WatchDog's full report of what runs on its host, with each copy's role. */
  | {
      kind: 'reconcile';
      host: string;
      running: Array<{ replica: string; role: Role }>;
      applied?: AppliedPositions;
    }
  /** A planned change of a warm or cold module's primary, to `to` or the first eligible copy. */
  | { kind: 'switchover'; module: string; to?: string }
  /** The WatchDog carried out a switchover's first step: `replica`, the old primary, is no longer one. */
  | { kind: 'demoted'; replica: string }
  /** Maintenance mode for one module, or for every module registered when `module` is absent. */
  | { kind: 'pause'; module?: string }
  | { kind: 'resume'; module?: string }
  /** A host leaves service in a planned way (maintenance), or returns to it. */
  | { kind: 'drain'; host: string }
  | { kind: 'undrain'; host: string };

/** The event kinds an operator asks for (rmctl), as opposed to what the cluster observes. */
export const MAINTENANCE_EVENTS = ['switchover', 'pause', 'resume', 'drain', 'undrain'] as const;

/**
 * What decide() asks the daemons to do (TABLE-FORMAT.md). `delayMs`: a copy that keeps failing is
 * started again only after this back-off (capped; never a terminal state). `confirm`: a switchover's first step; once
 * the WatchDog has carried it out (a stop: once the copy has ended), the ReplicaManager decides
 * `demoted` for the replica, and only then is the new primary named.
 */
export type Action = (
  | { kind: 'start'; replica: string; host: string; role: Role; delayMs?: number }
  | { kind: 'stop'; replica: string; host: string; confirm?: boolean }
  /** In place, same role (OnOverThreshold within its threshold). */
  | { kind: 'restart'; replica: string; host: string; role: Role; delayMs?: number }
  | { kind: 'set-role'; replica: string; host: string; role: Role; confirm?: boolean }
) & {
  /** Why (STYLE §10): the event, then the rule that asked for it: `A1 failed: A runs 2 of 3 …`. */
  reason?: string;
};

export interface Alert {
  module: string;
  reason: string;
}

/**
 * What a decision asks to be made durable before any of its actions leaves (STYLE §9, raft's Ready):
 * nobody diffs tables to find out.
 */
export interface Persist {
  /** Whether a host's up/down or drained changed. */
  hosts: boolean;
  /** The modules the decision added or changed (names, in the new table). */
  modules: string[];
  /** The modules it removed. */
  removed: string[];
}

export interface Decision {
  table: ReplicaTable;
  actions: Action[];
  alerts: Alert[];
  persist: Persist;
}

/** Nothing to persist. */
export const NOTHING_TO_PERSIST: Persist = Object.freeze({ hosts: false, modules: [], removed: [] });

/** Whether a Persist asks for any write at all. */
export function persistsAnything(p: Persist): boolean {
  return p.hosts || p.modules.length > 0 || p.removed.length > 0;
}

/** Two changes in a row as one: what either changed, less what the later one removed for good. */
export function mergePersist(a: Persist, b: Persist): Persist {
  const modules = new Set([...a.modules, ...b.modules]);
  const removed = new Set([...a.removed, ...b.removed]);
  for (const n of b.removed) modules.delete(n);
  for (const n of b.modules) removed.delete(n);
  return { hosts: a.hosts || b.hosts, modules: [...modules], removed: [...removed] };
}

/**
 * Orders two applied positions as raft orders logs: the later generation first (a longer tail of an
 * older generation is one the stream drops when its writer was replaced), then the sequence number.
 */
export function comparePositions(a: AppliedPosition, b: AppliedPosition): number {
  return a.generation !== b.generation ? a.generation - b.generation : a.seq - b.seq;
}

/**
 * How many messages `p` lags `most` by: the difference of their sequence numbers (a promotion
 * continues the sequence, so it counts across generations), never below 0.
 */
export function lagBehind(p: AppliedPosition, most: AppliedPosition): number {
  return Math.max(0, most.seq - p.seq);
}

/** `120 of generation 2`: a position as the reasons and `rmctl simulate` say it. */
export function positionText(p: AppliedPosition): string {
  return `${p.seq} of generation ${p.generation}`;
}

export function isRunning(status: Status): status is Role {
  return status === 'P' || status === 'B';
}

/** How many copies must run: warm/hot the degree, cold exactly one (source ¶0015). */
export function wantedRunning(module: Pick<Module, 'style' | 'degree'>): number {
  return module.style === 'cold' ? 1 : module.degree;
}

/**
 * The port the copy at `index` of a module's replicas serves on: servicePort + 1 + index, so that
 * every copy of every module has its own port and several copies can share a host (and its address).
 */
export function copyServicePort(servicePort: number, index: number): number {
  return servicePort + 1 + index;
}

/**
 * A copy-cat module's registration as its copies are told it (DESIGN §11, seed 002): RM_COPY_CAT=1,
 * and with a guideline, one in-sync backup demanded within maxOutOfSyncMs. After the module's env,
 * so that the registration, not a stray variable, decides the mode.
 */
export function copyCatEnv(m: Pick<Module, 'copyCat' | 'maxOutOfSyncMs'>): Record<string, string> {
  if (!m.copyCat) return {};
  const env: Record<string, string> = { RM_COPY_CAT: '1' };
  if (m.maxOutOfSyncMs !== undefined) {
    env.RM_REPLICATION_MIN_IN_SYNC = '1';
    env.RM_REPLICATION_MAX_OUT_OF_SYNC_MS = String(m.maxOutOfSyncMs);
  }
  return env;
}
