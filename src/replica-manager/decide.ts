/**
 * The pure decision core (DESIGN §4; source ¶0015–0024): given the replica table and one event, the
 * new table, the actions for the WatchDogs and the alerts for the operator. No I/O, no clock, no
 * randomness: the same inputs always give the same outputs, and the input table is never changed.
 *
 * Every event ends with the same level-based step, `restore`, applied to each module it touched: a
 * warm or cold module without a primary promotes a live backup, else starts its first live idle
 * copy as primary; then idle copies are started (hot as P, warm as B) until the degree runs. The
 * order of the registration is the order of preference throughout, with one exception: when the
 * event says how far each backup applied the module's replication stream, the backup that applied
 * the most is promoted (DESIGN §11).
 *
 * Maintenance (DESIGN §12) is decided here too. A switchover first asks the primary to step down
 * (warm: to a backup; cold: stopped) and names its successor only once that is confirmed (`demoted`),
 * so that two primaries never run; meanwhile the table keeps the old primary, whose saves are still
 * accepted (nothing is lost), and nobody else is promoted. A paused module records its
 * failures and is not failed over; resume applies what is still needed. A drained host gets no copy,
 * and its copies leave it: a primary by a switchover, the others replaced before they stop.
 *
 * A copy whose start its WatchDog refused (the executable missing or not executable there) fails
 * like any other, but once it leaves it is marked unusable and is never placed, not even as the last
 * resort, until its WatchDog finds it startable or its host returns: the table never shows P or B
 * for a copy that cannot run, and a module left without another host runs short with an alert.
 *
 * The new table shares every module the event leaves alone with the input (copy on write), so that
 * an event costs what it changes, not the size of the table; nothing reachable from the input is
 * ever written to.
 */

import {
  type Action,
  type Alert,
  type AppliedPosition,
  type AppliedPositions,
  comparePositions,
  type Decision,
  DIVERGED,
  type Event,
  type HeldFailure,
  type Host,
  isRunning,
  lagBehind,
  type Module,
  type ModuleSpec,
  type Persist,
  positionText,
  type Replica,
  type ReplicaTable,
  type Role,
  wantedRunning,
} from '../model/table.js';
import { MaintenanceError, NotFoundError, RegistrationError } from '../shared/errors.js';
import { validateRegistration } from './validate.js';

/** A failure within this long of the one before it continues a copy's streak (the restart back-off). */
export const RESTART_WINDOW_MS = 30_000;
/** The back-off of a copy's second failure in a row; it doubles with each further one… */
export const RESTART_BACKOFF_BASE_MS = 100;
/** …up to this. A copy that keeps failing is retried at this pace for as long as it fails. */
export const RESTART_BACKOFF_MAX_MS = 5000;

/**
 * How long a copy that failed `count` times in a row waits before it starts again: the first
 * failure is handled at once, then 100 ms, 200 ms, … up to 5 s (DESIGN §5: capped back-off).
 */
export function restartBackoffMs(count: number): number {
  if (count < 2) return 0;
  return Math.min(RESTART_BACKOFF_BASE_MS * 2 ** (count - 2), RESTART_BACKOFF_MAX_MS);
}

