/**
 * A typed client of the Checkpoint Server, for the ReplicaManager, the SuperWatchDogs and the
 * application SDK. Numbers instead of the wire's int64 strings, Buffers for bytes, a deadline on every
 * call, and every gRPC error turned back into the domain error it stands for:
 *
 * - StaleEpochError: a fenced write or a lease renewal under an epoch that is no longer current; the
 *   caller has been replaced and must stop acting (DESIGN §5).
 * - ConflictError: a compare-and-set whose expected version no longer holds; read again and retry.
 * - UnavailableError: no server answered within the deadline (down, unreachable, overloaded);
 *   whether a write sent just before it took effect is unknown, so read before retrying a CAS.
 *
 * Given several addresses (Checkpoint Servers over etcd, DESIGN §10) it fails over between them
 * within each call's deadline (shared/failover.ts): reads at once, writes only when they surely
 * never reached the server that failed. A watch opens on the address that answered last and, when
 * it fails, the next one opens on the next address.
 * - Error: a malformed request (empty key, negative lease, table that is not JSON) — a caller's bug.
 */
import type * as grpc from '@grpc/grpc-js';
import { UnavailableError } from '../shared/errors.js';
import { Failover } from '../shared/failover.js';
import type { Checkpoint__Output } from '../shared/generated/rm/checkpoint/v1/Checkpoint.js';
import type { CheckpointServerClient } from '../shared/generated/rm/checkpoint/v1/CheckpointServer.js';
import type { GetResponse__Output as GetRes } from '../shared/generated/rm/checkpoint/v1/GetResponse.js';
import type { KeyValue__Output } from '../shared/generated/rm/checkpoint/v1/KeyValue.js';
import type { Leadership__Output } from '../shared/generated/rm/checkpoint/v1/Leadership.js';
import type { ListResponse__Output as ListRes } from '../shared/generated/rm/checkpoint/v1/ListResponse.js';
import type { LoadCheckpointResponse__Output as LoadCheckpointRes } from '../shared/generated/rm/checkpoint/v1/LoadCheckpointResponse.js';
import type { LoadTableResponse__Output as LoadTableRes } from '../shared/generated/rm/checkpoint/v1/LoadTableResponse.js';
import type { PutResponse__Output as PutRes } from '../shared/generated/rm/checkpoint/v1/PutResponse.js';
import type { SaveCheckpointResponse__Output as SaveCheckpointRes } from '../shared/generated/rm/checkpoint/v1/SaveCheckpointResponse.js';
import type { SaveTableResponse__Output as SaveTableRes } from '../shared/generated/rm/checkpoint/v1/SaveTableResponse.js';
import type { TxnResponse__Output as TxnRes } from '../shared/generated/rm/checkpoint/v1/TxnResponse.js';
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
    /** The stream failed (not ended by the server or cancelled): the next one should go elsewhere. */
    private readonly onFail: () => void = () => undefined,
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
    this.onFail();
    this.onEnd();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }
}

type Method = keyof CheckpointServerClient & string;

export class CheckpointClient {
  private readonly servers: Failover<CheckpointServerClient>;
  private readonly deadlineMs: number;
  private readonly streams = new Set<{ cancel(): void }>();
  /** The first address (the only one with the sqlite backend). */
  readonly address: string;

  /**
   * Connects lazily: nothing is sent until the first call. `deadlineMs` bounds every call, its
   * fail-over between `addresses` included; `transport` gives the channels their credentials.
   */
  constructor(addresses: string | readonly string[], options: { deadlineMs: number; transport?: Transport }) {
    const list = typeof addresses === 'string' ? [addresses] : [...addresses];
    this.address = list[0] ?? '';
    this.deadlineMs = options.deadlineMs;
    const Ctor = protos().checkpoint.rm.checkpoint.v1.CheckpointServer;
    const transport = options.transport ?? Transport.insecure();
    this.servers = new Failover(
      list,
      (address) => new Ctor(address, transport.channelCredentials(), CLIENT_OPTIONS),
      'Checkpoint Server',
    );
  }

  /** Every Checkpoint Server this client may call, in order. */
  get addresses(): readonly string[] {
    return this.servers.addresses;
  }

  private call<Res>(method: Method, req: unknown, kind: 'read' | 'write'): Promise<Res> {
    return this.servers.call(this.deadlineMs, kind, (c, ms, peer) =>
      unary(c, c[method] as never, req as never, ms, peer),
    ) as Promise<Res>;
  }

  /** One key, or null when it is absent. Errors: UnavailableError. */
  async get(key: string): Promise<KeyValue | null> {
    const res = await this.call<GetRes>('Get', { key }, 'read');
    return res.found && res.kv ? kv(res.kv) : null;
  }

  /** The keys under `prefix` ('' = all), in key order. Errors: UnavailableError. */
  async list(prefix = ''): Promise<KeyValue[]> {
    const res = await this.call<ListRes>('List', { prefix }, 'read');
    return res.kvs.map(kv);
  }

