/**
 * The WatchDog's supervision of the copies on its host (source ¶0018–0020): starts, stops and
 * promotes them on the ReplicaManager's epoch-fenced commands, watches them (exit at once, polling,
 * heartbeats), kills a hung or dead copy before reporting it, and keeps a state file so that a
 * restarted WatchDog adopts its running copies instead of starting them twice (DESIGN §5).
 *
 * Every effect goes through an interface (ProcessControl, Reporter via the Outbox, Probes, Clock,
 * StateStore); the rules themselves are the pure functions of rules.ts.
 *
 * Role changes reach a copy three ways: RM_ROLE at its start, a role_change message on its Attach
 * stream (the SDK), and, for programs without the SDK that ask for it, a signal on promotion to
 * primary: a module whose env sets `RM_PROMOTE_SIGNAL=SIGUSR2` (or SIGUSR1, SIGHUP) gets that signal
 * when one of its copies becomes primary. It is opt-in because the default action of SIGUSR2 ends a
 * process that does not handle it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { type AppliedPosition, CHECK_KINDS, DETECTS, type Role } from '../model/table.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Timings } from '../shared/config.js';
import {
  AccountError,
  ConflictError,
  ExecutableError,
  NotFoundError,
  PermissionError,
  RegistrationError,
  StaleEpochError,
  StaleLeaseTermError,
  UnavailableError,
} from '../shared/errors.js';
import type { Module as PbModule } from '../shared/generated/rm/replica_manager/v1/Module.js';
import type { ReplicaSpec__Output } from '../shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import type { WatchDogMessage } from '../shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { isLoaderVariable, LIMITS, quote, SAFE_ACCOUNT, SAFE_ID } from '../shared/limits.js';
import type { Logger } from '../shared/logging.js';
import { knownCheckKind, PROMOTE_SIGNALS, positionToWire, roleFromWire, roleToWire } from '../shared/wire.js';
import {
  type Account,
  type AccountFiles,
  processOwner,
  readAccountFiles,
  resolveAccount,
  unreachableDir,
} from './accounts.js';
import { resolveCheckCommand, resolveExecutable } from './executable.js';
import type { ProbeResult, Probes } from './probes.js';
import type { ExitStatus, ProcessControl } from './process-control.js';
import { Outbox, type Registrar, type Reporter, type RunningReport } from './reporter.js';
import {
  countPoll,
  epochVerdict,
  exitReason,
  heartbeatIntervalMs,
  isDeadByPolls,
  isHung,
  type Liveness,
  pollDue,
  tickMs,
  type Watch,
} from './rules.js';
import { type CopyRecord, type CopySpec, procStat, type StateStore, type WatchDogState } from './state.js';

/** The WatchDog's end of a copy's Attach stream. */
export interface AppLink {
  send(msg: WatchDogMessage): void;
  end(): void;
}

export interface WatchDogOptions {
  host: string;
  /** The host's address, where tcp/http/grpc checks reach the copies. */
  hostAddress: string;
  /** Where copies get their working folder and their log files (`logs/<replica>.log`). */
  stateDir: string;
  allowedExecutableDirs: readonly string[];
  timings: Timings;
  /** This WatchDog's own address and the Checkpoint Server's, handed to every copy. */
  watchdogAddress: string;
  checkpointAddress: string;
  processes: ProcessControl;
  reporter: Reporter;
  registrar: Registrar;
  probes: Probes;
  clock: Clock;
  store: StateStore;
  logger: Logger;
  /** The PATH copies get (default: the WatchDog's own). */
  path?: string;
  /** Time a copy gets after its start before its first beat or first failed check counts (default: the cluster file's). */
  startGraceMs?: number;
  /**
   * The host's lease (fence first, DESIGN §5). With it, every copy starts under a keeper that stops it
   * once the lease runs out, no copy starts while there is none, and each beat's answer tells an SDK
   * copy how long it still runs. Without it (unit tests of other duties), copies start as they are.
   */
  lease?: {
    readonly path: string;
    remainingMs(): number;
    /** When the lease's current unbroken run of renewals began (0: never granted). */
    readonly term: number;
  };
  /**
   * The WatchDog's local socket for its copies (`unix:PATH`): what RM_WATCHDOG_ADDRESS and
   * RM_CHECKPOINT_ADDRESS tell every copy. Without it, the TCP addresses above.
   */
  appAddress?: string;
  /** Loader variables a module may set anyway (the cluster file's security.allowedEnv). */
  allowedEnv?: readonly string[];
  /**
   * Confirms that the Checkpoint Server handed out an epoch higher than any this WatchDog has seen
   * (DESIGN §9): raises when it did not, or cannot be asked. Without it, a higher epoch is believed.
   */
  verifyEpoch?: (epoch: number) => Promise<void>;
  /** This host's /etc/passwd and /etc/group, where a module's user and group are found (default: read them). */
  accountFiles?: () => AccountFiles;
  /** The executable check (default: resolveExecutable on this machine's files); the simulator has no files. */
  resolveExecutable?: typeof resolveExecutable;
}

type CopyState = 'running' | 'stopping' | 'failing';

interface Copy extends CopyRecord {
  state: CopyState;
  /** A child of this WatchDog: its exit is seen at once. Adopted and self-registered copies are watched by pid. */
  child: boolean;
  exited: Promise<ExitStatus> | null;
  exitStatus: ExitStatus | null;
  live: Liveness;
  lastPollMs: number | undefined;
  polling: boolean;
  app: AppLink | null;
  pingSeq: number;
  pendingPing: { seq: number; resolve: (r: ProbeResult) => void } | null;
  /**
   * Where the copy said at its last beat it stands in its module's replication stream (soft: a
   * restarted WatchDog learns it again from the next beat); null until it says.
   */
  applied: AppliedPosition | null;
  /** Resolves when the copy has left the table of running copies. */
  gone: Promise<void>;
  markGone: () => void;
}

/**
 * A ReplicaSpec from the wire, checked for what the WatchDog relies on: safe ids (they name files),
 * sizes, and no loader variables beyond `allowedEnv`. Raises RegistrationError.
 */
