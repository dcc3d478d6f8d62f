/**
 * The Checkpoint Server's stable storage (DESIGN §3, §5): versioned keys with compare-and-set, atomic
 * multi-key writes, the leadership record whose epoch fences every table write, the replica table and
 * the modules' own checkpoints (source ¶0014, ¶0021, ¶0026), in one SQLite file.
 *
 * Durability: WAL with `synchronous=FULL`, so a method returns only after its commit is on disk
 * (better-sqlite3's NORMAL would let a power loss roll back acknowledged commits). Every write and
 * every compare-and-set runs in one `BEGIN IMMEDIATE` transaction, which takes the write lock before
 * the first read, so a check and the write it guards cannot be separated by another connection.
 */
import Database from 'better-sqlite3';
import { TABLE_KEY } from '../model/watched-table.js';
import { ConflictError, FencedError, StaleEpochError, SupervisorError } from '../shared/errors.js';
import { MAX_TXN_OPS } from './backend.js';
import { fenceRefusal, type SaveToken, saveOrder } from './fence.js';
import type { StoreSnapshot } from './snapshot.js';

/** A request that is malformed whatever the stored state (empty key, negative lease …); maps to INVALID_ARGUMENT. */
export class InvalidRequestError extends SupervisorError {
  readonly code = 'invalid-request';
}

/** The role whose epoch fences table writes and every fenced key write. */
export const MANAGER_ROLE = 'manager';

/**
 * The key of the replica table: its hosts and the names of its modules in order. Each module lives
 * under `${TABLE_KEY}/modules/<name>`, so that a change writes only the modules it changed. Every key
 * of the table is written only with an epoch (SaveTable, SaveTableChange, or a fenced Put/Txn).
 */
export { TABLE_KEY };

/** The key one module of the replica table lives under. */
export function tableModuleKey(name: string): string {
  return `${TABLE_KEY}/modules/${name}`;
}

/** Whether a key belongs to the replica table (written only under an epoch). */
export function isTableKey(key: string): boolean {
  return key === TABLE_KEY || key.startsWith(`${TABLE_KEY}/`);
}

/** A change to the saved replica table (SaveTableChange): everything but the unchanged modules. */
export interface TableChange {
  /** The table's hosts, as JSON. */
  hostsJson: string;
  /** Every module of the table in order: a saved module not named is removed. */
  moduleNames: readonly string[];
  /** The named modules that are new or changed, each as JSON; the others are kept as saved. */
  changedModules: ReadonlyArray<{ name: string; moduleJson: string }>;
}

/** What TABLE_KEY holds: the hosts and the module names in order. */
export interface TableIndex {
  hosts: unknown[];
  modules: string[];
}

export interface KeyValue {
  key: string;
  value: Buffer;
  /** 1 on creation, one more on every write of the key. A deleted and re-created key starts again at 1. */
  version: number;
}

export interface Leadership {
  role: string;
  /** Empty while nobody has ever won the role. */
  holder: string;
  /** The highest epoch handed out for the role (0: none yet). Never decreases. */
  epoch: number;
  /** Milliseconds since the Unix epoch, on the store's clock. */
  leaseUntilMs: number;
  /** How long the lease still ran when this record was read, on the store's clock (0 once run out). */
  leaseRemainingMs: number;
}

export interface AcquireResult extends Leadership {
  /** Whether this call won; when false, the record is the current one, unchanged. */
  won: boolean;
}

export interface PutOptions {
  /** Compare-and-set: the version the key must still have (0 = the key must be absent). */
  expectedVersion?: number;
  /** Fencing: refused if a higher manager epoch exists. 0 or absent = unfenced (not for the table key). */
  epoch?: number;
}

export type TxnOp =
  | { key: string; value: Buffer | Uint8Array | string; delete?: false; expectedVersion?: number }
  | { key: string; delete: true; expectedVersion?: number };

