/**
 * The ReplicaManager's loop (DESIGN §5) with recording fakes for its two narrow interfaces: the table
 * store and the WatchDogs. Persist, then act; nothing decided before the table is loaded; a stale
 * epoch from anyone stops it for good; an unreachable store freezes it without losing the event; a
 * warm primary's fail-over asks the backups' WatchDogs how far each applied and promotes the most.
 */
import { describe, expect, it } from 'vitest';
import type {
  Action,
  AppliedPosition,
  Module,
  ModuleSpec,
  ReplicaTable,
  Role,
} from '../../src/model/table.js';
import {
  type ManagerOptions,
  NOT_WANTED,
  ReplicaManager,
  type TableStore,
  type WatchDogTransport,
} from '../../src/replica-manager/manager.js';
import {
  ExecutableError,
  RegistrationError,
  StaleEpochError,
  UnavailableError,
} from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logging.js';

type Log = string[];

class FakeStore implements TableStore {
  saved: ReplicaTable | null = null;
  failNext = 0;
  staleFrom = Number.POSITIVE_INFINITY;
  loadGate: Promise<void> = Promise.resolve();
  constructor(private readonly log: Log) {}
  async load() {
    await this.loadGate;
    return this.saved ? structuredClone(this.saved) : null;
  }
  async save(table: ReplicaTable, epoch: number) {
    if (epoch < this.staleFrom && this.staleFrom !== Number.POSITIVE_INFINITY)
      throw new StaleEpochError(epoch, this.staleFrom);
    if (this.failNext > 0) {
      this.failNext--;
      throw new UnavailableError('store down');
    }
    this.saved = structuredClone(table);
    this.log.push(`save@${epoch}`);
  }
}

class FakeWatchDogs implements WatchDogTransport {
  running = new Map<
    string,
    Array<{ replica: string; role: Role; startedAtMs?: number; applied?: AppliedPosition }>
  >();
  stale = false;
  /** Hosts whose WatchDog does not answer. */
  silent = new Set<string>();
  /** Hosts whose WatchDog never answers at all (a call that hangs until its deadline). */
  hanging = new Set<string>();
  /** The hosts asked what they run, in order. */
  lists: string[] = [];
  listGate: Promise<void> = Promise.resolve();
  /** The WatchDogs' clock: every start and every list is a tick later. */
  clockMs = 1000;
  /** When each replica's copy was last started. */
  started = new Map<string, number>();
  /** Called before an action is carried out: a test may hold it back, or make it fail. */
  before: (action: Action) => Promise<void> = async () => undefined;
  constructor(private readonly log: Log) {}
  /** Hosts whose WatchDog does not answer commands (each attempt fails as unreachable). */
  unreachable = new Set<string>();
  /** Hosts whose WatchDog refuses to start anything (the executable is missing there), and why. */
  refusing = new Map<string, string>();
  /** Every start or restart asked for, refused or not (`A1@H1`). */
  startsAsked: string[] = [];
  /** The copies asked about (CheckReplica), `A1@H1 /opt/a`. */
  checks: string[] = [];
  async execute(action: Action, _m: unknown, epoch: number, stillWanted = () => true) {
    if (this.stale) throw new StaleEpochError(epoch, epoch + 1);
    if (this.unreachable.has(action.host))
      throw new UnavailableError(`WatchDog on ${action.host} did not answer`);
    const starts = action.kind === 'start' || action.kind === 'restart';
    if (starts) this.startsAsked.push(`${action.replica}@${action.host}`);
    const refusal = this.refusing.get(action.host);
    if (starts && refusal !== undefined) throw new ExecutableError(refusal);
    await this.before(action);
    // A restart stops the old copy first, then asks whether its start is still wanted.
    if (action.kind === 'restart' && !stillWanted()) {
      this.log.push(`stop ${action.replica}@${action.host}`);
      return NOT_WANTED;
    }
    this.log.push(
      `${action.kind} ${action.replica}@${action.host}${'role' in action ? ` ${action.role}` : ''}`,
    );
    if (action.kind !== 'start' && action.kind !== 'restart') return null;
    this.started.set(action.replica, ++this.clockMs);
    return { startedAtMs: this.clockMs };
  }
  async checkReplica(module: Module, replica: string) {
    const r = module.replicas.find((x) => x.id === replica);
    if (!r) throw new Error(`no replica ${replica} in ${module.name}`);
    if (this.silent.has(r.host) || this.unreachable.has(r.host))
      throw new UnavailableError(`WatchDog on ${r.host} did not answer`);
    this.checks.push(`${replica}@${r.host} ${r.path}`);
    const refusal = this.refusing.get(r.host);
    return { startable: refusal === undefined, reason: refusal ?? '' };
  }
  async listRunning(host: string) {
    await this.listGate;
    if (this.hanging.has(host)) await new Promise<never>(() => undefined);
    if (this.silent.has(host)) throw new UnavailableError(`WatchDog on ${host} did not answer`);
    this.lists.push(host);
    const running = (this.running.get(host) ?? []).map((r) => ({
      ...r,
      startedAtMs: r.startedAtMs ?? this.started.get(r.replica) ?? 1,
    }));
    return { asOfMs: ++this.clockMs, running };
  }
}