/** Decides one event. Raises RegistrationError (refused registration) or NotFoundError (unknown name). */
export function decide(table: ReplicaTable, event: Event): Decision {
  const d = new Decider(table, 'applied' in event ? event.applied : undefined);
  d.cause = causeOf(event);
  switch (event.kind) {
    case 'register':
      d.register(event.module, event.runningOn);
      break;
    case 'unregister':
      d.unregister(event.name);
      break;
    case 'replica-failed':
      if (d.replicaFailed(event.replica, event.atMs) && event.reason === DIVERGED)
        d.outOfService(event.replica, event.detail);
      break;
    case 'start-refused':
      d.replicaFailed(event.replica, event.atMs, event.reason || 'refused by its WatchDog');
      break;
    case 'replica-startable':
      d.replicaStartable(event.replica);
      break;
    case 'host-down':
      d.hostDown(event.host);
      break;
    case 'host-up':
      d.hostUp(event.host);
      break;
    case 'replica-started':
      d.replicaStarted(event.replica);
      break;
    case 'reconcile':
      d.reconcile(event.host, event.running);
      break;
    case 'switchover':
      d.switchover(event.module, event.to);
      break;
    case 'demoted':
      d.demoted(event.replica);
      break;
    case 'pause':
      d.pause(event.module);
      break;
    case 'resume':
      d.resume(event.module);
      break;
    case 'drain':
      d.drain(event.host);
      break;
    case 'undrain':
      d.undrain(event.host);
      break;
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
  // Level-based: every module the event did not touch is checked too, so that no module stays short
  // while a copy could run (e.g. a table written by hand, or an action lost with a previous manager).
  const cause = d.cause;
  d.table.modules.forEach((module, i) => {
    const unsettled = d.restored.has(module.name) ? null : d.unsettled(module);
    if (unsettled === null) return;
    d.cause = `${cause}, ${module.name} ${unsettled}`;
    d.restore(i, new Map(), false);
  });
  d.newGenerations();
  return { table: d.table, actions: d.actions, alerts: d.alerts, persist: d.persist() };
}

/**
 * What `resume` would do now for a paused module (nothing for one that is not paused): the decision
 * held back, as `rmctl status` shows it. Pure, like decide().
 */
export function wouldResume(table: ReplicaTable, name: string): Action[] {
  const module = table.modules.find((m) => m.name === name);
  if (!module?.paused) return [];
  return Decider.scratch(table, module).actions;
}

/** The short form of an action, as scenario files, logs and alerts write it: `set-role A2@H2 P`. */
export function actionText(a: Action): string {
  if (a.kind === 'stop') return `stop ${a.replica}@${a.host}`;
  return `${a.kind} ${a.replica}@${a.host} ${a.role}`;
}

/** The event part of every reason a decision gives (STYLE §10): what happened. */
export function causeOf(event: Event): string {
  switch (event.kind) {
    case 'register':
      return `${event.module.name} registered${event.runningOn ? ` by its copy on ${event.runningOn}` : ''}`;
    case 'unregister':
      return `${event.name} unregistered`;
    case 'replica-failed':
      return `${event.replica} failed${event.reason ? ` (${event.reason})` : ''}`;
    case 'start-refused':
      return `${event.replica} could not be started`;
    case 'replica-startable':
      return `${event.replica} can be started again (its WatchDog checked)`;
    case 'host-down':
      return `${event.host} down`;
    case 'host-up':
      return `${event.host} up`;
    case 'replica-started':
      return `${event.replica} found running`;
    case 'reconcile':
      return `${event.host} reported ${event.running.length} running`;
    case 'switchover':
      return `switchover of ${event.module}${event.to ? ` to ${event.to}` : ''} asked for`;
    case 'demoted':
      return `${event.replica} stepped down (its WatchDog confirmed)`;
    case 'pause':
      return `${event.module ?? 'every module'} paused`;
    case 'resume':
      return `${event.module ?? 'every module'} resumed`;
    case 'drain':
      return `${event.host} drained`;
    case 'undrain':
      return `${event.host} undrained`;
  }
}

function styleText(m: Module): string {
  return `${m.style}, degree ${m.degree}`;
}

/** How many copies of a module run (P or B). */
function occupied(module: Module): number {
  let n = 0;
  for (const r of module.replicas) if (isRunning(r.status)) n++;
  return n;
}

/** Finds a replica and its module, or raises NotFoundError. */
export function findReplica(table: ReplicaTable, id: string): { module: Module; replica: Replica } {
  const { i, j } = locate(table, id);
  const module = table.modules[i] as Module;
  return { module, replica: module.replicas[j] as Replica };
}

/** Where a replica is: its module's index and its own index in that module. Raises NotFoundError. */
function locate(table: ReplicaTable, id: string): { i: number; j: number } {
  for (let i = 0; i < table.modules.length; i++) {
    const j = (table.modules[i] as Module).replicas.findIndex((r) => r.id === id);
    if (j >= 0) return { i, j };
  }
  throw new NotFoundError(`unknown replica "${id}"`);
}

/** Replica ids for a registration: the given ones, else `${name}${n}` with the lowest free n. */
function assignIds(spec: ModuleSpec, table: ReplicaTable): string[] {
  // An assigned id starts with the module's name: only such ids can clash.
  const taken = new Set<string>();
  for (const m of table.modules) for (const r of m.replicas) if (r.id.startsWith(spec.name)) taken.add(r.id);
  for (const r of spec.replicas) if (r.id) taken.add(r.id);
  let n = 1;
  return spec.replicas.map((r) => {
    if (r.id) return r.id;
    while (taken.has(`${spec.name}${n}`)) n++;
    const id = `${spec.name}${n}`;
    taken.add(id);
    return id;
  });
}

/**
 * The working state of one decision. Its table starts as a shallow copy of the input (hosts copied,
 * modules shared); a module is copied the first time this decision changes it (`own`).
 */
class Decider {
  readonly table: ReplicaTable;
  readonly actions: Action[] = [];
  readonly alerts: Alert[] = [];
  /** Modules already brought back to their degree in this decision. */
  readonly restored = new Set<string>();
  /** The modules this decision copied, and so may change. */
  private readonly owned = new Set<Module>();
  private readonly removed: string[] = [];

  /** What happened, for the reasons of the actions and alerts that follow from it. */
  cause = '';
  /** The drain event being decided: a copy that cannot leave its drained host is an alert in it. */
  private draining: string | null = null;

  constructor(
    private readonly input: ReplicaTable,
    /** How far each copy applied its module's stream, as the event says (empty: nothing known). */
    private readonly applied: AppliedPositions = {},
  ) {
    this.table = { hosts: input.hosts.map((h) => ({ ...h })), modules: [...input.modules] };
  }

  /**
   * A decision on a copy of `module` alone, not paused, resumed as `resume` would: what it would do.
   * The input table is only read.
   */
  static scratch(table: ReplicaTable, module: Module): Decider {
    const { paused: _p, held, ...rest } = module;
    const d = new Decider({ hosts: table.hosts, modules: [rest] });
    d.cause = `${module.name} resumed`;
    d.resumeModule(0, held ?? []);
    return d;
  }

  /** Adds an action with its reason: the cause, then the rule that asked for it. */
  private act(action: Action, rule: string): void {
    this.actions.push({ ...action, reason: `${this.cause}: ${rule}` });
  }

  /** What this decision changed, for the caller to persist before it acts. */
  persist(): Persist {
    const hosts =
      this.table.hosts.length !== this.input.hosts.length ||
      this.table.hosts.some((h, i) => {
        const was = this.input.hosts[i];
        return h.name !== was?.name || h.up !== was.up || !!h.drained !== !!was.drained;
      });
    const modules = this.table.modules.filter((m) => this.owned.has(m)).map((m) => m.name);
    return { hosts, modules, removed: this.removed.filter((n) => !modules.includes(n)) };
  }

  /** The module at `i`, copied first if this decision has not copied it yet: the one to change. */
  private own(i: number): Module {
    const m = this.table.modules[i] as Module;
    if (this.owned.has(m)) return m;
    const copy: Module = { ...m, replicas: m.replicas.map((r) => ({ ...r })) };
    this.table.modules[i] = copy;
    this.owned.add(copy);
    return copy;
  }

  private isUp(name: string): boolean {
    return this.table.hosts.find((h) => h.name === name)?.up ?? false;
  }

  /** Whether a copy may be placed or promoted on `name`: up and not drained. */
  private placeable(name: string): boolean {
    const h = this.table.hosts.find((x) => x.name === name);
    return !!h && h.up && !h.drained;
  }

  /** Whether an idle copy may be started: on a live, undrained host, and its start not refused there. */
  private startable(r: Replica): boolean {
    return r.status === 'I' && r.unusable === undefined && this.placeable(r.host);
  }

  private isDrained(name: string): boolean {
    return this.table.hosts.find((h) => h.name === name)?.drained ?? false;
  }

  /**
   * Why restore() would change a module, or null when it would leave it as it is (its degree runs,
   * a warm one has its primary, no switchover waits, no copy runs on a drained host).
   */
  unsettled(module: Module): string | null {
    if (module.switchover) return 'switching over';
    let running = 0;
    let primary = false;
    for (const r of module.replicas) {
      if (!isRunning(r.status)) continue;
      if (r.status === 'P') primary = true;
      running++;
      if (this.isDrained(r.host) && this.isUp(r.host)) return 'with a copy on a drained host';
    }
    const settled =
      running >= wantedRunning(module) && !module.underReplicated && (module.style !== 'warm' || primary);
    return settled ? null : 'below its degree';
  }

  private host(name: string): Host {
    const h = this.table.hosts.find((x) => x.name === name);
    if (!h)
      throw new NotFoundError(
        `unknown host "${name}" (hosts: ${this.table.hosts.map((x) => x.name).join(', ') || 'none'})`,
      );
    return h;
  }

  register(spec: ModuleSpec, runningOn?: string): void {
    validateRegistration(spec, this.table);
    if (runningOn !== undefined && !spec.replicas.some((r) => r.host === runningOn)) {
      throw new RegistrationError(
        `the registering copy runs on ${runningOn}, which is not among the module's replicas (${spec.replicas.map((r) => r.host).join(', ')})`,
        'runningOn',
      );
    }
    if (runningOn !== undefined && !this.isUp(runningOn)) {
      throw new RegistrationError(
        `the registering copy runs on ${runningOn}, which the cluster believes down`,
        'runningOn',
      );
    }
    const ids = assignIds(spec, this.table);
    const module: Module = {
      name: spec.name,
      style: spec.style,
      degree: spec.degree,
      policy: spec.policy,
      ...(spec.threshold !== undefined ? { threshold: spec.threshold } : {}),
      detect: spec.detect ?? 'poll',
      ...(spec.intervalMs !== undefined ? { intervalMs: spec.intervalMs } : {}),
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      ...(spec.check !== undefined ? { check: structuredClone(spec.check) } : {}),
      ...(spec.args !== undefined ? { args: [...spec.args] } : {}),
      ...(spec.env !== undefined ? { env: { ...spec.env } } : {}),
      ...(spec.user !== undefined ? { user: spec.user } : {}),
      ...(spec.group !== undefined ? { group: spec.group } : {}),
      ...(spec.servicePort !== undefined ? { servicePort: spec.servicePort } : {}),
      replicas: spec.replicas.map((r, i) => ({
        id: ids[i] as string,
        host: r.host,
        path: r.path,
        // The copy that registered itself already runs: it is the primary on its host (DESIGN §7).
        status: r.host === runningOn ? 'P' : 'I',
        failures: 0,
      })),
      underReplicated: false,
    };
    this.owned.add(module);
    this.restore(this.table.modules.push(module) - 1, new Map(), true);
  }

  unregister(name: string): void {
    const i = this.moduleIndex(name);
    const module = this.table.modules[i] as Module;
    for (const r of module.replicas) {
      if (isRunning(r.status) && this.isUp(r.host))
        this.act({ kind: 'stop', replica: r.id, host: r.host }, 'every running copy stops');
    }
    this.table.modules.splice(i, 1);
    this.removed.push(name);
  }

  /**
   * A copy the table runs has failed; says whether that counted (false: it no longer ran, nothing
   * changes). `refused`: it could not even be started (its WatchDog refused the executable): a
   * failure like any other (counted, its policy restarts it in place within its threshold), but once
   * it leaves it is unusable, not the last resort, so that the table never shows P or B for a copy
   * that cannot run; the module runs short with an alert instead.
   */
  replicaFailed(id: string, atMs?: number, refused?: string): boolean {
    const { i, j } = locate(this.table, id);
    const found = (this.table.modules[i] as Module).replicas[j] as Replica;
    let role = found.status;
    // A report about a copy that no longer runs (already failed over, or its host is down) changes nothing.
    if (!isRunning(role) || !this.isUp(found.host)) return false;
    const module = this.own(i);
    const replica = module.replicas[j] as Replica;
    replica.failures++;
    if (atMs !== undefined) {
      const prev = replica.streak;
      const goesOn = prev !== undefined && atMs - prev.lastAtMs <= RESTART_WINDOW_MS && atMs >= prev.lastAtMs;
      replica.streak = { count: goesOn ? prev.count + 1 : 1, lastAtMs: atMs };
    }
    if (module.switchover?.from === id) {
      // The old primary of a switchover is gone (a copy is killed before it is reported): its
      // successor is named now. A cold one was being stopped anyway; a warm one fails as the backup
      // it was becoming.
      this.completeSwitchover(i, `${id} failed`, true);
      if (module.style === 'cold') return true;
      role = 'B';
      replica.status = 'B';
    }
    if (module.paused) {
      // Maintenance mode: recorded, not failed over (DESIGN §12); resume handles it if still needed.
      if (refused !== undefined) this.markUnusable(module, replica, refused);
      this.holdFailure(i, j, role);
      return true;
    }
    const first = this.actions.length;
    if (this.restartsInPlace(module, replica)) {
      // OnOverThreshold(n): restarted in place, same role, while its failures on this host are ≤ n (¶0015).
      this.act({ kind: 'restart', replica: replica.id, host: replica.host, role }, inPlace(module, replica));
    } else if (refused !== undefined) {
      replica.status = 'I';
      this.markUnusable(module, replica, refused);
      this.restore(i, new Map(), true);
    } else {
      replica.status = 'I';
      this.restore(i, new Map([[replica.id, role]]), true);
    }
    // The copy that failed, started again (in place, or as the last resort), waits out its back-off.
    const delayMs = restartBackoffMs(replica.streak?.count ?? 0);
    if (delayMs > 0) {
      for (let k = first; k < this.actions.length; k++) {
        const a = this.actions[k] as Action;
        if (a.replica === id && (a.kind === 'start' || a.kind === 'restart'))
          this.actions[k] = { ...a, delayMs };
      }
    }
    return true;
  }

  /**
   * A copy-cat backup's replay diverged (DESIGN §11, seed 002): replaced like any failed copy, and
   * the operator is told which input and how, since the module's handler is not deterministic.
   */
  outOfService(id: string, detail: string | undefined): void {
    const { module, replica } = findReplica(this.input, id);
    this.alerts.push({
      module: module.name,
      reason: `${this.cause}: out of service on ${replica.host}: ${detail ?? 'its replay diverged from the primary'}; it is replaced`,
    });
  }

  /** A copy whose start its WatchDog refused: unusable, and the operator is told which host and why. */
  private markUnusable(module: Module, replica: Replica, why: string): void {
    replica.unusable = why;
    this.alerts.push({
      module: module.name,
      reason: `${this.cause}: on ${replica.host}, ${why}; ${replica.id} is not started there again until its WatchDog finds it startable or ${replica.host} returns`,
    });
  }

  /** An unusable copy's WatchDog finds it startable again: it is an idle copy like the others. */
  replicaStartable(id: string): void {
    const { i, j } = locate(this.table, id);
    if ((this.table.modules[i] as Module).replicas[j]?.unusable === undefined) return;
    delete (this.own(i).replicas[j] as Replica).unusable;
    this.restore(i, new Map(), false);
  }

  hostDown(name: string): void {
    const host = this.host(name);
    if (!host.up) return;
    host.up = false;
    // Each copy on the dead host fails individually (¶0017, ¶0024); its failures are not its own fault.
    this.table.modules.forEach((m, i) => {
      if (!m.replicas.some((r) => r.host === name && isRunning(r.status))) return;
      for (const r of this.own(i).replicas) if (r.host === name && isRunning(r.status)) r.status = 'I';
      this.restore(i, new Map(), true);
    });
  }

  hostUp(name: string): void {
    const host = this.host(name);
    if (!host.up) {
      host.up = true;
      // A host that comes back starts afresh: its copies are idle and eligible again.
      this.forgetFailures(name);
    }
  }

  /** Clears the failures counted on `host` and its refused starts, for a host that comes back. */
  private forgetFailures(host: string): void {
    this.table.modules.forEach((m, i) => {
      if (!m.replicas.some((r) => r.host === host && (r.failures !== 0 || r.unusable !== undefined))) return;
      for (const r of this.own(i).replicas) {
        if (r.host !== host) continue;
        r.failures = 0;
        delete r.unusable;
      }
    });
  }

  /** A copy found running: kept if the table gives it a role, adopted if its module is short, else stopped. */
  replicaStarted(id: string): void {
    const { i, j } = locate(this.table, id);
    const found = (this.table.modules[i] as Module).replicas[j] as Replica;
    if (isRunning(found.status)) return;
    if (!this.isUp(found.host)) return;
    const current = this.table.modules[i] as Module;
    const running = occupied(current);
    // Maintenance mode: a copy found running is neither adopted nor stopped while its module is short.
    if (current.paused && running < wantedRunning(current)) return;
    if (running >= wantedRunning(current)) {
      this.act(
        { kind: 'stop', replica: id, host: found.host },
        `${current.name} already runs ${running} of ${wantedRunning(current)} (${styleText(current)})`,
      );
      return;
    }
    const module = this.own(i);
    const role = this.adoptedRole(module);
    const adopted = module.replicas[j] as Replica;
    adopted.status = role;
    // It runs: whatever refused its start before no longer holds.
    delete adopted.unusable;
    this.act(
      { kind: 'set-role', replica: id, host: found.host, role },
      `${module.name} runs ${running} of ${wantedRunning(module)} (${styleText(module)}): adopted as ${role}`,
    );
    this.restore(i, new Map(), false);
  }

  /**
   * A WatchDog's full report of its host (DESIGN §5). The report is the truth about the host: a copy
   * the table runs but the report lacks has failed (counted, and handled by its policy: restarted in
   * place within its threshold, else moved); a copy reported that the table does not give that host
   * is stopped; a wrong role is corrected.
   */
  reconcile(name: string, running: Array<{ replica: string; role: Role }>): void {
    const host = this.host(name);
    if (!host.up) {
      // A WatchDog that answers proves its host is alive: it is up again, its copies start afresh.
      host.up = true;
      this.forgetFailures(name);
    }
    const reported = new Map(running.map((r) => [r.replica, r.role]));
    const lost = new Map<number, Map<string, Role>>();
    const stepping = this.steppingDown(name, reported, lost);
    /** The host's replicas: the index of each one's module. */
    const onHost = new Map<string, number>();
    this.table.modules.forEach((m, i) => {
      for (const [j, r] of m.replicas.entries()) {
        if (r.host === name) onHost.set(r.id, i);
        if (r.host !== name || !isRunning(r.status) || stepping.has(r.id)) continue;
        const role = reported.get(r.id);
        if (role === undefined) {
          // Missing from its WatchDog's report: a failure like any other (counted, policy applies),
          // e.g. a copy that died while the manager or the store was away (DESIGN §5, freeze).
          const module = this.own(i);
          const replica = module.replicas[j] as Replica;
          replica.failures++;
          if (module.paused) {
            this.holdFailure(i, j, r.status);
            continue;
          }
          if (this.restartsInPlace(module, replica)) {
            this.act(
              { kind: 'restart', replica: r.id, host: name, role: r.status },
              `${r.id} missing from the report; ${inPlace(module, replica)}`,
            );
            continue;
          }
          lost.set(i, (lost.get(i) ?? new Map<string, Role>()).set(r.id, r.status));
          replica.status = 'I';
        } else if (role !== r.status) {
          this.act(
            { kind: 'set-role', replica: r.id, host: name, role: r.status },
            `its WatchDog runs ${r.id} as ${role}, the table has it as ${r.status}`,
          );
        }
      }
    });
    for (const { replica: id, role } of running) {
      const i = onHost.get(id) ?? -1;
      const owner = this.table.modules[i];
      const replica = owner?.replicas.find((r) => r.id === id);
      if (owner && replica && isRunning(replica.status)) continue;
      const short = owner && occupied(owner) < wantedRunning(owner);
      if (owner && replica && short) {
        // Still running and its module is short of copies: adopted rather than stopped and started
        // elsewhere. A paused module adopts it only as it runs: nobody is promoted during maintenance.
        const wanted = this.adoptedRole(owner, role);
        if (owner.paused && wanted === 'P' && role !== 'P') continue;
        const module = this.own(i);
        const adopted = module.replicas.find((r) => r.id === id) as Replica;
        adopted.status = wanted;
        delete adopted.unusable;
        if (wanted !== role)
          this.act(
            { kind: 'set-role', replica: id, host: name, role: wanted },
            `${module.name} was short of copies: ${id}, still running, adopted as ${wanted}`,
          );
        continue;
      }
      this.act(
        { kind: 'stop', replica: id, host: name },
        owner && replica
          ? `${owner.name} already runs its copies without ${id}`
          : `the table runs no ${id} on ${name}`,
      );
    }
    const cause = this.cause;
    for (const [i, failed] of lost) {
      this.cause = `${cause}, without ${[...failed.keys()].join(', ')}`;
      this.restore(i, failed, true);
    }
    this.cause = cause;
  }

  /**
   * A reconcile's word on the old primaries of switchovers that run on host `name` (the table keeps
   * each as P until its step-down is confirmed): a warm one reported a backup has stepped down, and
   * its successor is named; one missing from the report is gone, a failure of the backup it was
   * becoming (its module restored with `lost`); else (still primary, or a cold one perhaps still being
   * stopped: such a copy is not listed) the step-down is asked for again, to be confirmed. Returns
   * the replicas so handled.
   */
  private steppingDown(
    name: string,
    reported: ReadonlyMap<string, Role>,
    lost: Map<number, Map<string, Role>>,
  ): Set<string> {
    const handled = new Set<string>();
    this.table.modules.forEach((m, i) => {
      const from = m.switchover && m.replicas.find((r) => r.id === m.switchover?.from);
      if (!from || from.host !== name) return;
      handled.add(from.id);
      const role = reported.get(from.id);
      if (m.style === 'warm' && role === 'B') {
        this.completeSwitchover(i, `${name}'s WatchDog reports ${from.id} a backup`);
        lost.set(i, lost.get(i) ?? new Map());
      } else if (m.style === 'warm' && role === undefined) {
        const module = this.own(i);
        (module.replicas.find((r) => r.id === from.id) as Replica).failures++;
        this.completeSwitchover(i, `${from.id} is gone from ${name}`, true);
        lost.set(i, (lost.get(i) ?? new Map<string, Role>()).set(from.id, 'B'));
      } else {
        const warm = m.style === 'warm';
        this.act(
          warm
            ? { kind: 'set-role', replica: from.id, host: name, role: 'B', confirm: true }
            : { kind: 'stop', replica: from.id, host: name, confirm: true },
          warm
            ? `${from.id} still runs as ${role}: asked again to step down to a backup`
            : `${from.id} ${role ? 'still runs' : 'is not listed, and may still be stopping'}: its stop is asked for again, to be confirmed once it has ended`,
        );
      }
    });
    return handled;
  }

  /**
   * Every warm or cold module whose copy this decision gives the primary role (start, restart or
   * set-role as P) moves to its next primary generation, the new primary's fencing token.
   */
  newGenerations(): void {
    // A restart in place (same copy, same host, the old process killed before it was reported) keeps
    // its generation: its saves go on, and a save frozen with the store stays valid after it.
    const given = this.actions.filter((a) => (a.kind === 'start' || a.kind === 'set-role') && a.role === 'P');
    if (given.length === 0) return;
    // A copy given P is nearly always in a module this decision changed: look there first.
    const moduleOf = new Map<string, number>();
    this.table.modules.forEach((m, i) => {
      if (this.owned.has(m)) for (const r of m.replicas) moduleOf.set(r.id, i);
    });
    for (const a of given) {
      const i = moduleOf.get(a.replica) ?? locate(this.table, a.replica).i;
      const m = this.table.modules[i];
      if (!m || m.style === 'hot') continue;
      const module = this.own(i);
      module.generation = (module.generation ?? 0) + 1;
      delete module.lagHold;
    }
  }

  /**
   * A warm module's fail-over held: no backup is within maxLagOnFailover of `most`. Nobody is
   * promoted and nothing is started as primary; the table keeps the position, so that a later event
   * that says less does not promote a lagging backup. Alerted when the hold begins or at a failure.
   */
  private holdForLag(i: number, most: AppliedPosition, reason: string, afterFailure: boolean): void {
    const module = this.table.modules[i] as Module;
    const same = module.lagHold !== undefined && comparePositions(module.lagHold, most) === 0;
    if (!same) this.own(i).lagHold = { ...most };
    const short = occupied(module) < wantedRunning(module);
    if (module.underReplicated !== short) this.own(i).underReplicated = short;
    if (!same || afterFailure) this.alerts.push({ module: module.name, reason: `${this.cause}: ${reason}` });
  }

  /**
   * The live backup of a warm module to promote: the one that applied the most of the module's
   * replication stream (DESIGN §11), so that what it acknowledged survives; a position not known
   * counts less than any known one, and ties go by the registration's order. With no position
   * known (the module does not replicate, or no WatchDog said), the first live backup (¶0023).
   *
   * With maxLagOnFailover, only a backup within that many messages of the most advanced position
   * known (the event's, of any copy of the module, the lost primary's included, and a held
   * fail-over's) is eligible; one whose position is not known is not. When live backups run but
   * none is eligible, `hold` is that position: nobody is promoted (what they lack would be lost).
   */
  private successor(
    module: Module,
    live: (r: Replica) => boolean,
  ): { j: number; reason?: string; hold?: undefined } | { hold: AppliedPosition; reason: string } | null {
    let candidates: number[] = [];
    module.replicas.forEach((r, j) => {
      if (r.status === 'B' && live(r)) candidates.push(j);
    });
    const at = (j: number) => this.applied[(module.replicas[j] as Replica).id];
    const id = (j: number) => (module.replicas[j] as Replica).id;
    const limit = module.maxLagOnFailover;
    let within = '';
    if (limit !== undefined && candidates.length > 0) {
      let most = module.lagHold;
      for (const r of module.replicas) {
        const p = this.applied[r.id];
        if (p && (!most || comparePositions(p, most) > 0)) most = p;
      }
      if (most) {
        const top = most;
        const lags = (j: number) => {
          const p = at(j);
          return p === undefined ? undefined : lagBehind(p, top);
        };
        const eligible = candidates.filter((j) => (lags(j) ?? Number.POSITIVE_INFINITY) <= limit);
        if (eligible.length === 0) {
          const why = candidates.map((j) => {
            const n = lags(j);
            return n === undefined
              ? `${id(j)} not known`
              : `${id(j)} ${positionText(at(j) as AppliedPosition)}, ${n} behind`;
          });
          return {
            hold: top,
            reason:
              `no backup of ${module.name} is within maxLagOnFailover ${limit} of ${positionText(top)} (${why.join('; ')}): ` +
              'none is promoted, so that nothing acknowledged is lost; it waits for a backup within the limit, or rmctl switchover ' +
              `${module.name} --to ID to promote one and accept what it lacks`,
          };
        }
        candidates = eligible;
        within = `, within maxLagOnFailover ${limit} of ${positionText(top)}`;
      }
    }
    let best: number | undefined;
    for (const j of candidates) {
      const p = at(j);
      const b = best === undefined ? undefined : at(best);
      if (p && (!b || comparePositions(p, b) > 0)) best = j;
    }
    if (best === undefined) return candidates[0] === undefined ? null : { j: candidates[0] };
    const chosen = at(best) as NonNullable<ReturnType<typeof at>>;
    const others = candidates.filter((j) => j !== best);
    const tie = others.some((j) => {
      const p = at(j);
      return p !== undefined && comparePositions(p, chosen) === 0;
    });
    const rest = others.map((j) => {
      const p = at(j);
      return `${id(j)} ${p ? positionText(p) : 'not known'}`;
    });
    return {
      j: best,
      reason:
        `${id(best)} applied ${positionText(chosen)}${within}, ` +
        (rest.length === 0
          ? `${module.name}'s only ${within ? 'eligible' : 'live'} backup`
          : `the most of ${module.name}'s ${within ? 'eligible' : 'live'} backups (${rest.join('; ')})${tie ? '; of equals, the first registered' : ''}`),
    };
  }

  /**
   * The role of a running copy adopted by its module: the next role; a paused module keeps a warm
   * copy's own role unless it would be a second primary.
   */
  private adoptedRole(module: Module, reported?: Role): Role {
    if (module.style !== 'warm' || !module.paused) return this.nextRole(module);
    const hasPrimary = module.replicas.some((r) => r.status === 'P');
    return reported === 'P' && !hasPrimary ? 'P' : 'B';
  }

  /**
   * OnOverThreshold(n): a failed copy is restarted in place, same role, while its failures on this
   * host are ≤ n (¶0015) — unless the host is drained, where nothing starts.
   */
  private restartsInPlace(module: Module, replica: Replica): boolean {
    return (
      module.policy === 'on-over-threshold' &&
      replica.failures <= (module.threshold ?? 0) &&
      this.placeable(replica.host)
    );
  }

  /** The role the next running copy of a module takes: P if it has none (or is hot), else B. */
  private nextRole(module: Module): Role {
    if (module.style === 'hot') return 'P';
    return module.replicas.some((r) => r.status === 'P') ? 'B' : 'P';
  }

  /**
   * Brings the module at `i` back to its degree (level-based). `failed` are copies that just failed,
   * with the role they had: they are the last resort, used only when no other idle copy on a live host
   * is left. `afterFailure`: an alert is raised even if the module was already under-replicated. The
   * module is copied only if something changes.
   *
   * Placement and promotion skip drained hosts (a backup on one is promoted only if no other is
   * left). While a switchover waits for its old primary to step down nobody is promoted and a cold
   * module starts nothing; a paused module changes nothing and only records what it would do.
   */
  restore(i: number, failed: Map<string, Role>, afterFailure: boolean): void {
    let module = this.table.modules[i] as Module;
    this.restored.add(module.name);
    const live = (r: Replica) => this.isUp(r.host);
    const placeable = (r: Replica) => this.placeable(r.host);
    /** The replica at `j` of this decision's own copy of the module. */
    const change = (j: number): Replica => {
      module = this.own(i);
      return module.replicas[j] as Replica;
    };
    if (module.switchover) {
      const from = module.replicas.find((r) => r.id === module.switchover?.from);
      // The old primary's host is down (its copies stopped within their lease), or a warm one no
      // longer runs: it can be primary no more, and its successor is named.
      if (!from || !live(from) || !isRunning(from.status)) {
        const why = from && !live(from) ? `${from.host} is down` : 'the old primary is gone';
        this.completeSwitchover(i, why, true);
        module = this.table.modules[i] as Module;
      }
    }
    if (module.paused) {
      this.hold(i, afterFailure);
      return;
    }
    const pending = module.switchover !== undefined;
    const runningCount = () => occupied(module);
    if (module.style === 'warm' && !pending && !module.replicas.some((r) => r.status === 'P')) {
      // Warm primary gone: a live backup becomes primary (¶0020, ¶0023), the one that applied the
      // most of the module's stream (DESIGN §11), unless none is within its lag limit.
      const found = this.successor(module, placeable);
      if (found?.hold) {
        this.holdForLag(i, found.hold, found.reason, afterFailure);
        return;
      }
      let next = found;
      // Only backups on drained hosts: one is promoted only if no copy can be started elsewhere
      // instead (it would have to hand its role over again at once). With the degree running, the
      // spare starts as primary in a drained backup's place.
      const spare = [
        ...module.replicas.filter((r) => this.startable(r) && !failed.has(r.id)),
        ...module.replicas.filter((r) => this.startable(r) && failed.has(r.id)),
      ][0];
      const other = next ? null : this.successor(module, live);
      if (other?.hold) {
        this.holdForLag(i, other.hold, other.reason, afterFailure);
        return;
      }
      const drained = other;
      if (!next && !spare) next = drained;
      else if (!next && drained && runningCount() >= wantedRunning(module)) {
        const k = module.replicas.indexOf(spare as Replica);
        const gone = change(drained.j);
        const next = change(k);
        gone.status = 'I';
        next.status = 'P';
        failed.delete(next.id);
        this.act(
          { kind: 'start', replica: next.id, host: next.host, role: 'P' },
          `${module.name} has no primary and its backups run on drained hosts: ${next.id} starts as primary in ${gone.id}'s place`,
        );
        this.act(
          { kind: 'stop', replica: gone.id, host: gone.host },
          `${gone.id} is on drained ${gone.host}: replaced by ${next.id}`,
        );
      }
      if (next) {
        const backup = change(next.j);
        backup.status = 'P';
        this.act(
          { kind: 'set-role', replica: backup.id, host: backup.host, role: 'P' },
          `${module.name} has no primary: ${next.reason ?? `${backup.id} is its first live backup`}`,
        );
      }
    }
    const want = wantedRunning(module);
    while (runningCount() < want) {
      const role = this.nextRole(module);
      const idle = module.replicas.findIndex((r) => this.startable(r) && !failed.has(r.id));
      if (idle >= 0) {
        const running = runningCount();
        const r = change(idle);
        r.status = role;
        this.act(
          { kind: 'start', replica: r.id, host: r.host, role },
          `${module.name} runs ${running} of ${want} (${styleText(module)}): ${r.id} is the first live idle copy`,
        );
        continue;
      }
      // Last resort: a copy that just failed, on its own host, rather than fewer copies than the degree.
      const j = module.replicas.findIndex((r) => this.startable(r) && failed.has(r.id));
      if (j < 0) break;
      const running = runningCount();
      const again = change(j);
      const before = failed.get(again.id);
      failed.delete(again.id);
      again.status = role;
      this.act(
        { kind: before === role ? 'restart' : 'start', replica: again.id, host: again.host, role },
        `${module.name} runs ${running} of ${want} (${styleText(module)}) and no other live idle copy is left: ${again.id} again, on its own host`,
      );
    }
    if (!pending) {
      this.moveOffDrained(i, failed);
      // Unless a hand-over just began, whose new backup is one more than the degree on purpose.
      if (!(this.table.modules[i] as Module).switchover) this.stopSurplus(i);
      module = this.table.modules[i] as Module;
    }
    const short = runningCount() < want;
    if (short && (afterFailure || !module.underReplicated)) {
      const down = [...new Set(module.replicas.filter((r) => !live(r)).map((r) => r.host))];
      const drained = [
        ...new Set(module.replicas.filter((r) => live(r) && !placeable(r)).map((r) => r.host)),
      ];
      const refused = module.replicas
        .filter((r) => live(r) && r.unusable !== undefined)
        .map((r) => `${r.id} on ${r.host}`);
      this.alerts.push({
        module: module.name,
        reason:
          `${this.cause}: under-replicated: ${runningCount()} of ${want} copies running, no live idle copy left` +
          (down.length > 0 ? ` (down: ${down.join(', ')})` : '') +
          (drained.length > 0 ? ` (drained: ${drained.join(', ')})` : '') +
          (refused.length > 0 ? ` (cannot start: ${refused.join(', ')})` : '') +
          `; the degree is restored when a host returns${drained.length > 0 ? ' or is undrained' : ''}${refused.length > 0 ? ', or a copy that cannot start is found startable' : ''}`,
      });
    }
    if (module.underReplicated !== short) this.own(i).underReplicated = short;
  }

  /**
   * The copies of the module at `i` that run on drained hosts leave them (rmctl drain): a backup or
   * hot copy is replaced by an idle copy on a placeable host and stopped in the same decision (or
   * only stopped when the degree runs without it); a primary hands its role over by a switchover, to
   * a backup elsewhere (warm: one is started first if none runs there) or an idle copy (cold). A copy
   * with nowhere to go stays, with an alert in the drain's decision.
   */
  private moveOffDrained(i: number, failed: Map<string, Role>): void {
    const initial = this.table.modules[i] as Module;
    const leaving = initial.replicas.filter(
      (r) => isRunning(r.status) && this.isUp(r.host) && this.isDrained(r.host),
    );
    if (leaving.length === 0) return;
    // The others first, so that a primary's hand-over, which waits, comes last.
    leaving.sort((a, b) => Number(a.status === 'P') - Number(b.status === 'P'));
    const spare = (m: Module) => m.replicas.findIndex((r) => this.startable(r) && !failed.has(r.id));
    for (const gone of leaving) {
      let module = this.table.modules[i] as Module;
      const j = module.replicas.findIndex((r) => r.id === gone.id);
      const why = `${gone.id} is on drained ${gone.host}`;
      if (gone.status === 'P' && module.style !== 'hot') {
        let k =
          module.style === 'warm'
            ? module.replicas.findIndex((r) => r.status === 'B' && this.placeable(r.host))
            : spare(module);
        if (k < 0 && module.style === 'warm') {
          k = spare(module);
          if (k >= 0) {
            module = this.own(i);
            const backup = module.replicas[k] as Replica;
            backup.status = 'B';
            this.act(
              { kind: 'start', replica: backup.id, host: backup.host, role: 'B' },
              `${why} and ${module.name} has no backup elsewhere: ${backup.id} starts, to take its role`,
            );
          }
        }
        if (k < 0) {
          this.cannotLeave(module, gone);
          continue;
        }
        const to = module.replicas[k] as Replica;
        this.beginSwitchover(
          i,
          gone.id,
          to.id,
          `${why}: it steps down first, then ${to.id} on ${to.host} takes its role`,
        );
        return;
      }
      const running = module.replicas.filter((r) => isRunning(r.status)).length;
      const k = running > wantedRunning(module) ? -1 : spare(module);
      if (running <= wantedRunning(module) && k < 0) {
        this.cannotLeave(module, gone);
        continue;
      }
      module = this.own(i);
      if (k >= 0) {
        const next = module.replicas[k] as Replica;
        const role = gone.status as Role;
        next.status = role;
        this.act(
          { kind: 'start', replica: next.id, host: next.host, role },
          `${why}: ${next.id} is the first idle copy on a live, undrained host, to replace it`,
        );
      }
      (module.replicas[j] as Replica).status = 'I';
      const replaced =
        k >= 0 ? `replaced by ${(module.replicas[k] as Replica).id}` : 'the degree runs elsewhere';
      this.act({ kind: 'stop', replica: gone.id, host: gone.host }, `${why}: ${replaced}`);
    }
  }

  /**
   * A warm module running more copies than its degree (the backup started for a hand-over off a
   * drained host that was undrained meanwhile) stops its surplus backups: those on drained hosts
   * first, then the last in registration order.
   */
  private stopSurplus(i: number): void {
    let module = this.table.modules[i] as Module;
    for (let n = occupied(module); n > wantedRunning(module); n--) {
      const backups = module.replicas.filter((r) => r.status === 'B' && this.isUp(r.host));
      const r = backups.find((b) => this.isDrained(b.host)) ?? backups.at(-1);
      if (!r) return;
      module = this.own(i);
      (module.replicas.find((x) => x.id === r.id) as Replica).status = 'I';
      this.act(
        { kind: 'stop', replica: r.id, host: r.host },
        `${module.name} runs ${n} copies, ${wantedRunning(module)} wanted (${styleText(module)}): ${r.id} stops`,
      );
    }
  }

  /** A copy that cannot leave its drained host: an alert, in the drain's own decision only. */
  private cannotLeave(module: Module, r: Replica): void {
    if (this.draining !== r.host) return;
    this.alerts.push({
      module: module.name,
      reason: `${this.cause}: ${r.id} stays on drained ${r.host}: no idle copy of ${module.name} on a live, undrained host to take over`,
    });
  }

  /**
   * A switchover's first step: the primary `fromId` is asked to step down (warm: to a backup; cold:
   * stopped), with `confirm`, and `toId` is remembered as its successor. The table keeps `fromId` as
   * the primary until `demoted`: its saves are accepted until it has stepped down, so that nothing is
   * lost, and nobody else is primary before.
   */
  private beginSwitchover(i: number, fromId: string, toId: string, rule: string): void {
    const module = this.own(i);
    const from = module.replicas.find((r) => r.id === fromId) as Replica;
    module.switchover = { from: fromId, to: toId };
    if (module.style === 'warm')
      this.act({ kind: 'set-role', replica: from.id, host: from.host, role: 'B', confirm: true }, rule);
    else this.act({ kind: 'stop', replica: from.id, host: from.host, confirm: true }, rule);
  }

  /**
   * A switchover's second step, once its old primary can be primary no more: the chosen copy becomes
   * primary (warm: a running backup promoted; cold: an idle copy started), else the first eligible
   * one in registration order, the old primary last; with none, restore() finds what it can.
   */
  private completeSwitchover(i: number, why: string, gone = false): void {
    const module = this.own(i);
    const pending = module.switchover;
    if (!pending) return;
    delete module.switchover;
    // The old primary is what it stepped down to (a warm backup, a cold copy stopped), or gone.
    const from = module.replicas.find((r) => r.id === pending.from);
    if (from) from.status = gone || module.style === 'cold' ? 'I' : 'B';
    const eligible = (r: Replica) =>
      module.style === 'warm' ? r.status === 'B' : r.status === 'I' && !r.unusable && r.id !== pending.from;
    const order = [
      ...module.replicas.filter((r) => r.id === pending.to),
      ...module.replicas.filter((r) => r.id !== pending.to && r.id !== pending.from),
      ...module.replicas.filter((r) => r.id === pending.from && r.id !== pending.to),
    ];
    // A warm backup that runs on a drained host is promoted only if no copy can be started elsewhere
    // instead (restore() then starts one as primary); a cold copy is never started on one.
    const spare = module.replicas.some((r) => this.startable(r));
    const next =
      order.find((r) => eligible(r) && this.placeable(r.host)) ??
      (module.style === 'warm' && !spare ? order.find((r) => eligible(r) && this.isUp(r.host)) : undefined);
    if (!next) return;
    next.status = 'P';
    const chosen =
      next.id === pending.to ? 'the chosen copy' : `the first eligible copy (${pending.to} cannot be)`;
    const rule = `switchover of ${module.name}: ${pending.from} can be primary no more (${why}): ${next.id}, ${chosen}, is primary`;
    if (module.style === 'warm')
      this.act({ kind: 'set-role', replica: next.id, host: next.host, role: 'P' }, rule);
    else this.act({ kind: 'start', replica: next.id, host: next.host, role: 'P' }, rule);
  }

  /** A failure of the copy at `j` of a paused module: it no longer runs; resume handles it. */
  private holdFailure(i: number, j: number, role: Role): void {
    const module = this.own(i);
    const replica = module.replicas[j] as Replica;
    replica.status = 'I';
    const held = (module.held ?? []).filter((h) => h.replica !== replica.id);
    module.held = [...held, { replica: replica.id, role }];
    this.restore(i, new Map(), true);
  }

  /**
   * A paused module: nothing is decided, only what resume would do now is told (an alert when a
   * failure came in), and whether it runs short.
   */
  private hold(i: number, afterFailure: boolean): void {
    const module = this.table.modules[i] as Module;
    const short = occupied(module) < wantedRunning(module);
    if (afterFailure) {
      const would = Decider.scratch(this.table, module).actions;
      if (would.length > 0) {
        this.alerts.push({
          module: module.name,
          reason: `${this.cause}: paused: nothing is failed over; rmctl resume ${module.name} would ${would.map(actionText).join(', ')}`,
        });
      }
    }
    if (module.underReplicated !== short) this.own(i).underReplicated = short;
  }

  /**
   * Brings a module that was paused back (rmctl resume, and what status shows it would do): each held
   * failure as its policy would have handled it, if still needed and its host can take it — restarted
   * in place within OnOverThreshold — then restore(), with the other held copies as the last resort.
   */
  resumeModule(i: number, held: readonly HeldFailure[]): void {
    const failed = new Map<string, Role>();
    for (const h of held) {
      const module = this.table.modules[i] as Module;
      const j = module.replicas.findIndex((r) => r.id === h.replica);
      const r = module.replicas[j];
      if (r?.status !== 'I' || r.unusable !== undefined || !this.placeable(r.host)) continue;
      const running = module.replicas.filter((x) => isRunning(x.status));
      const needed =
        h.role === 'P' && module.style !== 'hot'
          ? !running.some((x) => x.status === 'P') && !module.switchover
          : running.length < wantedRunning(module);
      if (needed && this.restartsInPlace(module, r)) {
        (this.own(i).replicas[j] as Replica).status = h.role;
        this.act(
          { kind: 'restart', replica: r.id, host: r.host, role: h.role },
          `${r.id} failed while ${module.name} was paused; ${inPlace(module, r)}`,
        );
      } else failed.set(r.id, h.role);
    }
    this.restore(i, failed, true);
  }

  /** rmctl switchover MODULE [--to REPLICA]: a planned change of primary (DESIGN §12). */
  switchover(name: string, toId?: string): void {
    const i = this.moduleIndex(name);
    const module = this.table.modules[i] as Module;
    if (module.style === 'hot') {
      throw new MaintenanceError(
        `${name} is hot: every running copy is a primary, so there is none to switch over; its connections are spread over all of them`,
      );
    }
    if (module.switchover) {
      throw new MaintenanceError(
        `a switchover of ${name} is under way (${module.switchover.from} to ${module.switchover.to}): it ends once ${module.switchover.from} has stepped down`,
      );
    }
    const primary = module.replicas.find((r) => r.status === 'P');
    if (!primary && module.lagHold && toId !== undefined) {
      this.promoteHeld(i, toId);
      return;
    }
    if (!primary) {
      if (module.lagHold)
        throw new MaintenanceError(
          `${name}'s fail-over is held: no backup is within maxLagOnFailover ${module.maxLagOnFailover} of ${positionText(module.lagHold)}; name the backup to promote (--to ID), accepting what it lacks`,
        );
      throw new MaintenanceError(
        `${name} has no running primary to switch over from; it is being failed over`,
      );
    }
    const eligible = (r: Replica) =>
      module.style === 'warm' ? r.status === 'B' : r.status === 'I' && !r.unusable;
    const what = module.style === 'warm' ? 'a running backup (B)' : 'an idle copy (I)';
    const candidates = module.replicas.filter((r) => eligible(r) && this.placeable(r.host));
    let to: Replica | undefined;
    if (toId !== undefined) {
      to = module.replicas.find((r) => r.id === toId);
      if (!to) {
        throw new NotFoundError(
          `${name} has no replica "${toId}" (its replicas: ${module.replicas.map((r) => r.id).join(', ')})`,
        );
      }
      if (to === primary) throw new MaintenanceError(`${toId} is already the primary of ${name}`);
      if (to.unusable !== undefined && module.style !== 'warm') {
        throw new MaintenanceError(
          `${toId} cannot start on ${to.host}: ${to.unusable}; choose one of: ${candidates.map((r) => r.id).join(', ') || 'none now'}`,
        );
      }
      if (!eligible(to)) {
        throw new MaintenanceError(
          `${toId} is ${to.status}; a ${module.style} module switches over to ${what}: ${candidates.map((r) => r.id).join(', ') || 'none now'}`,
        );
      }
      if (!this.placeable(to.host)) {
        throw new MaintenanceError(
          `${toId} is on ${to.host}, which is ${this.isUp(to.host) ? 'drained' : 'down'}; choose one of: ${candidates.map((r) => r.id).join(', ') || 'none now'}`,
        );
      }
    } else {
      to = candidates[0];
      if (!to) {
        throw new MaintenanceError(
          `${name} has no ${what.replace(/^an? /, '')} on a live, undrained host to switch over to`,
        );
      }
    }
    this.restored.add(name);
    this.beginSwitchover(
      i,
      primary.id,
      to.id,
      `${primary.id} steps down first (${module.style === 'warm' ? 'to a backup' : 'stopped'}), then ${to.id} on ${to.host} takes its role`,
    );
  }

  /**
   * rmctl switchover MODULE --to ID on a module whose fail-over is held for lag: the operator
   * accepts that ID lacks what it lags by, and it is promoted at once (there is no primary to step
   * down first).
   */
  private promoteHeld(i: number, toId: string): void {
    const module = this.table.modules[i] as Module;
    const j = module.replicas.findIndex((r) => r.id === toId);
    const to = module.replicas[j];
    if (!to) {
      throw new NotFoundError(
        `${module.name} has no replica "${toId}" (its replicas: ${module.replicas.map((r) => r.id).join(', ')})`,
      );
    }
    const backups = module.replicas.filter((r) => r.status === 'B' && this.placeable(r.host));
    if (to.status !== 'B' || !this.placeable(to.host)) {
      throw new MaintenanceError(
        `${toId} is ${to.status} on ${to.host}${this.placeable(to.host) ? '' : `, which is ${this.isUp(to.host) ? 'drained' : 'down'}`}; a held fail-over promotes a running backup (B) on a live, undrained host: ${backups.map((r) => r.id).join(', ') || 'none now'}`,
      );
    }
    const held = module.lagHold as AppliedPosition;
    const m = this.own(i);
    const r = m.replicas[j] as Replica;
    r.status = 'P';
    delete m.lagHold;
    this.restored.add(m.name);
    this.act(
      { kind: 'set-role', replica: r.id, host: r.host, role: 'P' },
      `${m.name}'s fail-over was held for lag (nobody within maxLagOnFailover ${m.maxLagOnFailover} of ${positionText(held)}): ${r.id} is promoted as asked, accepting what it lacks`,
    );
    this.restore(i, new Map(), false);
  }

  /** The WatchDog confirmed a switchover's first step: the successor is named. Otherwise nothing. */
  demoted(id: string): void {
    // A late confirmation (the switchover already ended, the module unregistered) changes nothing.
    const i = this.table.modules.findIndex((m) => m.switchover?.from === id);
    if (i < 0) return;
    const module = this.table.modules[i] as Module;
    this.completeSwitchover(i, module.style === 'warm' ? 'it is a backup now' : 'it has ended');
    this.restore(i, new Map(), false);
  }

  /** rmctl pause [MODULE]: maintenance mode for one module or for every one. */
  pause(name?: string): void {
    for (const i of this.targets(name)) {
      if ((this.table.modules[i] as Module).paused) continue;
      const module = this.own(i);
      module.paused = true;
      this.restored.add(module.name);
    }
  }

  /** rmctl resume [MODULE]: the end of maintenance mode; what is still needed is done now. */
  resume(name?: string): void {
    for (const i of this.targets(name)) {
      const was = this.table.modules[i] as Module;
      if (!was.paused) continue;
      const module = this.own(i);
      const held = module.held ?? [];
      delete module.paused;
      delete module.held;
      this.resumeModule(i, held);
    }
  }

  /** rmctl drain HOST: nothing is placed there any more and its copies leave it. */
  drain(name: string): void {
    const host = this.host(name);
    if (host.drained) return;
    host.drained = true;
    this.draining = name;
    this.table.modules.forEach((m, i) => {
      if (m.replicas.some((r) => r.host === name && isRunning(r.status))) this.restore(i, new Map(), false);
    });
  }

  /** rmctl undrain HOST: the host takes copies again; nothing moves back by itself. */
  undrain(name: string): void {
    const host = this.host(name);
    if (host.drained) delete host.drained;
  }

  /** The module named, or every module when no name is given. Raises NotFoundError. */
  private targets(name?: string): number[] {
    if (name === undefined) return this.table.modules.map((_, i) => i);
    return [this.moduleIndex(name)];
  }

  private moduleIndex(name: string): number {
    const i = this.table.modules.findIndex((m) => m.name === name);
    if (i < 0) {
      throw new NotFoundError(
        `unknown module "${name}" (registered: ${this.table.modules.map((m) => m.name).join(', ') || 'none'})`,
      );
    }
    return i;
  }
}

/** The rule of a restart in place (OnOverThreshold, ¶0015), with the count it went by. */
function inPlace(module: Module, replica: Replica): string {
  return `OnOverThreshold(${module.threshold ?? 0}): failure ${replica.failures} of ${module.threshold ?? 0} allowed on ${replica.host}, restarted in place`;
}
