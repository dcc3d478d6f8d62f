/**
 * The Checkpoint Server's store on etcd (DESIGN §5, §10): the same semantics as the SQLite store,
 * kept in an etcd cluster so that the Checkpoint Server itself holds nothing and may run on several
 * hosts. Every key lives under one prefix (several clusters may share an etcd):
 *
 *   <prefix>k/<key>              a key of the store: "<version> <epoch>\n" then the value's bytes
 *   <prefix>c/<module>           a module's checkpoint: a JSON line {v, r, t} then the state
 *   <prefix>s/epoch/<role>       the role's epoch counter, 20 digits so that bytes order like numbers
 *   <prefix>s/leader/<role>      the holder and its etcd lease id
 *   <prefix>s/lease/<role>       the holder, attached to its etcd lease: present while the lease runs
 *   <prefix>s/w/<instance>/<n>   write markers (below)
 *
 * Versions are the store's own (in the value), not etcd's, so that a transaction that writes one
 * key twice counts two versions as SQLite does (etcd allows one write per key per Txn).
 *
 * **Every write is one etcd Txn built from a snapshot**: the keys it depends on are read at one
 * revision, the decision is taken on them (the same checks as SQLite, same messages), and the Txn
 * compares each of those keys' mod_revision (or absence) so that etcd applies it only if nothing it
 * read has changed; otherwise its failure branch returns the new snapshot and the decision is taken
 * again. So a fenced write compares the manager's epoch key, and also that its value is below
 * epoch + 1: a write from a manager whose epoch was superseded is refused by etcd itself. A
 * checkpoint save with a fencing token compares the module's table entry (fence.ts rules).
 *
 * **Write markers make retries exactly-once.** Each write also sets a marker key of this instance to
 * a token unique to that write and attempt, and compares it; the etcd client retries a Txn whose
 * answer was lost (a leader killed mid-call), and such a retry fails its compares if the first
 * attempt committed, and its failure branch shows the marker: the write reports success, once.
 *
 * **The leadership lease is an etcd lease**, counted by the etcd leader's clock — one clock for every
 * Checkpoint Server instance, never run short (a new etcd leader extends the leases it inherits).
 * The lease key exists while the lease runs; taking the role compares the epoch key and the lease key
 * in the same Txn that bumps the epoch, so a live lease of another holder refuses it. etcd counts
 * leases in whole seconds, no shorter than its minimum (1.5 × election timeout): a lease of
 * `leaseMs` is granted as ceil(leaseMs / 1000) s or that minimum, so it may run up to a second
 * longer than asked, never shorter; the record reports the lease etcd granted, and the time left
 * rounded up to whole seconds, as a challenger should wait.
 *
 * **Checkpoints are kept whole in etcd**, one key each, up to `maxCheckpointBytes` (default 1 MiB,
 * under etcd's default 1.5 MiB request limit); a larger state is refused with InvalidRequestError
 * (use the sqlite backend or keep bulk data outside the checkpoint).
 *
 * Watches read the prefix at revision R and watch from R + 1 (with each event's previous value, so a
 * delete carries the version it had); after a compaction they read afresh and send what changed,
 * deletes included.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, FencedError, StaleEpochError, UnavailableError } from '../shared/errors.js';
import type { ImportOutcome, KeyEvent, StoreBackend, WatchSink } from './backend.js';
import type { Compare, EtcdClient, EtcdEvent, EtcdKv, RangeResponse, RequestOp } from './etcd-client.js';
import { prefixEnd } from './etcd-client.js';
import { fenceRefusal, type SaveToken, saveOrder } from './fence.js';
import type { StoreSnapshot } from './snapshot.js';
import {
  type AcquireResult,
  type Checkpoint,
  checkFence,
  checkTableChange,
  checkTxnSize,
  checkVersion,
  InvalidRequestError,
  isTableKey,
  type KeyValue,
  type Leadership,
  MANAGER_ROLE,
  nonEmpty,
  notEmpty,
  type PutOptions,
  type StoredTable,
  TABLE_KEY,
  type TableChange,
  type TableIndex,
  type TxnOp,
  tableAsChange,
  tableModuleKey,
  toBuffer,
  wholeNumber,
} from './store.js';

export interface EtcdStoreOptions {
  client: EtcdClient;
  /** Every key of this cluster starts with it (default "replica-manager/"). */
  prefix?: string;
  /** The clock for checkpoint times and the lease_until figure (default Date.now); leases run on etcd's. */
  now?: () => number;
  /** The largest checkpoint state accepted (default 1 MiB). */
  maxCheckpointBytes?: number;
  /** Whether close() closes the client too (default true). */
  ownsClient?: boolean;
  /** Runs after a write is decided and before its Txn is sent (tests put a rival's write there). */
  beforeCommit?: () => Promise<void>;
}