export function specFromWire(
  s: ReplicaSpec__Output | null | undefined,
  allowedEnv: readonly string[] = [],
): CopySpec {
  if (!s) throw new RegistrationError('a replica spec is needed', 'replica');
  if (!s.replica) throw new RegistrationError('the replica id is empty', 'replica.replica');
  if (!s.module) throw new RegistrationError('the module name is empty', 'replica.module');
  for (const [field, v] of [
    ['replica.replica', s.replica],
    ['replica.module', s.module],
  ] as const) {
    if (!SAFE_ID.test(v)) {
      throw new RegistrationError(
        `${quote(v)} is not a safe id: letters, digits, _ . - only, not only dots, at most ${LIMITS.nameLength}`,
        field,
      );
    }
  }
  if (s.path.length > LIMITS.pathLength)
    throw new RegistrationError(`${s.path.length} characters; at most ${LIMITS.pathLength}`, 'replica.path');
  if (s.args.length > LIMITS.args || s.args.some((a) => a.length > LIMITS.argLength))
    throw new RegistrationError(
      `at most ${LIMITS.args} arguments of ${LIMITS.argLength} characters`,
      'replica.args',
    );
  const env = Object.entries(s.env);
  if (
    env.length > LIMITS.envEntries ||
    env.some(([k, v]) => k.length > LIMITS.envNameLength || v.length > LIMITS.envValueLength)
  )
    throw new RegistrationError(
      `at most ${LIMITS.envEntries} variables, names of ${LIMITS.envNameLength} and values of ${LIMITS.envValueLength} characters`,
      'replica.env',
    );
  for (const [k] of env) {
    if (isLoaderVariable(k) && !allowedEnv.includes(k)) {
      throw new RegistrationError(
        `${quote(k)} changes how the program is loaded or found; refused unless the cluster file's security.allowedEnv names it`,
        `replica.env.${k.slice(0, 32)}`,
      );
    }
  }
  if (s.detect !== '' && !(DETECTS as readonly string[]).includes(s.detect)) {
    throw new RegistrationError(
      `unknown detect "${s.detect}" (accepted: ${DETECTS.join(', ')})`,
      'replica.detect',
    );
  }
  for (const [field, v] of [
    ['replica.user', s.user],
    ['replica.group', s.group],
  ] as const) {
    if (v && !SAFE_ACCOUNT.test(v))
      throw new RegistrationError(`${quote(v)} is not a user or group name, nor a number`, field);
  }
  if (s.group && !s.user)
    throw new RegistrationError('a group is accepted only with a user', 'replica.group');
  const check = s.check?.kind ? s.check : null;
  if (check && !knownCheckKind(check.kind)) {
    throw new RegistrationError(
      `unknown check kind "${check.kind}" (accepted: ${CHECK_KINDS.join(', ')})`,
      'replica.check.kind',
    );
  }
  return {
    replica: s.replica,
    module: s.module,
    path: s.path,
    args: [...s.args],
    env: { ...s.env },
    detect: s.detect,
    intervalMs: s.interval_ms,
    timeoutMs: s.timeout_ms,
    check: check
      ? { kind: check.kind, port: check.port, path: check.path, command: [...check.command] }
      : null,
    style: s.style,
    ...(s.user ? { user: s.user } : {}),
    ...(s.group ? { group: s.group } : {}),
  };
}

/** The rules' view of a copy, with the cluster defaults filled in. */
export function watchOf(spec: CopySpec, t: Timings, startGraceMs: number): Watch {
  return {
    detect: spec.detect === 'heartbeat' ? 'heartbeat' : 'poll',
    intervalMs: spec.intervalMs > 0 ? spec.intervalMs : t.pollIntervalMs,
    timeoutMs: spec.timeoutMs > 0 ? spec.timeoutMs : t.heartbeatTimeoutMs,
    misses: t.pollMisses,
    startGraceMs,
  };
}

/** A module registration (TABLE-FORMAT.md, one module, as JSON) in the ReplicaManager's wire form. */
export function moduleFromJson(text: string): PbModule {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RegistrationError(`module_json is not JSON: ${(err as Error).message}`, 'module_json');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RegistrationError('module_json must be one module object (TABLE-FORMAT.md)', 'module_json');
  }
  const m = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const check = m.check as Record<string, unknown> | undefined;
  const replicas = Array.isArray(m.replicas) ? (m.replicas as Array<Record<string, unknown>>) : [];
  return {
    name: str(m.name),
    style: str(m.style),
    degree: num(m.degree),
    policy: str(m.policy),
    has_threshold: m.threshold !== undefined,
    threshold: num(m.threshold),
    detect: str(m.detect),
    interval_ms: num(m.intervalMs),
    timeout_ms: num(m.timeoutMs),
    check: check
      ? {
          kind: str(check.kind),
          port: num(check.port),
          path: str(check.path),
          command: Array.isArray(check.command) ? check.command.map(String) : [],
        }
      : null,
    args: Array.isArray(m.args) ? m.args.map(String) : [],
    env: m.env && typeof m.env === 'object' ? (m.env as Record<string, string>) : {},
    user: str(m.user),
    group: str(m.group),
    replicas: replicas.map((r) => ({
      id: str(r?.id),
      host: str(r?.host),
      path: str(r?.path),
      status: '',
      failures: 0,
    })),
  };
}

/** The leader of a copy's process group: its keeper when it has one, else the copy itself. */
function leaderOf(c: CopyRecord): number {
  return c.pgid ?? c.pid;
}

/** What an answer about a running copy says of it: its pid, role and start (the copy's incarnation). */
function ackOf(c: CopyRecord) {
  return { pid: c.pid, role: roleToWire(c.role), started_at_ms: String(c.startedAtMs) };
}

/** One host's WatchDog, without its gRPC server. */
export class WatchDog {
  private readonly copies = new Map<string, Copy>();
  private epochSeen = 0;
  private commands: Promise<unknown> = Promise.resolve();
  private saving: Promise<void> = Promise.resolve();
  /** The write waiting for its turn, which later calls share. */
  private queuedSave: Promise<void> | null = null;
  private tickTimer: TimerHandle | null = null;
  private stopped = false;
  readonly outbox: Outbox;
  private readonly log: Logger;
  private readonly startGraceMs: number;

