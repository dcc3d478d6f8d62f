/**
 * The replica table as people read FIG. 2 of the source: one block per module with its style, degree
 * and switching policy, then each copy with its host, path and status. Plain text, no colours.
 */
import Table from 'cli-table3';
import type { Action, Alert, Module, ReplicaTable } from './table.js';

function policyText(m: Module): string {
  return m.policy === 'on-over-threshold' ? `OnOverThreshold(${m.threshold ?? 0})` : 'OnEachFailure';
}

const STYLE_TEXT = { cold: 'cold', warm: 'warm', hot: 'hot' } as const;

/** The FIG. 2 table. Hosts that are down and modules running short are marked in place. */
export function formatTable(table: ReplicaTable): string {
  if (table.modules.length === 0) return '(no module registered)';
  const down = new Set(table.hosts.filter((h) => !h.up).map((h) => h.name));
  const t = new Table({
    head: ['Module', 'Style', 'Degree', 'Switching', 'Replica', 'Host', 'Path', 'Status', 'Failures'],
    style: { head: [], border: [], compact: true },
  });
  for (const m of table.modules) {
    m.replicas.forEach((r, i) => {
      const first = i === 0;
      const name = first ? (m.underReplicated ? `${m.name} (short)` : m.name) : '';
      t.push([
        name,
        first ? STYLE_TEXT[m.style] : '',
        first ? String(m.degree) : '',
        first ? policyText(m) : '',
        r.id,
        down.has(r.host) ? `${r.host} (down)` : r.host,
        r.path,
        r.status,
        r.failures > 0 ? String(r.failures) : '',
      ]);
    });
  }
  return t.toString();
}

function actionLine(a: Action): string {
  const after =
    a.kind !== 'stop' && 'delayMs' in a && a.delayMs ? `, after a back-off of ${a.delayMs} ms` : '';
  if (a.kind === 'start') return `start    ${a.replica} on ${a.host} as ${a.role}${after}`;
  if (a.kind === 'restart') return `restart  ${a.replica} on ${a.host} as ${a.role} (in place${after})`;
  if (a.kind === 'set-role') return `set-role ${a.replica} on ${a.host} to ${a.role}`;
  return `stop     ${a.replica} on ${a.host}`;
}

/** One line per action, in order: `start A4 on H4 as B`. */
export function formatActions(actions: readonly Action[]): string {
  if (actions.length === 0) return 'actions: none';
  return ['actions:', ...actions.map((a) => `  ${actionLine(a)}`)].join('\n');
}

export function formatAlerts(alerts: readonly Alert[]): string {
  return alerts.map((a) => `alert: module ${a.module}: ${a.reason}`).join('\n');
}