const HOSTS = ['H1', 'H2', 'H3'];
const A: ModuleSpec = {
  name: 'A',
  style: 'warm',
  degree: 2,
  policy: 'on-each-failure',
  replicas: HOSTS.map((host) => ({ host, path: '/opt/a' })),
};

function setup(over: Partial<ManagerOptions> = {}) {
  const log: Log = [];
  const store = new FakeStore(log);
  const watchdogs = new FakeWatchDogs(log);
  const fenced: StaleEpochError[] = [];
  const rm = new ReplicaManager({
    store,
    watchdogs,
    epoch: 3,
    hosts: HOSTS,
    logger: silentLogger(),
    onFenced: (e) => fenced.push(e),
    storeRetryMs: 5,
    ...over,
  });
  return { rm, log, store, watchdogs, fenced };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('ReplicaManager loop: a host that comes back (DESIGN §5)', () => {
  it('counts the host again only through a reconcile with its WatchDog: a copy left there from before is stopped in that decision', async () => {
    const { rm, log, watchdogs } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await rm.submit({ kind: 'host-down', host: 'H1' });
    await settle();
    expect(rm.table.hosts.find((h) => h.name === 'H1')?.up).toBe(false);
    // H1's old primary A1 is still there when H1 returns (a partition that healed).
    watchdogs.running.set('H1', [{ replica: 'A1', role: 'P' }]);
    log.length = 0;
    watchdogs.lists.length = 0;
    await rm.hostUp('H1');
    await settle();
    expect(watchdogs.lists).toEqual(['H1']);
    expect(log).toEqual(['save@3', 'stop A1@H1']);
    expect(rm.table.hosts.find((h) => h.name === 'H1')?.up).toBe(true);
    expect(rm.table.modules[0]?.replicas.map((r) => `${r.id}:${r.status}`)).toEqual(['A1:I', 'A2:P', 'A3:B']);
  });

  it('leaves the host down while its WatchDog does not answer, and says so to the reporter', async () => {
    const { rm, watchdogs } = setup();
    await rm.start();
    await rm.submit({ kind: 'host-down', host: 'H2' });
    watchdogs.silent.add('H2');
    await expect(rm.hostUp('H2')).rejects.toBeInstanceOf(UnavailableError);
    expect(rm.table.hosts.find((h) => h.name === 'H2')?.up).toBe(false);
  });
});

describe('ReplicaManager loop', () => {
  it('persists the new table before any command leaves, then carries out the actions in order', async () => {
    const { rm, log, store } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await settle();
    expect(log).toEqual(['save@3', 'start A1@H1 P', 'start A2@H2 B']);
    expect(store.saved?.modules[0]?.replicas.map((r) => r.status)).toEqual(['P', 'B', 'I']);
    log.length = 0;
    await rm.submit({ kind: 'replica-failed', replica: 'A1' });
    await settle();
    expect(log).toEqual(['save@3', 'set-role A2@H2 P', 'start A3@H3 B']);
  });

  it('events submitted together share one write of the table, in order; a refused one changes nothing for the others', async () => {
    const { rm, log, store } = setup();
    await rm.start();
    const specs = ['A', 'B', 'C'].map((name) => ({ ...A, name }));
    const results = await Promise.allSettled([
      rm.submit({ kind: 'register', module: specs[0]! }),
      rm.submit({ kind: 'register', module: specs[0]! }), // the same name again: refused
      rm.submit({ kind: 'register', module: specs[1]! }),
      rm.submit({ kind: 'register', module: specs[2]! }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/already registered/);
    // Each decision saw the table the one before it left.
    const tables = results.map((r) => (r.status === 'fulfilled' ? r.value.table.modules.length : 0));
    expect(tables).toEqual([1, 0, 2, 3]);
    await settle();
    expect(log.filter((l) => l.startsWith('save'))).toEqual(['save@3']);
    expect(log[0]).toBe('save@3');
    expect(store.saved?.modules.map((m) => m.name)).toEqual(['A', 'B', 'C']);
    expect(log.filter((l) => l.startsWith('start')).length).toBe(6);
  });

  it('decides nothing and answers unavailable until its table is loaded', async () => {
    const { rm, store } = setup();
    store.saved = { hosts: HOSTS.map((name) => ({ name, up: true })), modules: [] };
    let open: () => void = () => undefined;
    store.loadGate = new Promise((r) => {
      open = r;
    });
    const starting = rm.start();
    await expect(rm.submit({ kind: 'register', module: A })).rejects.toBeInstanceOf(UnavailableError);
    open();
    await starting;
    await rm.submit({ kind: 'register', module: A });
    expect(rm.table.modules.map((m) => m.name)).toEqual(['A']);
  });

  it("decides only the WatchDogs' answers until every host has been reconciled", async () => {
    const { rm, watchdogs } = setup();
    let open: () => void = () => undefined;
    watchdogs.listGate = new Promise((r) => {
      open = r;
    });
    const starting = rm.start();
    await settle();
    expect(rm.state).toBe('reconciling');
    await expect(rm.submit({ kind: 'register', module: A })).rejects.toThrow(
      /reconciling with the WatchDogs/,
    );
    open();
    await starting;
    expect(rm.state).toBe('serving');
    await rm.submit({ kind: 'register', module: A });
  });

  it('reloads a saved table and reconciles: a copy missing from its host is started again, a stray one stopped', async () => {
    const first = setup();
    await first.rm.start();
    await first.rm.submit({ kind: 'register', module: A });
    const { rm, log, store, watchdogs } = setup();
    store.saved = first.store.saved;
    watchdogs.running.set('H1', [
      { replica: 'A1', role: 'P' },
      { replica: 'Z9', role: 'P' },
    ]);
    await rm.start();
    await settle();
    expect(log).toContain('stop Z9@H1');
    expect(log).toContain('start A3@H3 B'); // A2 missing on H2: replaced in preference order
    expect(rm.table.modules[0]?.replicas.map((r) => r.status)).toEqual(['P', 'I', 'B']);
  });

  it('an unreachable store freezes the manager: the event waits, nothing is commanded, then it goes through', async () => {
    const { rm, log, store } = setup();
    await rm.start();
    store.failNext = 5;
    await rm.submit({ kind: 'register', module: A });
    expect(log[0]).toBe('save@3');
    await settle();
    expect(log).toEqual(['save@3', 'start A1@H1 P', 'start A2@H2 B']);
  });

  it('a stale epoch at the store fences it for good: no command leaves, later events are refused', async () => {
    const { rm, log, store, fenced } = setup();
    await rm.start();
    store.staleFrom = 4;
    await expect(rm.submit({ kind: 'register', module: A })).rejects.toBeInstanceOf(StaleEpochError);
    await settle();
    expect(log).toEqual([]);
    expect(rm.state).toBe('fenced');
    expect(fenced).toHaveLength(1);
    await expect(rm.submit({ kind: 'host-down', host: 'H1' })).rejects.toBeInstanceOf(StaleEpochError);
  });

  it('a stale epoch at a WatchDog fences it too', async () => {
    const { rm, watchdogs, fenced } = setup();
    await rm.start();
    watchdogs.stale = true;
    await rm.submit({ kind: 'register', module: A });
    await settle();
    expect(rm.state).toBe('fenced');
    expect(fenced).toHaveLength(1);
  });
});

describe('ReplicaManager loop: stale failure reports (a copy already accounted for)', () => {
  const T: ModuleSpec = { ...A, policy: 'on-over-threshold', threshold: 1 };
  const statuses = (rm: ReplicaManager) =>
    rm.table.modules[0]?.replicas.map((r) => `${r.id}:${r.status}:${r.failures}`);

  it('counts a report once: the same report again, after the copy was restarted in its place, changes nothing', async () => {
    const { rm, log, watchdogs } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: T });
    await settle();
    const first = watchdogs.started.get('A1')!;
    const report = { host: 'H1', replica: 'A1', reason: 'exit', startedAtMs: first, atMs: 0 };
    log.length = 0;
    await rm.reportFailure(report);
    await settle();
    expect(log).toEqual(['save@3', 'restart A1@H1 P']);
    expect(statuses(rm)).toEqual(['A1:P:1', 'A2:B:0', 'A3:I:0']);
    log.length = 0;
    // Delivered again (a WatchDog that restarted before it could drop it from its outbox).
    await rm.reportFailure(report);
    await settle();
    expect(log).toEqual([]);
    expect(statuses(rm)).toEqual(['A1:P:1', 'A2:B:0', 'A3:I:0']);
    // The restarted copy failing is a failure of its own: over the threshold, A1 fails over.
    await rm.reportFailure({ ...report, startedAtMs: watchdogs.started.get('A1')! });
    await settle();
    expect(log).toEqual(['save@3', 'set-role A2@H2 P', 'start A3@H3 B']);
    expect(statuses(rm)).toEqual(['A1:I:2', 'A2:P:0', 'A3:B:0']);
  });

  it('ignores the report of a copy a reconcile already found gone and restarted: no second primary beside the new copy', async () => {
    const told: string[] = [];
    const { rm, log, watchdogs } = setup({
      observer: {
        decided: (event) => told.push(`decided ${event.kind}`),
        dropped: (event, dropped, receivedAtMs) =>
          told.push(`dropped ${event.kind} ${dropped.cause} ${receivedAtMs > 0}: ${dropped.reason}`),
      },
    });
    await rm.start();
    await rm.submit({ kind: 'register', module: T });
    await settle();
    const gone = watchdogs.started.get('A1')!;
    // A1 died (its host lost its lease); the reconcile hears of it before the WatchDog's report arrives.
    watchdogs.running.set('H2', [{ replica: 'A2', role: 'B' }]);
    log.length = 0;
    await rm.reconcileHost('H1');
    await settle();
    expect(log).toEqual(['save@3', 'restart A1@H1 P']);
    log.length = 0;
    const d = await rm.reportFailure({
      host: 'H1',
      replica: 'A1',
      reason: 'signal',
      startedAtMs: gone,
      atMs: 0,
    });
    await settle();
    expect(d.actions).toEqual([]);
    expect(log).toEqual([]);
    expect(statuses(rm)).toEqual(['A1:P:1', 'A2:B:0', 'A3:I:0']);
    // Told to the metrics and the history with its reason, and never as a decision.
    expect(told.at(-1)).toBe(
      `dropped replica-failed stale-report true: A1 failed (signal): ignored, a report about a copy already accounted for (started at ${gone} on H1's clock; A1 on H1 is known since ${watchdogs.started.get('A1')})`,
    );
    expect(told.filter((t) => t === 'decided replica-failed')).toEqual([]);
  });

  it('a report without a start time, or about a copy newer than anything known, is counted', async () => {
    const { rm, log } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: T });
    await settle();
    log.length = 0;
    await rm.reportFailure({ host: 'H1', replica: 'A1', reason: 'exit', startedAtMs: 0, atMs: 0 });
    await settle();
    expect(log).toEqual(['save@3', 'restart A1@H1 P']);
  });
});

