/**
 * A typed client of the Checkpoint Server, for the ReplicaManager, the SuperWatchDogs and the
 * application SDK. Numbers instead of the wire's int64 strings, Buffers for bytes, a deadline on every
 * call, and every gRPC error turned back into the domain error it stands for:
 *
 * - StaleEpochError: a fenced write or a lease renewal under an epoch that is no longer current; the
 *   caller has been replaced and must stop acting (DESIGN §5).
 * - ConflictError: a compare-and-set whose expected version no longer holds; read again and retry.
 * - UnavailableError: the server did not answer within the deadline (down, unreachable, overloaded);
 *   whether a write sent just before it took effect is unknown, so read before retrying a CAS.
 * - Error: a malformed request (empty key, negative lease, table that is not JSON) — a caller's bug.
 */
import type * as grpc from '@grpc/grpc-js';
import { UnavailableError } from '../shared/errors.js';
import type { Checkpoint__Output } from '../shared/generated/rm/checkpoint/v1/Checkpoint.js';
import type { CheckpointServerClient } from '../shared/generated/rm/checkpoint/v1/CheckpointServer.js';
import type { KeyValue__Output } from '../shared/generated/rm/checkpoint/v1/KeyValue.js';
import type { Leadership__Output } from '../shared/generated/rm/checkpoint/v1/Leadership.js';
import type { WatchEvent__Output } from '../shared/generated/rm/checkpoint/v1/WatchEvent.js';
import { CLIENT_OPTIONS, fromServiceError, protos, Transport, unary } from '../shared/grpc.js';

export type Bytes = Buffer | Uint8Array | string;

export interface KeyValue {
  key: string;
  value: Buffer;
  /** 1 on creation, one more on every write; a deleted and re-created key starts again at 1. */
  version: number;
}

/** One change seen by watch(): a put (the new value and version) or a delete (the last version, no value). */
export interface KeyEvent {
  kv: KeyValue;
  deleted: boolean;
}

import type { SaveToken } from './fence.js';
import type { AcquireResult, Leadership, TableChange } from './store.js';

export type { AcquireResult, Leadership, SaveToken };

export interface LoadedTable {
  /** False before the first SaveTable; the other fields are then empty. */
  found: boolean;
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

export interface PutOptions {
  /** Compare-and-set: the version the key must still have (0 = it must be absent). */
  expectedVersion?: number;
  /** Fencing: refused with StaleEpochError if a higher manager epoch exists. Absent or 0 = unfenced. */
  epoch?: number;
}

export type TxnOp =
  | { key: string; value: Bytes; delete?: false; expectedVersion?: number }
  | { key: string; delete: true; expectedVersion?: number };

function kv(k: KeyValue__Output): KeyValue {
  return { key: k.key, value: Buffer.from(k.value), version: Number(k.version) };
}

function leadership(l: Leadership__Output): AcquireResult {
  return {
    role: l.role,
    holder: l.holder,
    epoch: Number(l.epoch),
    leaseUntilMs: Number(l.lease_until_ms),
    leaseRemainingMs: Number(l.lease_remaining_ms),
    won: l.won,
  };
}

function checkpoint(c: Checkpoint__Output): Checkpoint {
  return {
    module: c.module,
    replica: c.replica,
    state: Buffer.from(c.state),
    version: Number(c.version),
    savedAtMs: Number(c.saved_at_ms),
  };
}

function expected(v: number | undefined): { has_expected_version?: boolean; expected_version?: string } {
  return v === undefined ? {} : { has_expected_version: true, expected_version: String(v) };
}

/** Past this many unread events the stream is paused, so that the server's flow control holds the rest. */
const PAUSE_AT = 1000;

/**
 * A server stream as an async iterator: `for await (const ev of stream)`. It ends (done) when the
 * server stops serving it or after cancel(); it throws UnavailableError when the server is lost or
 * does not open the stream within the client's deadline. Events come in commit order.
 */
export class WatchStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private ended = false;
  private cancelled = false;
  private paused = false;
  private readonly openTimer: NodeJS.Timeout;

  constructor(
    private readonly call: grpc.ClientReadableStream<unknown>,
    convert: (msg: unknown) => T,
    peer: string,
    openDeadlineMs: number,
    private readonly onEnd: () => void = () => undefined,
  ) {
    this.openTimer = setTimeout(() => {
      this.fail(new UnavailableError(`${peer} did not open the stream within ${openDeadlineMs} ms`));
      this.call.cancel();
    }, openDeadlineMs);
    call.on('metadata', () => clearTimeout(this.openTimer));
    call.on('data', (msg: unknown) => this.push(convert(msg)));
    call.on('error', (err: grpc.ServiceError) => {
      if (this.cancelled) this.finish();
      else this.fail(fromServiceError(err, peer));
    });
    call.on('end', () => this.finish());
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.queue.shift();
    if (value !== undefined) {
      if (this.paused && this.queue.length < PAUSE_AT / 10) {
        this.paused = false;
        this.call.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Called by `break` in a for-await loop: cancels the stream. */
  return(): Promise<IteratorResult<T>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops the stream on both sides; a pending next() resolves done. Idempotent. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.queue.length = 0;
    this.call.cancel();
    this.finish();
  }

  private push(value: T): void {
    if (this.cancelled) return;
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w.resolve({ value, done: false });
      return;
    }
    this.queue.push(value);
    if (!this.paused && this.queue.length >= PAUSE_AT) {
      this.paused = true;
      this.call.pause();
    }
  }

  private finish(): void {
    clearTimeout(this.openTimer);
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve({ value: undefined, done: true });
  }

  private fail(err: Error): void {
    clearTimeout(this.openTimer);
    if (this.ended || this.failure) return;
    this.failure = err;
    this.ended = true;
    this.onEnd();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }
}

export class CheckpointClient {
  private readonly client: CheckpointServerClient;
  private readonly deadlineMs: number;
  private readonly peer: string;
  private readonly streams = new Set<{ cancel(): void }>();

