/**
 * The WatchDog's supervision of the copies on its host (source ¶0018–0020): starts, stops and
 * promotes them on the ReplicaManager's epoch-fenced commands, watches them (exit at once, polling,
 * heartbeats), kills a hung or dead copy before reporting it, and keeps a state file so that a
 * restarted WatchDog adopts its running copies instead of starting them twice (DESIGN §5).
 *
 * This file holds the commands and the fencing (epoch, host lease term), starts and self-registration;
 * the rest is in files of its own: the wire's specs (spec-wire.ts), the copies and how their processes
 * end (copies.ts), the watch over them (liveness.ts), their Attach streams (sessions.ts), the state
 * file's coalesced writes (state-writer.ts). Every effect goes through an interface (ProcessControl,
 * Reporter via the Outbox, Probes, Clock, StateStore); the rules are the pure functions of rules.ts.
 *
 * Role changes reach a copy three ways: RM_ROLE at its start, a role_change message on its Attach
 * stream (the SDK), and, for programs without the SDK that ask for it, a signal on promotion to
 * primary: a module whose env sets `RM_PROMOTE_SIGNAL=SIGUSR2` (or SIGUSR1, SIGHUP) gets that signal
 * when one of its copies becomes primary. It is opt-in because the default action of SIGUSR2 ends a
 * process that does not handle it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppliedPosition, Role } from '../model/table.js';
import type { Clock } from '../shared/clock.js';
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
import type { ReplicaSpec__Output } from '../shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import type { WatchDogMessage } from '../shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { LIMITS, quote } from '../shared/limits.js';
import type { Logger } from '../shared/logging.js';
import { PROMOTE_SIGNALS, positionToWire, roleFromWire, roleToWire } from '../shared/wire.js';
import {
  type Account,
  type AccountFiles,
  readAccountFiles,
  resolveAccount,
  unreachableDir,
} from './accounts.js';
import { type AppLink, ackOf, type Copy, CopyProcesses, isOfCopy, newCopy, stateOf } from './copies.js';
import { resolveExecutable } from './executable.js';
import { LivenessWatch } from './liveness.js';
import type { Probes } from './probes.js';
import type { ExitStatus, ProcessControl } from './process-control.js';
import { Outbox, type Registrar, type Reporter, type RunningReport } from './reporter.js';
import { epochVerdict, exitReason, type Watch } from './rules.js';
import { Sessions } from './sessions.js';
import { moduleFromJson, specFromWire, specOfModule, watchOf } from './spec-wire.js';
import type { CopyRecord, CopySpec, StateStore } from './state.js';
import { StateWriter } from './state-writer.js';

export type { AppLink } from './copies.js';
export { moduleFromJson, specFromWire, watchOf } from './spec-wire.js';

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
  /** The PATH copies get (the daemon gives its own; default: /usr/local/bin:/usr/bin:/bin). */
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

/** One host's WatchDog, without its gRPC server. */
export class WatchDog {
  private readonly copies = new Map<string, Copy>();
  private epochSeen = 0;
  private commands: Promise<unknown> = Promise.resolve();
  private stopped = false;
  readonly outbox: Outbox;
  private readonly log: Logger;
  private readonly startGraceMs: number;
  private readonly state: StateWriter;
  private readonly procs: CopyProcesses;
  private readonly liveness: LivenessWatch;
  private readonly sessions: Sessions;

  constructor(private readonly opts: WatchDogOptions) {
    this.log = opts.logger;
    this.startGraceMs = opts.startGraceMs ?? opts.timings.startGraceMs;
    this.outbox = new Outbox({
      reporter: opts.reporter,
      clock: opts.clock,
      logger: opts.logger,
      snapshot: () => this.runningReport(),
    });
    this.state = new StateWriter(
      opts.store,
      () => stateOf(this.epochSeen, this.copies.values()),
      opts.logger,
    );
    this.procs = new CopyProcesses(opts);
    const fail = (copy: Copy, reason: string, detail: string, kill: boolean) =>
      this.fail(copy, reason, detail, kill);
    const watch = (copy: Copy) => this.watchOf(copy);
    this.liveness = new LivenessWatch({
      ...opts,
      copies: () => this.copies.values(),
      watchOf: watch,
      fail,
    });
    this.sessions = new Sessions({
      host: opts.host,
      timings: opts.timings,
      checkpointAddress: opts.appAddress ?? opts.checkpointAddress,
      ...(opts.lease ? { lease: opts.lease } : {}),
      processes: opts.processes,
      clock: opts.clock,
      logger: opts.logger,
      copy: (replica) => this.copies.get(replica),
      copies: () => this.copies.values(),
      watchOf: watch,
      fail,
    });
  }

