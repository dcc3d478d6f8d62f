/**
 * The Checkpoint Server's gRPC handlers (proto/checkpoint.proto): each converts the request, calls
 * the store (either backend, backend.ts) and maps domain errors to a gRPC status (STYLE §5). The two
 * watch streams send the current value first, then every committed change, and are ended by
 * `endStreams()` on shutdown.
 */
import * as grpc from '@grpc/grpc-js';
import { FencedError, PermissionError, StaleEpochError } from '../shared/errors.js';
import type { Checkpoint as WireCheckpoint } from '../shared/generated/rm/checkpoint/v1/Checkpoint.js';
import type { CheckpointServerHandlers } from '../shared/generated/rm/checkpoint/v1/CheckpointServer.js';
import type { KeyValue as WireKeyValue } from '../shared/generated/rm/checkpoint/v1/KeyValue.js';
import type { Leadership as WireLeadership } from '../shared/generated/rm/checkpoint/v1/Leadership.js';
import type { WatchEvent } from '../shared/generated/rm/checkpoint/v1/WatchEvent.js';
import { callerIdentity, handle, toServiceError } from '../shared/grpc.js';
import { LIMITS } from '../shared/limits.js';
import type { Logger } from '../shared/logging.js';
import type { Identity } from '../shared/tls.js';
import { ANNOUNCEMENT_PREFIX, announcementModule } from '../shared/wire.js';
import type { StoreBackend, WatchSink } from './backend.js';
import {
  type AcquireResult,
  type Checkpoint,
  InvalidRequestError,
  isTableKey,
  type KeyValue,
  type Leadership,
  MANAGER_ROLE,
  TABLE_KEY,
  type TxnOp,
} from './store.js';

/** What the service enforces beyond the store's own rules (DESIGN §9). */
export interface CheckpointServiceOptions {
  /** Callers are known by their certificates (mutual TLS): table keys and checkpoints are checked against them. */
  secure: boolean;
  /** The longest lease AcquireLeadership and RenewLeadership grant. */
  maxLeaseMs: number;
}

export const DEFAULT_SERVICE_OPTIONS: CheckpointServiceOptions = { secure: false, maxLeaseMs: 60_000 };

type Caller = { getAuthContext(): { sslPeerCertificate?: import('node:tls').PeerCertificate } | null };

/**
 * Changes a watcher may leave unread (beyond the current values it was sent first) before its stream
 * is ended with RESOURCE_EXHAUSTED: a stalled watcher must not hold the server's memory. It can watch
 * again and starts from the current values.
 */
const MAX_UNREAD = 10_000;

/** An int64 field as a number; the proto's strings are refused when they are not whole numbers. */
function int(v: string | number, field: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    throw new InvalidRequestError(`${field}: expected a whole number, got "${v}"`);
  return n;
}

function wireKv(kv: KeyValue): WireKeyValue {
  return { key: kv.key, value: kv.value, version: String(kv.version) };
}

function wireLeadership(l: Leadership | AcquireResult): WireLeadership {
  return {
    role: l.role,
    holder: l.holder,
    epoch: String(l.epoch),
    lease_until_ms: String(l.leaseUntilMs),
    won: 'won' in l ? l.won : false,
    lease_remaining_ms: String(l.leaseRemainingMs),
  };
}

function wireCheckpoint(c: Checkpoint): WireCheckpoint {
  return {
    module: c.module,
    replica: c.replica,
    state: c.state,
    version: String(c.version),
    saved_at_ms: String(c.savedAtMs),
  };
}

interface OpenStream {
  end(): void;
}

export class CheckpointService {
  private readonly streams = new Set<OpenStream>();

  private hostModules: { version: number; byHost: Map<string, Set<string>> } | null = null;

  constructor(
    private readonly store: StoreBackend,
    private readonly logger: Logger,
    private readonly options: CheckpointServiceOptions = DEFAULT_SERVICE_OPTIONS,
  ) {}

  private caller(call: Caller): Identity | null {
    return this.options.secure ? callerIdentity(call) : null;
  }