export const DEFAULT_ETCD_PREFIX = 'replica-manager/';
const MAX_CHECKPOINT_BYTES = 1024 * 1024;
/** Keys per page of an export: etcd keeps each value under its request limit (1.5 MiB), the client reads answers up to 8 MiB. */
const EXPORT_PAGE = 4;
/** An import's Txns: fewer ops than etcd's default limit (128), fewer bytes than its request limit. */
const IMPORT_OPS = 100;
const IMPORT_BYTES = 1024 * 1024;
/** Modules one table change may write (changed and removed): each is a key read, compared and written. */
const MAX_TABLE_MODULES = 120;
/** Rounds of read–decide–compare a write may take before it gives up under contention. */
const MAX_ROUNDS = 16;

const pad = (n: number) => String(n).padStart(20, '0');

/** A store value: "<version> <epoch>\n" then the bytes. */
function encodeKv(version: number, epoch: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${version} ${epoch}\n`), value]);
}

function decodeKv(raw: Buffer): { version: number; epoch: number; value: Buffer } {
  const nl = raw.indexOf(10);
  const [v, e] = raw.subarray(0, nl).toString().split(' ');
  return { version: Number(v), epoch: Number(e), value: Buffer.from(raw.subarray(nl + 1)) };
}

interface CheckpointHeader {
  v: number;
  r: string;
  t: number;
  /** The saving process's incarnation, session and the save's number in it (fence.ts, saveOrder). */
  i?: number;
  s?: string;
  q?: number;
}

function encodeCheckpoint(h: CheckpointHeader, state: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(h)}\n`), state]);
}

function checkpointHeader(raw: Buffer): CheckpointHeader {
  return JSON.parse(raw.subarray(0, raw.indexOf(10)).toString()) as CheckpointHeader;
}

function decodeCheckpoint(module: string, raw: Buffer): Checkpoint {
  const nl = raw.indexOf(10);
  const h = checkpointHeader(raw);
  return { module, replica: h.r, state: Buffer.from(raw.subarray(nl + 1)), version: h.v, savedAtMs: h.t };
}

interface LeaderRecord {
  holder: string;
  /** The etcd lease id (decimal). */
  lease: string;
  /** The seconds asked for (before etcd's minimum) and granted. */
  asked: number;
  granted: number;
  /** now + granted on the instance that took or renewed it; reported once the lease is gone. */
  untilMs: number;
}

/** The keys a write read, at one revision, by their full etcd key. */
type Snapshot = Map<string, EtcdKv | null>;

interface Plan<T> {
  result: T;
  /** Nothing to write: the result is the answer. */
  ops: RequestOp[];
  /** Compares beyond "nothing read has changed". */
  compares?: Compare[];
}

const put = (key: Buffer, value: Buffer, lease?: string): RequestOp => ({
  request_put: { key, value, ...(lease ? { lease } : {}) },
});
const del = (key: Buffer): RequestOp => ({ request_delete_range: { key } });

export class EtcdStore implements StoreBackend {
  readonly kind = 'etcd' as const;
  private readonly client: EtcdClient;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly maxCheckpointBytes: number;
  private readonly instance = randomBytes(6).toString('hex');
  private readonly freeSlots: number[] = [];
  private slots = 0;
  private seq = 0;
  private closed = false;
  private readonly watches = new Set<() => void>();
  /** Txns etcd refused because something they read had changed (each was decided again). */
  refusals = 0;

  constructor(private readonly options: EtcdStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? DEFAULT_ETCD_PREFIX;
    this.now = options.now ?? Date.now;
    this.maxCheckpointBytes = options.maxCheckpointBytes ?? MAX_CHECKPOINT_BYTES;
  }

  get where(): string {
    return `etcd ${this.client.endpoints.join(',')} prefix "${this.prefix}"`;
  }

  get watchCount(): number {
    return this.watches.size;
  }

  // --- key names ---

  private k(key: string): Buffer {
    return Buffer.from(`${this.prefix}k/${key}`);
  }
  private c(module: string): Buffer {
    return Buffer.from(`${this.prefix}c/${module}`);
  }
  private sys(what: string): Buffer {
    return Buffer.from(`${this.prefix}s/${what}`);
  }
  private userKey(raw: Buffer): string {
    return raw.subarray(Buffer.byteLength(`${this.prefix}k/`)).toString();
  }

  // --- keys ---

  async get(key: string): Promise<KeyValue | null> {
    nonEmpty(key, 'key');
    const res = await this.client.range(this.k(key));
    const kv = res.kvs[0];
    return kv ? this.toKv(kv) : null;
  }