  constructor(private readonly opts: WatchDogOptions) {
    this.log = opts.logger;
    this.startGraceMs = opts.startGraceMs ?? opts.timings.startGraceMs;
    this.outbox = new Outbox({
      reporter: opts.reporter,
      clock: opts.clock,
      logger: opts.logger,
      snapshot: () => this.runningReport(),
    });
  }

  /** The highest epoch seen. */
  get epoch(): number {
    return this.epochSeen;
  }

  /** Loads the state file, adopts the copies that still run, reports the ones that died meanwhile, starts watching. */
  async start(): Promise<void> {
    const state = await this.opts.store.load();
    this.epochSeen = state.epoch;
    const now = this.opts.clock.now();
    for (const rec of state.copies) {
      if (this.opts.processes.isAlive(rec.pid, rec.procStart)) {
        const copy = this.newCopy(rec, false, null, now);
        this.copies.set(rec.spec.replica, copy);
        this.log.info(
          { replica: rec.spec.replica, pid: rec.pid, role: rec.role },
          'adopted a copy that still runs',
        );
      } else {
        this.log.warn(
          { replica: rec.spec.replica, pid: rec.pid },
          'a copy ended while the WatchDog was away',
        );
        this.outbox.pushFailure({
          host: this.opts.host,
          replica: rec.spec.replica,
          reason: 'missing',
          detail: `pid ${rec.pid} no longer runs (it ended while the WatchDog was not running)`,
          epochSeen: this.epochSeen,
          startedAtMs: rec.startedAtMs,
        });
      }
    }
    await this.persist();
    this.scheduleTick();
  }

  /** A (new) ReplicaManager is known: deliver what waits and tell it what runs here. */
  managerChanged(): void {
    this.outbox.kick();
    this.outbox.requestRunning();
  }

  /** Stops watching (timers, streams, outbox) and leaves every copy running, for a later WatchDog to adopt. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) this.opts.clock.clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.outbox.stop();
    for (const c of this.copies.values()) {
      c.app?.end();
      c.app = null;
      c.pendingPing?.resolve({ healthy: false, detail: 'WatchDog stopping' });
    }
    await this.saving.catch(() => undefined);
  }

  /** Stops every copy (TERM, then KILL after the grace), then stops: the whole host goes down. */
  async stopAll(reason = 'the WatchDog stops every copy'): Promise<void> {
    await Promise.all([...this.copies.values()].map((c) => this.beginStop(c, reason)));
    await Promise.all([...this.copies.values()].map((c) => c.gone));
    await this.persist().catch(() => undefined);
    await this.stop();
  }

  // ---- commands (epoch-fenced, one at a time) ----

  /**
   * Starts a copy; a copy that runs with that role is left alone, with another role it changes role.
   * `generation` is the module's primary generation, the copy's fencing token as a primary;
   * `leaseTerm` the host lease's term the manager decided under (0 or undefined: not checked).
   */
  startReplica(
    epoch: number,
    wire: ReplicaSpec__Output | null | undefined,
    wireRole: string,
    generation = 0,
    leaseTerm?: number,
  ) {
    return this.serial(async () => {
      const spec = specFromWire(wire, this.opts.allowedEnv);
      const role = roleFromWire(wireRole);
      await this.fence(epoch);
      return this.ensureStarted(spec, role, epoch, generation, leaseTerm);
    });
  }

  /**
   * Stops a copy; returns once TERM is sent (KILL follows after the grace), or with `waitExit` once
   * the copy has ended, so that a switchover's successor never starts beside it. A copy that does
   * not run is fine. The wait is outside the command queue: other commands go on meanwhile.
   */
  async stopReplica(epoch: number, replica: string, waitExit = false) {
    const ending: { gone?: Promise<void> } = {};
    const ack = await this.serial(async () => {
      await this.fence(epoch);
      const copy = this.copies.get(replica);
      if (!copy) return { replica, pid: 0, role: 'ROLE_UNSPECIFIED' as const };
      ending.gone = copy.gone;
      void this.beginStop(copy, 'stopped by the ReplicaManager');
      return { replica, pid: copy.pid, role: roleToWire(copy.role) };
    });
    if (waitExit && ending.gone) await ending.gone;
    return ack;
  }

  /** Tells a running copy its new role. Raises NotFoundError when it does not run here. */
  setRole(epoch: number, replica: string, wireRole: string, generation = 0, leaseTerm?: number) {
    return this.serial(async () => {
      const role = roleFromWire(wireRole);
      await this.fence(epoch);
      if (role === 'P') this.checkLeaseTerm(leaseTerm, `the promotion of ${replica}`);
      const copy = this.copies.get(replica);
      if (copy?.state !== 'running') {
        throw new NotFoundError(`replica ${replica} does not run on ${this.opts.host}`);
      }
      this.changeRole(copy, role, epoch, generation);
      return { replica, ...ackOf(copy) };
    });
  }

  /** What runs here, for the ReplicaManager's reconcile. */
  listRunning(epoch: number) {
    return this.serial(async () => {
      await this.fence(epoch);
      return {
        host: this.opts.host,
        // A copy being killed for a failure still exists until its report is out: listed, so that a
        // reconcile does not promote its backup while it may still run.
        running: [...this.copies.values()]
          .filter((c) => c.state === 'running' || c.state === 'failing')
          .map((c) => ({
            replica: c.spec.replica,
            module: c.spec.module,
            role: roleToWire(c.role),
            pid: c.pid,
            started_at_ms: String(c.startedAtMs),
            applied: positionToWire(c.applied),
          })),
        as_of_ms: String(this.opts.clock.now()),
        epoch: String(this.epochSeen),
        lease_term: String(this.opts.lease?.term ?? 0),
      };
    });
  }