  /**
   * Writes one key once it is durable and resolves with its new version.
   * Errors: ConflictError (expectedVersion no longer holds), StaleEpochError (epoch lower than the
   * current manager epoch), UnavailableError.
   */
  async put(key: string, value: Bytes, options: PutOptions = {}): Promise<number> {
    const req = {
      key,
      value: Buffer.from(value),
      epoch: String(options.epoch ?? 0),
      ...expected(options.expectedVersion),
    };
    const res = await this.call<PutRes>('Put', req, 'write');
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
    const req = {
      epoch: String(options.epoch ?? 0),
      ops: ops.map((op) =>
        op.delete
          ? { key: op.key, delete: true, ...expected(op.expectedVersion) }
          : { key: op.key, value: Buffer.from(op.value), ...expected(op.expectedVersion) },
      ),
    };
    const res = await this.call<TxnRes>('Txn', req, 'write');
    return res.versions.map(Number);
  }

  /**
   * Every key under `prefix`: first its current values (one put event per key, in key order), then
   * every committed change. Cancel with `stream.cancel()` or by leaving a for-await loop. After the
   * stream ends or fails, watch again: it starts over from the current values.
   */
  watch(prefix: string): WatchStream<KeyEvent> {
    return this.track(
      (c) => c.Watch({ prefix }),
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
    const wire = {
      role: req.role,
      holder: req.holder,
      expected_epoch: String(req.expectedEpoch),
      lease_ms: String(req.leaseMs),
    };
    return leadership(await this.call<Leadership__Output>('AcquireLeadership', wire, 'write'));
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
    const wire = {
      role: req.role,
      holder: req.holder,
      epoch: String(req.epoch),
      lease_ms: String(req.leaseMs),
    };
    const { won: _won, ...record } = leadership(
      await this.call<Leadership__Output>('RenewLeadership', wire, 'write'),
    );
    return record;
  }

  /** A role's leadership record (holder '' and epoch 0 before anyone won it). Errors: UnavailableError. */
  async getLeadership(role: string): Promise<Leadership> {
    const { won: _won, ...record } = leadership(
      await this.call<Leadership__Output>('GetLeadership', { role }, 'read'),
    );
    return record;
  }

  /**
   * Saves the replica table (JSON, TABLE-FORMAT.md) under the manager's epoch (≥ 1); resolves with its
   * version once durable. Errors: StaleEpochError (a higher epoch exists: stop acting), UnavailableError.
   */
  async saveTable(epoch: number, tableJson: string): Promise<number> {
    const req = { epoch: String(epoch), table_json: tableJson };
    const res = await this.call<SaveTableRes>('SaveTable', req, 'write');
    return Number(res.version);
  }

  /**
   * Saves a change to the replica table under the manager's epoch (≥ 1): its hosts and module order,
   * and only the modules that are new or changed; resolves with the table's version once durable.
   * Errors: StaleEpochError, UnavailableError.
   */
  async saveTableChange(epoch: number, change: TableChange): Promise<number> {
    const req = {
      epoch: String(epoch),
      hosts_json: change.hostsJson,
      module_names: [...change.moduleNames],
      changed_modules: change.changedModules.map((m) => ({ name: m.name, module_json: m.moduleJson })),
    };
    const res = await this.call<SaveTableRes>('SaveTableChange', req, 'write');
    return Number(res.version);
  }

  /** The last saved replica table (found = false before the first save). Errors: UnavailableError. */
  async loadTable(): Promise<LoadedTable> {
    const res = await this.call<LoadTableRes>('LoadTable', {}, 'read');
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
            session: token.session ?? '',
            sequence: String(token.sequence ?? 0),
            incarnation: String(token.incarnation ?? 0),
          }
        : {}),
    };
    const res = await this.call<SaveCheckpointRes>('SaveCheckpoint', req, 'write');
    return Number(res.version);
  }

  /** A module's last saved state, or null when none was saved. Errors: UnavailableError. */
  async loadCheckpoint(module: string): Promise<Checkpoint | null> {
    const res = await this.call<LoadCheckpointRes>('LoadCheckpoint', { module }, 'read');
    return res.found && res.checkpoint ? checkpoint(res.checkpoint) : null;
  }

  /**
   * A module's checkpoints as they are saved, starting with the current one (if any): how a warm backup
   * follows its primary. Same ending and errors as watch().
   */
  watchCheckpoint(module: string): WatchStream<Checkpoint> {
    return this.track((c) => c.WatchCheckpoint({ module }), checkpoint);
  }

  /** Cancels the open streams and closes the channel. */
  close(): void {
    for (const s of [...this.streams]) s.cancel();
    this.servers.close();
  }

  private track<W, T>(
    open: (c: CheckpointServerClient) => grpc.ClientReadableStream<W>,
    convert: (msg: W) => T,
  ): WatchStream<T> {
    const { client, peer, index } = this.servers.current();
    // The stream only hands each message to `convert`, which knows its type.
    const untyped = open(client) as unknown as grpc.ClientReadableStream<unknown>;
    const stream = new WatchStream<T>(
      untyped,
      convert as (msg: unknown) => T,
      peer,
      this.deadlineMs,
      () => {
        this.streams.delete(stream);
      },
      () => this.servers.failed(index),
    );
    this.streams.add(stream);
    return stream;
  }
}
