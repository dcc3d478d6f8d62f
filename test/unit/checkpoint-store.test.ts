/**
 * The Checkpoint Server's store, one contract on both backends (DESIGN §10): SQLite on a real file,
 * and etcd on a three-member cluster this file starts on 127.0.0.1:23790–23795 (stopped by pid in
 * afterAll). Compare-and-set, all-or-nothing transactions, watches, epoch fencing (DESIGN §5), the
 * leadership compare-and-set and its lease on the store's clock, checkpoints, and a property test
 * against a plain Map. Then what only one backend has: SQLite's durability pragmas and backup;
 * etcd's refusal of a superseded manager's write by etcd itself, a watch's fresh read after a
 * compaction, the checkpoint size limit, a snapshot moved between the backends and an import that
 * stopped part-way.
 *
 * Leases: SQLite's run on the clock given to the store (moved by the test); etcd's on etcd's own
 * (whole seconds, at least its minimum TTL: 2 s with the 1 s election timeout here), so the etcd run
 * waits for them in real time.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type KeyEvent,
  MAX_TXN_OPS,
  SqliteBackend,
  type StoreBackend,
} from '../../src/checkpoint-server/backend.js';
import { EtcdClient } from '../../src/checkpoint-server/etcd-client.js';
import { EtcdStore } from '../../src/checkpoint-server/etcd-store.js';
import type { StoreSnapshot } from '../../src/checkpoint-server/snapshot.js';
import {
  type Checkpoint,
  CheckpointStore,
  InvalidRequestError,
  MANAGER_ROLE,
  TABLE_KEY,
  type TableChange,
  tableModuleKey,
} from '../../src/checkpoint-server/store.js';
import { ConflictError, FencedError, StaleEpochError } from '../../src/shared/errors.js';
import { etcdForFile, hasEtcd } from '../helpers/etcd.js';
import { tempDir } from '../helpers/processes.js';

let clock = 1_000_000;
const now = () => clock;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Backend {
  name: 'sqlite' | 'etcd';
  /** A store on the data called `name` in this test: the same name, the same data (another connection). */
  open(name?: string): Promise<StoreBackend>;
  /** Waits (or moves the clock) until the role's current lease has run out on the store's clock. */
  passLease(store: StoreBackend, role: string): Promise<void>;
  /** Whether leases follow `clock` exactly (SQLite) or etcd's whole seconds. */
  exactLeases: boolean;
  /** Property runs: etcd's writes are quorum writes with fsync. */
  propertyRuns: number;
}

const opened: StoreBackend[] = [];
let tmp: ReturnType<typeof tempDir>;
const etcdCluster = etcdForFile(23790);
let testId = 0;

const sqlite: Backend = {
  name: 'sqlite',
  async open(name = 'checkpoint.db') {
    const store = new SqliteBackend(new CheckpointStore(join(tmp.dir, name), { now }));
    opened.push(store);
    return store;
  },
  async passLease(store, role) {
    clock += (await store.getLeadership(role)).leaseRemainingMs + 1;
  },
  exactLeases: true,
  propertyRuns: 60,
};

const etcdBackend: Backend = {
  name: 'etcd',
  async open(name = 'checkpoint.db') {
    const client = new EtcdClient({ endpoints: etcdCluster()?.endpoints ?? [], deadlineMs: 5000 });
    const store = new EtcdStore({ client, prefix: `test-${process.pid}-${testId}/${name}/`, now });
    opened.push(store);
    return store;
  },
  async passLease(store, role) {
    for (let i = 0; i < 100; i++) {
      const l = await store.getLeadership(role);
      if (l.leaseRemainingMs === 0) return;
      await sleep(Math.min(l.leaseRemainingMs, 250));
    }
    throw new Error(`the lease of ${role} did not run out`);
  },
  exactLeases: false,
  propertyRuns: 25,
};

beforeEach(() => {
  tmp = tempDir('rm-cs-unit-');
  clock = 1_000_000;
  testId++;
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  tmp.remove();
});

/** Collects a watch's events. */
async function watching(store: StoreBackend, prefix: string) {
  const seen: string[] = [];
  const stop = await store.watch(prefix, {
    send: (ev: KeyEvent) => seen.push(`${ev.deleted ? 'del' : 'put'} ${ev.kv.key}@${ev.kv.version}`),
    fail: (err) => seen.push(`failed ${err.message}`),
  });
  return { seen, stop };
}

async function until(what: string, probe: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}

/**
 * A store as a cluster leaves it: the manager at epoch 2 with its table (module A, warm, generation
 * 4), keys plain and fenced (more than one page of an etcd export), another role, two checkpoints.
 */
async function fill(store: StoreBackend): Promise<void> {
  await raiseEpoch(store, 2);
  expect((await store.acquireLeadership('other', 'h', 0, 1000)).won).toBe(true);
  const module = {
    name: 'A',
    style: 'warm',
    generation: 4,
    replicas: [
      { id: 'A1', status: 'P' },
      { id: 'A2', status: 'B' },
    ],
  };
  await store.saveTable(2, JSON.stringify({ hosts: [{ name: 'H1' }], modules: [module] }));
  for (let i = 0; i < 9; i++) await store.put(`k/${i}`, `v${i}`);
  await store.put('k/0', Buffer.from([0, 255, 10]));
  await store.put('fenced', 'x', { epoch: 2 });
  await store.saveCheckpoint('A', 'A1', 'one', { replica: 'A1', epoch: 2, generation: 4 });
  clock += 5;
  await store.saveCheckpoint('A', 'A1', 'two', { replica: 'A1', epoch: 2, generation: 4 });
  await store.saveCheckpoint('Z', 'Z1', 'z');
}