export interface StoredTable {
  tableJson: string;
  version: number;
  /** The epoch of the manager that wrote it. */
  epoch: number;
}

export interface Checkpoint {
  module: string;
  /** The replica that saved it. */
  replica: string;
  state: Buffer;
  version: number;
  savedAtMs: number;
}

/** What a committed write changed; listeners hear of it only after the commit. */
export type StoreChange =
  | { kind: 'key'; kv: KeyValue; deleted: false }
  /** `kv.value` is empty and `kv.version` is the version the key had. */
  | { kind: 'key'; kv: KeyValue; deleted: true }
  | { kind: 'leadership'; leadership: Leadership }
  | { kind: 'checkpoint'; checkpoint: Checkpoint };

export type ChangeListener = (change: StoreChange) => void;

export interface StoreOptions {
  /** The clock for leases and checkpoint times (default Date.now). */
  now?: () => number;
  /** How long a write waits for another connection's lock before failing (default 5000). */
  busyTimeoutMs?: number;
}

/** The connection settings that durability depends on, as SQLite reports them. */
export interface StoreSettings {
  journalMode: string;
  /** 2 = FULL. */
  synchronous: number;
  busyTimeoutMs: number;
}

/** 2: the checkpoints keep the session and sequence of their save (fence.ts, saveOrder). */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key     TEXT    PRIMARY KEY,
  value   BLOB    NOT NULL,
  version INTEGER NOT NULL,
  -- the epoch the last write carried (0 = unfenced)
  epoch   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
-- One row per role; its epoch is the role's epoch counter: it is only ever raised, by one.
CREATE TABLE IF NOT EXISTS leadership (
  role           TEXT    PRIMARY KEY,
  holder         TEXT    NOT NULL,
  epoch          INTEGER NOT NULL,
  lease_until_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  module      TEXT    PRIMARY KEY,
  replica     TEXT    NOT NULL,
  state       BLOB    NOT NULL,
  version     INTEGER NOT NULL,
  saved_at_ms INTEGER NOT NULL,
  -- the saving process's start on its WatchDog's clock, its session and the save's number in it
  -- (0, '', 0: saved without them)
  saver_incarnation INTEGER NOT NULL DEFAULT 0,
  saver_session     TEXT    NOT NULL DEFAULT '',
  saver_sequence    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/** Columns added after format 1, for a file written by an older Checkpoint Server. */
const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; ddl: string }> = [
  { table: 'checkpoints', column: 'saver_incarnation', ddl: 'saver_incarnation INTEGER NOT NULL DEFAULT 0' },
  { table: 'checkpoints', column: 'saver_session', ddl: "saver_session TEXT NOT NULL DEFAULT ''" },
  { table: 'checkpoints', column: 'saver_sequence', ddl: 'saver_sequence INTEGER NOT NULL DEFAULT 0' },
];

interface KvRow {
  key: string;
  value: Buffer;
  version: number;
  epoch: number;
}
interface LeadershipRow {
  role: string;
  holder: string;
  epoch: number;
  lease_until_ms: number;
}
interface CheckpointRow {
  module: string;
  replica: string;
  state: Buffer;
  version: number;
  saved_at_ms: number;
}
interface SaverRow {
  version: number;
  replica: string;
  saver_incarnation: number;
  saver_session: string;
  saver_sequence: number;
}

export function toBuffer(v: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(v)) return v;
  // A copy: the caller may reuse its array once the call returns, while watchers still hold the value.
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}

export function wholeNumber(v: number, field: string, min = 0): number {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new InvalidRequestError(`${field}: expected a whole number ≥ ${min}, got ${v}`);
  }
  return v;
}

export function nonEmpty(v: string, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidRequestError(`${field}: must not be empty`);
  return v;
}

export function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError(`${field}: not JSON (${(err as Error).message})`);
  }
}