  async list(prefix: string): Promise<KeyValue[]> {
    const from = this.k(prefix);
    const res = await this.client.range(from, prefixEnd(from));
    return res.kvs.map((kv) => this.toKv(kv));
  }

  async put(key: string, value: Buffer | Uint8Array | string, options: PutOptions = {}): Promise<number> {
    const [version] = await this.txnOps([{ key, value, ...pick(options) }], options.epoch ?? 0, 'put');
    return version as number;
  }

  async txn(ops: readonly TxnOp[], epoch = 0): Promise<number[]> {
    checkTxnSize(ops);
    return this.txnOps(ops, epoch, null);
  }

  async delete(key: string, options: PutOptions = {}): Promise<void> {
    await this.txnOps([{ key, delete: true, ...pick(options) }], options.epoch ?? 0, null);
  }

  /** put, txn and delete: the ops applied in order on the snapshot, one etcd write per key touched. */
  private async txnOps(ops: readonly TxnOp[], epoch: number, single: 'put' | null): Promise<number[]> {
    const touchesTable = ops.some((op) => isTableKey(op.key));
    checkFence(epoch, touchesTable, () => 0); // the shape of the request; the epoch is checked on the snapshot
    const keys = [...new Set(ops.map((op, i) => nonEmpty(op.key, `${single ?? `ops[${i}]`}.key`)))];
    const values = ops.map((op) => (op.delete ? null : toBuffer(op.value)));
    return this.write([...keys.map((key) => this.k(key)), ...(epoch > 0 ? this.fenceKeys() : [])], (snap) => {
      const compares = epoch > 0 ? this.fence(snap, epoch, touchesTable) : [];
      const state = new Map<string, { version: number; value: Buffer | null }>();
      for (const key of keys) {
        const kv = snap.get(this.k(key).toString());
        state.set(
          key,
          kv ? { version: decodeKv(kv.value).version, value: null } : { version: 0, value: null },
        );
      }
      const touched = new Set<string>();
      const versions = ops.map((op, i) => {
        const cur = state.get(op.key) as { version: number; value: Buffer | null };
        checkVersion(op.key, cur.version, op.expectedVersion, single ?? `ops[${i}]`);
        if (op.delete) {
          if (cur.version > 0) touched.add(op.key);
          state.set(op.key, { version: 0, value: null });
          return 0;
        }
        touched.add(op.key);
        state.set(op.key, { version: cur.version + 1, value: values[i] as Buffer });
        return cur.version + 1;
      });
      const writes = [...touched].map((key) => {
        const s = state.get(key) as { version: number; value: Buffer | null };
        return s.value === null ? del(this.k(key)) : put(this.k(key), encodeKv(s.version, epoch, s.value));
      });
      return { result: versions, ops: writes, compares };
    });
  }

  async watch(prefix: string, sink: WatchSink<KeyEvent>): Promise<() => void> {
    const from = this.k(prefix);
    const known = new Map<string, number>();
    const deleted = (key: string, version: number): KeyEvent => ({
      kv: { key, value: Buffer.alloc(0), version },
      deleted: true,
    });
    return this.follow(from, prefixEnd(from), sink, {
      onRead: (res, initial) => {
        const seen = new Set<string>();
        for (const raw of res.kvs) {
          const kv = this.toKv(raw);
          seen.add(kv.key);
          if (initial || known.get(kv.key) !== kv.version) sink.send({ kv, deleted: false });
          known.set(kv.key, kv.version);
        }
        for (const [key, version] of [...known]) {
          if (seen.has(key)) continue;
          known.delete(key);
          sink.send(deleted(key, version));
        }
      },
      onEvent: (ev) => {
        if (ev.type === 'PUT') {
          const kv = this.toKv(ev.kv);
          known.set(kv.key, kv.version);
          sink.send({ kv, deleted: false });
        } else {
          const key = this.userKey(ev.kv.key);
          const version = ev.prev_kv ? decodeKv(ev.prev_kv.value).version : (known.get(key) ?? 0);
          known.delete(key);
          sink.send(deleted(key, version));
        }
      },
    });
  }