  /** Only the manager writes table keys, also through the generic Put and Txn (DESIGN §9). */
  private checkTableWriter(call: Caller, keys: readonly string[]): void {
    if (!this.options.secure || !keys.some(isTableKey)) return;
    const who = this.caller(call);
    if (who?.role !== 'replica-manager') {
      throw new PermissionError(
        `only the ReplicaManager writes the replica table's keys (caller: ${who ? `${who.role} ${who.name}` : 'unknown'})`,
      );
    }
  }

  /**
   * Nothing jumps an epoch: a fenced write may carry only an epoch the store has handed out (the
   * manager role's counter), so one made-up epoch cannot fence every later manager.
   */
  private async checkHandedOut(epoch: number): Promise<void> {
    const handed = (await this.store.getLeadership(MANAGER_ROLE)).epoch;
    if (epoch > handed) {
      throw new FencedError(
        `epoch ${epoch} was never handed out by this Checkpoint Server (the highest is ${handed}); epochs are won with AcquireLeadership, one at a time`,
      );
    }
  }

  private checkLease(leaseMs: number): void {
    if (leaseMs > this.options.maxLeaseMs) {
      throw new InvalidRequestError(
        `lease_ms: ${leaseMs} is longer than the longest lease granted (${this.options.maxLeaseMs} ms)`,
      );
    }
  }

  /**
   * A WatchDog reads and writes checkpoints only for modules with a copy on its own host (for the
   * copies it runs); an operator for any module.
   */
  private async checkCheckpointAccess(call: Caller, module: string): Promise<void> {
    const who = this.caller(call);
    if (who?.role !== 'watchdog') return;
    if (!(await this.modulesOn(who.name)).has(module)) {
      throw new PermissionError(
        `the WatchDog of ${who.name} may reach only checkpoints of modules with a copy on ${who.name}; "${module.slice(0, 64)}" has none there`,
      );
    }
  }

  /**
   * A WatchDog reaches, of the generic keys, only the replication announcements of modules with a
   * copy on its own host (its copies' streams, DESIGN §11); a router only the replica table's keys
   * (its routes); the manager and operators any key.
   */
  private async checkAnnouncementAccess(call: Caller, key: string): Promise<void> {
    const who = this.caller(call);
    if (who?.role === 'router') {
      if (isTableKey(key)) return;
      throw new PermissionError(
        `the router of ${who.name} may watch only the replica table (${TABLE_KEY}), not "${key.slice(0, 64)}"`,
      );
    }
    if (who?.role !== 'watchdog') return;
    const module = announcementModule(key);
    if (module === null) {
      throw new PermissionError(
        `the WatchDog of ${who.name} may reach only replication announcements (${ANNOUNCEMENT_PREFIX}MODULE), not "${key.slice(0, 64)}"`,
      );
    }
    await this.checkCheckpointAccess(call, module);
  }

  private async modulesOn(host: string): Promise<Set<string>> {
    const t = await this.store.loadTable();
    if (!t) return new Set();
    if (this.hostModules?.version !== t.version) {
      const byHost = new Map<string, Set<string>>();
      try {
        const table = JSON.parse(t.tableJson) as {
          modules?: Array<{ name?: string; replicas?: Array<{ host?: string }> }>;
        };
        for (const m of table.modules ?? []) {
          for (const r of m.replicas ?? []) {
            if (!r.host || !m.name) continue;
            if (!byHost.has(r.host)) byHost.set(r.host, new Set());
            byHost.get(r.host)!.add(m.name);
          }
        }
      } catch {
        // A table that does not parse gives nobody access; the manager reports it at its load.
      }
      this.hostModules = { version: t.version, byHost };
    }
    return this.hostModules.byHost.get(host) ?? new Set();
  }

  private checkSize(what: string, bytes: number, limit: number): void {
    if (bytes > limit)
      throw new InvalidRequestError(`${what}: ${bytes} bytes is more than the ${limit} accepted`);
  }

  /** Watch streams currently open. */
  get activeStreams(): number {
    return this.streams.size;
  }

  /** Ends every watch stream (status OK), so that a shutdown does not wait for watchers. */
  endStreams(): void {
    for (const s of [...this.streams]) s.end();
  }