describe('ReplicaManager loop: promotion by applied position (DESIGN §11)', () => {
  const FOUR = ['H1', 'H2', 'H3', 'H4'];
  const W: ModuleSpec = {
    name: 'W',
    style: 'warm',
    degree: 3,
    policy: 'on-each-failure',
    replicas: FOUR.map((host) => ({ host, path: '/opt/w' })),
  };
  const at = (seq: number, generation = 1): AppliedPosition => ({ seq, generation });

  /** W1 P on H1, W2 B on H2, W3 B on H3, W4 idle; the backups' WatchDogs report how far each applied. */
  async function started(over: Partial<ManagerOptions> = {}) {
    const t = setup({ hosts: FOUR, ...over });
    await t.rm.start();
    await t.rm.submit({ kind: 'register', module: W });
    await settle();
    t.watchdogs.running.set('H1', [{ replica: 'W1', role: 'P', applied: at(60) }]);
    t.watchdogs.running.set('H2', [{ replica: 'W2', role: 'B', applied: at(40) }]);
    t.watchdogs.running.set('H3', [{ replica: 'W3', role: 'B', applied: at(55) }]);
    t.watchdogs.lists.length = 0;
    t.log.length = 0;
    return t;
  }
  const promotion = (d: { actions: Action[] }) => d.actions.find((a) => a.kind === 'set-role');

  it("a primary's failure asks the backups' WatchDogs first, and the backup that applied the most is promoted, saying why", async () => {
    const { rm, log, watchdogs } = await started();
    const d = await rm.reportFailure({
      host: 'H1',
      replica: 'W1',
      reason: 'exit',
      startedAtMs: 0,
      atMs: 0,
      applied: at(60),
    });
    await settle();
    expect(watchdogs.lists.sort()).toEqual(['H2', 'H3']);
    expect(promotion(d)).toMatchObject({ replica: 'W3', role: 'P' });
    expect(promotion(d)).toHaveProperty(
      'reason',
      "W1 failed (exit): W has no primary: W3 applied 55 of generation 1, the most of W's live backups (W2 40 of generation 1)",
    );
    expect(log).toEqual(['save@3', 'set-role W3@H3 P', 'start W4@H4 B']);
  });

  it('a WatchDog that does not answer within positionWaitMs leaves its backup not known; the fail-over goes on', async () => {
    const { rm, watchdogs } = await started({ positionWaitMs: 50 });
    watchdogs.hanging.add('H3');
    const d = await rm.reportFailure({ host: 'H1', replica: 'W1', reason: 'exit', startedAtMs: 0, atMs: 0 });
    expect(promotion(d)).toMatchObject({ replica: 'W2', reason: expect.stringContaining('(W3 not known)') });
  });

  it('a host declared down, and a reconcile that finds the primary gone, choose the same way', async () => {
    const down = await started();
    const d1 = await down.rm.hostDown('H1');
    expect(promotion(d1)).toMatchObject({ replica: 'W3', role: 'P' });

    const lost = await started();
    lost.watchdogs.running.set('H1', []);
    lost.watchdogs.running.set('H2', [{ replica: 'W2', role: 'B', applied: at(70) }]);
    await lost.rm.reconcileHost('H1');
    await settle();
    expect(lost.log).toEqual(['save@3', 'set-role W2@H2 P', 'start W4@H4 B']);
  });

  it('where there is nothing to choose (one live backup), nobody is asked and the event goes at once', async () => {
    const { rm, watchdogs } = setup({ hosts: FOUR });
    await rm.start();
    await rm.submit({ kind: 'register', module: { ...W, degree: 2 } });
    await settle();
    watchdogs.running.set('H2', [{ replica: 'W2', role: 'B', applied: at(40) }]);
    watchdogs.lists.length = 0;
    const d = await rm.reportFailure({ host: 'H1', replica: 'W1', reason: 'exit', startedAtMs: 0, atMs: 0 });
    expect(watchdogs.lists).toEqual([]);
    expect(promotion(d)).toEqual({
      kind: 'set-role',
      replica: 'W2',
      host: 'H2',
      role: 'P',
      reason: 'W1 failed (exit): W has no primary: W2 is its first live backup',
    });
  });

  it('a copy-cat backup reported diverged is replaced, and the alert names the input its WatchDog reported', async () => {
    const { rm, log } = await started();
    const report = {
      host: 'H2',
      replica: 'W2',
      reason: 'diverged',
      detail:
        'its replay of input 17 diverged from the primary\'s run (input 17: the backup\'s output "29" differs)',
      startedAtMs: 0,
      atMs: 0,
    };
    const d = await rm.reportFailure(report);
    await settle();
    expect(log).toEqual(['save@3', 'start W4@H4 B']);
    expect(d.alerts).toEqual([
      {
        module: 'W',
        reason: `W2 failed (diverged): out of service on H2: ${report.detail}; it is replaced`,
      },
    ]);
    // A second report about it, which no longer runs, counts nothing and raises no second alert.
    const again = await rm.reportFailure({ ...report, startedAtMs: 1 });
    expect(again.alerts).toEqual([]);
  });
});