  /**
   * Whether startReplica would start this copy here, without starting it (CheckReplica): its
   * executable and an exec check's command, checked as a start checks them, the verdict in the
   * answer. Outside the command queue and without an epoch: it changes nothing, and the
   * self-registration that asked may itself wait in that queue for the ReplicaManager's answer.
   */
  async checkReplica(wire: ReplicaSpec__Output | null | undefined) {
    const spec = specFromWire(wire);
    try {
      await this.checkStart(spec);
      return { host: this.opts.host, startable: true, reason: '' };
    } catch (err) {
      if (!(err instanceof ExecutableError)) throw err;
      return { host: this.opts.host, startable: false, reason: err.message };
    }
  }

  /**
   * The check every start makes before it spawns: the real path of the executable, and an exec
   * check's command. Raises ExecutableError saying which file, what is wrong and what is accepted.
   */
  private async checkStart(spec: CopySpec): Promise<string> {
    const resolve = this.opts.resolveExecutable ?? resolveExecutable;
    const dirs = this.opts.allowedExecutableDirs;
    const path = await resolve(spec.path, dirs);
    if (spec.check?.kind === 'exec') {
      const [command] = spec.check.command;
      if (command === undefined) throw new ExecutableError('refused exec check: the command is empty');
      await resolve(command, dirs).catch((err: unknown) => {
        throw new ExecutableError(`the exec check's command: ${(err as Error).message}`);
      });
    }
    return path;
  }

  /**
   * A running program registers its module (source ¶0015): forwarded to the ReplicaManager with
   * running_on = this host, then the program's pid is adopted as the copy the manager names.
   */
  registerSelf(moduleJson: string, pid: number) {
    return this.serial(async () => {
      if (moduleJson.length > LIMITS.moduleJsonBytes) {
        throw new RegistrationError(
          `${moduleJson.length} bytes; at most ${LIMITS.moduleJsonBytes}`,
          'module_json',
        );
      }
      const module = moduleFromJson(moduleJson);
      this.checkClaimedPid(pid);
      this.checkClaimedOwner(pid, module.user ?? '', module.group ?? '');
      const st = procStat(pid);
      if (!st) throw new NotFoundError(`no process with pid ${pid} runs on ${this.opts.host}`);
      const res = await this.opts.registrar.register(module, this.opts.host);
      const epoch = Number(res.epoch);
      if (epochVerdict(this.epochSeen, epoch) === 'newer') {
        await this.opts.verifyEpoch?.(epoch);
        await this.raiseEpoch(epoch);
      }
      const mine = (res.module?.replicas ?? []).filter((r) => r.host === this.opts.host);
      const replica = mine.find((r) => r.status === 'P') ?? mine[0];
      if (!replica || !res.module) {
        throw new NotFoundError(
          `the ReplicaManager registered ${module.name} without a copy on ${this.opts.host}`,
        );
      }
      const role: Role = replica.status === 'B' ? 'B' : 'P';
      const existing = this.copies.get(replica.id);
      if (existing && existing.pid !== pid) {
        throw new ConflictError(
          `replica ${replica.id} already runs on ${this.opts.host} as pid ${existing.pid}`,
        );
      }
      if (!existing) {
        const m = res.module;
        const spec: CopySpec = {
          replica: replica.id,
          module: m.name,
          path: replica.path,
          args: [...m.args],
          env: { ...m.env },
          detect: m.detect,
          intervalMs: m.interval_ms,
          timeoutMs: m.timeout_ms,
          check: m.check?.kind
            ? { kind: m.check.kind, port: m.check.port, path: m.check.path, command: [...m.check.command] }
            : null,
          style: m.style,
          ...(m.user ? { user: m.user } : {}),
          ...(m.group ? { group: m.group } : {}),
        };
        const rec: CopyRecord = {
          spec,
          role,
          pid,
          procStart: st.start,
          startedAtMs: this.opts.clock.now(),
          group: false,
          epoch: this.epochSeen,
          token: randomBytes(32).toString('base64url'),
        };
        this.copies.set(spec.replica, this.newCopy(rec, false, null, this.opts.clock.now()));
        await this.persist();
        this.log.info({ replica: spec.replica, module: m.name, pid, role }, 'self-registered copy adopted');
      }
      return {
        replica: replica.id,
        role: roleToWire(role),
        copy_token: this.copies.get(replica.id)?.token ?? '',
        app_address: this.opts.appAddress ?? '',
      };
    });
  }

  /**
   * A pid a registration claims is adopted (and may later be killed): never pid 1, this WatchDog or
   * its ancestors, and never a process that already belongs to another copy or its keeper.
   */
  private checkClaimedPid(pid: number): void {
    if (!Number.isSafeInteger(pid) || pid <= 1) {
      throw new PermissionError(
        `pid ${pid} cannot be adopted: a running program registers its own pid (> 1)`,
      );
    }
    const mine = new Set<number>([process.pid]);
    for (let p = process.ppid, i = 0; p > 1 && i < 32; i++) {
      mine.add(p);
      const up = procStat(p)?.ppid;
      if (!up || up === p) break;
      p = up;
    }
    if (mine.has(pid))
      throw new PermissionError(`pid ${pid} is this WatchDog or one of its parents: not adopted`);
    for (const c of this.copies.values()) {
      if (c.pid === pid || c.pgid === pid || (c.group && procStat(pid)?.pgid === leaderOf(c))) {
        throw new PermissionError(
          `pid ${pid} belongs to copy ${c.spec.replica}: not adopted by another registration`,
        );
      }
    }
  }

  /**
   * A claimed pid runs as the module's user (the WatchDog's own when the module names none): a
   * registration cannot hand the WatchDog another account's process to adopt and later kill.
   */
  private checkClaimedOwner(pid: number, user: string, group: string): void {
    const owner = processOwner(pid);
    if (owner === null) return; // gone: the caller says so
    const wanted = user ? this.accountOf(user, group).uid : process.getuid?.();
    if (wanted !== undefined && owner !== wanted)
      throw new PermissionError(
        `pid ${pid} runs as uid ${owner}, not as the module's user (uid ${wanted}${user ? `, ${quote(user)}` : ", the WatchDog's own"}): not adopted`,
      );
  }

