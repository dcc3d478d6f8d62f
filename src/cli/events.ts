/**
 * `rmctl events [--module M] [--since T] [--follow] [--json]`: the cluster's event history, read
 * from the Checkpoint Server (so it answers while no ReplicaManager does, and across fail-overs).
 */
import { CheckpointClient } from '../checkpoint-server/client.js';
import {
  type EventSummary,
  HISTORY_PREFIX,
  type HistoryFilter,
  type HistoryRecord,
  matches,
  parseRecord,
  readHistory,
} from '../replica-manager/history.js';
import { findClusterFile, loadClusterConfig } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { failure, type Io, operatorTransport } from './commands.js';
import { ExitCode } from './exit-codes.js';
import { actionWithReason } from './format.js';

export interface EventsFlags {
  config?: string;
  module?: string;
  since?: string;
  follow?: boolean;
  json?: boolean;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a time (ISO 8601, e.g. 2026-12-01T10:00:00Z) or an age (90s, 10m, 2h, 1d) before `now`. */
export function parseSince(value: string, now: number): number {
  const age = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (age) return now - Number(age[1]) * (UNITS[age[2] as string] as number);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  throw new ConfigError(
    `expected a time (2026-12-01T10:00:00Z) or an age (90s, 10m, 2h, 1d), got "${value}"`,
    '--since',
  );
}

function eventHeadline(e: EventSummary): string {
  switch (e.kind) {
    case 'register':
      return `${e.module} registered${e.runningOn ? ` by its copy on ${e.runningOn}` : ''}`;
    case 'unregister':
      return `${e.module} unregistered`;
    case 'replica-failed':
      return `${e.replica} failed (${e.reason})`;
    case 'start-refused':
      return `${e.replica} could not be started (${e.reason})`;
    case 'replica-startable':
      return `${e.replica} can be started again`;
    case 'host-down':
      return `host ${e.host} down`;
    case 'host-up':
      return `host ${e.host} up`;
    case 'replica-started':
      return `${e.replica} found running`;
    case 'reconcile':
      return `${e.host} reconciled (${e.running} running)`;
    case 'switchover':
      return `switchover of ${e.module}${e.to ? ` to ${e.to}` : ''} asked for`;
    case 'demoted':
      return `${e.replica} stepped down (switchover)`;
    case 'pause':
    case 'resume':
      return `${e.module ?? 'every module'} ${e.kind === 'pause' ? 'paused' : 'resumed'}`;
    case 'drain':
    case 'undrain':
      return `host ${e.host} ${e.kind}ed`;
  }
}

/** The headline of a record: what happened. */
export function headline(r: HistoryRecord): string {
  switch (r.kind) {
    case 'manager-started':
      return `ReplicaManager on ${r.manager} took over (epoch ${r.epoch}): ${r.tableModules} modules, ${r.replicas} replicas`;
    case 'carried-out':
      return `#${r.of} carried out in ${r.ms} ms${r.failed > 0 ? ` (${r.failed} actions failed)` : ''}`;
    case 'dropped':
      return `${eventHeadline(r.event)}: dropped (${r.cause})`;
    case 'decision':
      return eventHeadline(r.event);
  }
}

/** What a record says beyond its headline: a decision's actions and alerts, a dropped event's reason. */
export function detailsOf(r: HistoryRecord): string[] {
  if (r.kind === 'dropped') return [r.reason];
  if (r.kind !== 'decision') return [];
  return [...r.actions.map(actionWithReason), ...r.alerts.map((a) => `alert ${a.module}: ${a.reason}`)];
}

/** A record as lines of text: the time, its number, the headline, then its details indented. */
export function formatRecord(r: HistoryRecord, done?: HistoryRecord): string {
  const lines = [`${new Date(r.at).toISOString()}  #${r.seq}  ${headline(r)}`];
  for (const d of detailsOf(r)) lines.push(`    ${d}`);
  if (r.kind === 'decision') {
    if (done?.kind === 'carried-out')
      lines.push(
        `    carried out in ${done.ms} ms${done.failed > 0 ? `, ${done.failed} actions failed` : ''}`,
      );
  }
  return lines.join('\n');
}

/** Prints the records; a decision's carried-out record is folded into it when both are there. */
function printAll(records: HistoryRecord[], io: Io, json: boolean): void {
  if (json) {
    for (const r of records) io.out(JSON.stringify(r));
    return;
  }
  const done = new Map<number, HistoryRecord>();
  for (const r of records) if (r.kind === 'carried-out') done.set(r.of, r);
  const shown = new Set(records.filter((r) => r.kind === 'decision').map((r) => r.seq));
  for (const r of records) {
    if (r.kind === 'carried-out' && shown.has(r.of)) continue;
    io.out(formatRecord(r, done.get(r.seq)));
  }
}

export async function eventsCommand(flags: EventsFlags, io: Io, signal?: AbortSignal): Promise<number> {
  let cs: CheckpointClient | null = null;
  try {
    const cfg = loadClusterConfig(findClusterFile(flags.config));
    const filter: HistoryFilter = {
      ...(flags.module ? { module: flags.module } : {}),
      ...(flags.since ? { sinceMs: parseSince(flags.since, Date.now()) } : {}),
    };
    // The history is in the Checkpoint Server, which serves its keys to operators (and managers).
    cs = new CheckpointClient(cfg.checkpointServer.addresses, {
      deadlineMs: cfg.timings.rpcDeadlineMs,
      transport: operatorTransport(cfg),
    });
    if (!flags.follow) {
      printAll(await readHistory(cs, filter), io, flags.json ?? false);
      return ExitCode.ok;
    }
    // The watch starts with every record kept, then each new one as it is written.
    const stream = cs.watch(HISTORY_PREFIX);
    signal?.addEventListener('abort', () => stream.cancel(), { once: true });
    let last = 0;
    for await (const ev of stream) {
      if (ev.deleted) continue;
      const r = parseRecord(ev.kv.value);
      if (!r || r.seq <= last) continue;
      last = r.seq;
      if (matches(r, filter)) io.out(flags.json ? JSON.stringify(r) : formatRecord(r));
    }
    if (signal?.aborted) return ExitCode.ok;
    io.err('rmctl events: the Checkpoint Server ended the stream (stopping?)');
    return ExitCode.unavailable;
  } catch (err) {
    if (signal?.aborted) return ExitCode.ok;
    return failure(io, 'events', err);
  } finally {
    cs?.close();
  }
}
