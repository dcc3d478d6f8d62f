/**
 * The pure decision core (DESIGN §4; source ¶0015–0024): given the replica table and one event, the
 * new table, the actions for the WatchDogs and the alerts for the operator. No I/O, no clock, no
 * randomness: the same inputs always give the same outputs, and the input table is never changed.
 *
 * Every event ends with the same level-based step, `restore`, applied to each module it touched: a
 * warm or cold module without a primary promotes its first live backup, else starts its first live
 * idle copy as primary; then idle copies are started (hot as P, warm as B) until the degree runs.
 * The order of the registration is the order of preference throughout.
 *
 * The new table shares every module the event leaves alone with the input (copy on write), so that
 * an event costs what it changes, not the size of the table; nothing reachable from the input is
 * ever written to.
 */
import { NotFoundError, RegistrationError } from '../shared/errors.js';
import {
  type Action,
  type Alert,
  type Decision,
  type Event,
  isRunning,
  type Module,
  type ModuleSpec,
  type Persist,
  type Replica,
  type ReplicaTable,
  type Role,
  wantedRunning,
} from './table.js';
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
  const d = new Decider(table);
  switch (event.kind) {
    case 'register':
      d.register(event.module, event.runningOn);
      break;
    case 'unregister':
      d.unregister(event.name);
      break;
    case 'replica-failed':
      d.replicaFailed(event.replica, event.atMs);
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
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
  // Level-based: every module the event did not touch is checked too, so that no module stays short
  // while a copy could run (e.g. a table written by hand, or an action lost with a previous manager).
  d.table.modules.forEach((module, i) => {
    if (!d.restored.has(module.name) && !settled(module)) d.restore(i, new Map(), false);
  });
  d.newGenerations();
  return { table: d.table, actions: d.actions, alerts: d.alerts, persist: d.persist() };
}