  /** A module's account on this host; raises AccountError when the host does not know it. */
  private accountOf(user: string, group: string): Account {
    return resolveAccount(user, group, (this.opts.accountFiles ?? readAccountFiles)(), this.opts.host);
  }

  /**
   * The account a copy runs as, when its module names one: known on this host, and able to reach the
   * WatchDog's socket (every folder above it searchable by that account). Raises AccountError.
   */
  private copyAccount(spec: CopySpec): Account | undefined {
    if (!spec.user) return undefined;
    const account = this.accountOf(spec.user, spec.group ?? '');
    const socket = this.opts.appAddress?.startsWith('unix:') ? this.opts.appAddress.slice(5) : null;
    const blocked = socket ? unreachableDir(socket, account) : null;
    if (blocked)
      throw new AccountError(
        `user ${quote(spec.user)} (uid ${account.uid}, gid ${account.gid}) cannot reach the WatchDog's socket: ${blocked} is not searchable by it (chmod o+x, or give it that folder's group)`,
      );
    return account;
  }

  /** The copy a token was given to (RM_COPY_TOKEN at its start), or null. */
  copyByToken(token: string): { replica: string; module: string } | null {
    if (!token) return null;
    const given = Buffer.from(token);
    for (const c of this.copies.values()) {
      if (!c.token) continue;
      const own = Buffer.from(c.token);
      if (own.length === given.length && timingSafeEqual(own, given)) {
        return { replica: c.spec.replica, module: c.spec.module };
      }
    }
    return null;
  }

  // ---- the application's stream ----

  /**
   * A copy attaches (Attach's hello). Returns its welcome; raises NotFoundError when no such copy
   * runs here, or when the pid is neither the copy's nor in its process group.
   */
  attach(
    hello: { replica: string; module: string; pid: number },
    link: AppLink,
    token = '',
  ): WatchDogMessage {
    const copy = this.copies.get(hello.replica);
    if (copy?.state !== 'running') {
      throw new NotFoundError(`replica ${quote(hello.replica)} does not run on ${this.opts.host}`);
    }
    // A copy is known by the token its WatchDog gave it: nobody else beats or answers for it.
    if (copy.token && this.copyByToken(token)?.replica !== copy.spec.replica) {
      throw new PermissionError(
        `only copy ${copy.spec.replica} itself may attach as ${copy.spec.replica}: its RM_COPY_TOKEN is needed`,
      );
    }
    if (
      hello.pid &&
      hello.pid !== copy.pid &&
      !(copy.group && procStat(hello.pid)?.pgid === leaderOf(copy))
    ) {
      throw new NotFoundError(
        `replica ${hello.replica} runs on ${this.opts.host} as pid ${copy.pid}, not as pid ${hello.pid}`,
      );
    }
    if (copy.app && copy.app !== link) copy.app.end();
    copy.app = link;
    copy.live = { ...copy.live, lastBeatMs: this.opts.clock.now() };
    const w = this.watchOf(copy);
    this.log.info({ replica: copy.spec.replica, pid: hello.pid || copy.pid }, 'copy attached');
    return {
      welcome: {
        replica: copy.spec.replica,
        module: copy.spec.module,
        role: roleToWire(copy.role),
        host: this.opts.host,
        lease_ms: this.opts.timings.appLeaseMs,
        heartbeat_interval_ms: heartbeatIntervalMs(w.timeoutMs),
        checkpoint_address: this.opts.appAddress ?? this.opts.checkpointAddress,
        epoch: String(copy.epoch),
        generation: String(copy.generation ?? 0),
      },
    };
  }

  /**
   * A beat on a copy's stream; answered so that the copy knows its WatchDog lives. `applied`: where
   * the copy stands in its module's replication stream, kept for the manager's promotions.
   */
  heartbeat(replica: string, link: AppLink, seq: string, applied?: AppliedPosition): void {
    const copy = this.copies.get(replica);
    if (!copy || copy.app !== link) return;
    copy.live = { ...copy.live, lastBeatMs: this.opts.clock.now() };
    if (applied) copy.applied = applied;
    // The answer carries the host's lease: a copy whose WatchDog is cut off from the primary
    // SuperWatchDog hears its lease shrink and stops itself when it runs out (DESIGN §5).
    const lease = this.opts.lease ? this.opts.lease.remainingMs() : this.opts.timings.appLeaseMs;
    link.send({ beat_ack: { seq, lease_remaining_ms: lease } });
  }

  /** A copy's answer to a ping, with its sanity check (source ¶0019). */
  pong(replica: string, link: AppLink, seq: number, healthy: boolean, detail: string): void {
    const copy = this.copies.get(replica);
    if (!copy || copy.app !== link) return;
    copy.live = { ...copy.live, lastBeatMs: this.opts.clock.now() };
    if (copy.pendingPing?.seq === seq) {
      copy.pendingPing.resolve({
        healthy,
        detail: detail || (healthy ? 'sanity check passed' : 'sanity check failed'),
      });
      copy.pendingPing = null;
    }
  }

  /**
   * A copy-cat backup says its replay of input `seq` differed from the primary's run (DESIGN §11,
   * seed 002): it is stopped and reported failed, reason diverged, for the ReplicaManager to replace
   * it and raise an alert naming the input.
   */
  diverged(replica: string, link: AppLink, seq: number, detail: string): void {
    const copy = this.copies.get(replica);
    if (!copy || copy.app !== link) return;
    // The copy's words go to the manager's alert: bounded, like every input.
    const said = detail.length > 500 ? `${detail.slice(0, 500)}…` : detail;
    void this.fail(
      copy,
      'diverged',
      `its replay of input ${seq} diverged from the primary's run (${said})`,
      true,
    );
  }

  /** The stream ended; the copy itself is watched on (its exit or silence tells the rest). */
  detach(replica: string, link: AppLink): void {
    const copy = this.copies.get(replica);
    if (copy && copy.app === link) {
      copy.app = null;
      this.log.info({ replica }, 'copy detached');
    }
  }

  /** The copies that run (not being stopped or reported), for tests and reports. */
  running(): Array<Readonly<CopyRecord>> {
    return [...this.copies.values()].filter((c) => c.state === 'running');
  }