  /**
   * Reads `[from, to)` and watches it from the revision after that read, until stopped (or the
   * store closes). A watch whose revision etcd compacted away reads afresh and watches again from
   * there, so `onRead` sees each read (the first one `initial`) and `onEvent` every change after it;
   * a watch that fails for good fails the sink.
   */
  private async follow<T>(
    from: Buffer,
    to: Buffer | undefined,
    sink: WatchSink<T>,
    handlers: { onRead: (res: RangeResponse, initial: boolean) => void; onEvent: (ev: EtcdEvent) => void },
  ): Promise<() => void> {
    let stopped = false;
    let stopWatch: () => void = () => undefined;
    const start = async (initial: boolean) => {
      const res = await this.client.range(from, to);
      if (stopped) return;
      handlers.onRead(res, initial);
      const w = this.client.watch(from, to, (BigInt(res.header.revision) + 1n).toString(), {
        onEvents: (events) => {
          for (const ev of events) {
            if (stopped) return;
            handlers.onEvent(ev);
          }
        },
        onCompacted: () => {
          if (!stopped) start(false).catch((err: Error) => sink.fail(err));
        },
        onError: (err) => {
          if (!stopped) sink.fail(err);
        },
      });
      stopWatch = () => w.cancel();
    };
    await start(true);
    const stop = () => {
      stopped = true;
      stopWatch();
      this.watches.delete(stop);
    };
    this.watches.add(stop);
    return stop;
  }

  // --- leadership and epochs ---

  private roleKeys(role: string): [Buffer, Buffer, Buffer] {
    return [this.sys(`epoch/${role}`), this.sys(`leader/${role}`), this.sys(`lease/${role}`)];
  }

  async getLeadership(role: string): Promise<Leadership> {
    nonEmpty(role, 'role');
    const snap = await this.read(this.roleKeys(role));
    return this.leadershipOf(role, snap);
  }

  async acquireLeadership(
    role: string,
    holder: string,
    expectedEpoch: number,
    leaseMs: number,
  ): Promise<AcquireResult> {
    nonEmpty(role, 'role');
    nonEmpty(holder, 'holder');
    wholeNumber(expectedEpoch, 'expected_epoch');
    wholeNumber(leaseMs, 'lease_ms');
    const keys = this.roleKeys(role);
    const [epochKey, leaderKey, leaseKey] = keys;
    const refusal = (snap: Snapshot): boolean => {
      const lease = snap.get(leaseKey.toString());
      return this.epochIn(snap, role) !== expectedEpoch || (!!lease && lease.value.toString() !== holder);
    };
    // A first read answers a refusal without granting a lease for nothing.
    const first = await this.read(keys);
    if (refusal(first)) return { ...(await this.leadershipOf(role, first)), won: false };
    const asked = Math.max(1, Math.ceil(leaseMs / 1000));
    const grant = await this.client.leaseGrant(asked);
    let old: string | null = null;
    const res = await this.write(keys, (snap): Plan<AcquireResult | null> => {
      if (refusal(snap)) return { result: null, ops: [] };
      const epoch = expectedEpoch + 1;
      const untilMs = this.now() + grant.ttlSeconds * 1000;
      old = snap.get(leaseKey.toString())?.lease ?? null;
      const record: LeaderRecord = { holder, lease: grant.id, asked, granted: grant.ttlSeconds, untilMs };
      return {
        result: {
          role,
          holder,
          epoch,
          leaseUntilMs: untilMs,
          leaseRemainingMs: grant.ttlSeconds * 1000,
          won: true,
        },
        ops: [
          put(epochKey, Buffer.from(pad(epoch))),
          put(leaderKey, Buffer.from(JSON.stringify(record))),
          put(leaseKey, Buffer.from(holder), grant.id),
        ],
      };
    });
    if (!res) {
      await this.client.leaseRevoke(grant.id).catch(() => undefined);
      return { ...(await this.getLeadership(role)), won: false };
    }
    // The holder's own earlier lease (a new epoch over its own lease) has no key left: let it go.
    if (old && old !== '0') await this.client.leaseRevoke(old).catch(() => undefined);
    return res;
  }

  async renewLeadership(role: string, holder: string, epoch: number, leaseMs: number): Promise<Leadership> {
    nonEmpty(role, 'role');
    wholeNumber(epoch, 'epoch');
    wholeNumber(leaseMs, 'lease_ms');
    const keys = this.roleKeys(role);
    const [, leaderKey, leaseKey] = keys;
    const asked = Math.max(1, Math.ceil(leaseMs / 1000));
    const stale = (snap: Snapshot) => {
      const current = this.epochIn(snap, role);
      const record = this.recordIn(snap, role);
      if (current !== epoch || !record || record.holder !== holder) throw new StaleEpochError(epoch, current);
      return record;
    };
    const snap = await this.read(keys);
    const record = stale(snap);
    const leaseKv = snap.get(leaseKey.toString());
    if (leaseKv && leaseKv.lease === record.lease && record.asked === asked) {
      // The lease still runs: one keep-alive, which etcd's leader answers without a raft write.
      const ttl = await this.client.leaseKeepAliveOnce(record.lease);
      if (ttl > 0) {
        return { role, holder, epoch, leaseUntilMs: this.now() + ttl * 1000, leaseRemainingMs: ttl * 1000 };
      }
    }
    // Run out (nobody took the role since) or a different length: a new lease, swapped in by compare.
    const grant = await this.client.leaseGrant(asked);
    try {
      const renewed = await this.write(keys, (s): Plan<Leadership> => {
        stale(s);
        const untilMs = this.now() + grant.ttlSeconds * 1000;
        const next: LeaderRecord = { holder, lease: grant.id, asked, granted: grant.ttlSeconds, untilMs };
        return {
          result: { role, holder, epoch, leaseUntilMs: untilMs, leaseRemainingMs: grant.ttlSeconds * 1000 },
          ops: [
            put(leaderKey, Buffer.from(JSON.stringify(next))),
            put(leaseKey, Buffer.from(holder), grant.id),
          ],
        };
      });
      if (record.lease !== '0') await this.client.leaseRevoke(record.lease).catch(() => undefined);
      return renewed;
    } catch (err) {
      await this.client.leaseRevoke(grant.id).catch(() => undefined);
      throw err;
    }
  }