/** Whether restore() would leave a module as it is: its degree runs, a warm one has its primary. */
function settled(module: Module): boolean {
  let running = 0;
  let primary = false;
  for (const r of module.replicas) {
    if (r.status === 'P') primary = true;
    if (isRunning(r.status)) running++;
  }
  return running >= wantedRunning(module) && !module.underReplicated && (module.style !== 'warm' || primary);
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

  constructor(private readonly input: ReplicaTable) {
    this.table = { hosts: input.hosts.map((h) => ({ ...h })), modules: [...input.modules] };
  }

  /** What this decision changed, for the caller to persist before it acts. */
  persist(): Persist {
    const hosts =
      this.table.hosts.length !== this.input.hosts.length ||
      this.table.hosts.some(
        (h, i) => h.name !== this.input.hosts[i]?.name || h.up !== this.input.hosts[i]?.up,
      );
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

  private host(name: string) {
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
    const i = this.table.modules.findIndex((m) => m.name === name);
    const module = this.table.modules[i];
    if (!module) {
      throw new NotFoundError(
        `unknown module "${name}" (registered: ${this.table.modules.map((m) => m.name).join(', ') || 'none'})`,
      );
    }
    for (const r of module.replicas) {
      if (isRunning(r.status) && this.isUp(r.host))
        this.actions.push({ kind: 'stop', replica: r.id, host: r.host });
    }
    this.table.modules.splice(i, 1);
    this.removed.push(name);
  }

  replicaFailed(id: string, atMs?: number): void {
    const { i, j } = locate(this.table, id);
    const found = (this.table.modules[i] as Module).replicas[j] as Replica;
    const role = found.status;
    // A report about a copy that no longer runs (already failed over, or its host is down) changes nothing.
    if (!isRunning(role) || !this.isUp(found.host)) return;
    const module = this.own(i);
    const replica = module.replicas[j] as Replica;
    replica.failures++;
    if (atMs !== undefined) {
      const prev = replica.streak;
      const goesOn = prev !== undefined && atMs - prev.lastAtMs <= RESTART_WINDOW_MS && atMs >= prev.lastAtMs;
      replica.streak = { count: goesOn ? prev.count + 1 : 1, lastAtMs: atMs };
    }
    const first = this.actions.length;
    if (module.policy === 'on-over-threshold' && replica.failures <= (module.threshold ?? 0)) {
      // OnOverThreshold(n): restarted in place, same role, while its failures on this host are ≤ n (¶0015).
      this.actions.push({ kind: 'restart', replica: replica.id, host: replica.host, role });
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

  /** Clears the failures counted on `host`, for a host that comes back. */
  private forgetFailures(host: string): void {
    this.table.modules.forEach((m, i) => {
      if (!m.replicas.some((r) => r.host === host && r.failures !== 0)) return;
      for (const r of this.own(i).replicas) if (r.host === host) r.failures = 0;
    });
  }

  /** A copy found running: kept if the table gives it a role, adopted if its module is short, else stopped. */
  replicaStarted(id: string): void {
    const { i, j } = locate(this.table, id);
    const found = (this.table.modules[i] as Module).replicas[j] as Replica;
    if (isRunning(found.status)) return;
    if (!this.isUp(found.host)) return;
    const current = this.table.modules[i] as Module;
    const running = current.replicas.filter((r) => isRunning(r.status)).length;
    if (running >= wantedRunning(current)) {
      this.actions.push({ kind: 'stop', replica: id, host: found.host });
      return;
    }
    const module = this.own(i);
    const role = this.nextRole(module);
    (module.replicas[j] as Replica).status = role;
    this.actions.push({ kind: 'set-role', replica: id, host: found.host, role });
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
    /** The host's replicas: the index of each one's module. */
    const onHost = new Map<string, number>();
    this.table.modules.forEach((m, i) => {
      for (const [j, r] of m.replicas.entries()) {
        if (r.host === name) onHost.set(r.id, i);
        if (r.host !== name || !isRunning(r.status)) continue;
        const role = reported.get(r.id);
        if (role === undefined) {
          // Missing from its WatchDog's report: a failure like any other (counted, policy applies),
          // e.g. a copy that died while the manager or the store was away (DESIGN §5, freeze).
          const module = this.own(i);
          const replica = module.replicas[j] as Replica;
          replica.failures++;
          if (module.policy === 'on-over-threshold' && replica.failures <= (module.threshold ?? 0)) {
            this.actions.push({ kind: 'restart', replica: r.id, host: name, role: r.status });
            continue;
          }
          lost.set(i, (lost.get(i) ?? new Map<string, Role>()).set(r.id, r.status));
          replica.status = 'I';
        } else if (role !== r.status) {
          this.actions.push({ kind: 'set-role', replica: r.id, host: name, role: r.status });
        }
      }
    });
    for (const { replica: id, role } of running) {
      const i = onHost.get(id) ?? -1;
      const owner = this.table.modules[i];
      const replica = owner?.replicas.find((r) => r.id === id);
      if (owner && replica && isRunning(replica.status)) continue;
      const short = owner && owner.replicas.filter((r) => isRunning(r.status)).length < wantedRunning(owner);
      if (owner && replica && short) {
        // Still running and its module is short of copies: adopted rather than stopped and started elsewhere.
        const module = this.own(i);
        const wanted = this.nextRole(module);
        (module.replicas.find((r) => r.id === id) as Replica).status = wanted;
        if (wanted !== role) this.actions.push({ kind: 'set-role', replica: id, host: name, role: wanted });
        continue;
      }
      this.actions.push({ kind: 'stop', replica: id, host: name });
    }
    for (const [i, failed] of lost) this.restore(i, failed, true);
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
    }
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
   */
  restore(i: number, failed: Map<string, Role>, afterFailure: boolean): void {
    let module = this.table.modules[i] as Module;
    this.restored.add(module.name);
    const live = (r: Replica) => this.isUp(r.host);
    /** The replica at `j` of this decision's own copy of the module. */
    const change = (j: number): Replica => {
      module = this.own(i);
      return module.replicas[j] as Replica;
    };
    if (module.style === 'warm' && !module.replicas.some((r) => r.status === 'P')) {
      // Warm primary gone: the first live backup becomes primary (¶0020, ¶0023).
      const j = module.replicas.findIndex((r) => r.status === 'B' && live(r));
      if (j >= 0) {
        const backup = change(j);
        backup.status = 'P';
        this.actions.push({ kind: 'set-role', replica: backup.id, host: backup.host, role: 'P' });
      }
    }
    const want = wantedRunning(module);
    const runningCount = () => module.replicas.filter((r) => isRunning(r.status)).length;
    while (runningCount() < want) {
      const role = this.nextRole(module);
      const idle = module.replicas.findIndex((r) => r.status === 'I' && live(r) && !failed.has(r.id));
      if (idle >= 0) {
        const r = change(idle);
        r.status = role;
        this.actions.push({ kind: 'start', replica: r.id, host: r.host, role });
        continue;
      }
      // Last resort: a copy that just failed, on its own host, rather than fewer copies than the degree.
      const j = module.replicas.findIndex((r) => r.status === 'I' && live(r) && failed.has(r.id));
      if (j < 0) break;
      const again = change(j);
      const before = failed.get(again.id);
      failed.delete(again.id);
      again.status = role;
      this.actions.push({
        kind: before === role ? 'restart' : 'start',
        replica: again.id,
        host: again.host,
        role,
      });
    }
    const short = runningCount() < want;
    if (short && (afterFailure || !module.underReplicated)) {
      const down = [...new Set(module.replicas.filter((r) => !live(r)).map((r) => r.host))];
      this.alerts.push({
        module: module.name,
        reason:
          `under-replicated: ${runningCount()} of ${want} copies running, no live idle copy left` +
          (down.length > 0 ? ` (down: ${down.join(', ')})` : '') +
          '; the degree is restored when a host returns',
      });
    }
    if (module.underReplicated !== short) this.own(i).underReplicated = short;
  }
}