/** What a snapshot holds, without where and when it was read. */
function content(s: StoreSnapshot) {
  return { keys: s.keys, roles: s.roles, checkpoints: s.checkpoints };
}

/** Wins the manager role `times` times (the same holder may take a new epoch over its own lease). */
async function raiseEpoch(store: StoreBackend, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const cur = await store.getLeadership(MANAGER_ROLE);
    expect((await store.acquireLeadership(MANAGER_ROLE, 'swd', cur.epoch, 1000)).won).toBe(true);
  }
}

describe.each([sqlite, etcdBackend])('store contract: $name', (b) => {
  const skip = b.name === 'etcd' && !hasEtcd();
  const test = skip ? it.skip : it;

  test('keeps what was written across a close and a reopen', async () => {
    const a = await b.open();
    await a.put('k', 'v1');
    await a.saveCheckpoint('A', 'A1', 'state');
    await raiseEpoch(a, 2);
    await a.close();
    const c = await b.open();
    expect((await c.get('k'))?.value.toString()).toBe('v1');
    expect((await c.loadCheckpoint('A'))?.state.toString()).toBe('state');
    expect((await c.getLeadership(MANAGER_ROLE)).epoch).toBe(2);
  });

  test('versions start at 1 and grow by one per write', async () => {
    const store = await b.open();
    expect(await store.get('k')).toBeNull();
    expect(await store.put('k', 'a')).toBe(1);
    expect(await store.put('k', 'b')).toBe(2);
    expect(await store.get('k')).toEqual({ key: 'k', value: Buffer.from('b'), version: 2 });
    await store.delete('k');
    expect(await store.put('k', 'c')).toBe(1);
  });

  test('a put with an expected version succeeds only at that version; 0 means absent', async () => {
    const store = await b.open();
    expect(await store.put('k', 'a', { expectedVersion: 0 })).toBe(1);
    await expect(store.put('k', 'b', { expectedVersion: 0 })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.put('k', 'b', { expectedVersion: 2 })).rejects.toThrow(
      /at version 1; expected version 2/,
    );
    expect(await store.put('k', 'b', { expectedVersion: 1 })).toBe(2);
    await expect(store.put('other', 'x', { expectedVersion: 3 })).rejects.toThrow(
      /absent; expected version 3/,
    );
    expect((await store.get('k'))?.value.toString()).toBe('b');
    expect(await store.get('other')).toBeNull();
  });

  test('lists the keys under a prefix in key order, and nothing past it', async () => {
    const store = await b.open();
    for (const k of ['b/2', 'a', 'b/1', 'b0', 'b/10', 'c', 'b/é']) await store.put(k, k);
    expect((await store.list('b/')).map((kv) => kv.key)).toEqual(['b/1', 'b/10', 'b/2', 'b/é']);
    expect((await store.list('')).length).toBe(7);
    expect(await store.list('zz')).toEqual([]);
  });

  test('refuses an empty key', async () => {
    const store = await b.open();
    await expect(store.put('', 'x')).rejects.toBeInstanceOf(InvalidRequestError);
  });

  test('a transaction applies puts and deletes together and returns each version', async () => {
    const store = await b.open();
    await store.put('gone', 'x');
    const versions = await store.txn([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'gone', delete: true, expectedVersion: 1 },
      { key: 'b', value: 'x', expectedVersion: 0 },
    ]);
    expect(versions).toEqual([1, 2, 0, 1]);
    expect(await store.get('a')).toEqual({ key: 'a', value: Buffer.from('2'), version: 2 });
    expect(await store.get('gone')).toBeNull();
  });

  test('one failing op rolls back every op before it, and nothing is announced', async () => {
    const store = await b.open();
    await store.put('x', 'old');
    const w = await watching(store, '');
    await until('the current value', () => w.seen.length === 1);
    await expect(
      store.txn([
        { key: 'new', value: '1' },
        { key: 'x', delete: true },
        { key: 'y', value: '1', expectedVersion: 7 },
      ]),
    ).rejects.toThrow(/ops\[2\]: key "y" is absent/);
    expect(await store.get('new')).toBeNull();
    expect((await store.get('x'))?.value.toString()).toBe('old');
    await store.put('marker', '1');
    await until('the marker', () => w.seen.length === 2);
    expect(w.seen).toEqual(['put x@1', 'put marker@1']);
    w.stop();
  });

  test(`a transaction of ${MAX_TXN_OPS} ops, fenced, is one write; one op more is refused whole, saying the limit`, async () => {
    const store = await b.open();
    await raiseEpoch(store, 1);
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `t/${i}`, value: String(i) }));
    expect(await store.txn(ops(MAX_TXN_OPS), 1)).toEqual(Array(MAX_TXN_OPS).fill(1));
    await expect(store.txn(ops(MAX_TXN_OPS + 1), 1)).rejects.toThrow(
      `ops: ${MAX_TXN_OPS + 1} ops in one transaction; at most ${MAX_TXN_OPS}`,
    );
    expect((await store.list('t/')).map((kv) => kv.version)).toEqual(Array(MAX_TXN_OPS).fill(1));
  });

  test('a watch sends the current values, then every committed change in order, until stopped', async () => {
    const store = await b.open();
    await store.put('w/old', '0');
    await store.put('other', '0');
    const w = await watching(store, 'w/');
    await store.txn([
      { key: 'w/a', value: '1' },
      { key: 'w/b', value: '1' },
    ]);
    await store.txn([{ key: 'w/a', delete: true }]);
    await store.put('w/b', '2');
    await until('four events', () => w.seen.length >= 5);
    w.stop();
    await store.put('w/c', '1');
    await sleep(200);
    expect(w.seen).toEqual(['put w/old@1', 'put w/a@1', 'put w/b@1', 'del w/a@1', 'put w/b@2']);
  });

  test('refuses a write whose epoch is lower than the highest manager epoch', async () => {
    const store = await b.open();
    await raiseEpoch(store, 3);
    await expect(store.put('k', 'v', { epoch: 2 })).rejects.toBeInstanceOf(StaleEpochError);
    await expect(store.txn([{ key: 'k', value: 'v' }], 1)).rejects.toMatchObject({ got: 1, current: 3 });
    expect(await store.get('k')).toBeNull();
    expect(await store.put('k', 'v', { epoch: 3 })).toBe(1);
    // Unfenced writes of ordinary keys are allowed.
    expect(await store.put('k', 'w')).toBe(2);
  });

  test('the table is saved only under an epoch at least the current one, and never unfenced', async () => {
    const store = await b.open();
    await raiseEpoch(store, 2);
    await expect(store.saveTable(1, '{}')).rejects.toBeInstanceOf(StaleEpochError);
    await expect(store.saveTable(0, '{}')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.put(TABLE_KEY, '{}')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.saveTable(2, 'not json')).rejects.toThrow(/not JSON/);
    expect(await store.loadTable()).toBeNull();
    expect(await store.saveTable(2, '{"modules":[]}')).toBe(1);
    expect(await store.loadTable()).toEqual({ tableJson: '{"hosts":[],"modules":[]}', version: 1, epoch: 2 });
    await raiseEpoch(store, 1);
    await expect(store.saveTable(2, '{}')).rejects.toBeInstanceOf(StaleEpochError);
    await expect(store.saveTable(3, '{"modules":[1]}')).rejects.toThrow(/modules\[0\]\.name/);
    expect(await store.saveTable(3, '{"modules":[{"name":"A"}]}')).toBe(2);
    expect(await store.loadTable()).toMatchObject({ version: 2, epoch: 3 });
    // Every key of the table is fenced, the modules' own too.
    await expect(store.put(tableModuleKey('A'), '{"name":"A"}')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.put(tableModuleKey('A'), '{"name":"A"}', { epoch: 2 })).rejects.toBeInstanceOf(
      StaleEpochError,
    );
  });

  test('a change writes the hosts, the order and the changed modules; unchanged ones stay, unnamed ones go', async () => {
    const store = await b.open();
    const table = {
      hosts: [{ name: 'H1', up: true }],
      modules: [
        { name: 'A', degree: 1 },
        { name: 'B', degree: 2 },
        { name: 'C', degree: 3 },
      ],
    };
    await store.saveTable(1, JSON.stringify(table));
    const versions = async (names: string[]) =>
      Promise.all(names.map(async (n) => (await store.get(tableModuleKey(n)))?.version));
    expect(await versions(['A', 'B', 'C'])).toEqual([1, 1, 1]);
    const version = await store.saveTableChange(1, {
      hostsJson: '[{"name":"H1","up":false}]',
      moduleNames: ['C', 'A', 'D'],
      changedModules: [
        { name: 'A', moduleJson: '{"name":"A","degree":9}' },
        { name: 'D', moduleJson: '{"name":"D"}' },
      ],
    });
    expect(version).toBe(2);
    expect(JSON.parse((await store.loadTable())?.tableJson ?? '')).toEqual({
      hosts: [{ name: 'H1', up: false }],
      modules: [{ name: 'C', degree: 3 }, { name: 'A', degree: 9 }, { name: 'D' }],
    });
    // C was not sent again, B is gone.
    expect(await versions(['A', 'B', 'C', 'D'])).toEqual([2, undefined, 1, 1]);
  });

  test('a change that does not add up is refused whole', async () => {
    const store = await b.open();
    await store.saveTable(1, '{"hosts":[],"modules":[{"name":"A"}]}');
    const before = await store.loadTable();
    const refuse = (change: Partial<TableChange>, message: RegExp) =>
      expect(
        store.saveTableChange(1, { hostsJson: '[]', moduleNames: [], changedModules: [], ...change }),
      ).rejects.toThrow(message);
    await refuse({ moduleNames: ['A', 'B'] }, /module "B" is neither changed nor saved/);
    await refuse({ moduleNames: ['A', 'A'] }, /named twice/);
    await refuse({ changedModules: [{ name: 'A', moduleJson: '{"name":"A"}' }] }, /not among module_names/);
    await refuse(
      { moduleNames: ['A'], changedModules: [{ name: 'A', moduleJson: '{"name":"Z"}' }] },
      /name is not "A"/,
    );
    await refuse(
      { moduleNames: ['A'], changedModules: [{ name: 'A', moduleJson: '{' }] },
      /module_json: not JSON/,
    );
    await refuse({ hostsJson: '{}' }, /hosts_json: expected a list/);
    expect(await store.loadTable()).toEqual(before);
  });

  test('an epoch seen on the table fences lower ones even if it was never handed out', async () => {
    const store = await b.open();
    await store.saveTable(5, '{}');
    expect(await store.fenceEpoch()).toBe(5);
    await expect(store.saveTable(4, '{}')).rejects.toBeInstanceOf(StaleEpochError);
  });

  test('wins epoch + 1 when the epoch is still the expected one', async () => {
    const store = await b.open();
    expect(await store.getLeadership('manager')).toEqual({
      role: 'manager',
      holder: '',
      epoch: 0,
      leaseUntilMs: 0,
      leaseRemainingMs: 0,
    });
    const res = await store.acquireLeadership('manager', 'H2', 0, 2000);
    expect(res).toEqual({
      role: 'manager',
      holder: 'H2',
      epoch: 1,
      leaseUntilMs: clock + 2000,
      leaseRemainingMs: 2000,
      won: true,
    });
    expect(await store.getLeadership('manager')).toMatchObject({ holder: 'H2', epoch: 1 });
  });

  test('two acquirers with the same expected epoch: exactly one wins; the loser sees the winner', async () => {
    // Two connections to one store, as two Checkpoint Server processes would be.
    const a = await b.open();
    const c = await b.open();
    const expected = (await a.getLeadership('manager')).epoch;
    expect((await c.getLeadership('manager')).epoch).toBe(expected);
    const [ra, rc] = await Promise.all([
      a.acquireLeadership('manager', 'H2', expected, 1000),
      c.acquireLeadership('manager', 'H5', expected, 1000),
    ]);
    expect([ra.won, rc.won].filter(Boolean)).toHaveLength(1);
    const winner = ra.won ? 'H2' : 'H5';
    expect(ra.won ? rc : ra).toMatchObject({ won: false, holder: winner, epoch: 1 });
    expect(await a.getLeadership('manager')).toMatchObject({ holder: winner, epoch: 1 });
  });

  test('renews only for the current holder and epoch; a stale holder is refused', async () => {
    const store = await b.open();
    await store.acquireLeadership('manager', 'H2', 0, 1000);
    clock += 500;
    const renewed = await store.renewLeadership('manager', 'H2', 1, 1000);
    if (b.exactLeases) expect(renewed.leaseUntilMs).toBe(clock + 1000);
    expect(renewed).toMatchObject({ holder: 'H2', epoch: 1 });
    expect(renewed.leaseRemainingMs).toBeGreaterThan(0);
    await b.passLease(store, 'manager');
    expect((await store.acquireLeadership('manager', 'H5', 1, 1000)).won).toBe(true);
    await expect(store.renewLeadership('manager', 'H2', 1, 1000)).rejects.toBeInstanceOf(StaleEpochError);
    await expect(store.renewLeadership('manager', 'H5', 1, 1000)).rejects.toBeInstanceOf(StaleEpochError);
    await expect(store.renewLeadership('manager', 'H2', 2, 1000)).rejects.toBeInstanceOf(StaleEpochError);
    expect(await store.renewLeadership('manager', 'H5', 2, 3000)).toMatchObject({ holder: 'H5', epoch: 2 });
  });

  test("refuses a challenger while the holder's lease runs on the store's clock, and says how long it runs", async () => {
    const store = await b.open();
    await store.acquireLeadership('manager', 'H2', 0, 1000);
    clock += 400;
    const refused = await store.acquireLeadership('manager', 'H5', 1, 1000);
    expect(refused).toMatchObject({ won: false, holder: 'H2', epoch: 1 });
    if (b.exactLeases) expect(refused.leaseRemainingMs).toBe(600);
    else expect(refused.leaseRemainingMs).toBeGreaterThan(0);
    // The holder itself may take a new epoch over its own lease (a restarted SuperWatchDog).
    expect(await store.acquireLeadership('manager', 'H2', 1, 1000)).toMatchObject({ won: true, epoch: 2 });
    await b.passLease(store, 'manager');
    expect((await store.getLeadership('manager')).leaseRemainingMs).toBe(0);
    expect(await store.getLeadership('manager')).toMatchObject({ holder: 'H2', epoch: 2 });
    expect(await store.acquireLeadership('manager', 'H5', 2, 1000)).toMatchObject({
      won: true,
      holder: 'H5',
      epoch: 3,
    });
  });

  test('keeps one epoch counter per role', async () => {
    const store = await b.open();
    await store.acquireLeadership('manager', 'H2', 0, 1000);
    await store.acquireLeadership('manager', 'H2', 1, 1000);
    expect(await store.acquireLeadership('other', 'x', 0, 1000)).toMatchObject({ won: true, epoch: 1 });
    expect(await store.fenceEpoch()).toBe(2);
  });

  test('saves and loads a module state, with its replica, version and time', async () => {
    const store = await b.open();
    expect(await store.loadCheckpoint('A')).toBeNull();
    expect(await store.saveCheckpoint('A', 'A1', 'one')).toBe(1);
    clock += 10;
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const saving = store.saveCheckpoint('A', 'A2', bytes);
    bytes[0] = 9; // the store kept its own copy
    expect(await saving).toBe(2);
    expect(await store.loadCheckpoint('A')).toEqual({
      module: 'A',
      replica: 'A2',
      state: Buffer.from([0, 1, 2, 255]),
      version: 2,
      savedAtMs: clock,
    });
    expect(await store.saveCheckpoint('B', 'B1', '')).toBe(1);
    expect((await store.loadCheckpoint('B'))?.state.length).toBe(0);
  });

  /** Writes module A of a table with the given statuses and generation, as the manager would. */
  async function fencedTable(
    store: StoreBackend,
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
    await store.saveTable(1, JSON.stringify({ hosts: [], modules: [module] }));
  }
  const token = (replica: string, generation: number, expectedVersion?: number) => ({
    replica,
    epoch: 1,
    generation,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  });

  test('fenced saves: only the warm primary with the current generation; the old primary is refused, whatever it shows', async () => {
    const store = await b.open();
    await store.acquireLeadership(MANAGER_ROLE, 'H2', 0, 1000);
    await fencedTable(store, 'warm', { A1: 'P', A2: 'B' }, 4);
    expect(await store.saveCheckpoint('A', 'A1', '100', token('A1', 4))).toBe(1);
    // A1 fails over to A2 (generation 5), but the old A1 still runs, cut off, and saves.
    await fencedTable(store, 'warm', { A1: 'I', A2: 'P' }, 5);
    await expect(store.saveCheckpoint('A', 'A1', '65', token('A1', 4))).rejects.toBeInstanceOf(FencedError);
    await expect(store.saveCheckpoint('A', 'A1', '65', token('A1', 5))).rejects.toThrow(
      /A1 is not its primary/,
    );
    await expect(store.saveCheckpoint('A', 'A2', '110', token('A2', 4))).rejects.toThrow(
      /generation 4, the module is at 5/,
    );
    expect(await store.saveCheckpoint('A', 'A2', '110', token('A2', 5))).toBe(2);
    // A1 made primary again later: its old incarnation's token (generation 4) is still refused.
    await fencedTable(store, 'warm', { A1: 'P', A2: 'I' }, 6);
    await expect(store.saveCheckpoint('A', 'A1', '70', token('A1', 4))).rejects.toBeInstanceOf(FencedError);
    expect((await store.loadCheckpoint('A'))?.state.toString()).toBe('110');
    await expect(store.saveCheckpoint('A', 'X9', '1', token('X9', 6))).rejects.toThrow(
      /not one of its replicas/,
    );
  });

  test('fenced saves: hot copies save by compare-and-set on the version they last saw', async () => {
    const store = await b.open();
    await store.acquireLeadership(MANAGER_ROLE, 'H2', 0, 1000);
    await fencedTable(store, 'hot', { B1: 'P', B2: 'P', B3: 'I' }, 0);
    expect(await store.saveCheckpoint('A', 'B1', 'one', token('B1', 0, 0))).toBe(1);
    await expect(store.saveCheckpoint('A', 'B2', 'two', token('B2', 0, 0))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await store.saveCheckpoint('A', 'B2', 'two', token('B2', 0, 1))).toBe(2);
    await expect(store.saveCheckpoint('A', 'B2', 'x', token('B2', 0))).rejects.toThrow(/compare-and-set/);
    await expect(store.saveCheckpoint('A', 'B3', 'x', token('B3', 0, 2))).rejects.toBeInstanceOf(FencedError);
  });

  test("a copy's saves keep their order: a late older one is refused, a repeated one answered with its version", async () => {
    const store = await b.open();
    await store.acquireLeadership(MANAGER_ROLE, 'H2', 0, 1000);
    await fencedTable(store, 'warm', { A1: 'P', A2: 'B' }, 1);
    const save = (state: string, session: string, sequence: number) =>
      store.saveCheckpoint('A', 'A1', state, { ...token('A1', 1), session, sequence });
    expect(await save('52', 's1', 1)).toBe(1);
    expect(await save('53', 's1', 2)).toBe(2);
    // Save 2 delivered again (at-least-once): the version it made, nothing written. Save 1 again,
    // after save 2: older than the last kept, refused.
    expect(await save('53', 's1', 2)).toBe(2);
    await expect(save('52', 's1', 1)).rejects.toThrow(/save 1 arrived after its save 2/);
    await expect(save('52', 's1', 1)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.loadCheckpoint('A'))?.state.toString()).toBe('53');
    // A new process of the same copy (restarted in place, same generation) has its own session.
    expect(await save('54', 's2', 1)).toBe(3);
    // A save without a session (tools) keeps no order, and the next session starts afresh.
    expect(await store.saveCheckpoint('A', 'A1', '55', token('A1', 1))).toBe(4);
    expect(await save('56', 's1', 1)).toBe(5);
    expect((await store.loadCheckpoint('A'))?.state.toString()).toBe('56');
    // Processes of the same copy are ordered by their start (RM_INCARNATION): once a later one saved,
    // a save of an earlier one (killed, its request still on its way) is refused, whatever its session.
    const saveOf = (state: string, incarnation: number, session: string, sequence: number) =>
      store.saveCheckpoint('A', 'A1', state, { ...token('A1', 1), incarnation, session, sequence });
    expect(await saveOf('57', 100, 'p1', 7)).toBe(6);
    expect(await saveOf('58', 200, 'p2', 1)).toBe(7);
    await expect(saveOf('57', 100, 'p1', 8)).rejects.toThrow(
      /process started at 100 arrived after one of its process started at 200/,
    );
    expect((await store.loadCheckpoint('A'))?.state.toString()).toBe('58');
  });

  test('fenced saves: a module the table does not hold is not fenced, nor a save without a token', async () => {
    const store = await b.open();
    expect(await store.saveCheckpoint('Z', 'Z1', 'a', token('Z1', 0))).toBe(1);
    await fencedTable(store, 'warm', { A1: 'I', A2: 'P' }, 2);
    expect(await store.saveCheckpoint('A', 'tool', 'restored by hand')).toBe(1);
  });

  test('a checkpoint watch sends the current state, then every save', async () => {
    const store = await b.open();
    await store.saveCheckpoint('A', 'A1', 'one');
    const seen: string[] = [];
    const stop = await store.watchCheckpoint('A', {
      send: (c) => seen.push(`${c.replica}:${c.state.toString()}@${c.version}`),
      fail: (err) => seen.push(err.message),
    });
    await store.saveCheckpoint('B', 'B1', 'other');
    await store.saveCheckpoint('A', 'A1', 'two');
    await until('two states', () => seen.length >= 2);
    stop();
    expect(seen).toEqual(['A1:one@1', 'A1:two@2']);
  });

  test('exports everything at one point; an empty store imports it with every version and epoch, and no lease', async () => {
    const store = await b.open();
    await fill(store);
    const snap = await store.exportSnapshot();
    expect(snap.keys.map((k) => `${k.key}@${k.version}/${k.epoch}`)).toEqual([
      'fenced@1/2',
      ...Array.from({ length: 9 }, (_, i) => `k/${i}@${i === 0 ? 2 : 1}/0`),
      TABLE_KEY + '@1/2',
      `${tableModuleKey('A')}@1/2`,
    ]);
    expect(snap.roles).toEqual([
      { role: MANAGER_ROLE, holder: 'swd', epoch: 2 },
      { role: 'other', holder: 'h', epoch: 1 },
    ]);
    expect(snap.checkpoints.map((c) => `${c.module}:${c.state.toString()}@${c.version}`)).toEqual([
      'A:two@2',
      'Z:z@1',
    ]);

    const moved = await b.open('moved.db');
    expect(await moved.importSnapshot(snap)).toEqual({ replacedUnfinished: false });
    expect(content(await moved.exportSnapshot())).toEqual(content(snap));
    expect(await moved.loadTable()).toEqual(await store.loadTable());
    expect(await moved.loadCheckpoint('A')).toEqual(await store.loadCheckpoint('A'));
    // A second import is refused whole: the store is no longer empty.
    await expect(moved.importSnapshot({ ...snap, keys: [] })).rejects.toThrow(/is not empty/);
    await expect(moved.importSnapshot(snap)).rejects.toBeInstanceOf(ConflictError);
    expect(content(await moved.exportSnapshot())).toEqual(content(snap));

    // The fences hold as before: epoch 2 stands; a save needs the table's current generation, and a
    // compare-and-set on the checkpoint's version goes on from the version saved at the source.
    expect(await moved.fenceEpoch()).toBe(2);
    await expect(moved.put('late', 'x', { epoch: 1 })).rejects.toBeInstanceOf(StaleEpochError);
    await expect(moved.saveCheckpoint('A', 'A1', 'old', token('A1', 3))).rejects.toBeInstanceOf(FencedError);
    expect(await moved.saveCheckpoint('A', 'A1', 'three', token('A1', 4, 2))).toBe(3);
    // No lease came along: the next SuperWatchDog takes epoch 3 at once, whatever ran at the source.
    const lead = await moved.getLeadership(MANAGER_ROLE);
    expect(lead).toMatchObject({ holder: 'swd', epoch: 2, leaseRemainingMs: 0 });
    expect(await moved.acquireLeadership(MANAGER_ROLE, 'H5', 2, 1000)).toMatchObject({ won: true, epoch: 3 });
  });

  describe('agrees with a Map (property)', () => {
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

    test('random puts, compare-and-sets, deletes and transactions', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: b.name === 'etcd' ? 12 : 30 }), async (commands) => {
          const store = await b.open(`prop-${run++}.db`);
          let model: Model = new Map();
          for (const c of commands) {
            const ops = c.kind === 'single' ? [c.op] : c.ops;
            const expected = applyModel(model, ops);
            const run = async () => {
              if (c.kind === 'single' && c.op.t === 'put') {
                const o = c.op;
                return [
                  await store.put(
                    o.key,
                    o.value,
                    o.expected === undefined ? {} : { expectedVersion: o.expected },
                  ),
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
              await expect(run()).rejects.toBeInstanceOf(ConflictError);
            } else {
              expect(await run()).toEqual(expected.versions);
              model = expected.next;
            }
            const actual = (await store.list('')).map((kv) => [kv.key, kv.value.toString(), kv.version]);
            const wanted = [...model.entries()]
              .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
              .map(([k, v]) => [k, v.value, v.version]);
            expect(actual).toEqual(wanted);
            expect((await store.list('a/')).map((kv) => kv.key)).toEqual(
              wanted.map(([k]) => k as string).filter((k) => k.startsWith('a/')),
            );
          }
        }),
        { numRuns: b.propertyRuns },
      );
    });
  });
});