  runningReport(): RunningReport {
    return { host: this.opts.host, epochSeen: this.epochSeen };
  }

  // ---- internals ----

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.commands.then(fn);
    this.commands = run.catch(() => undefined);
    return run;
  }

  /** Refuses a lower epoch; records a higher one durably before the command acts (DESIGN §5). */
  private async fence(epoch: number): Promise<void> {
    const verdict = epochVerdict(this.epochSeen, epoch);
    if (verdict === 'stale') {
      this.log.warn({ got: epoch, seen: this.epochSeen }, 'command with a stale epoch refused');
      throw new StaleEpochError(epoch, this.epochSeen);
    }
    if (verdict === 'newer') {
      // Verified, not believed: one made-up epoch must not lock out every later manager.
      await this.opts.verifyEpoch?.(epoch);
      await this.raiseEpoch(epoch);
    }
  }

  private async raiseEpoch(epoch: number): Promise<void> {
    const before = this.epochSeen;
    this.epochSeen = epoch;
    try {
      await this.persist();
    } catch (err) {
      this.epochSeen = before;
      throw err;
    }
    this.log.info({ epoch, before }, 'new epoch');
  }

  /**
   * Writes the state file as it is when the write begins. Calls made while a write waits for its turn
   * share it: a hundred promotions in a row cost a write or two, not a hundred.
   */
  private persist(): Promise<void> {
    if (this.queuedSave) return this.queuedSave;
    const run = this.saving.then(() => {
      this.queuedSave = null;
      return this.opts.store.save(this.stateSnapshot());
    });
    this.queuedSave = run;
    this.saving = run.catch((err: unknown) =>
      this.log.error({ err: (err as Error).message }, 'could not write the state file'),
    );
    return run;
  }

  private stateSnapshot(): WatchDogState {
    return {
      epoch: this.epochSeen,
      copies: [...this.copies.values()].map((c) => ({
        spec: c.spec,
        role: c.role,
        pid: c.pid,
        procStart: c.procStart,
        startedAtMs: c.startedAtMs,
        group: c.group,
        ...(c.pgid !== undefined ? { pgid: c.pgid } : {}),
        epoch: c.epoch,
        ...(c.generation ? { generation: c.generation } : {}),
        ...(c.token ? { token: c.token } : {}),
      })),
    };
  }

  private newCopy(rec: CopyRecord, child: boolean, exited: Promise<ExitStatus> | null, now: number): Copy {
    let markGone: () => void = () => undefined;
    const gone = new Promise<void>((r) => {
      markGone = r;
    });
    const copy: Copy = {
      ...rec,
      state: 'running',
      child,
      exited,
      exitStatus: null,
      live: { startedAtMs: now, misses: 0, everHealthy: false },
      lastPollMs: undefined,
      polling: false,
      app: null,
      pingSeq: 0,
      pendingPing: null,
      applied: null,
      gone,
      markGone,
    };
    exited?.then((status) => this.onExit(copy, status));
    return copy;
  }

  private watchOf(copy: Copy): Watch {
    return watchOf(copy.spec, this.opts.timings, this.startGraceMs);
  }

  private async ensureStarted(
    spec: CopySpec,
    role: Role,
    epoch: number,
    generation: number,
    leaseTerm?: number,
  ) {
    let copy = this.copies.get(spec.replica);
    if (copy && copy.state !== 'running') {
      // A copy on its way out: the new one starts once the old one is gone, never beside it.
      await this.withTimeout(copy.gone, this.opts.timings.killGraceMs + 5000);
      copy = this.copies.get(spec.replica);
    }
    if (copy && copy.state === 'running') {
      if (copy.role !== role || (role === 'P' && (copy.generation ?? 0) !== generation)) {
        if (role === 'P') this.checkLeaseTerm(leaseTerm, `the promotion of ${spec.replica}`);
        this.changeRole(copy, role, epoch, generation);
      }
      return { replica: spec.replica, ...ackOf(copy) };
    }
    await this.awaitLease(spec.replica);
    this.checkLeaseTerm(leaseTerm, `the start of ${spec.replica}`);
    const path = await this.checkStart(spec).catch((err: unknown) => {
      this.log.error(
        { replica: spec.replica, path: spec.path, err: (err as Error).message },
        'executable refused',
      );
      throw err;
    });
    let account: Account | undefined;
    try {
      account = this.copyAccount(spec);
    } catch (err) {
      this.log.error(
        { replica: spec.replica, user: spec.user, group: spec.group, err: (err as Error).message },
        'account refused',
      );
      throw err;
    }
    const token = randomBytes(32).toString('base64url');
    const env: Record<string, string> = {
      PATH: this.opts.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...spec.env,
      RM_MODULE: spec.module,
      RM_REPLICA: spec.replica,
      RM_ROLE: role === 'P' ? 'primary' : 'backup',
      RM_HOST: this.opts.host,
      // Where the copy's own services listen for other hosts (its replication stream, DESIGN §11).
      RM_HOST_ADDRESS: this.opts.hostAddress,
      RM_WATCHDOG_ADDRESS: this.opts.appAddress ?? this.opts.watchdogAddress,
      RM_CHECKPOINT_ADDRESS: this.opts.appAddress ?? this.opts.checkpointAddress,
      // What the copy shows its WatchDog (Attach, checkpoints): it acts only as itself.
      RM_COPY_TOKEN: token,
      RM_EPOCH: String(epoch),
      RM_GENERATION: String(generation),
      RM_STYLE: spec.style,
      RM_LEASE_MS: String(this.opts.timings.appLeaseMs),
    };
    const proc = await this.opts.processes
      .spawn({
        path,
        args: spec.args,
        env,
        // A copy of another account works in a folder of its own; the state folder is the WatchDog's.
        cwd: account ? join(this.opts.stateDir, 'copies', spec.replica) : this.opts.stateDir,
        logFile: join(this.opts.stateDir, 'logs', `${spec.replica}.log`),
        ...(this.opts.lease ? { leaseFile: this.opts.lease.path } : {}),
        ...(account ? { account } : {}),
      })
      .catch((err: unknown) => {
        this.log.error(
          { replica: spec.replica, path, err: (err as Error).message },
          'copy could not be started',
        );
        throw err;
      });
    const now = this.opts.clock.now();
    const rec: CopyRecord = {
      spec,
      role,
      pid: proc.pid,
      procStart: proc.procStart,
      ...(proc.pgid !== undefined && proc.pgid !== proc.pid ? { pgid: proc.pgid } : {}),
      startedAtMs: now,
      group: true,
      epoch,
      ...(generation ? { generation } : {}),
      token,
    };
    this.copies.set(spec.replica, this.newCopy(rec, true, proc.exited, now));
    await this.persist();
    this.log.info({ replica: spec.replica, module: spec.module, pid: proc.pid, role, epoch }, 'copy started');
    return { replica: spec.replica, pid: proc.pid, role: roleToWire(role), started_at_ms: String(now) };
  }

  /**
   * A start or promotion must have been decided under the host lease's current term: one decided
   * before the lease last ran out may be stale, since the host may have been declared dead meanwhile
   * and the copy's role given to another (DESIGN §5). Refused; the manager learns the term and
   * decides again.
   */
  private checkLeaseTerm(leaseTerm: number | undefined, what: string): void {
    const lease = this.opts.lease;
    // 0: not stamped (a command of a tool or test, not of a ReplicaManager, which always stamps).
    if (!leaseTerm || !lease || leaseTerm >= lease.term) return;
    this.log.warn(
      { got: leaseTerm, current: lease.term },
      `${what}: decided under an older host lease term; refused`,
    );
    throw new StaleLeaseTermError(leaseTerm, lease.term, { what });
  }

  /**
   * A copy starts only under a live host lease: a WatchDog cut off from the primary SuperWatchDog
   * starts nothing (its keeper would stop it at once). A fresh WatchDog gets two beats to find one.
   */
  private async awaitLease(replica: string): Promise<void> {
    const lease = this.opts.lease;
    if (!lease) return;
    const until = this.opts.clock.now() + 2 * this.opts.timings.watchdogBeatMs;
    while (lease.remainingMs() <= 0 && this.opts.clock.now() < until) await this.sleep(20);
    if (lease.remainingMs() <= 0) {
      throw new UnavailableError(
        `${this.opts.host} holds no host lease (no primary SuperWatchDog has answered its WatchDog lately): ${replica} is not started`,
      );
    }
  }

  private changeRole(copy: Copy, role: Role, epoch: number, generation: number): void {
    if (copy.role === role && (role !== 'P' || (copy.generation ?? 0) === generation)) return;
    const before = copy.role;
    copy.role = role;
    copy.epoch = epoch;
    copy.generation = generation;
    // The copy is told first: a promotion is what a warm fail-over waits for. The truth about roles is
    // the ReplicaManager's table, durable before this command left; the state file only lets a
    // restarted WatchDog adopt its copies, and a role it lost is put right by the next reconcile.
    copy.app?.send({
      role_change: { role: roleToWire(role), epoch: String(epoch), generation: String(generation) },
    });
    const signal = copy.spec.env.RM_PROMOTE_SIGNAL;
    if (role === 'P' && signal && PROMOTE_SIGNALS.includes(signal)) {
      this.opts.processes.kill(copy.pid, signal as NodeJS.Signals, false);
    }
    this.log.info(
      { replica: copy.spec.replica, from: before, to: role, epoch, told: copy.app !== null },
      'role changed',
    );
    // Not awaited: the next command need not wait for the file (persist() logs a failure).
    this.persist().catch(() => undefined);
  }

  private onExit(copy: Copy, status: ExitStatus): void {
    copy.exitStatus = status;
    if (copy.state !== 'running' || this.stopped) return;
    const { reason, detail } = exitReason(status.code, status.signal);
    void this.fail(copy, reason, detail, false);
  }

  /**
   * A copy has failed: it is killed first when it may still run (hang, failed polls), then removed,
   * then reported (DESIGN §6).
   */
  private async fail(copy: Copy, reason: string, detail: string, kill: boolean): Promise<void> {
    if (copy.state !== 'running') return;
    copy.state = 'failing';
    this.log.warn({ replica: copy.spec.replica, pid: copy.pid, reason, detail }, 'copy failed');
    let fullDetail = detail;
    if (kill) {
      const how = await this.terminate(copy, `${reason}: ${detail}`);
      fullDetail = `${detail}; killed (${how})`;
    } else if (copy.group) {
      // Whatever the copy left behind in its process group goes with it.
      this.opts.processes.kill(leaderOf(copy), 'SIGKILL', true);
    }
    this.remove(copy);
    // Reported before the state file is written: the fail-over waits for the report, not for the file.
    // Were the WatchDog to die between the two, its next start would find the copy's pid gone and
    // report it once more, which the ReplicaManager ignores unless that copy runs again by then.
    this.outbox.pushFailure({
      host: this.opts.host,
      replica: copy.spec.replica,
      reason,
      detail: fullDetail,
      epochSeen: this.epochSeen,
      startedAtMs: copy.startedAtMs,
      ...(copy.applied ? { applied: copy.applied } : {}),
    });
    await this.persist().catch(() => undefined);
  }

  private async beginStop(copy: Copy, reason: string): Promise<void> {
    if (copy.state !== 'running') return copy.gone;
    copy.state = 'stopping';
    this.log.info({ replica: copy.spec.replica, pid: copy.pid, reason }, 'stopping copy');
    const how = await this.terminate(copy, reason);
    this.log.info({ replica: copy.spec.replica, pid: copy.pid, how }, 'copy stopped');
    this.remove(copy);
    await this.persist().catch(() => undefined);
  }

  /** TERM and CONT (to the process group when the WatchDog started it), then KILL after the grace. Says which ended it. */
  private async terminate(copy: Copy, reason: string): Promise<string> {
    copy.app?.send({ stop: { reason } });
    const grace = this.opts.timings.killGraceMs;
    const target = copy.group ? leaderOf(copy) : copy.pid;
    this.opts.processes.kill(target, 'SIGTERM', copy.group);
    // A stopped copy (SIGSTOP) acts on TERM only once it runs: continue it at once, as systemd does.
    this.opts.processes.kill(target, 'SIGCONT', copy.group);
    if (await this.waitExit(copy, grace)) return 'TERM';
    this.opts.processes.kill(target, 'SIGKILL', copy.group);
    const ended = await this.waitExit(copy, Math.max(2000, grace));
    if (!ended) this.log.error({ replica: copy.spec.replica, pid: copy.pid }, 'copy still there after KILL');
    return `TERM, then KILL after ${grace} ms`;
  }

  private remove(copy: Copy): void {
    if (this.copies.get(copy.spec.replica) === copy) this.copies.delete(copy.spec.replica);
    copy.app?.end();
    copy.app = null;
    copy.pendingPing?.resolve({ healthy: false, detail: 'copy removed' });
    copy.pendingPing = null;
    copy.markGone();
  }

  /** Whether the copy ended within `ms`: its exit event for a child, its pid otherwise. */
  private async waitExit(copy: Copy, ms: number): Promise<boolean> {
    const deadline = this.opts.clock.now() + ms;
    for (;;) {
      if (copy.exitStatus) return true;
      if (!copy.child && !this.opts.processes.isAlive(copy.pid, copy.procStart)) return true;
      if (copy.child && !this.opts.processes.isAlive(copy.pid, copy.procStart)) {
        // The exit event follows shortly; the pid is already gone.
        await this.sleep(10);
        return true;
      }
      if (this.opts.clock.now() >= deadline) return false;
      await this.sleep(Math.min(50, Math.max(1, deadline - this.opts.clock.now())));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.opts.clock.setTimeout(resolve, ms));
  }

  private withTimeout(p: Promise<void>, ms: number): Promise<void> {
    return Promise.race([p, this.sleep(ms)]);
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    const every = tickMs([...this.copies.values()].map((c) => this.watchOf(c)));
    this.tickTimer = this.opts.clock.setTimeout(() => {
      this.tickTimer = null;
      try {
        this.tick();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'supervision pass failed');
      }
      this.scheduleTick();
    }, every);
  }

  /** One supervision pass over every running copy (level-triggered: the state decides, not the events). */
  tick(): void {
    const now = this.opts.clock.now();
    for (const copy of [...this.copies.values()]) {
      if (copy.state !== 'running') continue;
      const w = this.watchOf(copy);
      if (!copy.child && !this.opts.processes.isAlive(copy.pid, copy.procStart)) {
        void this.fail(
          copy,
          'exit',
          `pid ${copy.pid} ended (not a child of this WatchDog: exit status unknown)`,
          false,
        );
        continue;
      }
      if (isHung(w, copy.live, now)) {
        const silent = now - (copy.live.lastBeatMs ?? copy.live.startedAtMs);
        void this.fail(copy, 'hang', `no heartbeat for ${silent} ms (timeout ${w.timeoutMs} ms)`, true);
        continue;
      }
      if (!copy.polling && pollDue(w, copy.lastPollMs, now) && this.checkKind(copy, w) !== null) {
        copy.lastPollMs = now;
        copy.polling = true;
        void this.poll(copy, w);
      }
    }
  }

  /**
   * The check a copy gets: its configured one; else, for a polled copy attached through the SDK, a
   * ping; else none (exit or pid liveness only).
   */
  private checkKind(copy: Copy, w: Watch): string | null {
    const kind = copy.spec.check?.kind;
    if (kind) return kind;
    if (w.detect === 'poll' && copy.app) return 'sdk';
    return null;
  }

  private async poll(copy: Copy, w: Watch): Promise<void> {
    let result: ProbeResult;
    try {
      result = await this.check(copy, w);
    } catch (err) {
      result = { healthy: false, detail: (err as Error).message };
    } finally {
      copy.polling = false;
    }
    if (copy.state !== 'running') return;
    copy.live = countPoll(w, copy.live, result.healthy, this.opts.clock.now());
    if (!result.healthy) {
      this.log.debug(
        { replica: copy.spec.replica, misses: copy.live.misses, detail: result.detail },
        'check missed',
      );
    }
    if (isDeadByPolls(w, copy.live)) {
      await this.fail(
        copy,
        'ping',
        `${copy.live.misses} checks failed in a row; last: ${result.detail}`,
        true,
      );
    }
  }

  private async check(copy: Copy, w: Watch): Promise<ProbeResult> {
    const bound = Math.max(50, Math.min(w.intervalMs, this.opts.timings.rpcDeadlineMs));
    const c = copy.spec.check;
    const kind = this.checkKind(copy, w);
    const host = this.opts.hostAddress;
    switch (kind) {
      case 'sdk':
        return this.ping(copy, bound);
      case 'tcp':
        return this.opts.probes.tcp(host, c?.port ?? 0, bound);
      case 'http':
        return this.opts.probes.http(host, c?.port ?? 0, c?.path || '/', bound);
      case 'grpc':
        return this.opts.probes.grpc(host, c?.port ?? 0, bound);
      case 'exec': {
        const command = await resolveCheckCommand(c?.command ?? [], this.opts.allowedExecutableDirs);
        return this.opts.probes.exec(command, bound);
      }
      default:
        return { healthy: true, detail: 'no check' };
    }
  }

  /** The SDK ping: answered with the application's sanity check, or a miss when nobody answers in time. */
  private ping(copy: Copy, boundMs: number): Promise<ProbeResult> {
    const link = copy.app;
    if (!link) return Promise.resolve({ healthy: false, detail: 'not attached through the SDK' });
    const seq = ++copy.pingSeq;
    return new Promise<ProbeResult>((resolve) => {
      const timer = this.opts.clock.setTimeout(() => {
        if (copy.pendingPing?.seq === seq) copy.pendingPing = null;
        resolve({ healthy: false, detail: `no answer to ping ${seq} in ${boundMs} ms` });
      }, boundMs);
      copy.pendingPing = {
        seq,
        resolve: (r) => {
          this.opts.clock.clearTimeout(timer);
          resolve(r);
        },
      };
      link.send({ ping: { seq: String(seq) } });
    });
  }
}
