/**
 * The Checkpoint Server's store on a real SQLite file: compare-and-set, all-or-nothing transactions,
 * epoch fencing (DESIGN §5), the leadership compare-and-set, checkpoints, the durability pragmas, and
 * a property test against a plain Map.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointStore,
  InvalidRequestError,
  MANAGER_ROLE,
  type StoreChange,
  TABLE_KEY,
  type TableChange,
  tableModuleKey,
} from '../../src/checkpoint-server/store.js';
import { ConflictError, FencedError, StaleEpochError } from '../../src/shared/errors.js';
import { tempDir } from '../helpers/processes.js';

let tmp: ReturnType<typeof tempDir>;
let clock = 1_000_000;
const now = () => clock;
const opened: CheckpointStore[] = [];

function open(name = 'checkpoint.db'): CheckpointStore {
  const store = new CheckpointStore(join(tmp.dir, name), { now });
  opened.push(store);
  return store;
}

/** Wins the manager role `times` times, so that the manager epoch is `times`. */
function raiseEpoch(store: CheckpointStore, times: number): void {
  for (let i = 0; i < times; i++) {
    const cur = store.getLeadership(MANAGER_ROLE);
    clock += 1001; // past the last holder's lease
    expect(store.acquireLeadership(MANAGER_ROLE, `swd-${i}`, cur.epoch, 1000).won).toBe(true);
  }
}

beforeEach(() => {
  tmp = tempDir('rm-cs-unit-');
  clock = 1_000_000;
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  tmp.remove();
});

