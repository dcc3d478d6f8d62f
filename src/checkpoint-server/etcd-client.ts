/**
 * A thin etcd v3 client for the Checkpoint Server's etcd backend (DESIGN §10), loaded with
 * @grpc/proto-loader from the subset of etcd's rpc.proto in proto/etcd/. It does only what the
 * backend needs (Range, Txn, leases, Watch, Status), with the fault handling chosen for fail-over:
 *
 * - every call has a deadline for the whole operation and a shorter one per attempt, so a member that
 *   hangs (a dead leader a follower still forwards to) costs one attempt, not the call;
 * - every request carries etcd's `hasleader` metadata, so a member without a leader answers "no
 *   leader" at once instead of queueing the request until etcd's own request timeout (seconds);
 * - a failed attempt moves to the next endpoint after a short capped back-off (25 ms doubling to
 *   200 ms), with no circuit breaker: after an etcd leader change the next attempt that reaches the
 *   new leader succeeds, so writes stop for about one etcd election.
 *
 * Retrying a write is safe only because every write the backend sends is a Txn whose compares would
 * fail if an earlier attempt had committed (etcd-store.ts, "write markers"); this client retries
 * every call within its deadline. Errors: UnavailableError (no endpoint answered in time; the
 * outcome of a write is then unknown to this client), EtcdRequestError (etcd refused the request
 * itself: too large, lease not found …).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SupervisorError, UnavailableError } from '../shared/errors.js';
import { protoDir } from '../shared/grpc.js';

/** A refusal by etcd that no retry changes (INVALID_ARGUMENT, NOT_FOUND, request too large …). */
export class EtcdRequestError extends SupervisorError {
  readonly code = 'etcd-request';
  constructor(
    message: string,
    readonly grpcCode: number,
  ) {
    super(message);
  }
}

/** int64 fields arrive as decimal strings (longs: String), bytes as Buffers. */
export interface EtcdKv {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export interface EtcdHeader {
  revision: string;
  member_id: string;
  raft_term: string;
}

export interface EtcdEvent {
  type: 'PUT' | 'DELETE';
  kv: EtcdKv;
  prev_kv: EtcdKv | null;
}

export type Compare =
  | { result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; target: 'VERSION'; key: Buffer; version: string }
  | { result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; target: 'MOD'; key: Buffer; mod_revision: string }
  | { result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; target: 'VALUE'; key: Buffer; value: Buffer };

export type RequestOp =
  | { request_range: { key: Buffer; range_end?: Buffer; revision?: string } }
  | { request_put: { key: Buffer; value: Buffer; lease?: string } }
  | { request_delete_range: { key: Buffer; range_end?: Buffer } };

export interface RangeResponse {
  header: EtcdHeader;
  kvs: EtcdKv[];
  more: boolean;
}

export interface ResponseOp {
  response_range?: RangeResponse | null;
  response?: string;
}

export interface TxnResponse {
  header: EtcdHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface EtcdTls {
  /** The CA that signed the etcd members' certificates. */
  ca: string;
  /** The client certificate and key, when etcd requires client certificates. */
  cert?: string;
  key?: string;
}

export interface EtcdClientOptions {
  /** `host:port` of each etcd member's client URL. */
  endpoints: readonly string[];
  /** PEM file paths; absent: plaintext (loopback tests, a trusted network). */
  tls?: EtcdTls | null;
  /** Bound on one whole call, retries and back-off included. */
  deadlineMs: number;
  /** Bound on one attempt at one endpoint (default: a third of the deadline, at least 200 ms). */
  attemptTimeoutMs?: number;
}

/** The first key past every key that starts with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i] as number;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key
}

type Unary = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;
type Duplex = (md: grpc.Metadata, opts?: grpc.CallOptions) => grpc.ClientDuplexStream<unknown, unknown>;
type ServiceCtor = new (
  address: string,
  creds: grpc.ChannelCredentials,
  options: grpc.ClientOptions,
) => grpc.Client & Record<string, Unary | Duplex>;

interface EtcdPackage {
  etcdserverpb: { KV: ServiceCtor; Watch: ServiceCtor; Lease: ServiceCtor; Maintenance: ServiceCtor };
}

let loaded: EtcdPackage | null = null;
function etcdProtos(): EtcdPackage {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(join(protoDir(), 'etcd', 'rpc.proto'), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [join(protoDir(), 'etcd')],
    }),
  ) as unknown as EtcdPackage;
  return loaded;
}

/** gRPC codes after which another attempt (elsewhere, a little later) may succeed. */
const RETRYABLE = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
]);