  handlers(): CheckpointServerHandlers {
    const store = this.store;
    return {
      Get: handle(async (req, call) => {
        await this.checkAnnouncementAccess(call, req.key);
        const kv = await store.get(req.key);
        return kv ? { found: true, kv: wireKv(kv) } : { found: false };
      }),
      List: handle(async (req) => ({ kvs: (await store.list(req.prefix)).map(wireKv) })),
      Put: handle(async (req, call) => {
        const epoch = int(req.epoch, 'epoch');
        this.checkSize('key', Buffer.byteLength(req.key), LIMITS.keyBytes);
        this.checkSize('value', req.value.length, LIMITS.valueBytes);
        this.checkTableWriter(call, [req.key]);
        await this.checkAnnouncementAccess(call, req.key);
        if (epoch > 0) await this.checkHandedOut(epoch);
        const options = {
          epoch,
          ...(req.has_expected_version
            ? { expectedVersion: int(req.expected_version, 'expected_version') }
            : {}),
        };
        const version = await this.fenced('put', epoch, { key: req.key }, () =>
          store.put(req.key, req.value, options),
        );
        return { version: String(version) };
      }),
      Txn: handle(async (req, call) => {
        const epoch = int(req.epoch, 'epoch');
        this.checkSize(
          'ops',
          req.ops.reduce((n, op) => n + op.key.length + op.value.length, 0),
          LIMITS.valueBytes,
        );
        this.checkTableWriter(
          call,
          req.ops.map((op) => op.key),
        );
        if (epoch > 0) await this.checkHandedOut(epoch);
        const ops: TxnOp[] = req.ops.map((op, i) => {
          const expected = op.has_expected_version
            ? { expectedVersion: int(op.expected_version, `ops[${i}].expected_version`) }
            : {};
          return op.delete
            ? { key: op.key, delete: true, ...expected }
            : { key: op.key, value: op.value, ...expected };
        });
        const keys = ops.slice(0, 10).map((op) => op.key);
        const versions = await this.fenced('txn', epoch, { keys, ops: ops.length }, () =>
          store.txn(ops, epoch),
        );
        return { versions: versions.map(String) };
      }),
      Watch: (call) => {
        const prefix = call.request.prefix;
        this.serve<WatchEvent>(call, async (sink) => {
          await this.checkAnnouncementAccess(call, prefix);
          return store.watch(prefix, {
            send: (ev) => sink.send({ kv: wireKv(ev.kv), deleted: ev.deleted }),
            fail: sink.fail,
          });
        });
      },

      AcquireLeadership: handle(async (req) => {
        this.checkLease(int(req.lease_ms, 'lease_ms'));
        const res = await store.acquireLeadership(
          req.role,
          req.holder,
          int(req.expected_epoch, 'expected_epoch'),
          int(req.lease_ms, 'lease_ms'),
        );
        if (res.won) {
          this.logger.info(
            { role: res.role, holder: res.holder, epoch: res.epoch, leaseUntilMs: res.leaseUntilMs },
            'leadership changed',
          );
        }
        return wireLeadership(res);
      }),
      RenewLeadership: handle(async (req) => {
        const epoch = int(req.epoch, 'epoch');
        const lease = int(req.lease_ms, 'lease_ms');
        this.checkLease(lease);
        return wireLeadership(
          await this.fenced('renew', epoch, { role: req.role, holder: req.holder }, () =>
            store.renewLeadership(req.role, req.holder, epoch, lease),
          ),
        );
      }),
      GetLeadership: handle(async (req) => wireLeadership(await store.getLeadership(req.role))),

      SaveTable: handle(async (req) => {
        const epoch = int(req.epoch, 'epoch');
        this.checkSize('table_json', Buffer.byteLength(req.table_json), LIMITS.tableBytes);
        await this.checkHandedOut(epoch);
        const version = await this.fenced('save-table', epoch, {}, () =>
          store.saveTable(epoch, req.table_json),
        );
        return { version: String(version) };
      }),
      SaveTableChange: handle(async (req) => {
        const epoch = int(req.epoch, 'epoch');
        this.checkSize(
          'the change',
          Buffer.byteLength(req.hosts_json) +
            req.changed_modules.reduce((n, m) => n + Buffer.byteLength(m.module_json) + m.name.length, 0) +
            req.module_names.reduce((n, m) => n + m.length, 0),
          LIMITS.tableBytes,
        );
        await this.checkHandedOut(epoch);
        const change = {
          hostsJson: req.hosts_json,
          moduleNames: req.module_names,
          changedModules: req.changed_modules.map((m) => ({ name: m.name, moduleJson: m.module_json })),
        };
        const version = await this.fenced('save-table', epoch, {}, () =>
          store.saveTableChange(epoch, change),
        );
        return { version: String(version) };
      }),
      LoadTable: handle(async () => {
        const t = await store.loadTable();
        return t
          ? { found: true, table_json: t.tableJson, version: String(t.version), epoch: String(t.epoch) }
          : { found: false };
      }),

      SaveCheckpoint: handle(async (req, call) => {
        this.checkSize(
          `the checkpoint of ${req.module.slice(0, 64)}`,
          req.state.length,
          LIMITS.checkpointBytes,
        );
        await this.checkCheckpointAccess(call, req.module);
        // A save that shows an epoch carries a copy's fencing token; tools and tests save without one.
        const epoch = int(req.epoch, 'epoch');
        const token =
          epoch > 0 || req.has_expected_version
            ? {
                replica: req.replica,
                epoch,
                generation: int(req.generation, 'generation'),
                ...(req.has_expected_version
                  ? { expectedVersion: int(req.expected_version, 'expected_version') }
                  : {}),
                ...(req.session ? { session: req.session, sequence: int(req.sequence, 'sequence') } : {}),
                incarnation: int(req.incarnation, 'incarnation'),
              }
            : undefined;
        try {
          return { version: String(await store.saveCheckpoint(req.module, req.replica, req.state, token)) };
        } catch (err) {
          if (err instanceof FencedError) {
            this.logger.warn(
              { module: req.module, replica: req.replica, epoch, err: err.message },
              'save fenced',
            );
          }
          throw err;
        }
      }),
      LoadCheckpoint: handle(async (req, call) => {
        await this.checkCheckpointAccess(call, req.module);
        const c = await store.loadCheckpoint(req.module);
        return c ? { found: true, checkpoint: wireCheckpoint(c) } : { found: false };
      }),
      WatchCheckpoint: (call) => {
        const module = call.request.module;
        this.serve<WireCheckpoint>(call, async (sink) => {
          await this.checkCheckpointAccess(call, module);
          return store.watchCheckpoint(module, {
            send: (c) => sink.send(wireCheckpoint(c)),
            fail: sink.fail,
          });
        });
      },
    };
  }

