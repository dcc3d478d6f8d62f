/**
 * The store interface the Checkpoint Server serves (DESIGN §10): versioned keys with compare-and-set,
 * atomic multi-key transactions, watches, the leadership record with its epoch, fenced table writes
 * and the modules' checkpoints. Two backends implement it with the same semantics, checked by one
 * contract test (test/unit/checkpoint-store.test.ts):
 *
 * - `sqlite` (store.ts): one file on the Checkpoint Server's host, the embedded default;
 * - `etcd` (etcd-store.ts): an etcd cluster; the Checkpoint Server keeps no state of its own, so
 *   several of them may serve one cluster, and losing one etcd member or one Checkpoint Server
 *   changes nothing a user sees.
 *
 * Every method is asynchronous and, for writes, resolves only once the write is durable (SQLite's
 * fsync; a quorum of etcd members). Errors: ConflictError (an expected version that no longer
 * holds), StaleEpochError (a write under an epoch below the current one, a renewal by a replaced
 * holder), FencedError (a copy's save refused by the fence, fence.ts), InvalidRequestError (a
 * malformed request, or on etcd a checkpoint over its size limit), UnavailableError (etcd did not
 * answer within the deadline: the outcome of that write is unknown, read before retrying a CAS).
 */
import type { SaveToken } from './fence.js';
import type { StoreSnapshot } from './snapshot.js';
import type {
  AcquireResult,
  Checkpoint,
  CheckpointStore,
  KeyValue,
  Leadership,
  PutOptions,
  StoredTable,
  TableChange,
  TxnOp,
} from './store.js';

/** One change under a watched prefix: a put (the new value and version) or a delete (the version it had). */
export interface KeyEvent {
  kv: KeyValue;
  deleted: boolean;
}

/** How a watch hands over what it sees; `fail` ends it (the watcher watches again from the current values). */
export interface WatchSink<T> {
  send(event: T): void;
  fail(err: Error): void;
}

export type BackendKind = 'sqlite' | 'etcd';

/**
 * The most ops one transaction may carry, on every backend (InvalidRequestError beyond, nothing
 * written): etcd refuses a transaction of more than 128 operations by default (`--max-txn-ops`), and
 * a fenced write adds a few keys of its own (the epoch, the table, its marker).
 */
export const MAX_TXN_OPS = 100;

export interface StoreBackend {
  readonly kind: BackendKind;
  /** Where the data lives, for logs (a file, or etcd's endpoints and prefix). */
  readonly where: string;
  /** Watches open now (keys and checkpoints), for metrics. */
  readonly watchCount: number;

  get(key: string): Promise<KeyValue | null>;
  list(prefix: string): Promise<KeyValue[]>;
  put(key: string, value: Buffer | Uint8Array | string, options?: PutOptions): Promise<number>;
  txn(ops: readonly TxnOp[], epoch?: number): Promise<number[]>;
  delete(key: string, options?: PutOptions): Promise<void>;
  /**
   * Sends the current values under `prefix` (one put per key, in key order), then every committed
   * change, in commit order, with no change lost or repeated in between. Resolves with the function
   * that stops it.
   */
  watch(prefix: string, sink: WatchSink<KeyEvent>): Promise<() => void>;

  getLeadership(role: string): Promise<Leadership>;
  acquireLeadership(
    role: string,
    holder: string,
    expectedEpoch: number,
    leaseMs: number,
  ): Promise<AcquireResult>;
  renewLeadership(role: string, holder: string, epoch: number, leaseMs: number): Promise<Leadership>;
  fenceEpoch(): Promise<number>;

  saveTable(epoch: number, tableJson: string): Promise<number>;
  saveTableChange(epoch: number, change: TableChange): Promise<number>;
  loadTable(): Promise<StoredTable | null>;

  saveCheckpoint(
    module: string,
    replica: string,
    state: Buffer | Uint8Array | string,
    token?: SaveToken,
  ): Promise<number>;
  loadCheckpoint(module: string): Promise<Checkpoint | null>;
  /** Sends the module's current checkpoint (if any), then every later one. As watch(). */
  watchCheckpoint(module: string, sink: WatchSink<Checkpoint>): Promise<() => void>;