  async fenceEpoch(): Promise<number> {
    const snap = await this.read(this.fenceKeys());
    return this.fenceEpochIn(snap);
  }

  // --- the replica table ---

  async saveTable(epoch: number, tableJson: string): Promise<number> {
    return this.saveTableChange(epoch, tableAsChange(tableJson));
  }

  async saveTableChange(epoch: number, change: TableChange): Promise<number> {
    const { hosts, names, order, changed } = checkTableChange(epoch, change);
    const tooMany = (n: number) =>
      new InvalidRequestError(
        `changed_modules: a table change of ${n} modules (changed and removed) is more than the etcd backend writes in one transaction (${MAX_TABLE_MODULES}; etcd refuses more than 128 operations by default, --max-txn-ops)`,
      );
    if (changed.size > MAX_TABLE_MODULES) throw tooMany(changed.size);
    const tableKey = this.k(TABLE_KEY);
    const moduleKeys = [...changed.keys()].map((n) => this.k(tableModuleKey(n)));
    return this.write([...this.fenceKeys(), ...moduleKeys], (snap) => {
      const compares = this.fence(snap, epoch, true);
      const indexKv = snap.get(tableKey.toString());
      const index = indexKv ? decodeKv(indexKv.value) : null;
      const saved = new Set(index ? (JSON.parse(index.value.toString()) as TableIndex).modules : []);
      for (const n of names) {
        if (!changed.has(n) && !saved.has(n)) {
          throw new InvalidRequestError(`module_names: module "${n}" is neither changed nor saved`);
        }
      }
      const ops: RequestOp[] = [];
      for (const n of saved) if (!order.has(n)) ops.push(del(this.k(tableModuleKey(n))));
      if (ops.length + changed.size > MAX_TABLE_MODULES) throw tooMany(ops.length + changed.size);
      for (const [n, json] of changed) {
        const key = this.k(tableModuleKey(n));
        const cur = snap.get(key.toString());
        ops.push(put(key, encodeKv((cur ? decodeKv(cur.value).version : 0) + 1, epoch, json)));
      }
      const version = (index?.version ?? 0) + 1;
      const next: TableIndex = { hosts, modules: [...names] };
      ops.push(put(tableKey, encodeKv(version, epoch, Buffer.from(JSON.stringify(next)))));
      return { result: version, ops, compares };
    });
  }

  async loadTable(): Promise<StoredTable | null> {
    // The index and its modules at one revision: one range over the table's keys.
    const from = this.k(TABLE_KEY);
    const res = await this.client.range(from, prefixEnd(from));
    const byKey = new Map(res.kvs.map((kv) => [this.userKey(kv.key), decodeKv(kv.value)]));
    const index = byKey.get(TABLE_KEY);
    if (!index) return null;
    const { hosts, modules } = JSON.parse(index.value.toString()) as TableIndex;
    const parts = modules.map((n) => {
      const m = byKey.get(tableModuleKey(n));
      if (!m) throw new Error(`${this.where}: the saved table names module "${n}" but has no entry for it`);
      return m.value.toString();
    });
    return {
      tableJson: `{"hosts":${JSON.stringify(hosts)},"modules":[${parts.join(',')}]}`,
      version: index.version,
      epoch: index.epoch,
    };
  }

  // --- the modules' checkpoints ---