describe('CheckpointStore: durability settings', () => {
  it('runs in WAL mode with synchronous=FULL and a busy timeout', () => {
    const store = open();
    expect(store.settings()).toEqual({ journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000 });
    expect(store.integrityCheck()).toEqual(['ok']);
  });

  it('keeps what was written across a close and a reopen', () => {
    const a = open();
    a.put('k', 'v1');
    a.saveCheckpoint('A', 'A1', 'state');
    raiseEpoch(a, 2);
    a.close();
    const b = open();
    expect(b.get('k')?.value.toString()).toBe('v1');
    expect(b.loadCheckpoint('A')?.state.toString()).toBe('state');
    expect(b.getLeadership(MANAGER_ROLE).epoch).toBe(2);
  });

  it('backs up through SQLite into a file that opens with the same content', async () => {
    const store = open();
    store.put('a', 'x');
    store.put('b', 'y');
    const copy = join(tmp.dir, 'backup.db');
    await store.backup(copy);
    const db = new Database(copy, { readonly: true });
    try {
      const rows = db.prepare('SELECT key, version FROM kv ORDER BY key').all();
      expect(rows).toEqual([
        { key: 'a', version: 1 },
        { key: 'b', version: 1 },
      ]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});

describe('CheckpointStore: keys and compare-and-set', () => {
  it('versions start at 1 and grow by one per write', () => {
    const store = open();
    expect(store.get('k')).toBeNull();
    expect(store.put('k', 'a')).toBe(1);
    expect(store.put('k', 'b')).toBe(2);
    expect(store.get('k')).toEqual({ key: 'k', value: Buffer.from('b'), version: 2 });
  });

  it('a put with an expected version succeeds only at that version; 0 means absent', () => {
    const store = open();
    expect(store.put('k', 'a', { expectedVersion: 0 })).toBe(1);
    expect(() => store.put('k', 'b', { expectedVersion: 0 })).toThrow(ConflictError);
    expect(() => store.put('k', 'b', { expectedVersion: 2 })).toThrow(/at version 1; expected version 2/);
    expect(store.put('k', 'b', { expectedVersion: 1 })).toBe(2);
    expect(() => store.put('other', 'x', { expectedVersion: 3 })).toThrow(/absent; expected version 3/);
    expect(store.get('k')?.value.toString()).toBe('b');
    expect(store.get('other')).toBeNull();
  });

  it('lists the keys under a prefix in key order, and nothing past it', () => {
    const store = open();
    for (const k of ['b/2', 'a', 'b/1', 'b0', 'b/10', 'c', 'b/é']) store.put(k, k);
    expect(store.list('b/').map((kv) => kv.key)).toEqual(['b/1', 'b/10', 'b/2', 'b/é']);
    expect(store.list('').length).toBe(7);
    expect(store.list('zz')).toEqual([]);
  });

  it('refuses an empty key', () => {
    const store = open();
    expect(() => store.put('', 'x')).toThrow(InvalidRequestError);
  });
});

describe('CheckpointStore: transactions', () => {
  it('applies puts and deletes together and returns each version', () => {
    const store = open();
    store.put('gone', 'x');
    const versions = store.txn([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'gone', delete: true, expectedVersion: 1 },
      { key: 'b', value: 'x', expectedVersion: 0 },
    ]);
    expect(versions).toEqual([1, 2, 0, 1]);
    expect(store.get('a')?.value.toString()).toBe('2');
    expect(store.get('gone')).toBeNull();
  });

  it('one failing op rolls back every op before it', () => {
    const store = open();
    store.put('x', 'old');
    const seen: StoreChange[] = [];
    store.onChange((c) => seen.push(c));
    expect(() =>
      store.txn([
        { key: 'new', value: '1' },
        { key: 'x', delete: true },
        { key: 'y', value: '1', expectedVersion: 7 },
      ]),
    ).toThrow(/ops\[2\]: key "y" is absent/);
    expect(store.get('new')).toBeNull();
    expect(store.get('x')?.value.toString()).toBe('old');
    expect(seen).toEqual([]);
  });

  it('announces committed changes after the commit, in order', () => {
    const store = open();
    const seen: string[] = [];
    const off = store.onChange((c) => {
      if (c.kind === 'key') seen.push(`${c.deleted ? 'del' : 'put'} ${c.kv.key}@${c.kv.version}`);
      // The change is already visible to a reader when it is announced.
      if (c.kind === 'key' && !c.deleted) expect(store.get(c.kv.key)?.version).toBe(c.kv.version);
    });
    store.txn([
      { key: 'a', value: '1' },
      { key: 'b', value: '1' },
    ]);
    store.txn([{ key: 'a', delete: true }]);
    off();
    store.put('c', '1');
    expect(seen).toEqual(['put a@1', 'put b@1', 'del a@1']);
    expect(store.listenerCount).toBe(0);
  });
});

describe('CheckpointStore: epoch fencing', () => {
  it('refuses a write whose epoch is lower than the highest manager epoch', () => {
    const store = open();
    raiseEpoch(store, 3);
    expect(() => store.put('k', 'v', { epoch: 2 })).toThrow(StaleEpochError);
    try {
      store.txn([{ key: 'k', value: 'v' }], 1);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StaleEpochError);
      expect(err).toMatchObject({ got: 1, current: 3 });
    }
    expect(store.get('k')).toBeNull();
    expect(store.put('k', 'v', { epoch: 3 })).toBe(1);
    // Unfenced writes of ordinary keys are allowed.
    expect(store.put('k', 'w')).toBe(2);
  });

  it('the table is saved only under an epoch at least the current one, and never unfenced', () => {
    const store = open();
    raiseEpoch(store, 2);
    expect(() => store.saveTable(1, '{}')).toThrow(StaleEpochError);
    expect(() => store.saveTable(0, '{}')).toThrow(InvalidRequestError);
    expect(() => store.put(TABLE_KEY, '{}')).toThrow(InvalidRequestError);
    expect(() => store.saveTable(2, 'not json')).toThrow(/not JSON/);
    expect(store.loadTable()).toBeNull();
    expect(store.saveTable(2, '{"modules":[]}')).toBe(1);
    expect(store.loadTable()).toEqual({ tableJson: '{"hosts":[],"modules":[]}', version: 1, epoch: 2 });
    raiseEpoch(store, 1);
    expect(() => store.saveTable(2, '{}')).toThrow(StaleEpochError);
    expect(() => store.saveTable(3, '{"modules":[1]}')).toThrow(/modules\[0\]\.name/);
    expect(store.saveTable(3, '{"modules":[{"name":"A"}]}')).toBe(2);
    expect(store.loadTable()).toMatchObject({ version: 2, epoch: 3 });
    // Every key of the table is fenced, the modules' own too.
    expect(() => store.put(tableModuleKey('A'), '{"name":"A"}')).toThrow(InvalidRequestError);
    expect(() => store.put(tableModuleKey('A'), '{"name":"A"}', { epoch: 2 })).toThrow(StaleEpochError);
  });

  it('a change writes the hosts, the order and the changed modules; unchanged ones stay, unnamed ones go', () => {
    const store = open();
    const table = {
      hosts: [{ name: 'H1', up: true }],
      modules: [
        { name: 'A', degree: 1 },
        { name: 'B', degree: 2 },
        { name: 'C', degree: 3 },
      ],
    };
    store.saveTable(1, JSON.stringify(table));
    const versionOf = (name: string) => store.get(tableModuleKey(name))?.version;
    expect(['A', 'B', 'C'].map(versionOf)).toEqual([1, 1, 1]);
    const version = store.saveTableChange(1, {
      hostsJson: '[{"name":"H1","up":false}]',
      moduleNames: ['C', 'A', 'D'],
      changedModules: [
        { name: 'A', moduleJson: '{"name":"A","degree":9}' },
        { name: 'D', moduleJson: '{"name":"D"}' },
      ],
    });
    expect(version).toBe(2);
    expect(JSON.parse(store.loadTable()?.tableJson ?? '')).toEqual({
      hosts: [{ name: 'H1', up: false }],
      modules: [{ name: 'C', degree: 3 }, { name: 'A', degree: 9 }, { name: 'D' }],
    });
    // C was not sent again, B is gone.
    expect(['A', 'B', 'C', 'D'].map(versionOf)).toEqual([2, undefined, 1, 1]);
  });

  it('a change that does not add up is refused whole', () => {
    const store = open();
    store.saveTable(1, '{"hosts":[],"modules":[{"name":"A"}]}');
    const before = store.loadTable();
    const refuse = (change: Partial<TableChange>, message: RegExp) =>
      expect(() =>
        store.saveTableChange(1, { hostsJson: '[]', moduleNames: [], changedModules: [], ...change }),
      ).toThrow(message);
    refuse({ moduleNames: ['A', 'B'] }, /module "B" is neither changed nor saved/);
    refuse({ moduleNames: ['A', 'A'] }, /named twice/);
    refuse({ changedModules: [{ name: 'A', moduleJson: '{"name":"A"}' }] }, /not among module_names/);
    refuse(
      { moduleNames: ['A'], changedModules: [{ name: 'A', moduleJson: '{"name":"Z"}' }] },
      /name is not "A"/,
    );
    refuse({ moduleNames: ['A'], changedModules: [{ name: 'A', moduleJson: '{' }] }, /module_json: not JSON/);
    refuse({ hostsJson: '{}' }, /hosts_json: expected a list/);
    expect(store.loadTable()).toEqual(before);
  });

  it('an epoch seen on the table fences lower ones even if it was never handed out', () => {
    const store = open();
    store.saveTable(5, '{}');
    expect(store.fenceEpoch()).toBe(5);
    expect(() => store.saveTable(4, '{}')).toThrow(StaleEpochError);
  });
});

describe('CheckpointStore: leadership', () => {
  it('wins epoch + 1 when the epoch is still the expected one', () => {
    const store = open();
    expect(store.getLeadership('manager')).toEqual({
      role: 'manager',
      holder: '',
      epoch: 0,
      leaseUntilMs: 0,
      leaseRemainingMs: 0,
    });
    const res = store.acquireLeadership('manager', 'H2', 0, 2000);
    expect(res).toEqual({
      role: 'manager',
      holder: 'H2',
      epoch: 1,
      leaseUntilMs: clock + 2000,
      leaseRemainingMs: 2000,
      won: true,
    });
    expect(store.getLeadership('manager')).toMatchObject({ holder: 'H2', epoch: 1 });
  });

  it('two acquirers with the same expected epoch: exactly one wins; the loser sees the winner', () => {
    // Two connections on one file, as two server processes would be.
    const a = open();
    const b = open();
    const expected = a.getLeadership('manager').epoch;
    expect(b.getLeadership('manager').epoch).toBe(expected);
    const ra = a.acquireLeadership('manager', 'H2', expected, 1000);
    const rb = b.acquireLeadership('manager', 'H5', expected, 1000);
    expect([ra.won, rb.won].filter(Boolean)).toHaveLength(1);
    expect(rb).toMatchObject({ won: false, holder: 'H2', epoch: 1 });
    expect(a.getLeadership('manager')).toMatchObject({ holder: 'H2', epoch: 1 });
  });

  it('renews only for the current holder and epoch; a stale holder is refused', () => {
    const store = open();
    store.acquireLeadership('manager', 'H2', 0, 1000);
    clock += 500;
    expect(store.renewLeadership('manager', 'H2', 1, 1000).leaseUntilMs).toBe(clock + 1000);
    clock += 1001;
    store.acquireLeadership('manager', 'H5', 1, 1000);
    expect(() => store.renewLeadership('manager', 'H2', 1, 1000)).toThrow(StaleEpochError);
    expect(() => store.renewLeadership('manager', 'H5', 1, 1000)).toThrow(StaleEpochError);
    expect(() => store.renewLeadership('manager', 'H2', 2, 1000)).toThrow(StaleEpochError);
    expect(store.renewLeadership('manager', 'H5', 2, 3000)).toMatchObject({ holder: 'H5', epoch: 2 });
  });

  it("refuses a challenger while the holder's lease runs on the store's clock, and says how long it runs", () => {
    const store = open();
    store.acquireLeadership('manager', 'H2', 0, 1000);
    clock += 400;
    expect(store.acquireLeadership('manager', 'H5', 1, 1000)).toMatchObject({
      won: false,
      holder: 'H2',
      epoch: 1,
      leaseRemainingMs: 600,
    });
    // The holder itself may take a new epoch over its own lease (a restarted SuperWatchDog).
    expect(store.acquireLeadership('manager', 'H2', 1, 1000)).toMatchObject({ won: true, epoch: 2 });
    clock += 1000;
    expect(store.getLeadership('manager').leaseRemainingMs).toBe(0);
    expect(store.acquireLeadership('manager', 'H5', 2, 1000)).toMatchObject({
      won: true,
      holder: 'H5',
      epoch: 3,
    });
  });

  it('keeps one epoch counter per role', () => {
    const store = open();
    store.acquireLeadership('manager', 'H2', 0, 1000);
    clock += 1001;
    store.acquireLeadership('manager', 'H5', 1, 1000);
    expect(store.acquireLeadership('other', 'x', 0, 1000)).toMatchObject({ won: true, epoch: 1 });
    expect(store.fenceEpoch()).toBe(2);
  });
});

describe('CheckpointStore: checkpoints', () => {
  it('saves and loads a module state, with its replica, version and time', () => {
    const store = open();
    expect(store.loadCheckpoint('A')).toBeNull();
    expect(store.saveCheckpoint('A', 'A1', 'one')).toBe(1);
    clock += 10;
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(store.saveCheckpoint('A', 'A2', bytes)).toBe(2);
    bytes[0] = 9; // the store kept its own copy
    expect(store.loadCheckpoint('A')).toEqual({
      module: 'A',
      replica: 'A2',
      state: Buffer.from([0, 1, 2, 255]),
      version: 2,
      savedAtMs: clock,
    });
    expect(store.saveCheckpoint('B', 'B1', '')).toBe(1);
    expect(store.loadCheckpoint('B')?.state.length).toBe(0);
  });
});

describe('CheckpointStore: fenced saves (DESIGN §5, fenced application state)', () => {
  /** Writes module `m` of a table with the given statuses and generation, as the manager would. */
  function table(
    store: CheckpointStore,
    style: string,
    statuses: Record<string, string>,
    generation: number,
  ) {
    const replicas = Object.entries(statuses).map(([id, status], i) => ({
      id,
      host: `H${i + 1}`,
      path: '/x',
      status,
      failures: 0,
    }));
    const module = {
      name: 'A',
      style,
      degree: 2,
      policy: 'on-each-failure',
      detect: 'poll',
      replicas,
      underReplicated: false,
      generation,
    };
    store.saveTable(1, JSON.stringify({ hosts: [], modules: [module] }));
  }
  const token = (replica: string, generation: number, expectedVersion?: number) => ({
    replica,
    epoch: 1,
    generation,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  });

  it('accepts only the warm primary with the current generation; the old primary is refused, whatever it shows', () => {
    const store = open();
    clock += 1001;
    store.acquireLeadership(MANAGER_ROLE, 'H2', 0, 1000);
    table(store, 'warm', { A1: 'P', A2: 'B' }, 4);
    expect(store.saveCheckpoint('A', 'A1', '100', token('A1', 4))).toBe(1);
    // A1 fails over to A2 (generation 5), but the old A1 still runs, cut off, and saves.
    table(store, 'warm', { A1: 'I', A2: 'P' }, 5);
    expect(() => store.saveCheckpoint('A', 'A1', '65', token('A1', 4))).toThrow(FencedError);
    expect(() => store.saveCheckpoint('A', 'A1', '65', token('A1', 5))).toThrow(/A1 is not its primary/);
    expect(() => store.saveCheckpoint('A', 'A2', '110', token('A2', 4))).toThrow(
      /generation 4, the module is at 5/,
    );
    expect(store.saveCheckpoint('A', 'A2', '110', token('A2', 5))).toBe(2);
    // A1 made primary again later: its old incarnation's token (generation 4) is still refused.
    table(store, 'warm', { A1: 'P', A2: 'I' }, 6);
    expect(() => store.saveCheckpoint('A', 'A1', '70', token('A1', 4))).toThrow(FencedError);
    expect(store.loadCheckpoint('A')?.state.toString()).toBe('110');
    expect(() => store.saveCheckpoint('A', 'X9', '1', token('X9', 6))).toThrow(/not one of its replicas/);
  });

  it('hot copies save by compare-and-set on the version they last saw', () => {
    const store = open();
    clock += 1001;
    store.acquireLeadership(MANAGER_ROLE, 'H2', 0, 1000);
    table(store, 'hot', { B1: 'P', B2: 'P', B3: 'I' }, 0);
    expect(store.saveCheckpoint('A', 'B1', 'one', token('B1', 0, 0))).toBe(1);
    expect(() => store.saveCheckpoint('A', 'B2', 'two', token('B2', 0, 0))).toThrow(ConflictError);
    expect(store.saveCheckpoint('A', 'B2', 'two', token('B2', 0, 1))).toBe(2);
    expect(() => store.saveCheckpoint('A', 'B2', 'x', token('B2', 0))).toThrow(/compare-and-set/);
    expect(() => store.saveCheckpoint('A', 'B3', 'x', token('B3', 0, 2))).toThrow(FencedError);
  });

  it('does not fence a module the table does not hold, nor a save without a token', () => {
    const store = open();
    expect(store.saveCheckpoint('Z', 'Z1', 'a', token('Z1', 0))).toBe(1);
    table(store, 'warm', { A1: 'I', A2: 'P' }, 2);
    expect(store.saveCheckpoint('A', 'tool', 'restored by hand')).toBe(1);
  });
});

describe('CheckpointStore: agrees with a Map (property)', () => {
  type Model = Map<string, { value: string; version: number }>;
  const key = fc.constantFrom('a', 'b', 'a/1', 'a/2', 'c');
  const value = fc.string({ maxLength: 4 });
  const version = fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined });
  const op = fc.oneof(
    fc.record({ t: fc.constant('put' as const), key, value, expected: version }),
    fc.record({ t: fc.constant('del' as const), key, expected: version }),
  );
  const command = fc.oneof(
    op.map((o) => ({ kind: 'single' as const, op: o })),
    fc.array(op, { minLength: 1, maxLength: 4 }).map((ops) => ({ kind: 'txn' as const, ops })),
  );

  function applyModel(
    model: Model,
    ops: { t: 'put' | 'del'; key: string; value?: string; expected?: number }[],
  ) {
    const next: Model = new Map(model);
    const versions: number[] = [];
    for (const o of ops) {
      const cur = next.get(o.key);
      if (o.expected !== undefined && (cur?.version ?? 0) !== o.expected) return null;
      if (o.t === 'del') {
        next.delete(o.key);
        versions.push(0);
      } else {
        const v = (cur?.version ?? 0) + 1;
        next.set(o.key, { value: o.value ?? '', version: v });
        versions.push(v);
      }
    }
    return { next, versions };
  }

  it('random puts, compare-and-sets, deletes and transactions', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const store = open(`prop-${Math.random().toString(36).slice(2)}.db`);
        let model: Model = new Map();
        for (const c of commands) {
          const ops = c.kind === 'single' ? [c.op] : c.ops;
          const expected = applyModel(model, ops);
          const run = () => {
            if (c.kind === 'single' && c.op.t === 'put') {
              const o = c.op;
              return [
                store.put(o.key, o.value, o.expected === undefined ? {} : { expectedVersion: o.expected }),
              ];
            }
            return store.txn(
              ops.map((o) => {
                const exp = o.expected === undefined ? {} : { expectedVersion: o.expected };
                return o.t === 'del'
                  ? { key: o.key, delete: true as const, ...exp }
                  : { key: o.key, value: o.value, ...exp };
              }),
            );
          };
          if (expected === null) {
            expect(run).toThrow(ConflictError);
          } else {
            expect(run()).toEqual(expected.versions);
            model = expected.next;
          }
          const actual = store.list('').map((kv) => [kv.key, kv.value.toString(), kv.version]);
          const wanted = [...model.entries()]
            .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
            .map(([k, v]) => [k, v.value, v.version]);
          expect(actual).toEqual(wanted);
          expect(store.list('a/').map((kv) => kv.key)).toEqual(
            wanted.map(([k]) => k as string).filter((k) => k.startsWith('a/')),
          );
        }
        store.close();
      }),
      { numRuns: 60 },
    );
  });
});