describe('ReplicaManager loop: a planned switchover (DESIGN §12)', () => {
  const statuses = (rm: ReplicaManager) => rm.table.modules[0]?.replicas.map((r) => `${r.id}:${r.status}`);

  it('names the new primary only once the WatchDog has made the old one a backup, with the next generation', async () => {
    const { rm, log, store, watchdogs } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await settle();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    watchdogs.before = (a) => (a.kind === 'set-role' && a.role === 'B' ? held : Promise.resolve());
    log.length = 0;
    await rm.submit({ kind: 'switchover', module: 'A' });
    await settle();
    // Persisted first: the switchover is in the store before A1 is told to step down; A1 stays the
    // primary there (its saves are accepted) until its WatchDog has confirmed it.
    expect(store.saved?.modules[0]?.switchover).toEqual({ from: 'A1', to: 'A2' });
    expect(store.saved?.modules[0]?.replicas.map((r) => r.status)).toEqual(['P', 'B', 'I']);
    expect(log).toEqual(['save@3']);
    release();
    await settle();
    expect(log).toEqual(['save@3', 'set-role A1@H1 B', 'save@3', 'set-role A2@H2 P']);
    expect(statuses(rm)).toEqual(['A1:B', 'A2:P', 'A3:I']);
    expect(rm.table.modules[0]?.generation).toBe(2);
    expect(rm.table.modules[0]?.switchover).toBeUndefined();
  });

  it('promotes nobody while the old primary cannot be told to step down; its WatchDog reporting it a backup ends the switchover', async () => {
    const { rm, log, watchdogs } = setup({ actionAttempts: 2 });
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await settle();
    watchdogs.before = async (a) => {
      if (a.host === 'H1') throw new UnavailableError('WatchDog on H1 did not answer');
    };
    log.length = 0;
    await rm.submit({ kind: 'switchover', module: 'A' });
    await new Promise((r) => setTimeout(r, 600));
    expect(statuses(rm)).toEqual(['A1:P', 'A2:B', 'A3:I']);
    expect(log).toEqual(['save@3']);
    // H1's WatchDog answers again and lists A1 as a backup (the command did reach it).
    watchdogs.before = async () => undefined;
    watchdogs.running.set('H1', [{ replica: 'A1', role: 'B' }]);
    watchdogs.running.set('H2', [{ replica: 'A2', role: 'B' }]);
    await rm.reconcileHost('H1');
    await settle();
    expect(log).toEqual(['save@3', 'save@3', 'set-role A2@H2 P']);
    expect(statuses(rm)).toEqual(['A1:B', 'A2:P', 'A3:I']);
  });

  it('a cold module: the copy on the new host starts only after the old one has been stopped', async () => {
    const { rm, log, watchdogs } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: { ...A, style: 'cold' } });
    await settle();
    const stops: Action[] = [];
    watchdogs.before = async (a) => {
      if (a.kind === 'stop') stops.push(a);
    };
    log.length = 0;
    await rm.submit({ kind: 'switchover', module: 'A', to: 'A3' });
    await settle();
    expect(stops.map((a) => a.kind === 'stop' && a.confirm)).toEqual([true]);
    expect(log).toEqual(['save@3', 'stop A1@H1', 'save@3', 'start A3@H3 P']);
    expect(statuses(rm)).toEqual(['A1:I', 'A2:I', 'A3:P']);
  });
});