  async saveCheckpoint(
    module: string,
    replica: string,
    state: Buffer | Uint8Array | string,
    token?: SaveToken,
  ): Promise<number> {
    nonEmpty(module, 'module');
    const bytes = toBuffer(state);
    this.checkSize(`${module}: a checkpoint`, bytes.length);
    const key = this.c(module);
    const entryKey = this.k(tableModuleKey(module));
    return this.write(token ? [key, entryKey] : [key], (snap) => {
      const cur = snap.get(key.toString());
      const last = cur ? checkpointHeader(cur.value) : null;
      const current = last?.v ?? 0;
      const order = saveOrder(
        module,
        token,
        last
          ? { replica: last.r, incarnation: last.i ?? 0, session: last.s ?? '', sequence: last.q ?? 0 }
          : null,
      );
      if (order.kind === 'repeat') return { result: current, ops: [] };
      if (order.kind === 'stale') throw new ConflictError(order.reason);
      if (token) {
        // The entry's mod_revision is compared with the rest of the snapshot: a table write that
        // moves the role between this read and the save makes etcd refuse it, and it is judged again.
        const entry = snap.get(entryKey.toString());
        const refusal = fenceRefusal(
          module,
          entry ? decodeKv(entry.value).value.toString() : null,
          token,
          current,
        );
        if (refusal) {
          throw refusal.kind === 'conflict'
            ? new ConflictError(refusal.reason)
            : new FencedError(refusal.reason);
        }
      }
      const version = current + 1;
      return {
        result: version,
        ops: [
          put(
            key,
            encodeCheckpoint(
              {
                v: version,
                r: replica,
                t: this.now(),
                ...(token?.incarnation ? { i: token.incarnation } : {}),
                ...(token?.session ? { s: token.session, q: token.sequence ?? 0 } : {}),
              },
              bytes,
            ),
          ),
        ],
      };
    });
  }

  async loadCheckpoint(module: string): Promise<Checkpoint | null> {
    nonEmpty(module, 'module');
    const res = await this.client.range(this.c(module));
    const kv = res.kvs[0];
    return kv ? decodeCheckpoint(module, kv.value) : null;
  }

  async watchCheckpoint(module: string, sink: WatchSink<Checkpoint>): Promise<() => void> {
    if (!module) return () => undefined;
    let last = 0;
    return this.follow(this.c(module), undefined, sink, {
      onRead: (res) => {
        const kv = res.kvs[0];
        if (!kv) return;
        const cp = decodeCheckpoint(module, kv.value);
        if (cp.version !== last) sink.send(cp);
        last = cp.version;
      },
      onEvent: (ev) => {
        if (ev.type !== 'PUT') return;
        const cp = decodeCheckpoint(module, ev.kv.value);
        last = cp.version;
        sink.send(cp);
      },
    });
  }

  // --- the whole store, for moving it (snapshot.ts) ---

  private checkSize(what: string, bytes: number): void {
    if (bytes <= this.maxCheckpointBytes) return;
    throw new InvalidRequestError(
      `${what} of ${bytes} bytes is over the etcd backend's limit of ${this.maxCheckpointBytes} bytes (etcd's request limit is 1.5 MiB by default); keep bulk data out of the checkpoint or use the sqlite backend`,
    );
  }

  /**
   * Every key under the prefix at one revision: the first page's, every later page read at it (a
   * compaction past it in between fails the export, which is then taken again).
   */
  async exportSnapshot(): Promise<StoreSnapshot> {
    const from = Buffer.from(this.prefix);
    const end = prefixEnd(from);
    const first = await this.client.range(from, end, { limit: EXPORT_PAGE });
    const revision = first.header.revision;
    const kvs = [...first.kvs];
    for (let more = first.more; more; ) {
      const last = kvs[kvs.length - 1] as EtcdKv;
      const page = await this.client.range(Buffer.concat([last.key, Buffer.from([0])]), end, {
        limit: EXPORT_PAGE,
        revision,
      });
      if (page.kvs.length === 0) break;
      kvs.push(...page.kvs);
      more = page.more;
    }
    const snapshot: StoreSnapshot = {
      from: this.where,
      exportedAtMs: this.now(),
      revision,
      keys: [],
      roles: [],
      checkpoints: [],
    };
    const holders = new Map<string, string>();
    const epochs = new Map<string, number>();
    for (const kv of kvs) {
      const name = kv.key.subarray(from.length).toString();
      const [space, ...rest] = name.split('/');
      const tail = rest.join('/');
      if (space === 'k') {
        const { version, epoch, value } = decodeKv(kv.value);
        snapshot.keys.push({ key: tail, value, version, epoch });
      } else if (space === 'c') {
        const { module, replica, state, version, savedAtMs } = decodeCheckpoint(tail, kv.value);
        snapshot.checkpoints.push({ module, replica, state, version, savedAtMs });
      } else if (space === 's' && rest[0] === 'epoch') {
        epochs.set(rest.slice(1).join('/'), Number(kv.value.toString()));
      } else if (space === 's' && rest[0] === 'leader') {
        holders.set(rest.slice(1).join('/'), (JSON.parse(kv.value.toString()) as LeaderRecord).holder);
      }
      // s/lease (a lease runs on this etcd only), s/w (write markers), s/import: not carried.
    }
    for (const [role, epoch] of epochs) snapshot.roles.push({ role, holder: holders.get(role) ?? '', epoch });
    return snapshot;
  }