describe('SQLite only: durability settings', () => {
  it('runs in WAL mode with synchronous=FULL and a busy timeout', () => {
    const store = new CheckpointStore(join(tmp.dir, 'checkpoint.db'), { now });
    try {
      expect(store.settings()).toEqual({ journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000 });
      expect(store.integrityCheck()).toEqual(['ok']);
    } finally {
      store.close();
    }
  });

  it('opens a file of format 1 (checkpoints without their saver): its checkpoints kept, saves ordered from then on', async () => {
    const file = join(tmp.dir, 'format1.db');
    const old = new Database(file);
    old.exec(
      'CREATE TABLE checkpoints (module TEXT PRIMARY KEY, replica TEXT NOT NULL, state BLOB NOT NULL, ' +
        'version INTEGER NOT NULL, saved_at_ms INTEGER NOT NULL) WITHOUT ROWID',
    );
    old.prepare('INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)').run('A', 'A1', Buffer.from('41'), 7, 1);
    old.pragma('user_version = 1');
    old.close();
    const store = new CheckpointStore(file, { now });
    try {
      expect((store.loadCheckpoint('A') as Checkpoint).version).toBe(7);
      const token = { replica: 'A1', epoch: 1, generation: 0, session: 's', sequence: 2 };
      expect(store.saveCheckpoint('A', 'A1', '42', token)).toBe(8);
      expect(() => store.saveCheckpoint('A', 'A1', '41', { ...token, sequence: 1 })).toThrow(ConflictError);
      expect(store.loadCheckpoint('A')?.state.toString()).toBe('42');
    } finally {
      store.close();
    }
  });

  it('backs up through SQLite into a file that opens with the same content', async () => {
    const store = new CheckpointStore(join(tmp.dir, 'checkpoint.db'), { now });
    try {
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
    } finally {
      store.close();
    }
  });
});

