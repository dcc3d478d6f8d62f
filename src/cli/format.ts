/**
 * The replica table as people read FIG. 2 of the source: one block per module with its style, degree
 * and switching policy, then each copy with its host, path and status. Plain text, no colours.
 */
import Table from 'cli-table3';
import {
  type Action,
  type Alert,
  type AppliedPosition,
  type AppliedPositions,
  comparePositions,
  lagBehind,
  type Module,
  type ReplicaTable,
} from '../model/table.js';
import { actionText, wouldResume } from '../replica-manager/decide.js';

function policyText(m: Module): string {
  return m.policy === 'on-over-threshold' ? `OnOverThreshold(${m.threshold ?? 0})` : 'OnEachFailure';
}

const STYLE_TEXT = { cold: 'cold', warm: 'warm', hot: 'hot' } as const;

/** How a module's name is shown: marked when it runs short or is paused. */
function moduleName(m: Module): string {
  const marks = [m.underReplicated ? 'short' : '', m.paused ? 'paused' : ''].filter(Boolean);
  return marks.length > 0 ? `${m.name} (${marks.join(', ')})` : m.name;
}

/**
 * Each copy's applied position with its lag: how many messages it is behind the most advanced
 * position known among its module's copies (DESIGN §11). Copies with no position known are left out.
 */
export function positionsWithLag(
  table: ReplicaTable,
  applied: AppliedPositions,
): Record<string, AppliedPosition & { lag: number }> {
  const out: Record<string, AppliedPosition & { lag: number }> = {};
  for (const m of table.modules) {
    let most: AppliedPosition | undefined;
    for (const r of m.replicas) {
      const p = applied[r.id];
      if (p && (!most || comparePositions(p, most) > 0)) most = p;
    }
    if (!most) continue;
    for (const r of m.replicas) {
      const p = applied[r.id];
      if (p) out[r.id] = { ...p, lag: lagBehind(p, most) };
    }
  }
  return out;
}

/**
 * The FIG. 2 table. Hosts that are down or drained, modules running short or paused, are marked in
 * place. With `applied` (rmctl status), each copy's applied position (`generation:seq`) and its lag.
 */
export function formatTable(table: ReplicaTable, applied?: AppliedPositions): string {
  if (table.modules.length === 0) return '(no module registered)';
  const down = new Set(table.hosts.filter((h) => !h.up).map((h) => h.name));
  const drained = new Set(table.hosts.filter((h) => h.drained).map((h) => h.name));
  const hostText = (h: string) => {
    const marks = [down.has(h) ? 'down' : '', drained.has(h) ? 'drained' : ''].filter(Boolean);
    return marks.length > 0 ? `${h} (${marks.join(', ')})` : h;
  };
  const positions = positionsWithLag(table, applied ?? {});
  const withPositions = Object.keys(positions).length > 0;
  const t = new Table({
    head: [
      'Module',
      'Style',
      'Degree',
      'Switching',
      'Replica',
      'Host',
      'Path',
      'Status',
      'Failures',
      ...(withPositions ? ['Applied', 'Lag'] : []),
    ],
    style: { head: [], border: [], compact: true },
  });
  for (const m of table.modules) {
    m.replicas.forEach((r, i) => {
      const first = i === 0;
      const name = first ? moduleName(m) : '';
      t.push([
        name,
        first ? STYLE_TEXT[m.style] : '',
        first ? String(m.degree) : '',
        first ? policyText(m) : '',
        r.id,
        hostText(r.host),
        r.path,
        r.unusable !== undefined ? `${r.status} (cannot start)` : r.status,
        r.failures > 0 ? String(r.failures) : '',
        ...(withPositions ? positionCells(positions[r.id]) : []),
      ]);
    });
  }
  return [t.toString(), ...notes(table)].join('\n');
}

function positionCells(p: (AppliedPosition & { lag: number }) | undefined): string[] {
  return p ? [`${p.generation}:${p.seq}`, String(p.lag)] : ['', ''];
}

/**
 * One line per copy that cannot start (and why), and per maintenance under way: a switchover
 * waiting, a paused module and what resume would do.
 */
function notes(table: ReplicaTable): string[] {
  const notes: string[] = [];
  for (const m of table.modules) {
    for (const r of m.replicas) {
      if (r.unusable !== undefined) notes.push(`${r.id} cannot start on ${r.host}: ${r.unusable}`);
    }
    if (m.switchover) {
      const step = m.style === 'warm' ? 'to become a backup' : 'to stop';
      notes.push(
        `switchover of ${m.name}: waiting for ${m.switchover.from} ${step}, then ${m.switchover.to} becomes primary`,
      );
    }
    if (m.lagHold) {
      notes.push(
        `fail-over of ${m.name} held: no backup is within maxLagOnFailover ${m.maxLagOnFailover} of ${m.lagHold.generation}:${m.lagHold.seq}; rmctl switchover ${m.name} --to ID promotes one, accepting what it lacks`,
      );
    }
    if (m.paused) {
      const would = wouldResume(table, m.name).map(actionText);
      notes.push(
        `paused ${m.name}: nothing is failed over; resume would ${would.length > 0 ? would.join(', ') : 'do nothing'}`,
      );
    }
  }
  return notes;
}

/** One action as `rmctl simulate`, the logs' readers and `rmctl events` show it. */
export function actionLine(a: Action): string {
  const after =
    a.kind !== 'stop' && 'delayMs' in a && a.delayMs ? `, after a back-off of ${a.delayMs} ms` : '';
  if (a.kind === 'start') return `start    ${a.replica} on ${a.host} as ${a.role}${after}`;
  if (a.kind === 'restart') return `restart  ${a.replica} on ${a.host} as ${a.role} (in place${after})`;
  if (a.kind === 'set-role') return `set-role ${a.replica} on ${a.host} to ${a.role}`;
  return `stop     ${a.replica} on ${a.host}`;
}

/** An action and, when the decision gave one, its reason: `start A4 on H4 as B — A1 failed: …`. */
export function actionWithReason(a: Action): string {
  return a.reason ? `${actionLine(a)} — ${a.reason}` : actionLine(a);
}

/** One line per action, in order, each with its reason. */
export function formatActions(actions: readonly Action[]): string {
  if (actions.length === 0) return 'actions: none';
  return ['actions:', ...actions.map((a) => `  ${actionWithReason(a)}`)].join('\n');
}

export function formatAlerts(alerts: readonly Alert[]): string {
  return alerts.map((a) => `alert: module ${a.module}: ${a.reason}`).join('\n');
}