  /**
   * Into an empty prefix, in Txns within etcd's limits, all under an import marker: an import that
   * stops part-way leaves the marker, and the next import replaces what it wrote. The roles' epochs
   * come last, with leases that have run out.
   */
  async importSnapshot(s: StoreSnapshot): Promise<ImportOutcome> {
    const ops: { op: RequestOp; bytes: number }[] = [];
    const add = (key: Buffer, value: Buffer) =>
      ops.push({ op: put(key, value), bytes: key.length + value.length });
    for (const k of s.keys) {
      this.checkSize(`key "${k.key}": a value`, k.value.length);
      add(this.k(k.key), encodeKv(k.version, k.epoch, k.value));
    }
    for (const c of s.checkpoints) {
      this.checkSize(`${c.module}: a checkpoint`, c.state.length);
      add(this.c(c.module), encodeCheckpoint({ v: c.version, r: c.replica, t: c.savedAtMs }, c.state));
    }
    for (const r of s.roles) {
      const [epochKey, leaderKey] = this.roleKeys(r.role);
      const record: LeaderRecord = { holder: r.holder, lease: '0', asked: 0, granted: 0, untilMs: 0 };
      add(epochKey, Buffer.from(pad(r.epoch)));
      add(leaderKey, Buffer.from(JSON.stringify(record)));
    }

    const from = Buffer.from(this.prefix);
    const end = prefixEnd(from);
    const marker = this.sys('import');
    const left = (await this.client.range(marker)).kvs[0];
    const held = (await this.client.range(from, end, { limit: 1 })).kvs[0];
    if (held && !left) throw notEmpty(this.where, `key "${held.key.toString()}"`);
    const id = Buffer.from(`${this.instance}.${Date.now()}`);
    const ours: Compare = { result: 'EQUAL', target: 'VALUE', key: marker, value: id };
    const start = await this.client.txn(
      left
        ? [{ result: 'EQUAL', target: 'MOD', key: marker, mod_revision: left.mod_revision }]
        : [{ result: 'EQUAL', target: 'VERSION', key: marker, version: '0' }],
      [
        // Everything but the marker (etcd refuses a Txn that writes one key twice), then the marker.
        ...(left
          ? [
              { request_delete_range: { key: from, range_end: marker } },
              { request_delete_range: { key: Buffer.concat([marker, Buffer.from([0])]), range_end: end } },
            ]
          : []),
        put(marker, id),
      ],
    );
    if (!start.succeeded) throw new ConflictError(`${this.where}: another import began at the same time`);
    try {
      for (let i = 0; i < ops.length; ) {
        const batch: RequestOp[] = [];
        for (let bytes = 0; i < ops.length && batch.length < IMPORT_OPS; i++) {
          const next = ops[i] as { op: RequestOp; bytes: number };
          if (batch.length > 0 && bytes + next.bytes > IMPORT_BYTES) break;
          batch.push(next.op);
          bytes += next.bytes;
        }
        const res = await this.client.txn([ours], batch);
        if (!res.succeeded) throw new ConflictError(`${this.where}: another import replaced this one`);
      }
      const done = await this.client.txn([ours], [{ request_delete_range: { key: marker } }]);
      if (!done.succeeded) throw new ConflictError(`${this.where}: another import replaced this one`);
    } catch (err) {
      if (err instanceof Error) {
        err.message += ' (the import stopped part-way; running it again replaces what it wrote)';
      }
      throw err;
    }
    return { replacedUnfinished: !!left };
  }

  /** Ends the watches, removes this instance's write markers and closes the client (if it owns it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.watches]) stop();
    const markers = this.sys(`w/${this.instance}/`);
    await this.client
      .txn([], [{ request_delete_range: { key: markers, range_end: prefixEnd(markers) } }])
      .catch(() => undefined);
    if (this.options.ownsClient ?? true) this.client.close();
  }

  // --- the write engine ---

  /** The keys every fenced write reads: the manager's epoch counter and the table's index (its epoch). */
  private fenceKeys(): Buffer[] {
    return [this.sys(`epoch/${MANAGER_ROLE}`), this.k(TABLE_KEY)];
  }

  private fenceEpochIn(snap: Snapshot): number {
    const table = snap.get(this.k(TABLE_KEY).toString());
    return Math.max(this.epochIn(snap, MANAGER_ROLE), table ? decodeKv(table.value).epoch : 0);
  }

