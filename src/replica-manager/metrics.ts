/**
 * The ReplicaManager's Prometheus metrics: the table as 0/1 series (kube-state-metrics' way), the
 * manager's epoch, and counters of what it decided. The gauges are read from the table at each
 * scrape; the counters and the fail-over histogram are fed by the manager's DecisionObserver.
 */

import {
  type Action,
  type Decision,
  type Event,
  isRunning,
  type Module,
  type ReplicaTable,
  type Status,
  wantedRunning,
} from '../model/table.js';
import { Counter, Gauge, Histogram, type Registry, setGaugeRows } from '../shared/metrics.js';
import type { DecisionObserver, Dropped, ManagerState } from './manager.js';

const ROLE_NAMES: Record<Status, string> = { P: 'primary', B: 'backup', I: 'idle' };

/** What the metrics read from the manager at each scrape. */
export interface ManagerView {
  readonly table: ReplicaTable;
  readonly epoch: number;
  readonly state: ManagerState;
}

/** The reason a fail-over or restart is counted under: the failure's kind as the WatchDog reported it. */
export function failureReason(event: Event): string | null {
  switch (event.kind) {
    case 'replica-failed':
      return event.reason ?? 'failed';
    case 'start-refused':
      return 'start-refused';
    case 'host-down':
      return 'host-down';
    case 'reconcile':
      // A copy the table runs and the WatchDog's report lacks.
      return 'missing';
    default:
      return null;
  }
}

/**
 * The modules a decision failed over (a backup promoted or a copy started after a failure) and the
 * copies it restarted in place, each with its module.
 */
export function classify(decision: Decision): {
  failedOver: Set<string>;
  restarts: Array<{ module: string; action: Action }>;
} {
  const moduleOf = new Map<string, string>();
  for (const m of decision.table.modules) for (const r of m.replicas) moduleOf.set(r.id, m.name);
  const failedOver = new Set<string>();
  const restarts: Array<{ module: string; action: Action }> = [];
  for (const a of decision.actions) {
    const module = moduleOf.get(a.replica);
    if (!module) continue;
    if (a.kind === 'restart') restarts.push({ module, action: a });
    else if (a.kind === 'start' || (a.kind === 'set-role' && a.role === 'P')) failedOver.add(module);
  }
  return { failedOver, restarts };
}

export class ManagerMetrics implements DecisionObserver {
  private readonly failovers: Counter<'module' | 'reason'>;
  private readonly restarts: Counter<'module' | 'reason'>;
  private readonly failoverSeconds: Histogram<'module'>;
  private readonly decisions: Counter<'event'>;
  private readonly actions: Counter<'kind'>;
  private readonly alerts: Counter<'module'>;
  private readonly droppedEvents: Counter<'event' | 'cause'>;

