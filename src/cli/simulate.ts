/**
 * `rmctl simulate -f TABLE.yaml [--event EVENT]... [--json]` (docs/TABLE-FORMAT.md): runs the pure
 * decision core on a table file, event after event, like Pacemaker's crm_simulate. No daemon is
 * needed and the file is never changed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  Action,
  Alert,
  AppliedPosition,
  AppliedPositions,
  Event,
  ReplicaTable,
} from '../model/table.js';
import { decide } from '../replica-manager/decide.js';
import {
  checkRegistration,
  parseModuleSpec,
  parseTableFile,
  tableToPlain,
} from '../replica-manager/table-file.js';
import { ConfigError, MaintenanceError, NotFoundError, RegistrationError } from '../shared/errors.js';
import { type Io, stdio } from './commands.js';
import { ExitCode } from './exit-codes.js';
import { formatActions, formatAlerts, formatTable } from './format.js';

export const EVENT_SYNTAX =
  'replica-failed ID [at MS] [applied ID=[GEN:]SEQ,…] | start-refused ID [at MS] | replica-startable ID | host-down HOST [applied …] | host-up HOST | register FILE | unregister NAME | replica-started ID | reconcile HOST [ID:P|B,…] [applied …] | switchover MODULE [to ID] | demoted ID | pause [MODULE] | resume [MODULE] | drain HOST | undrain HOST';

/** The events that may say how far each backup applied its module's stream (DESIGN §11). */
const TAKES_APPLIED: readonly string[] = ['replica-failed', 'host-down', 'reconcile'];

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      undefined,
      file,
    );
  }
}

/**
 * Parses one `--event` argument; `register FILE` is read relative to the working directory. A
 * failure, a host down or a reconcile may end in `applied A2=1:97,A3=1:120`: how far each backup
 * applied (generation, then sequence number; the generation may be left out, 0).
 */
export function parseEvent(text: string, n: number, table: ReplicaTable): Event {
  const where = `--event #${n} "${text}"`;
  const parts = text.trim().split(/\s+/);
  if (parts.length >= 3 && parts.at(-2) === 'applied') {
    const applied = parseApplied(parts.splice(-2)[1] as string, where);
    const e = parseEvent(parts.join(' '), n, table);
    if (e.kind === 'replica-failed' || e.kind === 'host-down' || e.kind === 'reconcile')
      return { ...e, applied };
    throw new ConfigError(`only ${TAKES_APPLIED.join(', ')} take "applied"`, undefined, where);
  }
  const [kind, arg, extra] = parts;
  // A reconcile's report may be empty (the WatchDog runs nothing) or a comma-separated list.
  if (kind === 'reconcile' && arg && parts.length <= 3) return parseReconcile(arg, extra ?? '', where);
  // A failure may say when it happened (ms), for the restart back-off of a copy that keeps failing.
  if (
    (kind === 'replica-failed' || kind === 'start-refused') &&
    arg &&
    extra === 'at' &&
    parts.length === 4
  ) {
    const atMs = Number(parts[3]);
    if (!Number.isFinite(atMs) || atMs < 0)
      throw new ConfigError(`"at ${parts[3]}": expected a time in ms ≥ 0`, undefined, where);
    return { kind, replica: arg, atMs };
  }
  // Maintenance: a switchover may name the copy to hand over to; pause and resume may name no module.
  if (kind === 'switchover' && arg && extra === 'to' && parts.length === 4)
    return { kind, module: arg, to: parts[3] as string };
  if ((kind === 'pause' || kind === 'resume') && parts.length === 1) return { kind };
  if (!kind || !arg || extra !== undefined)
    throw new ConfigError(`expected KIND ARG, one of: ${EVENT_SYNTAX}`, undefined, where);
  switch (kind) {
    case 'replica-failed':
    case 'start-refused':
    case 'replica-startable':
    case 'replica-started':
      return { kind, replica: arg };
    case 'host-down':
    case 'host-up':
      return { kind, host: arg };
    case 'unregister':
      return { kind, name: arg };
    case 'switchover':
    case 'pause':
    case 'resume':
      return { kind, module: arg };
    case 'demoted':
      return { kind, replica: arg };
    case 'drain':
    case 'undrain':
      return { kind, host: arg };
    case 'register': {
      const file = resolve(arg);
      const spec = parseModuleSpec(readText(file), arg);
      checkRegistration(spec, table, arg);
      return { kind, module: spec };
    }
    default:
      throw new ConfigError(`unknown event "${kind}"; accepted: ${EVENT_SYNTAX}`, undefined, where);
  }
}