  /**
   * StaleEpochError when the snapshot shows a higher epoch; else the compares that make etcd itself
   * refuse the write if the manager's epoch has moved past `epoch` by the time it applies.
   */
  private fence(snap: Snapshot, epoch: number, touchesTable: boolean): Compare[] {
    checkFence(epoch, touchesTable, () => this.fenceEpochIn(snap));
    const key = this.sys(`epoch/${MANAGER_ROLE}`);
    if (!snap.get(key.toString())) return [];
    return [{ result: 'LESS', target: 'VALUE', key, value: Buffer.from(pad(epoch + 1)) }];
  }

  private epochIn(snap: Snapshot, role: string): number {
    const kv = snap.get(this.sys(`epoch/${role}`).toString());
    return kv ? Number(kv.value.toString()) : 0;
  }

  private recordIn(snap: Snapshot, role: string): LeaderRecord | null {
    const kv = snap.get(this.sys(`leader/${role}`).toString());
    return kv ? (JSON.parse(kv.value.toString()) as LeaderRecord) : null;
  }

  private async leadershipOf(role: string, snap: Snapshot): Promise<Leadership> {
    const epoch = this.epochIn(snap, role);
    const record = this.recordIn(snap, role);
    if (!record) return { role, holder: '', epoch, leaseUntilMs: 0, leaseRemainingMs: 0 };
    const leaseKv = snap.get(this.sys(`lease/${role}`).toString());
    let remaining = 0;
    if (leaseKv) {
      // etcd floors the time left to whole seconds: a challenger is told the next whole second.
      const { ttlSeconds } = await this.client.leaseTimeToLive(leaseKv.lease);
      if (ttlSeconds >= 0) remaining = Math.min((ttlSeconds + 1) * 1000, record.granted * 1000);
    }
    return {
      role,
      holder: record.holder,
      epoch,
      leaseUntilMs: remaining > 0 ? this.now() + remaining : record.untilMs,
      leaseRemainingMs: remaining,
    };
  }

  /** The keys at one revision (a read-only Txn: one linearizable read). */
  private async read(keys: readonly Buffer[]): Promise<Snapshot> {
    const res = await this.client.txn(
      [],
      keys.map((key) => ({ request_range: { key } })),
    );
    return this.snapshotOf(keys, res.responses);
  }

  private snapshotOf(keys: readonly Buffer[], responses: { response_range?: { kvs: EtcdKv[] } | null }[]) {
    const snap: Snapshot = new Map();
    keys.forEach((key, i) => {
      snap.set(key.toString(), responses[i]?.response_range?.kvs[0] ?? null);
    });
    return snap;
  }

  /**
   * One write: read `keys` (and this write's marker) at one revision, let `plan` decide on them, and
   * commit its ops in a Txn that compares every key read; when etcd refuses, decide again on the
   * snapshot its failure branch returned. `plan` may throw a domain error, which is the answer.
   */
  private async write<T>(keys: readonly Buffer[], plan: (snap: Snapshot) => Plan<T>): Promise<T> {
    if (this.closed) throw new UnavailableError(`${this.where}: the store is closed`);
    const slot = this.freeSlots.pop() ?? this.slots++;
    const marker = this.sys(`w/${this.instance}/${slot}`);
    const token = `${++this.seq}.`;
    const all = [...new Map([...keys, marker].map((k) => [k.toString(), k])).values()];
    const results = new Map<string, T>();
    try {
      let snap = await this.read(all);
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const mark = snap.get(marker.toString())?.value.toString() ?? '';
        if (results.has(mark)) return results.get(mark) as T; // an earlier attempt committed
        const p = plan(snap);
        if (p.ops.length === 0) return p.result;
        const attempt = `${token}${round}`;
        results.set(attempt, p.result);
        const compares: Compare[] = all.map((key) => {
          const kv = snap.get(key.toString());
          return kv
            ? { result: 'EQUAL', target: 'MOD', key, mod_revision: kv.mod_revision }
            : { result: 'EQUAL', target: 'VERSION', key, version: '0' };
        });
        await this.options.beforeCommit?.();
        const res = await this.client.txn(
          [...compares, ...(p.compares ?? [])],
          [...p.ops, put(marker, Buffer.from(attempt))],
          all.map((key) => ({ request_range: { key } })),
        );
        if (res.succeeded) return p.result;
        this.refusals++;
        snap = this.snapshotOf(all, res.responses);
      }
      throw new ConflictError(
        `${this.where}: a write was refused ${MAX_ROUNDS} times by concurrent writes to the same keys; retry`,
      );
    } finally {
      this.freeSlots.push(slot);
    }
  }

  private toKv(raw: EtcdKv): KeyValue {
    const { version, value } = decodeKv(raw.value);
    return { key: this.userKey(raw.key), value, version };
  }
}

function pick(options: PutOptions): { expectedVersion?: number } {
  return options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion };
}