  /** Connects lazily: nothing is sent until the first call. `deadlineMs` bounds every call. */
  constructor(
    readonly address: string,
    options: { deadlineMs: number; transport?: Transport },
  ) {
    this.deadlineMs = options.deadlineMs;
    this.peer = `Checkpoint Server at ${address}`;
    this.client = new (protos().checkpoint.rm.checkpoint.v1.CheckpointServer)(
      address,
      (options.transport ?? Transport.insecure()).channelCredentials(),
      CLIENT_OPTIONS,
    );
  }

  /** One key, or null when it is absent. Errors: UnavailableError. */
  async get(key: string): Promise<KeyValue | null> {
    const c = this.client;
    const res = await unary(c, c.Get, { key }, this.deadlineMs, this.peer);
    return res.found && res.kv ? kv(res.kv) : null;
  }

  /** The keys under `prefix` ('' = all), in key order. Errors: UnavailableError. */
  async list(prefix = ''): Promise<KeyValue[]> {
    const c = this.client;
    const res = await unary(c, c.List, { prefix }, this.deadlineMs, this.peer);
    return res.kvs.map(kv);
  }

  /**
   * Writes one key once it is durable and resolves with its new version.
   * Errors: ConflictError (expectedVersion no longer holds), StaleEpochError (epoch lower than the
   * current manager epoch), UnavailableError.
   */
  async put(key: string, value: Bytes, options: PutOptions = {}): Promise<number> {
    const c = this.client;
    const req = {
      key,
      value: Buffer.from(value),
      epoch: String(options.epoch ?? 0),
      ...expected(options.expectedVersion),
    };
    const res = await unary(c, c.Put, req, this.deadlineMs, this.peer);
    return Number(res.version);
  }

  /**
   * Deletes one key (nothing happens when it is absent, unless expectedVersion says it must be there).
   * Errors: as put().
   */
  async delete(key: string, options: PutOptions = {}): Promise<void> {
    const op: TxnOp =
      options.expectedVersion === undefined
        ? { key, delete: true }
        : { key, delete: true, expectedVersion: options.expectedVersion };
    await this.txn([op], options.epoch === undefined ? {} : { epoch: options.epoch });
  }

  /**
   * Applies every op in order in one transaction, or none of them; resolves with each op's new version
   * (0 for a delete). Errors: ConflictError naming the first op whose expected version failed (nothing
   * was written), StaleEpochError, UnavailableError.
   */
  async txn(ops: readonly TxnOp[], options: { epoch?: number } = {}): Promise<number[]> {
    const c = this.client;
    const req = {
      epoch: String(options.epoch ?? 0),
      ops: ops.map((op) =>
        op.delete
          ? { key: op.key, delete: true, ...expected(op.expectedVersion) }
          : { key: op.key, value: Buffer.from(op.value), ...expected(op.expectedVersion) },
      ),
    };
    const res = await unary(c, c.Txn, req, this.deadlineMs, this.peer);
    return res.versions.map(Number);
  }

  /**
   * Every key under `prefix`: first its current values (one put event per key, in key order), then
   * every committed change. Cancel with `stream.cancel()` or by leaving a for-await loop. After the
   * stream ends or fails, watch again: it starts over from the current values.
   */
  watch(prefix: string): WatchStream<KeyEvent> {
    return this.track(
      this.client.Watch({ prefix }),
      (ev: WatchEvent__Output): KeyEvent => ({
        kv: ev.kv ? kv(ev.kv) : { key: '', value: Buffer.alloc(0), version: 0 },
        deleted: ev.deleted,
      }),
    );
  }

  /**
   * Compare-and-set on a role's leadership record: wins epoch + 1 and a lease of `leaseMs` only if the
   * role's epoch is still `expectedEpoch`. A lost race resolves with won = false and the current record.
   * Errors: UnavailableError.
   */
  async acquireLeadership(req: {
    role: string;
    holder: string;
    expectedEpoch: number;
    leaseMs: number;
  }): Promise<AcquireResult> {
    const c = this.client;
    const wire = {
      role: req.role,
      holder: req.holder,
      expected_epoch: String(req.expectedEpoch),
      lease_ms: String(req.leaseMs),
    };
    return leadership(await unary(c, c.AcquireLeadership, wire, this.deadlineMs, this.peer));
  }