function toLeadership(row: LeadershipRow, now: number): Leadership {
  return {
    role: row.role,
    holder: row.holder,
    epoch: row.epoch,
    leaseUntilMs: row.lease_until_ms,
    leaseRemainingMs: Math.max(0, row.lease_until_ms - now),
  };
}

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    module: row.module,
    replica: row.replica,
    state: row.state,
    version: row.version,
    savedAtMs: row.saved_at_ms,
  };
}

function prepare(db: Database.Database) {
  return {
    getKv: db.prepare<[string], KvRow>('SELECT key, value, version, epoch FROM kv WHERE key = ?'),
    // Keys under a prefix form one range starting at the prefix; the caller stops at the first key past it.
    scanKv: db.prepare<[string], KvRow>(
      'SELECT key, value, version, epoch FROM kv WHERE key >= ? ORDER BY key',
    ),
    upsertKv: db.prepare<[string, Buffer, number, number]>(
      'INSERT INTO kv (key, value, version, epoch) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, epoch = excluded.epoch',
    ),
    deleteKv: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
    getLeadership: db.prepare<[string], LeadershipRow>(
      'SELECT role, holder, epoch, lease_until_ms FROM leadership WHERE role = ?',
    ),
    upsertLeadership: db.prepare<[string, string, number, number]>(
      'INSERT INTO leadership (role, holder, epoch, lease_until_ms) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, ' +
        'lease_until_ms = excluded.lease_until_ms',
    ),
    allKv: db.prepare<[], KvRow>('SELECT key, value, version, epoch FROM kv ORDER BY key'),
    allLeadership: db.prepare<[], LeadershipRow>(
      'SELECT role, holder, epoch, lease_until_ms FROM leadership ORDER BY role',
    ),
    allCheckpoints: db.prepare<[], CheckpointRow>(
      'SELECT module, replica, state, version, saved_at_ms FROM checkpoints ORDER BY module',
    ),
    firstOfEach: db.prepare<[], { kv: string | null; role: string | null; module: string | null }>(
      'SELECT (SELECT key FROM kv LIMIT 1) AS kv, (SELECT role FROM leadership LIMIT 1) AS role, ' +
        '(SELECT module FROM checkpoints LIMIT 1) AS module',
    ),
    getCheckpoint: db.prepare<[string], CheckpointRow>(
      'SELECT module, replica, state, version, saved_at_ms FROM checkpoints WHERE module = ?',
    ),
    getSaver: db.prepare<[string], SaverRow>(
      'SELECT version, replica, saver_incarnation, saver_session, saver_sequence FROM checkpoints WHERE module = ?',
    ),
    upsertCheckpoint: db.prepare<[string, string, Buffer, number, number, number, string, number]>(
      'INSERT INTO checkpoints (module, replica, state, version, saved_at_ms, ' +
        'saver_incarnation, saver_session, saver_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (module) DO UPDATE SET replica = excluded.replica, state = excluded.state, ' +
        'version = excluded.version, saved_at_ms = excluded.saved_at_ms, ' +
        'saver_incarnation = excluded.saver_incarnation, saver_session = excluded.saver_session, ' +
        'saver_sequence = excluded.saver_sequence',
    ),
  };
}

/** The whole table (SaveTable) as a change that names and sends every module. InvalidRequestError if it is not a table. */
export function tableAsChange(tableJson: string): TableChange {
  const table = parseJson(tableJson, 'table_json');
  if (table === null || typeof table !== 'object' || Array.isArray(table)) {
    throw new InvalidRequestError('table_json: expected an object with hosts and modules');
  }
  const { hosts = [], modules = [] } = table as { hosts?: unknown; modules?: unknown };
  if (!Array.isArray(modules)) throw new InvalidRequestError('table_json.modules: expected a list');
  const named = modules.map((m, i) => {
    const name = (m as { name?: unknown } | null)?.name;
    if (typeof name !== 'string')
      throw new InvalidRequestError(`table_json.modules[${i}].name: expected a name`);
    return { name, moduleJson: JSON.stringify(m) };
  });
  return {
    hostsJson: JSON.stringify(hosts),
    moduleNames: named.map((m) => m.name),
    changedModules: named,
  };
}

