/**
 * The cluster's event history (DESIGN §13): what the ReplicaManager decided and why, kept in the
 * Checkpoint Server so that it outlives the manager that wrote it (source ¶0026: the next manager
 * goes on with the same history). One key per record under HISTORY_PREFIX, numbered in order; the
 * newest `keep` are kept. Each batch of records, the removal of those past the bound and the head
 * (the last number) are one transaction under the manager's epoch, so a fenced manager writes none.
 *
 * The records are written after the decision they describe is durable and its actions have left:
 * the history never slows a fail-over down, and a manager that dies in between loses at most the
 * records of its last moments (its table, saved first, is never lost).
 */
import { MAX_TXN_OPS } from '../checkpoint-server/backend.js';
import type { Action, Alert, Decision, Event, ReplicaTable } from '../model/table.js';
import { StaleEpochError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import type { DecisionObserver, Dropped } from './manager.js';

export const HISTORY_PREFIX = 'rm/history/events/';
/** The number of the last record written. */
export const HISTORY_HEAD = 'rm/history/head';
/** Records kept by default: the oldest go as new ones come. */
export const HISTORY_KEEP = 5000;
/** Records per transaction: each is a put and, once the bound is reached, a delete; and the head. */
const BATCH = Math.floor((MAX_TXN_OPS - 1) / 2);

/** An event as the history keeps it: without the bulky parts (a registration's spec, a report's list). */
export type EventSummary =
  | { kind: 'register'; module: string; runningOn?: string }
  | { kind: 'unregister'; module: string }
  | { kind: 'replica-failed'; replica: string; reason: string }
  | { kind: 'start-refused'; replica: string; reason: string }
  | { kind: 'replica-startable'; replica: string }
  | { kind: 'host-down'; host: string }
  | { kind: 'host-up'; host: string }
  | { kind: 'replica-started'; replica: string }
  | { kind: 'reconcile'; host: string; running: number }
  /** Maintenance (DESIGN §12), as decide() takes it. */
  | { kind: 'switchover'; module: string; to?: string }
  | { kind: 'demoted'; replica: string }
  | { kind: 'pause' | 'resume'; module?: string }
  | { kind: 'drain' | 'undrain'; host: string };

interface RecordBase {
  /** The record's number: one more than the record before it, across managers. */
  seq: number;
  /** When it happened, ms since the Unix epoch (the manager's clock). */
  at: number;
  /** The epoch of the manager that wrote it, and its host. */
  epoch: number;
  manager: string;
  /** The modules it concerns (for `rmctl events --module`). */
  modules: string[];
}

export type HistoryRecord =
  | (RecordBase & {
      kind: 'decision';
      event: EventSummary;
      actions: Action[];
      alerts: Alert[];
    })
  /** An event dropped undecided (e.g. a stale failure report), and why: nothing changed, nothing was sent. */
  | (RecordBase & { kind: 'dropped'; event: EventSummary; cause: Dropped['cause']; reason: string })
  /** The actions of decision `of` were carried out: `ms` after its event came in, `failed` of them not. */
  | (RecordBase & { kind: 'carried-out'; of: number; ms: number; failed: number })
  /** A ReplicaManager took over (started, or started again) and loaded the table. */
  | (RecordBase & { kind: 'manager-started'; tableModules: number; replicas: number });

/** What the history needs of the Checkpoint Server (CheckpointClient has it). */
export interface HistoryStore {
  /** Raises UnavailableError. */
  get(key: string): Promise<{ value: Buffer } | null>;
  /** Raises StaleEpochError (a higher epoch exists) or UnavailableError. */
  txn(
    ops: ReadonlyArray<{ key: string; value: string } | { key: string; delete: true }>,
    options: { epoch: number },
  ): Promise<number[]>;
}

export function historyKey(seq: number): string {
  return `${HISTORY_PREFIX}${String(seq).padStart(16, '0')}`;
}

export function summarize(event: Event): EventSummary {
  switch (event.kind) {
    case 'register':
      return event.runningOn
        ? { kind: 'register', module: event.module.name, runningOn: event.runningOn }
        : { kind: 'register', module: event.module.name };
    case 'unregister':
      return { kind: 'unregister', module: event.name };
    case 'replica-failed':
      return { kind: 'replica-failed', replica: event.replica, reason: event.reason ?? 'failed' };
    case 'start-refused':
      return { kind: 'start-refused', replica: event.replica, reason: event.reason ?? 'refused' };
    case 'reconcile':
      return { kind: 'reconcile', host: event.host, running: event.running.length };
    default:
      return { ...event };
  }
}

/** The modules a decision concerns: its event's, and those its actions and alerts name (none: the event's). */
export function modulesOf(event: Event, decision: Decision | null, before: ReplicaTable | null): string[] {
  const moduleOf = new Map<string, string>();
  for (const t of [before, decision?.table ?? null])
    for (const m of t?.modules ?? []) for (const r of m.replicas) moduleOf.set(r.id, m.name);
  const names = new Set<string>();
  if (event.kind === 'register') names.add(event.module.name);
  if (event.kind === 'unregister') names.add(event.name);
  if ((event.kind === 'switchover' || event.kind === 'pause' || event.kind === 'resume') && event.module)
    names.add(event.module);
  if (
    event.kind === 'replica-failed' ||
    event.kind === 'start-refused' ||
    event.kind === 'replica-startable' ||
    event.kind === 'replica-started' ||
    event.kind === 'demoted'
  ) {
    const m = moduleOf.get(event.replica);
    if (m) names.add(m);
  }
  for (const a of decision?.actions ?? []) {
    const m = moduleOf.get(a.replica);
    if (m) names.add(m);
  }
  for (const a of decision?.alerts ?? []) names.add(a.module);
  return [...names].sort();
}

/** Whether a decision is worth a record: it did or said something, or its event is never routine. */
export function worthRecording(event: Event, decision: Decision): boolean {
  if (decision.actions.length > 0 || decision.alerts.length > 0) return true;
  return event.kind !== 'reconcile' && event.kind !== 'replica-started';
}

/** A record before it is numbered; a carried-out one points at its decision's record until then. */
type Pending = (HistoryRecord extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never) & {
  seq?: number;
  ofRecord?: Pending;
};

export interface EventHistoryOptions {
  store: HistoryStore;
  epoch: number;
  /** This manager's host. */
  manager: string;
  logger: Logger;
  keep?: number;
  /** Records waiting for the store beyond this are dropped, oldest first, with a log line. */
  maxQueue?: number;
  retryMs?: number;
  /** Wraps each store call (e.g. to time it). */
  timed?: <T>(op: string, call: () => Promise<T>) => Promise<T>;
}

/**
 * The writer of the history: a DecisionObserver that queues a record per decision worth one, and
 * writes the queue in batches, in order, one transaction at a time.
 */
export class EventHistory implements DecisionObserver {
  private readonly queue: Pending[] = [];
  private readonly recorded = new WeakMap<Decision, Pending>();
  private next = 0;
  private writing = false;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private tableBefore: ReplicaTable | null = null;

  constructor(private readonly opts: EventHistoryOptions) {}

  private get keep(): number {
    return this.opts.keep ?? HISTORY_KEEP;
  }

  /** Records that this manager took over with `table`. */
  started(table: ReplicaTable): void {
    this.tableBefore = table;
    this.push({
      kind: 'manager-started',
      at: Date.now(),
      epoch: this.opts.epoch,
      manager: this.opts.manager,
      modules: table.modules.map((m) => m.name),
      tableModules: table.modules.length,
      replicas: table.modules.reduce((n, m) => n + m.replicas.length, 0),
    });
  }

  decided(event: Event, decision: Decision, receivedAtMs: number): void {
    const before = this.tableBefore;
    this.tableBefore = decision.table;
    if (!worthRecording(event, decision)) return;
    const record: Pending = {
      kind: 'decision',
      at: receivedAtMs,
      epoch: this.opts.epoch,
      manager: this.opts.manager,
      modules: modulesOf(event, decision, before),
      event: summarize(event),
      actions: decision.actions,
      alerts: decision.alerts,
    };
    this.recorded.set(decision, record);
    this.push(record);
  }

  dropped(event: Event, dropped: Dropped, receivedAtMs: number): void {
    this.push({
      kind: 'dropped',
      at: receivedAtMs,
      epoch: this.opts.epoch,
      manager: this.opts.manager,
      modules: modulesOf(event, null, this.tableBefore),
      event: summarize(event),
      cause: dropped.cause,
      reason: dropped.reason,
    });
  }

  carriedOut(_event: Event, decision: Decision, ms: number, failed: number): void {
    const of = this.recorded.get(decision);
    if (!of) return;
    this.push({
      kind: 'carried-out',
      at: Date.now(),
      epoch: this.opts.epoch,
      manager: this.opts.manager,
      modules: of.modules,
      of: 0,
      ofRecord: of,
      ms: Math.round(ms * 10) / 10,
      failed,
    });
  }

  /** Resolves once every record queued so far is written (or the history stopped). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.wakeIdle();
  }

  private push(record: Pending): void {
    if (this.stopped) return;
    const max = this.opts.maxQueue ?? 10_000;
    if (this.queue.length >= max) {
      const dropped = this.queue.shift();
      this.opts.logger.warn(
        { dropped: dropped?.kind, max },
        'event history: store behind, oldest record dropped',
      );
    }
    this.queue.push(record);
    if (!this.writing && !this.retry) void this.write();
  }

  private wakeIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private timed<T>(op: string, call: () => Promise<T>): Promise<T> {
    return this.opts.timed ? this.opts.timed(op, call) : call();
  }

  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        if (this.next === 0) {
          const head = await this.timed('history-head', () => this.opts.store.get(HISTORY_HEAD));
          this.next = (head ? Number(head.value.toString('utf8')) || 0 : 0) + 1;
        }
        const batch = this.queue.slice(0, BATCH);
        const first = this.next;
        const ops: Array<{ key: string; value: string } | { key: string; delete: true }> = [];
        // Numbered before the ops are built: a carried-out record may refer to a decision in the same batch.
        batch.forEach((r, i) => {
          r.seq = first + i;
        });
        batch.forEach((r, i) => {
          const seq = first + i;
          const { ofRecord, ...rest } = r;
          const stored = { ...rest, seq, ...(ofRecord ? { of: ofRecord.seq ?? 0 } : {}) };
          ops.push({ key: historyKey(seq), value: JSON.stringify(stored) });
          const gone = seq - this.keep;
          if (gone > 0) ops.push({ key: historyKey(gone), delete: true });
        });
        const last = first + batch.length - 1;
        ops.push({ key: HISTORY_HEAD, value: String(last) });
        await this.timed('history-append', () => this.opts.store.txn(ops, { epoch: this.opts.epoch }));
        this.next = last + 1;
        this.queue.splice(0, batch.length);
      }
    } catch (err) {
      if (err instanceof StaleEpochError) {
        // A newer manager writes the history now; this one's last records are its to lose.
        this.opts.logger.warn(
          { epoch: this.opts.epoch, current: err.current },
          'event history: fenced, stopping',
        );
        this.stop();
      } else {
        if (!(err instanceof UnavailableError))
          this.opts.logger.warn({ err: (err as Error).message }, 'event history: write failed; trying again');
        // The head is read again: an answer lost in flight may have been a write that happened.
        this.next = 0;
        this.retry = setTimeout(() => {
          this.retry = null;
          void this.write();
        }, this.opts.retryMs ?? 500);
      }
    } finally {
      this.writing = false;
      if (this.queue.length === 0 || this.stopped) this.wakeIdle();
    }
  }
}

/** What `rmctl events` and the web view read. */
export interface HistoryFilter {
  module?: string;
  /** Only records at or after this time (ms since the Unix epoch). */
  sinceMs?: number;
}

export function matches(record: HistoryRecord, filter: HistoryFilter): boolean {
  if (filter.sinceMs !== undefined && record.at < filter.sinceMs) return false;
  if (filter.module !== undefined && !record.modules.includes(filter.module)) return false;
  return true;
}

/** Parses a stored record; null for a value that is not one (never thrown: the history is read-only here). */
export function parseRecord(value: Buffer | string): HistoryRecord | null {
  try {
    const r = JSON.parse(value.toString()) as HistoryRecord;
    return typeof r.seq === 'number' && typeof r.kind === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** The records kept, oldest first, that pass `filter`. Raises UnavailableError. */
export async function readHistory(
  store: { list(prefix: string): Promise<Array<{ value: Buffer }>> },
  filter: HistoryFilter = {},
): Promise<HistoryRecord[]> {
  const kvs = await store.list(HISTORY_PREFIX);
  return kvs
    .map((kv) => parseRecord(kv.value))
    .filter((r): r is HistoryRecord => r !== null && matches(r, filter));
}