describe('ReplicaManager loop: maintenance mode and drain (DESIGN §12)', () => {
  it('a paused module is not failed over; resume applies what is still needed', async () => {
    const { rm, log } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await settle();
    await rm.submit({ kind: 'pause', module: 'A' });
    log.length = 0;
    const d = await rm.submit({ kind: 'replica-failed', replica: 'A1' });
    await settle();
    expect(log).toEqual(['save@3']);
    expect(d.alerts.map((a) => a.reason)).toEqual([
      'A1 failed: paused: nothing is failed over; rmctl resume A would set-role A2@H2 P, start A3@H3 B',
    ]);
    log.length = 0;
    await rm.submit({ kind: 'resume', module: 'A' });
    await settle();
    expect(log).toEqual(['save@3', 'set-role A2@H2 P', 'start A3@H3 B']);
  });

  it('a drained host: the backup there is replaced and stopped in one decision, and the host is marked drained', async () => {
    const { rm, log } = setup();
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await settle();
    log.length = 0;
    await rm.submit({ kind: 'drain', host: 'H2' });
    await settle();
    expect(log).toEqual(['save@3', 'start A3@H3 B', 'stop A2@H2']);
    expect(rm.table.hosts.find((h) => h.name === 'H2')?.drained).toBe(true);
  });
});