/** A table change checked on its own (every backend, before it reads anything); InvalidRequestError names the bad field. */
export function checkTableChange(
  epoch: number,
  change: TableChange,
): { hosts: unknown[]; names: readonly string[]; order: Set<string>; changed: Map<string, Buffer> } {
  wholeNumber(epoch, 'epoch', 1);
  const hosts = parseJson(change.hostsJson, 'hosts_json');
  if (!Array.isArray(hosts)) throw new InvalidRequestError('hosts_json: expected a list of hosts');
  const names = change.moduleNames;
  const order = new Set<string>();
  names.forEach((n, i) => {
    nonEmpty(n, `module_names[${i}]`);
    if (order.has(n)) throw new InvalidRequestError(`module_names[${i}]: module "${n}" is named twice`);
    order.add(n);
  });
  const changed = new Map<string, Buffer>();
  change.changedModules.forEach((m, i) => {
    const where = `changed_modules[${i}]`;
    if (!order.has(m.name))
      throw new InvalidRequestError(`${where}: module "${m.name}" is not among module_names`);
    const parsed = parseJson(m.moduleJson, `${where}.module_json`) as { name?: unknown } | null;
    if (parsed?.name !== m.name) {
      throw new InvalidRequestError(`${where}.module_json: its name is not "${m.name}"`);
    }
    changed.set(m.name, Buffer.from(m.moduleJson, 'utf8'));
  });
  return { hosts, names, order, changed };
}

/** The refusal of an import into a store that already holds something (`what`: the first thing found). */
export function notEmpty(where: string, what: string): ConflictError {
  return new ConflictError(
    `${where} is not empty (it holds ${what}, among others): a snapshot is imported only into a new store; point the cluster file at a new one, or remove this one first`,
  );
}

/** The refusal of a transaction of more ops than every backend takes (MAX_TXN_OPS). */
export function checkTxnSize(ops: readonly TxnOp[]): void {
  if (ops.length > MAX_TXN_OPS) {
    throw new InvalidRequestError(
      `ops: ${ops.length} ops in one transaction; at most ${MAX_TXN_OPS} (etcd's limit per transaction, kept on every backend)`,
    );
  }
}

/** A compare-and-set's check: ConflictError when the key's version (0 = absent) is not the expected one. */
export function checkVersion(key: string, actual: number, expected: number | undefined, where: string): void {
  if (expected === undefined) return;
  wholeNumber(expected, `${where}.expected_version`);
  if (actual === expected) return;
  if (expected === 0) {
    throw new ConflictError(`${where}: key "${key}" exists at version ${actual}; expected it absent`);
  }
  if (actual === 0) throw new ConflictError(`${where}: key "${key}" is absent; expected version ${expected}`);
  throw new ConflictError(`${where}: key "${key}" is at version ${actual}; expected version ${expected}`);
}

/** The refusal of a write whose epoch is below `current`, or of an unfenced write to the table. */
export function checkFence(epoch: number, touchesTable: boolean, current: () => number): void {
  wholeNumber(epoch, 'epoch');
  if (epoch === 0) {
    if (touchesTable) {
      throw new InvalidRequestError(
        `${TABLE_KEY}: the replica table is written only under a manager epoch (≥ 1), got 0`,
      );
    }
    return;
  }
  const now = current();
  if (epoch < now) throw new StaleEpochError(epoch, now);
}

/**
 * The store behind the Checkpoint Server. Every method is synchronous and, for writes, returns only
 * once the transaction is durable. Several stores (connections, processes) may share one file.
 *
 * Errors: ConflictError (a compare-and-set whose expected version no longer holds), StaleEpochError
 * (a write under an epoch lower than the highest manager epoch, a renewal by a holder that is no
 * longer current), InvalidRequestError (a malformed request), and SQLite's own errors (disk full,
 * SQLITE_BUSY after the busy timeout).
 */