/** `A2=1:97,A3=120`: replica id = [generation:]sequence number, both whole numbers ≥ 0. */
function parseApplied(list: string, where: string): AppliedPositions {
  const applied: Record<string, AppliedPosition> = {};
  for (const item of list.split(',').filter((x) => x !== '')) {
    const m = /^([^=]+)=(?:(\d+):)?(\d+)$/.exec(item);
    if (!m)
      throw new ConfigError(`"${item}": expected REPLICA=SEQ or REPLICA=GENERATION:SEQ`, undefined, where);
    applied[m[1] as string] = { seq: Number(m[3]), generation: Number(m[2] ?? 0) };
  }
  return applied;
}

/** `reconcile HOST A1:P,B2:B`: a WatchDog's full report of what runs on HOST, with each copy's role. */
function parseReconcile(host: string, list: string, where: string): Event {
  const running = list
    .split(',')
    .filter((x) => x !== '')
    .map((item) => {
      const [replica, role, more] = item.split(':');
      if (!replica || (role !== 'P' && role !== 'B') || more !== undefined) {
        throw new ConfigError(`"${item}": expected REPLICA:P or REPLICA:B`, undefined, where);
      }
      return { replica, role: role as 'P' | 'B' };
    });
  return { kind: 'reconcile', host, running };
}

export interface SimulateResult {
  table: ReplicaTable;
  actions: Action[];
  alerts: Alert[];
  /** What each event did, for the human-readable output. */
  steps: Array<{ event: string; actions: Action[]; alerts: Alert[] }>;
}

/** Applies the events in order; an event naming something unknown is bad input, like a bad file. */
export function simulate(table: ReplicaTable, events: readonly string[]): SimulateResult {
  const result: SimulateResult = { table, actions: [], alerts: [], steps: [] };
  events.forEach((text, i) => {
    const event = parseEvent(text, i + 1, result.table);
    let d: ReturnType<typeof decide>;
    try {
      d = decide(result.table, event);
    } catch (err) {
      if (
        err instanceof NotFoundError ||
        err instanceof RegistrationError ||
        err instanceof MaintenanceError
      ) {
        throw new ConfigError(err.message, undefined, `--event #${i + 1} "${text}"`);
      }
      throw err;
    }
    result.table = d.table;
    result.actions.push(...d.actions);
    result.alerts.push(...d.alerts);
    result.steps.push({ event: text, actions: d.actions, alerts: d.alerts });
  });
  return result;
}

export function simulateCommand(
  opts: { file?: string; event?: string[]; json?: boolean },
  io: Io = stdio,
): number {
  try {
    if (!opts.file) throw new ConfigError('a table file is required: rmctl simulate -f TABLE.yaml', '-f');
    const table = parseTableFile(readText(opts.file), opts.file);
    const r = simulate(table, opts.event ?? []);
    if (opts.json) {
      io.out(JSON.stringify({ table: tableToPlain(r.table), actions: r.actions, alerts: r.alerts }, null, 2));
      return ExitCode.ok;
    }
    // The table as FIG. 2 after all events, then what each event did.
    const lines = [formatTable(r.table)];
    for (const step of r.steps) {
      lines.push('', `${step.event}:`, formatActions(step.actions));
      if (step.alerts.length > 0) lines.push(formatAlerts(step.alerts));
    }
    io.out(lines.join('\n'));
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RegistrationError) {
      io.err(`rmctl simulate: ${err.message}`);
      return ExitCode.badInput;
    }
    throw err;
  }
}