describe.skipIf(!hasEtcd())('etcd only', () => {
  function open(prefix: string, beforeCommit?: () => Promise<void>): EtcdStore {
    const client = new EtcdClient({ endpoints: etcdCluster()?.endpoints ?? [], deadlineMs: 5000 });
    const store = new EtcdStore({ client, prefix, now, ...(beforeCommit ? { beforeCommit } : {}) });
    opened.push(store);
    return store;
  }

  it('a write from a manager whose epoch was superseded after it read is refused by etcd itself', async () => {
    const prefix = `fence-${process.pid}-${testId}/`;
    const rival = open(prefix);
    let once = false;
    // Between the old manager's read (epoch 1 current, its write allowed) and its commit, a new
    // manager takes epoch 2 (here the same host's SuperWatchDog, restarted, so no lease to wait out):
    // the Txn's compare on the epoch key fails in etcd, and the write, decided
    // again on what etcd returned, is refused as stale.
    const old = open(prefix, async () => {
      if (!once) return;
      once = false;
      expect((await rival.acquireLeadership(MANAGER_ROLE, 'H2', 1, 1000)).won).toBe(true);
    });
    expect((await old.acquireLeadership(MANAGER_ROLE, 'H2', 0, 1000)).won).toBe(true);
    old.refusals = 0;
    once = true;
    await expect(old.saveTable(1, '{"modules":[]}')).rejects.toMatchObject({ got: 1, current: 2 });
    expect(old.refusals).toBe(1);
    expect(await old.loadTable()).toBeNull();
  });

  it("a save whose module's role moved between its read and its commit is refused", async () => {
    const prefix = `save-${process.pid}-${testId}/`;
    const manager = open(prefix);
    const table = (primary: string) =>
      JSON.stringify({
        hosts: [],
        modules: [
          {
            name: 'A',
            style: 'warm',
            generation: primary === 'A1' ? 1 : 2,
            replicas: [
              { id: 'A1', status: primary === 'A1' ? 'P' : 'B' },
              { id: 'A2', status: primary === 'A2' ? 'P' : 'B' },
            ],
          },
        ],
      });
    await manager.saveTable(1, table('A1'));
    let once = true;
    const copy = open(prefix, async () => {
      if (!once) return;
      once = false;
      await manager.saveTable(1, table('A2'));
    });
    await expect(
      copy.saveCheckpoint('A', 'A1', 'late', { replica: 'A1', epoch: 1, generation: 1 }),
    ).rejects.toBeInstanceOf(FencedError);
    expect(copy.refusals).toBe(1);
    expect(await copy.loadCheckpoint('A')).toBeNull();
  });

  it('a watch cut off while its revisions are compacted away reads afresh: the state it missed, not each change', async () => {
    const prefix = `compact-${process.pid}-${testId}/`;
    const writer = open(prefix);
    // The watcher reaches one etcd member through a loopback relay that the test cuts and restores.
    const relay = await Relay.start(etcdCluster()?.endpoints[0] ?? '');
    const client = new EtcdClient({ endpoints: [relay.endpoint], deadlineMs: 20_000 });
    const watcher = new EtcdStore({ client, prefix, now });
    try {
      await writer.put('w/a', '1');
      await writer.put('w/b', '1');
      await writer.saveCheckpoint('M', 'M1', 'one');
      const w = await watching(watcher, 'w/');
      const saves: string[] = [];
      await watcher.watchCheckpoint('M', {
        send: (cp) => saves.push(`${cp.state.toString()}@${cp.version}`),
        fail: (err) => saves.push(`failed ${err.message}`),
      });
      await until('the first read', () => w.seen.length === 2 && saves.length === 1);
      await relay.cut();
      await writer.put('w/a', '2');
      await writer.put('w/a', '3');
      await writer.delete('w/b');
      await writer.put('w/c', '1');
      await writer.put('w/d', '1');
      await writer.delete('w/d');
      await writer.saveCheckpoint('M', 'M1', 'two');
      await writer.saveCheckpoint('M', 'M1', 'three');
      const raw = new EtcdClient({ endpoints: etcdCluster()?.endpoints ?? [], deadlineMs: 5000 });
      try {
        await raw.compact((await raw.range(Buffer.from(prefix))).header.revision);
      } finally {
        raw.close();
      }
      await relay.restore();
      await until(
        'the fresh read after the compaction',
        () => w.seen.length >= 5 && saves.length >= 2,
        15_000,
      );
      await sleep(200);
      // Each change one by one would have been put a@2, put a@3, del b, put c, put d, del d.
      expect(w.seen).toEqual(['put w/a@1', 'put w/b@1', 'put w/a@3', 'put w/c@1', 'del w/b@1']);
      expect(saves).toEqual(['one@1', 'three@3']);
      await writer.put('w/e', '1');
      await until('a change after the fresh read', () => w.seen.length === 6);
      expect(w.seen[5]).toBe('put w/e@1');
      w.stop();
    } finally {
      // Closed while the relay still carries it (closing writes to etcd).
      await watcher.close();
      await relay.cut();
    }
  });

  it('a snapshot moves from SQLite to etcd and back unchanged', async () => {
    const source = await sqlite.open();
    await fill(source);
    const snap = await source.exportSnapshot();
    const onEtcd = await etcdBackend.open('from-sqlite');
    await onEtcd.importSnapshot(snap);
    const fromEtcd = await onEtcd.exportSnapshot();
    expect(fromEtcd.revision).toMatch(/^[1-9][0-9]*$/);
    expect(content(fromEtcd)).toEqual(content(snap));
    const back = await sqlite.open('back.db');
    await back.importSnapshot(fromEtcd);
    expect(content(await back.exportSnapshot())).toEqual(content(snap));
    expect(await back.loadTable()).toEqual(await source.loadTable());
  });

  it('an import that stopped part-way is replaced by the next one; a value over the limit is refused before any write', async () => {
    const prefix = `import-${process.pid}-${testId}/`;
    const snapshot = (keys: string[], state = Buffer.from('s')): StoreSnapshot => ({
      from: 'test',
      exportedAtMs: 0,
      revision: '',
      keys: keys.map((key) => ({ key, value: Buffer.from(key), version: 1, epoch: 0 })),
      roles: [{ role: MANAGER_ROLE, holder: 'swd', epoch: 7 }],
      checkpoints: [{ module: 'A', replica: 'A1', state, version: 3, savedAtMs: 5 }],
    });
    const big = Buffer.alloc(2 * 1024 * 1024);
    await expect(open(prefix).importSnapshot(snapshot(['a'], big))).rejects.toThrow(
      /A: a checkpoint of 2097152 bytes is over the etcd backend's limit of 1048576 bytes/,
    );
    expect(content(await open(prefix).exportSnapshot())).toEqual({ keys: [], roles: [], checkpoints: [] });
    // A store that lets the checkpoint through to etcd, which refuses it (over its 1.5 MiB request
    // limit) after the keys were written.
    const client = new EtcdClient({ endpoints: etcdCluster()?.endpoints ?? [], deadlineMs: 5000 });
    const loose = new EtcdStore({ client, prefix, now, maxCheckpointBytes: big.length });
    opened.push(loose);
    await expect(loose.importSnapshot(snapshot(['a', 'b'], big))).rejects.toThrow(/stopped part-way/);
    expect((await open(prefix).exportSnapshot()).keys.map((k) => k.key)).toEqual(['a', 'b']);
    const store = open(prefix);
    expect(await store.importSnapshot(snapshot(['c']))).toEqual({ replacedUnfinished: true });
    expect(content(await store.exportSnapshot())).toEqual(content(snapshot(['c'])));
    await expect(store.importSnapshot(snapshot(['d']))).rejects.toBeInstanceOf(ConflictError);
  });

  it('a table change of more modules than one etcd transaction writes is refused, saying so', async () => {
    const store = open(`wide-${process.pid}-${testId}/`);
    await raiseEpoch(store, 1);
    const table = (n: number, tag: string) =>
      JSON.stringify({ hosts: [], modules: Array.from({ length: n }, (_, i) => ({ name: `${tag}${i}` })) });
    expect(await store.saveTable(1, table(120, 'A'))).toBe(1);
    await expect(store.saveTable(1, table(121, 'B'))).rejects.toThrow(/a table change of 121 modules/);
    // 60 changed and the 120 saved ones removed: refused too, and the table is as it was.
    await expect(store.saveTable(1, table(60, 'C'))).rejects.toThrow(/a table change of 180 modules/);
    expect((await store.loadTable())?.version).toBe(1);
  });

  it('refuses a checkpoint over its size limit, saying the size and the limit', async () => {
    const store = open(`size-${process.pid}-${testId}/`);
    await expect(store.saveCheckpoint('A', 'A1', Buffer.alloc(1024 * 1024 + 1))).rejects.toThrow(
      /1048577 bytes is over the etcd backend's limit of 1048576 bytes/,
    );
    expect(await store.saveCheckpoint('A', 'A1', Buffer.alloc(1024 * 1024))).toBe(1);
  });
});

/** A TCP relay on 127.0.0.1 to one endpoint, whose connections the test can cut (refused) and restore. */
class Relay {
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;

  private constructor(
    private readonly target: string,
    private port: number,
  ) {}

  static async start(target: string): Promise<Relay> {
    const relay = new Relay(target, 0);
    await relay.listen();
    return relay;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  private listen(): Promise<void> {
    const [host, port] = this.target.split(':');
    const server = createServer((inbound) => {
      const outbound = createConnection({ host, port: Number(port) });
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        const addr = server.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        resolve();
      });
    });
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((r) => server.close(r));
  }

  /** Accepts connections again, on the same port. */
  restore(): Promise<void> {
    return this.listen();
  }
}