export class CheckpointStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;
  private readonly now: () => number;
  private readonly listeners = new Set<ChangeListener>();
  private readonly immediate: <T>(fn: () => T) => T;
  private closed = false;

  /** Opens (or creates) the database file and checks that the durability settings took effect. */
  constructor(
    readonly file: string,
    options: StoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    const db = new Database(file);
    try {
      db.pragma(`busy_timeout = ${wholeNumber(options.busyTimeoutMs ?? 5000, 'busyTimeoutMs')}`);
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      // An in-memory database (':memory:', for the simulator) has no journal file to put in WAL mode.
      if (mode.toLowerCase() !== 'wal' && !(file === ':memory:' && mode === 'memory')) {
        throw new Error(`${file}: SQLite refused WAL mode (journal_mode is ${mode}); the store needs it`);
      }
      db.pragma('synchronous = FULL');
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version > SCHEMA_VERSION) {
        throw new Error(
          `${file}: written by a newer Checkpoint Server (format ${version}; this one reads up to ${SCHEMA_VERSION})`,
        );
      }
      db.transaction(() => {
        db.exec(SCHEMA);
        for (const { table, column, ddl } of ADDED_COLUMNS) {
          const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
          if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${ddl}`);
        }
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.sql = prepare(db);
    const tx = db.transaction((fn: () => unknown) => fn());
    this.immediate = <T>(fn: () => T) => tx.immediate(fn) as T;
  }

  // --- keys ---

  /** One key, or null when it is absent. */
  get(key: string): KeyValue | null {
    const row = this.sql.getKv.get(nonEmpty(key, 'key'));
    return row ? { key: row.key, value: row.value, version: row.version } : null;
  }

  /** The keys under `prefix` (all keys for ''), in key order. */
  list(prefix: string): KeyValue[] {
    const out: KeyValue[] = [];
    for (const row of this.sql.scanKv.iterate(prefix)) {
      if (!row.key.startsWith(prefix)) break;
      out.push({ key: row.key, value: row.value, version: row.version });
    }
    return out;
  }

  /**
   * Writes one key and returns its new version. With `expectedVersion`, only if the key is still at
   * that version (0 = absent): ConflictError otherwise. With `epoch`, StaleEpochError if a higher
   * manager epoch exists.
   */
  put(key: string, value: Buffer | Uint8Array | string, options: PutOptions = {}): number {
    return this.write((changes) => {
      this.fence(options.epoch ?? 0, isTableKey(key));
      return this.putInTxn(key, toBuffer(value), options.expectedVersion, options.epoch ?? 0, changes, 'put');
    });
  }

  /**
   * Applies every op in order inside one transaction, or none of them: the first op whose expected
   * version does not hold raises ConflictError and rolls back the ones before it. Returns each op's
   * resulting version (0 for a delete).
   */
  txn(ops: readonly TxnOp[], epoch = 0): number[] {
    checkTxnSize(ops);
    return this.write((changes) => {
      this.fence(
        epoch,
        ops.some((op) => isTableKey(op.key)),
      );
      return ops.map((op, i) => {
        const where = `ops[${i}]`;
        if (op.delete) return this.deleteInTxn(op.key, op.expectedVersion, changes, where);
        return this.putInTxn(op.key, toBuffer(op.value), op.expectedVersion, epoch, changes, where);
      });
    });
  }

  /** Deletes one key (a no-op when absent, unless `expectedVersion` says it must be there). */
  delete(key: string, options: PutOptions = {}): void {
    this.txn(
      [
        {
          key,
          delete: true,
          ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
        },
      ],
      options.epoch ?? 0,
    );
  }

  // --- leadership and epochs ---

  /** The leadership record of a role; holder '' and epoch 0 while nobody has won it. */
  getLeadership(role: string): Leadership {
    const row = this.sql.getLeadership.get(nonEmpty(role, 'role'));
    return row
      ? toLeadership(row, this.now())
      : { role, holder: '', epoch: 0, leaseUntilMs: 0, leaseRemainingMs: 0 };
  }

  /**
   * Compare-and-set on the leadership record: `holder` wins epoch + 1 and a lease of `leaseMs` only if
   * the role's epoch is still `expectedEpoch` and the current holder's lease has run out on this
   * store's clock (a holder may take a new epoch over its own lease). A lost race or a live lease is
   * an answer (won = false, with the current record and its lease remaining), never an error: the
   * challenger waits `leaseRemainingMs` and asks again (DESIGN §5). No other clock is compared.
   */
  acquireLeadership(role: string, holder: string, expectedEpoch: number, leaseMs: number): AcquireResult {
    nonEmpty(role, 'role');
    nonEmpty(holder, 'holder');
    wholeNumber(expectedEpoch, 'expected_epoch');
    wholeNumber(leaseMs, 'lease_ms');
    return this.write((changes) => {
      const current = this.getLeadership(role);
      if (current.epoch !== expectedEpoch) return { ...current, won: false };
      if (current.leaseRemainingMs > 0 && current.holder !== '' && current.holder !== holder) {
        return { ...current, won: false };
      }
      const next: Leadership = {
        role,
        holder,
        epoch: current.epoch + 1,
        leaseUntilMs: this.now() + leaseMs,
        leaseRemainingMs: leaseMs,
      };
      this.sql.upsertLeadership.run(role, holder, next.epoch, next.leaseUntilMs);
      changes.push({ kind: 'leadership', leadership: next });
      return { ...next, won: true };
    });
  }

  /**
   * Extends the current holder's lease to now + `leaseMs`. StaleEpochError when `holder` and `epoch`
   * are no longer the role's current ones: the caller has been replaced and must stop acting.
   */
  renewLeadership(role: string, holder: string, epoch: number, leaseMs: number): Leadership {
    nonEmpty(role, 'role');
    wholeNumber(epoch, 'epoch');
    wholeNumber(leaseMs, 'lease_ms');
    return this.write(() => {
      const current = this.getLeadership(role);
      if (current.epoch !== epoch || current.holder !== holder)
        throw new StaleEpochError(epoch, current.epoch);
      const renewed: Leadership = {
        ...current,
        leaseUntilMs: this.now() + leaseMs,
        leaseRemainingMs: leaseMs,
      };
      this.sql.upsertLeadership.run(role, holder, renewed.epoch, renewed.leaseUntilMs);
      return renewed;
    });
  }

  /** The epoch every fenced write is compared with: the highest one handed out to a manager or seen on the table. */
  fenceEpoch(): number {
    const table = this.sql.getKv.get(TABLE_KEY);
    return Math.max(this.getLeadership(MANAGER_ROLE).epoch, table?.epoch ?? 0);
  }

  // --- the replica table ---

  /** Writes the whole replica table (JSON, TABLE-FORMAT.md) under the manager's epoch; StaleEpochError if a higher one exists. */
  saveTable(epoch: number, tableJson: string): number {
    return this.saveTableChange(epoch, tableAsChange(tableJson));
  }

  /**
   * Writes a change to the replica table in one transaction under the manager's epoch: the hosts and
   * module order always, the changed modules, and the removal of modules no longer named. Returns the
   * table's new version. StaleEpochError if a higher epoch exists; InvalidRequestError for a change
   * that names a module neither given nor saved, or that is not JSON.
   */
  saveTableChange(epoch: number, change: TableChange): number {
    const { hosts, names, order, changed } = checkTableChange(epoch, change);
    return this.write((changes) => {
      this.fence(epoch, true);
      const saved = new Set(this.savedIndex()?.modules ?? []);
      for (const n of names) {
        if (!changed.has(n) && !saved.has(n)) {
          throw new InvalidRequestError(`module_names: module "${n}" is neither changed nor saved`);
        }
      }
      for (const n of saved)
        if (!order.has(n)) this.deleteInTxn(tableModuleKey(n), undefined, changes, 'table');
      for (const [n, json] of changed)
        this.putInTxn(tableModuleKey(n), json, undefined, epoch, changes, 'table');
      const index: TableIndex = { hosts, modules: [...names] };
      return this.putInTxn(TABLE_KEY, Buffer.from(JSON.stringify(index)), undefined, epoch, changes, 'table');
    });
  }

  /** The last saved replica table, whole, or null before the first save. */
  loadTable(): StoredTable | null {
    const row = this.sql.getKv.get(TABLE_KEY);
    if (!row) return null;
    const index = JSON.parse(row.value.toString('utf8')) as TableIndex;
    // The modules are stitched in as saved, without parsing them again.
    const modules = index.modules.map((n) => {
      const m = this.sql.getKv.get(tableModuleKey(n));
      if (!m) throw new Error(`${this.file}: the saved table names module "${n}" but has no entry for it`);
      return m.value.toString('utf8');
    });
    const tableJson = `{"hosts":${JSON.stringify(index.hosts)},"modules":[${modules.join(',')}]}`;
    return { tableJson, version: row.version, epoch: row.epoch };
  }

  private savedIndex(): TableIndex | null {
    const row = this.sql.getKv.get(TABLE_KEY);
    return row ? (JSON.parse(row.value.toString('utf8')) as TableIndex) : null;
  }

  // --- the modules' checkpoints ---

  /**
   * Saves a module's state (source ¶0014) as saved by `replica`; returns its new version. With a
   * token, the save is fenced against the stored replica table in the same transaction (fence.ts):
   * FencedError for a copy that is no longer the module's primary, ConflictError for a hot copy's
   * compare-and-set that no longer holds. Without one (tools, tests) it is written as it comes.
   */
  saveCheckpoint(
    module: string,
    replica: string,
    state: Buffer | Uint8Array | string,
    token?: SaveToken,
  ): number {
    nonEmpty(module, 'module');
    const bytes = toBuffer(state);
    return this.write((changes) => {
      const last = this.sql.getSaver.get(module);
      const current = last?.version ?? 0;
      const order = saveOrder(
        module,
        token,
        last
          ? {
              replica: last.replica,
              incarnation: last.saver_incarnation,
              session: last.saver_session,
              sequence: last.saver_sequence,
            }
          : null,
      );
      if (order.kind === 'repeat') return current;
      if (order.kind === 'stale') throw new ConflictError(order.reason);
      if (token) {
        const entry = this.sql.getKv.get(tableModuleKey(module));
        const refusal = fenceRefusal(module, entry ? entry.value.toString('utf8') : null, token, current);
        if (refusal)
          throw refusal.kind === 'conflict'
            ? new ConflictError(refusal.reason)
            : new FencedError(refusal.reason);
      }
      const version = current + 1;
      const savedAtMs = this.now();
      this.sql.upsertCheckpoint.run(
        module,
        replica,
        bytes,
        version,
        savedAtMs,
        token?.incarnation ?? 0,
        token?.session ?? '',
        token?.sequence ?? 0,
      );
      changes.push({ kind: 'checkpoint', checkpoint: { module, replica, state: bytes, version, savedAtMs } });
      return version;
    });
  }

  /** A module's last saved state, or null when none was saved. */
  loadCheckpoint(module: string): Checkpoint | null {
    const row = this.sql.getCheckpoint.get(nonEmpty(module, 'module'));
    return row ? toCheckpoint(row) : null;
  }

  // --- the whole store, for moving it (snapshot.ts) ---

  /** Every key, role and checkpoint, read in one transaction. */
  exportSnapshot(): StoreSnapshot {
    return this.db.transaction(() => ({
      from: this.file,
      exportedAtMs: this.now(),
      revision: '',
      keys: this.sql.allKv.all(),
      roles: this.sql.allLeadership.all().map(({ role, holder, epoch }) => ({ role, holder, epoch })),
      checkpoints: this.sql.allCheckpoints.all().map(toCheckpoint),
    }))();
  }

  /**
   * Writes a snapshot in one transaction into a file that holds nothing (ConflictError otherwise,
   * nothing written). Each role's lease has run out: it ran on the old store's clock.
   */
  importSnapshot(s: StoreSnapshot): void {
    this.write((changes) => {
      const held = this.sql.firstOfEach.get();
      if (held && (held.kv !== null || held.role !== null || held.module !== null)) {
        throw notEmpty(
          this.file,
          held.kv !== null
            ? `key "${held.kv}"`
            : held.role !== null
              ? `role "${held.role}"`
              : `module "${held.module}"'s checkpoint`,
        );
      }
      for (const k of s.keys) {
        this.sql.upsertKv.run(k.key, k.value, k.version, k.epoch);
        changes.push({ kind: 'key', kv: { key: k.key, value: k.value, version: k.version }, deleted: false });
      }
      for (const r of s.roles) this.sql.upsertLeadership.run(r.role, r.holder, r.epoch, 0);
      for (const c of s.checkpoints) {
        this.sql.upsertCheckpoint.run(c.module, c.replica, c.state, c.version, c.savedAtMs, 0, '', 0);
        changes.push({ kind: 'checkpoint', checkpoint: c });
      }
    });
  }

  // --- changes, maintenance ---

  /**
   * Calls `listener` after each commit with every change it made, in order. The listener runs inside
   * the writer's call and must not throw or block. Returns the function that removes it.
   */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** A consistent copy of the database at `path`, taken through SQLite's online backup (never a file copy). */
  async backup(path: string): Promise<void> {
    await this.db.backup(path);
  }

  settings(): StoreSettings {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  /** SQLite's `PRAGMA integrity_check`: ['ok'] for a sound file, else the problems found. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Closes the connection (its last WAL checkpoint included) and drops every listener. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }

  // --- inside a transaction ---

  /** Runs `fn` in one IMMEDIATE transaction; the changes it records are announced after the commit. */
  private write<T>(fn: (changes: StoreChange[]) => T): T {
    const changes: StoreChange[] = [];
    const result = this.immediate(() => fn(changes));
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch {
          // A listener's failure must not turn a committed write into a reported failure.
        }
      }
    }
    return result;
  }

  /** Refuses a write under an epoch lower than the current one; the table is never written unfenced. */
  private fence(epoch: number, touchesTable: boolean): void {
    checkFence(epoch, touchesTable, () => this.fenceEpoch());
  }

  private check(key: string, found: KvRow | undefined, expected: number | undefined, where: string): void {
    checkVersion(key, found?.version ?? 0, expected, where);
  }

  private putInTxn(
    key: string,
    value: Buffer,
    expected: number | undefined,
    epoch: number,
    changes: StoreChange[],
    where: string,
  ): number {
    nonEmpty(key, `${where}.key`);
    const found = this.sql.getKv.get(key);
    this.check(key, found, expected, where);
    const version = (found?.version ?? 0) + 1;
    this.sql.upsertKv.run(key, value, version, epoch);
    changes.push({ kind: 'key', kv: { key, value, version }, deleted: false });
    return version;
  }

  private deleteInTxn(
    key: string,
    expected: number | undefined,
    changes: StoreChange[],
    where: string,
  ): number {
    nonEmpty(key, `${where}.key`);
    const found = this.sql.getKv.get(key);
    this.check(key, found, expected, where);
    if (found) {
      this.sql.deleteKv.run(key);
      changes.push({
        kind: 'key',
        kv: { key, value: Buffer.alloc(0), version: found.version },
        deleted: true,
      });
    }
    return 0;
  }
}