  /** The highest epoch seen. */
  get epoch(): number {
    return this.epochSeen;
  }

  /** How many copies this WatchDog runs. */
  get copyCount(): number {
    return this.copies.size;
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
    if (!this.stopped) this.liveness.start();
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
    this.liveness.stop();
    this.outbox.stop();
    for (const c of this.copies.values()) {
      c.app?.end();
      c.app = null;
      c.pendingPing?.resolve({ healthy: false, detail: 'WatchDog stopping' });
    }
    await this.state.settled();
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
      const st = this.opts.processes.stat(pid);
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
        const spec = specOfModule(res.module, replica);
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
        this.outbox.supersede(spec.replica, rec.startedAtMs);
        await this.persist();
        this.log.info(
          { replica: spec.replica, module: spec.module, pid, role },
          'self-registered copy adopted',
        );
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
    const self = this.opts.processes.self();
    const mine = new Set<number>([self.pid]);
    for (let p = self.ppid, i = 0; p > 1 && i < 32; i++) {
      mine.add(p);
      const up = this.opts.processes.stat(p)?.ppid;
      if (!up || up === p) break;
      p = up;
    }
    if (mine.has(pid))
      throw new PermissionError(`pid ${pid} is this WatchDog or one of its parents: not adopted`);
    for (const c of this.copies.values()) {
      if (c.pgid === pid || isOfCopy(c, pid, this.opts.processes)) {
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
    const owner = this.opts.processes.owner(pid);
    if (owner === null) return; // gone: the caller says so
    const wanted = user ? this.accountOf(user, group).uid : this.opts.processes.self().uid;
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
    return this.sessions.copyByToken(token);
  }

  // ---- the application's stream (sessions.ts) ----

  attach(
    hello: { replica: string; module: string; pid: number },
    link: AppLink,
    token = '',
  ): WatchDogMessage {
    return this.sessions.attach(hello, link, token);
  }

  heartbeat(replica: string, link: AppLink, seq: string, applied?: AppliedPosition): void {
    this.sessions.heartbeat(replica, link, seq, applied);
  }

  pong(replica: string, link: AppLink, seq: number, healthy: boolean, detail: string): void {
    this.sessions.pong(replica, link, seq, healthy, detail);
  }

  diverged(replica: string, link: AppLink, seq: number, detail: string): void {
    this.sessions.diverged(replica, link, seq, detail);
  }

  detach(replica: string, link: AppLink): void {
    this.sessions.detach(replica, link);
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

  /** Writes the state file (coalesced with the writes waiting for their turn: state-writer.ts). */
  private persist(): Promise<void> {
    return this.state.persist();
  }

  private newCopy(rec: CopyRecord, child: boolean, exited: Promise<ExitStatus> | null, now: number): Copy {
    return newCopy(rec, child, exited, now, (copy, status) => this.onExit(copy, status));
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
      await this.procs.withTimeout(copy.gone, this.opts.timings.killGraceMs + 5000);
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
      PATH: this.opts.path ?? '/usr/local/bin:/usr/bin:/bin',
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
      // This process among the replica's processes: a later start shows a larger one (its saves win).
      RM_INCARNATION: String(Math.floor(this.opts.clock.now())),
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
    this.outbox.supersede(spec.replica, now);
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
    while (lease.remainingMs() <= 0 && this.opts.clock.now() < until) await this.procs.sleep(20);
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
      const how = await this.procs.terminate(copy, `${reason}: ${detail}`);
      fullDetail = `${detail}; killed (${how})`;
    } else if (copy.group) {
      // Whatever the copy left behind in its process group goes with it.
      this.procs.killGroup(copy);
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
    const how = await this.procs.terminate(copy, reason);
    this.log.info({ replica: copy.spec.replica, pid: copy.pid, how }, 'copy stopped');
    this.remove(copy);
    await this.persist().catch(() => undefined);
  }

  private remove(copy: Copy): void {
    if (this.copies.get(copy.spec.replica) === copy) this.copies.delete(copy.spec.replica);
    copy.app?.end();
    copy.app = null;
    copy.pendingPing?.resolve({ healthy: false, detail: 'copy removed' });
    copy.pendingPing = null;
    copy.markGone();
  }

  /** One supervision pass over every running copy (liveness.ts). */
  tick(): void {
    this.liveness.tick();
  }
}
