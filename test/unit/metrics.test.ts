/**
 * The metrics every daemon registers, without daemons: the names follow Prometheus' conventions, the
 * Grafana dashboard in deploy/ queries only series that exist, and the endpoint is read-only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/checkpoint-server/backend.js';
import { checkpointServerMetrics } from '../../src/checkpoint-server/metrics.js';
import { CheckpointStore } from '../../src/checkpoint-server/store.js';
import type { ReplicaTable } from '../../src/model/table.js';
import { decide } from '../../src/replica-manager/decide.js';
import { ManagerMetrics } from '../../src/replica-manager/metrics.js';
import { silentLogger } from '../../src/shared/logging.js';
import { DaemonMetrics, type Registry, StoreClientMetrics, serveMetrics } from '../../src/shared/metrics.js';
import { SuperWatchDogMetrics } from '../../src/super-watchdog/metrics.js';
import { WatchDogMetrics } from '../../src/watchdog/metrics.js';
import { parseMetrics, seriesValue } from '../helpers/metrics.js';
import { ROOT } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'rm-metrics-'));
const store = new CheckpointStore(join(dir, 'checkpoint.db'));
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const TABLE: ReplicaTable = {
  hosts: ['H1', 'H2', 'H3'].map((name) => ({ name, up: true })),
  modules: [
    {
      name: 'A',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      detect: 'poll',
      underReplicated: false,
      replicas: [
        { id: 'A1', host: 'H1', path: '/opt/A', status: 'P', failures: 0 },
        { id: 'A2', host: 'H2', path: '/opt/A', status: 'B', failures: 0 },
        { id: 'A3', host: 'H3', path: '/opt/A', status: 'I', failures: 0 },
      ],
    },
  ],
};

/** Every daemon's registry, as the daemons build them. */
function registries(): Record<string, Registry> {
  const rm = new DaemonMetrics('replica-manager', 'H1');
  new StoreClientMetrics(rm.registry);
  new ManagerMetrics(rm.registry, () => ({ table: TABLE, epoch: 3, state: 'serving' }));
  const wd = new DaemonMetrics('watchdog', 'H1');
  new WatchDogMetrics(
    wd.registry,
    () => null,
    () => '',
  );
  const swd = new DaemonMetrics('super-watchdog', 'H2');
  new StoreClientMetrics(swd.registry);
  new SuperWatchDogMetrics(swd.registry, () => null);
  const cs = new DaemonMetrics('checkpoint-server', 'CS');
  checkpointServerMetrics(cs.registry, new SqliteBackend(store));
  return { rm: rm.registry, wd: wd.registry, swd: swd.registry, cs: cs.registry };
}

describe('metrics', () => {
  it('follow the naming conventions: rm_ prefix, snake case, _total counters, base units', async () => {
    for (const [daemon, registry] of Object.entries(registries())) {
      for (const m of await registry.getMetricsAsJSON()) {
        if (!m.name.startsWith('rm_')) continue;
        expect(m.name, daemon).toMatch(/^rm_[a-z]+(_[a-z]+)*$/);
        expect(m.help.length, m.name).toBeGreaterThan(10);
        if (String(m.type) === 'counter') expect(m.name).toMatch(/_total$/);
        else expect(m.name).not.toMatch(/_total$/);
        if (String(m.type) === 'histogram') expect(m.name).toMatch(/_seconds$/);
        expect(m.name).not.toMatch(/_(ms|milliseconds)$/);
      }
    }
  });

  it('the table as 0/1 series and decisions as counters (ReplicaManager)', async () => {
    const rm = new DaemonMetrics('replica-manager', 'H1');
    let table = TABLE;
    const metrics = new ManagerMetrics(rm.registry, () => ({ table, epoch: 3, state: 'serving' }));
    const event = { kind: 'replica-failed' as const, replica: 'A1', reason: 'hang' };
    const decision = decide(table, event);
    table = decision.table;
    metrics.decided(event, decision);
    metrics.carriedOut(event, decision, 12, 0);
    metrics.dropped(event, { cause: 'stale-report', reason: 'A1 failed (hang): ignored, …' });
    const s = parseMetrics(await rm.registry.metrics());
    expect(
      seriesValue(s, 'rm_events_dropped_total', { event: 'replica-failed', cause: 'stale-report' }),
    ).toBe(1);
    expect(seriesValue(s, 'rm_replica_status', { replica: 'A2', role: 'primary' })).toBe(1);
    expect(seriesValue(s, 'rm_replica_status', { replica: 'A1', role: 'idle' })).toBe(1);
    expect(seriesValue(s, 'rm_replica_status', { replica: 'A3', role: 'backup' })).toBe(1);
    expect(seriesValue(s, 'rm_failovers_total', { module: 'A', reason: 'hang' })).toBe(1);
    expect(seriesValue(s, 'rm_failover_duration_seconds_count', { module: 'A' })).toBe(1);
    expect(seriesValue(s, 'rm_failover_duration_seconds_sum', { module: 'A' })).toBeCloseTo(0.012);
    expect(seriesValue(s, 'rm_manager_epoch')).toBe(3);
    expect(seriesValue(s, 'rm_manager_state', { state: 'serving' })).toBe(1);
    expect(seriesValue(s, 'rm_manager_state', { state: 'fenced' })).toBe(0);
  });

  it('the Grafana dashboard queries only series the daemons export', async () => {
    const names = new Set<string>();
    for (const registry of Object.values(registries())) {
      for (const m of await registry.getMetricsAsJSON()) {
        names.add(m.name);
        if (String(m.type) === 'histogram')
          for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
      }
    }
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy', 'grafana', 'replica-manager.json'), 'utf8'),
    );
    const exprs: string[] = JSON.stringify(dashboard)
      .match(/"expr":"(?:[^"\\]|\\.)*"/g)!
      .map((e) => JSON.parse(e.slice(7)) as string);
    expect(exprs.length).toBeGreaterThan(20);
    const used = new Set(exprs.flatMap((e) => e.match(/\b(rm|process)_[a-z_]+/g) ?? []));
    for (const name of used) expect(names, `${name} in the dashboard`).toContain(name);
    for (const wanted of ['rm_replica_status', 'rm_failovers_total', 'rm_failover_duration_seconds_bucket'])
      expect(used).toContain(wanted);
  });

  it('the endpoint serves /metrics only, read-only', async () => {
    const d = new DaemonMetrics('watchdog', 'H1');
    const endpoint = await serveMetrics(d.registry, '127.0.0.1', 0, silentLogger());
    try {
      const ok = await fetch(`http://${endpoint.address}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('rm_daemon_info{daemon="watchdog",host="H1"} 1');
      expect((await fetch(`http://${endpoint.address}/`)).status).toBe(404);
      expect((await fetch(`http://${endpoint.address}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await endpoint.close();
    }
  });
});