  /** Everything the store holds, read at one point (snapshot.ts): `rmctl store export`. */
  exportSnapshot(): Promise<StoreSnapshot>;
  /**
   * Writes a snapshot into this store, which must hold nothing: ConflictError, with nothing written,
   * otherwise. Keys, epochs and checkpoints keep their versions; leases are not carried. Nobody may
   * serve the store meanwhile (`rmctl store import`, with the cluster stopped).
   */
  importSnapshot(snapshot: StoreSnapshot): Promise<ImportOutcome>;

  close(): Promise<void>;
}

export interface ImportOutcome {
  /** etcd: an import that had stopped part-way was found and replaced (sqlite imports are one transaction). */
  replacedUnfinished: boolean;
}

/** The SQLite store behind the interface: its synchronous calls, each one transaction, as promises. */
export class SqliteBackend implements StoreBackend {
  readonly kind = 'sqlite' as const;

  constructor(readonly store: CheckpointStore) {}

  get where(): string {
    return this.store.file;
  }
  get watchCount(): number {
    return this.store.isOpen ? this.store.listenerCount : 0;
  }

  async get(key: string) {
    return this.store.get(key);
  }
  async list(prefix: string) {
    return this.store.list(prefix);
  }
  async put(key: string, value: Buffer | Uint8Array | string, options: PutOptions = {}) {
    return this.store.put(key, value, options);
  }
  async txn(ops: readonly TxnOp[], epoch = 0) {
    return this.store.txn(ops, epoch);
  }
  async delete(key: string, options: PutOptions = {}) {
    this.store.delete(key, options);
  }
  async watch(prefix: string, sink: WatchSink<KeyEvent>) {
    // The listener and the current values in one synchronous step: no commit falls between them.
    const off = this.store.onChange((change) => {
      if (change.kind === 'key' && change.kv.key.startsWith(prefix)) {
        sink.send({ kv: change.kv, deleted: change.deleted });
      }
    });
    try {
      for (const kv of this.store.list(prefix)) sink.send({ kv, deleted: false });
    } catch (err) {
      off();
      throw err;
    }
    return off;
  }

  async getLeadership(role: string) {
    return this.store.getLeadership(role);
  }
  async acquireLeadership(role: string, holder: string, expectedEpoch: number, leaseMs: number) {
    return this.store.acquireLeadership(role, holder, expectedEpoch, leaseMs);
  }
  async renewLeadership(role: string, holder: string, epoch: number, leaseMs: number) {
    return this.store.renewLeadership(role, holder, epoch, leaseMs);
  }
  async fenceEpoch() {
    return this.store.fenceEpoch();
  }

  async saveTable(epoch: number, tableJson: string) {
    return this.store.saveTable(epoch, tableJson);
  }
  async saveTableChange(epoch: number, change: TableChange) {
    return this.store.saveTableChange(epoch, change);
  }
  async loadTable() {
    return this.store.loadTable();
  }

  async saveCheckpoint(
    module: string,
    replica: string,
    state: Buffer | Uint8Array | string,
    token?: SaveToken,
  ) {
    return this.store.saveCheckpoint(module, replica, state, token);
  }
  async loadCheckpoint(module: string) {
    return this.store.loadCheckpoint(module);
  }
  async watchCheckpoint(module: string, sink: WatchSink<Checkpoint>) {
    const off = this.store.onChange((change) => {
      if (change.kind === 'checkpoint' && change.checkpoint.module === module) sink.send(change.checkpoint);
    });
    try {
      const current = module ? this.store.loadCheckpoint(module) : null;
      if (current) sink.send(current);
    } catch (err) {
      off();
      throw err;
    }
    return off;
  }

  async exportSnapshot() {
    return this.store.exportSnapshot();
  }
  async importSnapshot(snapshot: StoreSnapshot) {
    this.store.importSnapshot(snapshot);
    return { replacedUnfinished: false };
  }

  async close() {
    this.store.close();
  }
}