  /** Runs a fenced write; a refusal for a stale epoch is logged once, here, and passed on to the caller. */
  private async fenced<T>(
    what: string,
    epoch: number,
    details: Record<string, unknown>,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StaleEpochError) {
        this.logger.warn({ write: what, epoch, current: err.current, ...details }, 'stale write refused');
      }
      throw err;
    }
  }

  /**
   * Runs one server stream: `subscribe` starts the store's watch, which sends the current values and
   * then every change (the backend sees that no commit falls between the two), and resolves with how
   * to stop it. A watch the store can no longer serve ends the stream with its error.
   */
  private serve<Msg>(
    call: grpc.ServerWritableStream<unknown, Msg>,
    subscribe: (sink: WatchSink<Msg>) => Promise<() => void>,
  ): void {
    let done = false;
    let unsubscribe: () => void = () => undefined;
    let limit = Number.POSITIVE_INFINITY;
    const stream: OpenStream = {
      end: () => {
        if (finish()) call.end();
      },
    };
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      unsubscribe();
      this.streams.delete(stream);
      return true;
    };
    const fail = (err: unknown) => {
      if (finish()) call.emit('error', toServiceError(err));
    };
    const send = (msg: Msg) => {
      if (done) return;
      if (call.writableLength > limit) {
        finish();
        call.emit('error', {
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: `watcher fell ${MAX_UNREAD} messages behind; watch again to resume from the current values`,
        });
        return;
      }
      call.write(msg);
    };
    call.on('cancelled', finish);
    call.on('close', finish);
    call.on('error', finish);
    // Headers go out at once: the client's open deadline sees the stream established even when
    // there is no current value to send.
    call.sendMetadata(new grpc.Metadata());
    this.streams.add(stream);
    subscribe({ send, fail }).then(
      (off) => {
        if (done) {
          off();
          return;
        }
        unsubscribe = off;
        limit = call.writableLength + MAX_UNREAD;
        if (call.cancelled) finish();
      },
      (err) => fail(err),
    );
  }
}