describe('ReplicaManager loop: commands a later decision replaced', () => {
  it('drops a start queued behind an unreachable WatchDog once a later decision gave its replica another status', async () => {
    const { rm, log, watchdogs } = setup({ actionAttempts: 3 });
    await rm.start();
    await rm.submit({ kind: 'register', module: A });
    await settle();
    watchdogs.unreachable.add('H3');
    log.length = 0;
    await rm.submit({ kind: 'replica-failed', replica: 'A1' });
    await settle(); // the start of A3 on H3 failed once; its next attempt waits 200 ms
    await rm.submit({ kind: 'host-down', host: 'H3' });
    watchdogs.unreachable.delete('H3');
    await new Promise((r) => setTimeout(r, 700));
    // H3 gone, A1's host is the one left for the backup.
    expect(rm.table.modules[0]?.replicas.map((r) => `${r.id}:${r.status}`)).toEqual(['A1:B', 'A2:P', 'A3:I']);
    // The promotion ran; the start of A3, replaced by the host-down decision, never did.
    expect(log).toEqual(['save@3', 'set-role A2@H2 P', 'save@3', 'start A1@H1 B']);
  });
});

describe('ReplicaManager loop: a restart whose start a later decision replaced', () => {
  it('stops the old copy, then asks again: the start is dropped when the role went to another copy meanwhile', async () => {
    const { rm, log, watchdogs } = setup();
    await rm.start();
    const C: ModuleSpec = { ...A, name: 'C', style: 'cold', policy: 'on-over-threshold', threshold: 2 };
    await rm.submit({ kind: 'register', module: C });
    await settle();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    watchdogs.before = (a) => (a.kind === 'restart' ? held : Promise.resolve());
    log.length = 0;
    // C1 fails: restarted in place (1 of 2 allowed); while its stop is under way, H1 is declared dead.
    await rm.submit({ kind: 'replica-failed', replica: 'C1' });
    await settle();
    await rm.submit({ kind: 'host-down', host: 'H1' });
    await settle();
    release();
    await new Promise((r) => setTimeout(r, 300));
    expect(rm.table.modules[0]?.replicas.map((r) => `${r.id}:${r.status}`)).toEqual(['C1:I', 'C2:P', 'C3:I']);
    // C2 started as the primary; C1 was stopped and never started again beside it.
    expect(log).toEqual(['save@3', 'save@3', 'start C2@H2 P', 'stop C1@H1']);
  });
});