function isRetryable(err: grpc.ServiceError): boolean {
  // "etcdserver: too many requests" is RESOURCE_EXHAUSTED and passes; "request is too large" does not.
  if (err.code === grpc.status.RESOURCE_EXHAUSTED) return /too many requests/.test(err.details ?? '');
  return RETRYABLE.has(err.code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Member {
  endpoint: string;
  kv: grpc.Client & Record<string, Unary>;
  lease: grpc.Client & Record<string, Unary | Duplex>;
  watch: grpc.Client & Record<string, Duplex>;
  maintenance: grpc.Client & Record<string, Unary>;
}

export class EtcdClient {
  private readonly members: Member[];
  private current = 0;
  private closed = false;
  readonly deadlineMs: number;
  private readonly attemptMs: number;
  private readonly watches = new Set<EtcdWatch>();

  constructor(readonly options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd: at least one endpoint is needed');
    this.deadlineMs = options.deadlineMs;
    this.attemptMs = options.attemptTimeoutMs ?? Math.max(200, Math.floor(options.deadlineMs / 3));
    const creds = options.tls
      ? grpc.credentials.createSsl(
          readFileSync(options.tls.ca),
          options.tls.key ? readFileSync(options.tls.key) : null,
          options.tls.cert ? readFileSync(options.tls.cert) : null,
        )
      : grpc.credentials.createInsecure();
    const pkg = etcdProtos().etcdserverpb;
    this.members = options.endpoints.map((endpoint) => {
      const channel = new grpc.Channel(endpoint, creds, {
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
        'grpc.enable_retries': 0,
        // etcd's default request limit is 1.5 MiB; answers may carry a little more.
        'grpc.max_receive_message_length': 8 * 1024 * 1024,
      });
      const opts = { channelOverride: channel };
      return {
        endpoint,
        kv: new pkg.KV(endpoint, creds, opts) as Member['kv'],
        lease: new pkg.Lease(endpoint, creds, opts),
        watch: new pkg.Watch(endpoint, creds, opts) as Member['watch'],
        maintenance: new pkg.Maintenance(endpoint, creds, opts) as Member['maintenance'],
      };
    });
  }

  get endpoints(): readonly string[] {
    return this.options.endpoints;
  }

  /** `[key, rangeEnd)` (one key without `rangeEnd`): at most `limit` keys (0: all), at `revision` (0: the latest). */
  async range(
    key: Buffer,
    rangeEnd?: Buffer,
    at: { revision?: string; limit?: number } = {},
  ): Promise<RangeResponse> {
    return (await this.call('kv', 'Range', {
      key,
      ...(rangeEnd ? { range_end: rangeEnd } : {}),
      ...(at.limit ? { limit: String(at.limit) } : {}),
      ...(at.revision ? { revision: at.revision } : {}),
    })) as RangeResponse;
  }

  async txn(compare: readonly Compare[], success: readonly RequestOp[], failure: readonly RequestOp[] = []) {
    return (await this.call('kv', 'Txn', { compare, success, failure })) as TxnResponse;
  }

  async compact(revision: string): Promise<void> {
    await this.call('kv', 'Compact', { revision, physical: true });
  }

  /** A new lease of `ttlSeconds` (etcd raises it to its minimum TTL); resolves with its id and granted TTL. */
  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    const res = (await this.call('lease', 'LeaseGrant', { TTL: String(ttlSeconds), ID: '0' })) as {
      ID: string;
      TTL: string;
      error: string;
    };
    if (res.error) throw new EtcdRequestError(`etcd: lease grant refused: ${res.error}`, grpc.status.UNKNOWN);
    return { id: res.ID, ttlSeconds: Number(res.TTL) };
  }

  /** Revokes a lease (its keys are deleted); a lease already gone is not an error. */
  async leaseRevoke(id: string): Promise<void> {
    try {
      await this.call('lease', 'LeaseRevoke', { ID: id });
    } catch (err) {
      if (err instanceof EtcdRequestError && err.grpcCode === grpc.status.NOT_FOUND) return;
      throw err;
    }
  }

  /** Whole seconds the lease still runs (floored by etcd), or -1 when it is gone. */
  async leaseTimeToLive(id: string): Promise<{ ttlSeconds: number; grantedSeconds: number }> {
    try {
      const res = (await this.call('lease', 'LeaseTimeToLive', { ID: id, keys: false })) as {
        TTL: string;
        grantedTTL: string;
      };
      return { ttlSeconds: Number(res.TTL), grantedSeconds: Number(res.grantedTTL) };
    } catch (err) {
      if (err instanceof EtcdRequestError && err.grpcCode === grpc.status.NOT_FOUND) {
        return { ttlSeconds: -1, grantedSeconds: 0 };
      }
      throw err;
    }
  }

  /** One keep-alive of a lease: its granted TTL again from now, or 0 when the lease is gone. */
  async leaseKeepAliveOnce(id: string): Promise<number> {
    return this.withRetries('LeaseKeepAlive', async (m, attemptMs) => {
      const call = (m.lease.LeaseKeepAlive as Duplex)(leaderMetadata(), {
        deadline: Date.now() + attemptMs,
      });
      return await new Promise<number>((resolve, reject) => {
        call.on('data', (res: { TTL: string }) => {
          resolve(Number(res.TTL));
          call.cancel();
        });
        call.on('error', (err: grpc.ServiceError) => reject(err));
        call.on('end', () => reject(Object.assign(new Error('keep-alive stream ended'), { code: 14 })));
        call.write({ ID: id });
      });
    });
  }

  /** The member's view: its id, the leader's id and the raft term (tests find the leader with it). */
  async status(endpoint: string): Promise<{ memberId: string; leader: string; raftTerm: string }> {
    const m = this.members.find((x) => x.endpoint === endpoint);
    if (!m) throw new Error(`etcd: ${endpoint} is not one of this client's endpoints`);
    const res = await new Promise<{ header: EtcdHeader; leader: string; raftTerm: string }>(
      (resolve, reject) => {
        (m.maintenance.Status as Unary).call(
          m.maintenance,
          {},
          leaderMetadata(),
          { deadline: Date.now() + this.attemptMs },
          (err, r) =>
            err ? reject(err) : resolve(r as { header: EtcdHeader; leader: string; raftTerm: string }),
        );
      },
    );
    return { memberId: res.header.member_id, leader: res.leader, raftTerm: res.raftTerm };
  }

  /**
   * Watches `[key, rangeEnd)` from `startRevision`, with each event's previous value. The watch moves
   * to another member when its member fails; `onEvents` receives the events in revision order.
   */
  watch(
    key: Buffer,
    rangeEnd: Buffer | undefined,
    startRevision: string,
    handlers: WatchHandlers,
  ): EtcdWatch {
    const w = new EtcdWatch(this, key, rangeEnd, BigInt(startRevision), handlers, () =>
      this.watches.delete(w),
    );
    this.watches.add(w);
    w.open();
    return w;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.cancel();
    for (const m of this.members) {
      m.kv.close();
      m.lease.close();
      m.watch.close();
      m.maintenance.close();
    }
  }

  /** @internal The member to try next and how long one attempt may take. */
  nextMember(): Member {
    return this.members[this.current % this.members.length] as Member;
  }

  /** @internal Moves on to the next member after a failure on `m`. */
  failed(m: Member): void {
    if (this.members[this.current % this.members.length] === m) this.current++;
  }

  private call(service: 'kv' | 'lease', method: string, req: unknown): Promise<unknown> {
    return this.withRetries(method, (m, attemptMs) => {
      const client = m[service] as grpc.Client & Record<string, Unary>;
      return new Promise((resolve, reject) => {
        (client[method] as Unary).call(
          client,
          req,
          leaderMetadata(),
          { deadline: Date.now() + attemptMs },
          (err, res) => (err ? reject(err) : resolve(res)),
        );
      });
    });
  }

  private async withRetries<T>(
    what: string,
    attempt: (m: Member, attemptMs: number) => Promise<T>,
  ): Promise<T> {
    const end = Date.now() + this.deadlineMs;
    let pause = 25;
    let last = 'no attempt';
    for (let n = 0; n < 1000; n++) {
      if (this.closed) throw new UnavailableError('etcd: the client is closed');
      const left = end - Date.now();
      if (left <= 0) break;
      const m = this.nextMember();
      try {
        return await attempt(m, Math.min(left, this.attemptMs));
      } catch (err) {
        const e = err as grpc.ServiceError;
        if (typeof e.code !== 'number' || !isRetryable(e)) {
          throw new EtcdRequestError(`etcd ${m.endpoint}: ${what}: ${e.details || e.message}`, e.code);
        }
        last = `${m.endpoint}: ${e.details || e.message}`;
        this.failed(m);
        const wait = Math.min(pause, end - Date.now());
        if (wait > 0) await sleep(wait);
        pause = Math.min(pause * 2, 200);
      }
    }
    throw new UnavailableError(
      `etcd: ${what} got no answer within ${this.deadlineMs} ms from ${this.options.endpoints.join(', ')} (last: ${last})`,
    );
  }
}

function leaderMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('hasleader', 'true');
  return md;
}