  constructor(registry: Registry, view: () => ManagerView) {
    const registers = [registry];
    new Gauge({
      name: 'rm_manager_epoch',
      help: 'The epoch this ReplicaManager acts under.',
      registers,
      collect() {
        this.set(view().epoch);
      },
    });
    new Gauge({
      name: 'rm_manager_leader',
      help: 'Whether this ReplicaManager acts (1: reconciling or serving) or not (0: starting, fenced, stopped).',
      registers,
      collect() {
        const s = view().state;
        this.set(s === 'serving' || s === 'reconciling' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rm_manager_state',
      help: "The ReplicaManager's state, one series per state, 1 for the current one.",
      labelNames: ['state'],
      registers,
      collect() {
        const s = view().state;
        setGaugeRows(
          this,
          (['starting', 'reconciling', 'serving', 'fenced', 'stopped'] as const).map((x) => [
            { state: x },
            x === s ? 1 : 0,
          ]),
        );
      },
    });
    new Gauge({
      name: 'rm_table_host_up',
      help: 'Whether the table holds the host up (1) or declared down (0).',
      labelNames: ['host'],
      registers,
      collect() {
        setGaugeRows(
          this,
          view().table.hosts.map((h) => [{ host: h.name }, h.up ? 1 : 0]),
        );
      },
    });
    new Gauge({
      name: 'rm_replica_status',
      help: "Each copy's status in the table (FIG. 2), one series per role (primary, backup, idle), 1 for the current one.",
      labelNames: ['module', 'replica', 'host', 'role'],
      registers,
      collect() {
        const rows: Array<[Record<'module' | 'replica' | 'host' | 'role', string>, number]> = [];
        for (const m of view().table.modules)
          for (const r of m.replicas)
            for (const s of ['P', 'B', 'I'] as const)
              rows.push([
                { module: m.name, replica: r.id, host: r.host, role: ROLE_NAMES[s] },
                r.status === s ? 1 : 0,
              ]);
        setGaugeRows(this, rows);
      },
    });
    new Gauge({
      name: 'rm_replica_failures',
      help: 'Failures counted against a copy on its host (OnOverThreshold compares them with the threshold).',
      labelNames: ['module', 'replica', 'host'],
      registers,
      collect() {
        setGaugeRows(
          this,
          view().table.modules.flatMap((m) =>
            m.replicas.map((r): [Record<'module' | 'replica' | 'host', string>, number] => [
              { module: m.name, replica: r.id, host: r.host },
              r.failures,
            ]),
          ),
        );
      },
    });
    const perModule = (name: string, help: string, value: (m: Module) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['module', 'style'],
        registers,
        collect() {
          setGaugeRows(
            this,
            view().table.modules.map((m) => [{ module: m.name, style: m.style }, value(m)]),
          );
        },
      });
    perModule(
      'rm_module_desired_replicas',
      'Copies a module should run: warm and hot its degree, cold one.',
      wantedRunning,
    );
    perModule(
      'rm_module_running_replicas',
      'Copies of a module the table runs (P or B).',
      (m) => m.replicas.filter((r) => isRunning(r.status)).length,
    );
    perModule('rm_module_degree', "A module's degree of replication as registered.", (m) => m.degree);
    perModule(
      'rm_module_under_replicated',
      'Whether a module runs short of its degree because no live idle copy is left (1) or not (0).',
      (m) => (m.underReplicated ? 1 : 0),
    );
    this.failovers = new Counter({
      name: 'rm_failovers_total',
      help: 'Failures after which a module was failed over (a backup promoted or a copy started elsewhere), by module and the failure reported (exit, signal, hang, ping, missing, start-failed, host-down).',
      labelNames: ['module', 'reason'],
      registers,
    });
    this.restarts = new Counter({
      name: 'rm_restarts_total',
      help: 'Copies restarted in place after a failure (OnOverThreshold within its threshold, or the last copy left), by module and reason.',
      labelNames: ['module', 'reason'],
      registers,
    });
    this.failoverSeconds = new Histogram({
      name: 'rm_failover_duration_seconds',
      help: "Time from a failure reaching the ReplicaManager to the WatchDogs' acknowledgement of every action that failed the module over.",
      labelNames: ['module'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.decisions = new Counter({
      name: 'rm_decisions_total',
      help: 'Events decided, by kind.',
      labelNames: ['event'],
      registers,
    });
    this.actions = new Counter({
      name: 'rm_actions_total',
      help: 'Actions sent to WatchDogs, by kind (start, stop, restart, set-role).',
      labelNames: ['kind'],
      registers,
    });
    this.alerts = new Counter({
      name: 'rm_alerts_total',
      help: 'Alerts raised, by module (e.g. under-replicated).',
      labelNames: ['module'],
      registers,
    });
    this.droppedEvents = new Counter({
      name: 'rm_events_dropped_total',
      help: 'Events dropped undecided, by kind and cause (stale-report: a failure report about a copy already accounted for).',
      labelNames: ['event', 'cause'],
      registers,
    });
  }

  dropped(event: Event, dropped: Dropped): void {
    this.droppedEvents.labels(event.kind, dropped.cause).inc();
  }

  decided(event: Event, decision: Decision): void {
    this.decisions.labels(event.kind).inc();
    for (const a of decision.actions) this.actions.labels(a.kind).inc();
    for (const a of decision.alerts) this.alerts.labels(a.module).inc();
    const reason = failureReason(event);
    if (reason === null) return;
    const { failedOver, restarts } = classify(decision);
    for (const module of failedOver) this.failovers.labels(module, reason).inc();
    for (const r of restarts) this.restarts.labels(r.module, reason).inc();
  }

  carriedOut(event: Event, decision: Decision, ms: number, failed: number): void {
    if (failed > 0 || failureReason(event) === null) return;
    for (const module of classify(decision).failedOver)
      this.failoverSeconds.labels(module).observe(ms / 1000);
  }
}