describe('ReplicaManager loop: a copy that cannot be started (its executable missing on a host)', () => {
  const NOPE =
    'refused executable "/opt/a": no such file (accepted: an absolute path to an executable file under /opt)';
  const statuses = (rm: ReplicaManager) =>
    Object.fromEntries(rm.table.modules.flatMap((m) => m.replicas.map((r) => [r.id, r.status])));

  it('a start its WatchDog refuses is a failed start: the copy is I, marked, and the next host takes over', async () => {
    const alerts: string[] = [];
    const { rm, watchdogs } = setup({
      observer: { decided: (_e, d) => alerts.push(...d.alerts.map((a) => a.reason)) },
    });
    watchdogs.refusing.set('H1', NOPE);
    await rm.start();
    // Registered past its check (a WatchDog that did not answer then, or a file removed since).
    await rm.submit({ kind: 'register', module: A });
    await waitUntil(() => statuses(rm).A3 === 'B');
    expect(statuses(rm)).toEqual({ A1: 'I', A2: 'P', A3: 'B' });
    const a1 = rm.table.modules[0]?.replicas[0];
    expect(a1).toMatchObject({ status: 'I', failures: 1, unusable: NOPE });
    expect(rm.table.modules[0]?.underReplicated).toBe(false);
    expect(alerts.join('\n')).toContain(`on H1, ${NOPE}; A1 is not started there again`);
  });

  it('with no other host the module runs short with an alert; the copy is not asked for again and again, and never shown running', async () => {
    const alerts: string[] = [];
    const shown: string[] = [];
    const { rm, watchdogs } = setup({
      observer: { decided: (_e, d) => alerts.push(...d.alerts.map((a) => a.reason)) },
    });
    watchdogs.refusing.set('H1', NOPE);
    await rm.start();
    const two: ModuleSpec = { ...A, replicas: A.replicas.slice(0, 2) };
    await rm.submit({ kind: 'register', module: two });
    await waitUntil(() => rm.table.modules[0]?.underReplicated === true);
    rm.subscribe((t) => shown.push(t.modules[0]?.replicas[0]?.status ?? '?'));
    // Time enough for a retry loop (the back-off starts at 100 ms) to show itself.
    await new Promise((r) => setTimeout(r, 600));
    expect(watchdogs.startsAsked.filter((s) => s === 'A1@H1')).toEqual(['A1@H1']);
    expect(statuses(rm)).toEqual({ A1: 'I', A2: 'P' });
    expect(shown.every((s) => s === 'I')).toBe(true);
    expect(
      alerts.some((a) => a.includes('under-replicated: 1 of 2') && a.includes('cannot start: A1 on H1')),
    ).toBe(true);
  });

  it('found startable again by its WatchDog, the copy is started where it was refused', async () => {
    const { rm, watchdogs } = setup();
    watchdogs.refusing.set('H1', NOPE);
    await rm.start();
    await rm.submit({ kind: 'register', module: { ...A, replicas: A.replicas.slice(0, 2) } });
    await waitUntil(() => rm.table.modules[0]?.underReplicated === true);
    // Still missing: asked, nothing changes.
    await rm.recheckUnusable();
    expect(watchdogs.checks).toEqual(['A1@H1 /opt/a']);
    expect(statuses(rm).A1).toBe('I');
    watchdogs.refusing.delete('H1');
    await rm.recheckUnusable();
    await waitUntil(() => watchdogs.started.has('A1'));
    expect(statuses(rm)).toEqual({ A1: 'B', A2: 'P' });
    expect(rm.table.modules[0]?.replicas[0]?.unusable).toBeUndefined();
    expect(rm.table.modules[0]?.underReplicated).toBe(false);
  });

  it('a registration is refused as a whole when a WatchDog says its copy cannot start there, naming host, path and reason', async () => {
    const { rm, watchdogs, store } = setup();
    await rm.start();
    watchdogs.refusing.set('H2', NOPE);
    const err = await rm.checkRegistration(A).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect((err as RegistrationError).field).toBe('replicas[1].path');
    expect((err as Error).message).toBe(`replicas[1].path: A cannot be started on H2: ${NOPE}`);
    expect(watchdogs.checks.sort()).toEqual(['A1@H1 /opt/a', 'A2@H2 /opt/a', 'A3@H3 /opt/a']);
    expect(store.saved?.modules ?? []).toEqual([]);
  });

  it('asks nobody before its table is loaded: the registration could not be decided anyway', async () => {
    const { rm, watchdogs } = setup();
    await expect(rm.checkRegistration(A)).rejects.toBeInstanceOf(UnavailableError);
    expect(watchdogs.checks).toEqual([]);
  });

  it('a WatchDog that cannot be asked, or a host down, does not block a registration: it is named as unchecked', async () => {
    const { rm, watchdogs } = setup();
    await rm.start();
    await rm.submit({ kind: 'host-down', host: 'H3' });
    watchdogs.unreachable.add('H2');
    const unchecked = await rm.checkRegistration(A);
    expect(unchecked).toEqual([
      { host: 'H2', reason: 'its WatchDog was not asked: WatchDog on H2 did not answer' },
      { host: 'H3', reason: 'H3 is down' },
    ]);
  });
});

/** Waits (bounded: 5 s) until `cond` holds. */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}