export interface WatchHandlers {
  /** The events of one revision or more, in order. */
  onEvents(events: EtcdEvent[]): void;
  /** The revisions from `startRevision` on were compacted away: read afresh and watch again. */
  onCompacted(compactRevision: string): void;
  /** No member could serve the watch for a whole client deadline. The watch has ended. */
  onError(err: Error): void;
}

/** One etcd watch that follows the cluster across member failures, resuming after the last revision seen. */
export class EtcdWatch {
  private call: grpc.ClientDuplexStream<unknown, unknown> | null = null;
  private next: bigint;
  private done = false;
  private failingSince = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: EtcdClient,
    private readonly key: Buffer,
    private readonly rangeEnd: Buffer | undefined,
    start: bigint,
    private readonly handlers: WatchHandlers,
    private readonly onEnd: () => void,
  ) {
    this.next = start;
  }

  /** @internal */
  open(): void {
    if (this.done) return;
    const m = this.client.nextMember();
    const call = (m.watch.Watch as Duplex)(leaderMetadata());
    this.call = call;
    call.on(
      'data',
      (res: {
        created: boolean;
        canceled: boolean;
        compact_revision: string;
        cancel_reason: string;
        events: EtcdEvent[];
      }) => {
        if (this.done || call !== this.call) return;
        if (res.created) this.failingSince = 0;
        if (res.canceled) {
          if (res.compact_revision !== '0') {
            this.finish();
            this.handlers.onCompacted(res.compact_revision);
            return;
          }
          this.retry(m, `canceled: ${res.cancel_reason}`);
          return;
        }
        if (res.events.length > 0) {
          const lastRev = BigInt(res.events[res.events.length - 1]?.kv.mod_revision ?? '0');
          if (lastRev >= this.next) this.next = lastRev + 1n;
          this.handlers.onEvents(res.events);
        }
      },
    );
    call.on('error', (err: grpc.ServiceError) => {
      if (call === this.call) this.retry(m, err.details || err.message);
    });
    call.on('end', () => {
      if (call === this.call) this.retry(m, 'stream ended');
    });
    call.write({
      create_request: {
        key: this.key,
        ...(this.rangeEnd ? { range_end: this.rangeEnd } : {}),
        start_revision: this.next.toString(),
        prev_kv: true,
      },
    });
  }

  cancel(): void {
    if (this.done) return;
    this.finish();
  }

  private retry(m: Member, why: string): void {
    if (this.done) return;
    this.client.failed(m);
    this.call?.cancel();
    this.call = null;
    const now = Date.now();
    if (this.failingSince === 0) this.failingSince = now;
    if (now - this.failingSince > this.client.deadlineMs) {
      this.finish();
      this.handlers.onError(
        new UnavailableError(
          `etcd: no member served the watch for ${this.client.deadlineMs} ms (last: ${why})`,
        ),
      );
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, 50);
  }

  private finish(): void {
    this.done = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.call;
    this.call = null;
    c?.cancel();
    this.onEnd();
  }
}