  /**
   * Extends the holder's lease to now + `leaseMs` (server clock).
   * Errors: StaleEpochError when `holder` and `epoch` are no longer the current ones (stop acting),
   * UnavailableError.
   */
  async renewLeadership(req: {
    role: string;
    holder: string;
    epoch: number;
    leaseMs: number;
  }): Promise<Leadership> {
    const c = this.client;
    const wire = {
      role: req.role,
      holder: req.holder,
      epoch: String(req.epoch),
      lease_ms: String(req.leaseMs),
    };
    const { won: _won, ...record } = leadership(
      await unary(c, c.RenewLeadership, wire, this.deadlineMs, this.peer),
    );
    return record;
  }

  /** A role's leadership record (holder '' and epoch 0 before anyone won it). Errors: UnavailableError. */
  async getLeadership(role: string): Promise<Leadership> {
    const c = this.client;
    const { won: _won, ...record } = leadership(
      await unary(c, c.GetLeadership, { role }, this.deadlineMs, this.peer),
    );
    return record;
  }

  /**
   * Saves the replica table (JSON, TABLE-FORMAT.md) under the manager's epoch (≥ 1); resolves with its
   * version once durable. Errors: StaleEpochError (a higher epoch exists: stop acting), UnavailableError.
   */
  async saveTable(epoch: number, tableJson: string): Promise<number> {
    const c = this.client;
    const req = { epoch: String(epoch), table_json: tableJson };
    const res = await unary(c, c.SaveTable, req, this.deadlineMs, this.peer);
    return Number(res.version);
  }

  /**
   * Saves a change to the replica table under the manager's epoch (≥ 1): its hosts and module order,
   * and only the modules that are new or changed; resolves with the table's version once durable.
   * Errors: StaleEpochError, UnavailableError.
   */
  async saveTableChange(epoch: number, change: TableChange): Promise<number> {
    const c = this.client;
    const req = {
      epoch: String(epoch),
      hosts_json: change.hostsJson,
      module_names: [...change.moduleNames],
      changed_modules: change.changedModules.map((m) => ({ name: m.name, module_json: m.moduleJson })),
    };
    const res = await unary(c, c.SaveTableChange, req, this.deadlineMs, this.peer);
    return Number(res.version);
  }

  /** The last saved replica table (found = false before the first save). Errors: UnavailableError. */
  async loadTable(): Promise<LoadedTable> {
    const c = this.client;
    const res = await unary(c, c.LoadTable, {}, this.deadlineMs, this.peer);
    return {
      found: res.found,
      tableJson: res.table_json,
      version: Number(res.version),
      epoch: Number(res.epoch),
    };
  }

  /**
   * Saves a module's state (source ¶0014), as saved by `replica`; resolves with its version once
   * durable. A copy shows its fencing token (DESIGN §5). Errors: FencedError (the copy is no longer
   * the primary: step down), ConflictError (a hot copy's expected version no longer holds),
   * UnavailableError.
   */
  async saveCheckpoint(module: string, replica: string, state: Bytes, token?: SaveToken): Promise<number> {
    const c = this.client;
    const req = {
      module,
      replica,
      state: Buffer.from(state),
      ...(token
        ? {
            epoch: String(token.epoch),
            generation: String(token.generation),
            has_expected_version: token.expectedVersion !== undefined,
            expected_version: String(token.expectedVersion ?? 0),
          }
        : {}),
    };
    const res = await unary(c, c.SaveCheckpoint, req, this.deadlineMs, this.peer);
    return Number(res.version);
  }

  /** A module's last saved state, or null when none was saved. Errors: UnavailableError. */
  async loadCheckpoint(module: string): Promise<Checkpoint | null> {
    const c = this.client;
    const res = await unary(c, c.LoadCheckpoint, { module }, this.deadlineMs, this.peer);
    return res.found && res.checkpoint ? checkpoint(res.checkpoint) : null;
  }

  /**
   * A module's checkpoints as they are saved, starting with the current one (if any): how a warm backup
   * follows its primary. Same ending and errors as watch().
   */
  watchCheckpoint(module: string): WatchStream<Checkpoint> {
    return this.track(this.client.WatchCheckpoint({ module }), checkpoint);
  }

  /** Cancels the open streams and closes the channel. */
  close(): void {
    for (const s of [...this.streams]) s.cancel();
    this.client.close();
  }

  private track<W, T>(call: grpc.ClientReadableStream<W>, convert: (msg: W) => T): WatchStream<T> {
    // The stream only hands each message to `convert`, which knows its type.
    const untyped = call as unknown as grpc.ClientReadableStream<unknown>;
    const stream = new WatchStream<T>(
      untyped,
      convert as (msg: unknown) => T,
      this.peer,
      this.deadlineMs,
      () => {
        this.streams.delete(stream);
      },
    );
    this.streams.add(stream);
    return stream;
  }
}
