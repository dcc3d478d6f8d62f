/**
 * Every daemon's Prometheus endpoint on the six-host cluster, scraped over HTTP through a copy's
 * fail-over (source ¶0023) and the loss of the ReplicaManager's host (¶0026): the series are there,
 * and they change as the cluster does.
 */
import { describe, expect, it } from 'vitest';
import { metricsAddressOf } from '../../src/shared/config.js';
import { clusterForSuite, statuses, untilTable } from '../helpers/cluster.js';
import { scrape, seriesValue } from '../helpers/metrics.js';
import { waitFor } from '../helpers/processes.js';

const at = (address: string | null): string => {
  if (!address) throw new Error('metrics not configured');
  return address;
};

describe('Prometheus metrics of every daemon (six hosts, real processes)', () => {
  const tc = clusterForSuite();

  it('every daemon serves /metrics with its own series and the process defaults', async () => {
    const c = tc.cluster;
    const cfg = c.cfg;
    const t = await c.table();
    const targets: Array<[string, string]> = [
      ['checkpoint-server', at(metricsAddressOf.checkpointServer(cfg))],
      ['replica-manager', at(metricsAddressOf.replicaManager(cfg, t.managerHost))],
      ...cfg.hosts.map((h): [string, string] => ['watchdog', at(metricsAddressOf.watchdog(cfg, h.name))]),
      ...cfg.ring.map((h): [string, string] => [
        'super-watchdog',
        at(metricsAddressOf.superWatchdog(cfg, h)),
      ]),
    ];
    for (const [daemon, address] of targets) {
      const s = await scrape(address);
      expect(seriesValue(s, 'rm_daemon_info', { daemon }), `${daemon} at ${address}`).toBe(1);
      expect(seriesValue(s, 'process_cpu_user_seconds_total'), address).toBeGreaterThan(0);
      expect(seriesValue(s, 'process_resident_memory_bytes'), address).toBeGreaterThan(0);
    }

    const rm = await scrape(at(metricsAddressOf.replicaManager(cfg, t.managerHost)));
    expect(seriesValue(rm, 'rm_manager_epoch')).toBe(t.epoch);
    expect(seriesValue(rm, 'rm_manager_leader')).toBe(1);
    expect(seriesValue(rm, 'rm_replica_status', { replica: 'A1', role: 'primary' })).toBe(1);
    expect(seriesValue(rm, 'rm_replica_status', { replica: 'A1', role: 'backup' })).toBe(0);
    expect(
      seriesValue(rm, 'rm_replica_status', { replica: 'A4', role: 'idle', host: 'H4', module: 'A' }),
    ).toBe(1);
    expect(seriesValue(rm, 'rm_module_desired_replicas', { module: 'A' })).toBe(3);
    expect(seriesValue(rm, 'rm_module_running_replicas', { module: 'A' })).toBe(3);
    expect(seriesValue(rm, 'rm_module_desired_replicas', { module: 'C', style: 'cold' })).toBe(1);
    expect(seriesValue(rm, 'rm_module_under_replicated', { module: 'B' })).toBe(0);
    expect(seriesValue(rm, 'rm_table_host_up', { host: 'H1' })).toBe(1);
    expect(seriesValue(rm, 'rm_store_client_up')).toBe(1);
    expect(
      seriesValue(rm, 'rm_store_client_request_duration_seconds_count', { op: 'save-table', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(seriesValue(rm, 'rm_failovers_total', { module: 'A', reason: 'signal' })).toBeUndefined();

    const primary = await scrape(at(metricsAddressOf.superWatchdog(cfg, t.managerHost)));
    expect(seriesValue(primary, 'rm_super_watchdog_primary')).toBe(1);
    expect(seriesValue(primary, 'rm_ring_epoch')).toBe(t.epoch);
    expect(seriesValue(primary, 'rm_ring_primary', { member: t.managerHost })).toBe(1);
    for (const m of cfg.ring) expect(seriesValue(primary, 'rm_ring_member_up', { member: m })).toBe(1);
    for (const h of cfg.hosts) {
      expect(seriesValue(primary, 'rm_host_up', { host: h.name })).toBe(1);
      expect(seriesValue(primary, 'rm_host_last_beat_timestamp_seconds', { host: h.name })).toBeGreaterThan(
        Date.now() / 1000 - 30,
      );
    }
    const backup = await scrape(at(metricsAddressOf.superWatchdog(cfg, 'H6')));
    expect(seriesValue(backup, 'rm_super_watchdog_primary')).toBe(0);
    expect(seriesValue(backup, 'rm_host_up', { host: 'H1' })).toBeUndefined();

    const h1 = await scrape(at(metricsAddressOf.watchdog(cfg, 'H1')));
    expect(seriesValue(h1, 'rm_watchdog_copy_running', { replica: 'A1', role: 'primary', module: 'A' })).toBe(
      1,
    );
    expect(seriesValue(h1, 'rm_watchdog_copies')).toBe(c.copiesOn('H1').length);
    expect(seriesValue(h1, 'rm_watchdog_epoch')).toBe(t.epoch);
    expect(seriesValue(h1, 'rm_watchdog_manager_known')).toBe(1);

    const cs = await scrape(at(metricsAddressOf.checkpointServer(cfg)));
    expect(seriesValue(cs, 'rm_store_manager_epoch')).toBe(t.epoch);
    expect(seriesValue(cs, 'rm_store_manager_holder', { holder: t.managerHost })).toBe(1);
    expect(seriesValue(cs, 'rm_store_up')).toBe(1);
    expect(seriesValue(cs, 'rm_store_manager_lease_remaining_seconds')).toBeGreaterThan(0);
    expect(seriesValue(cs, 'rm_store_database_bytes', { file: 'db' })).toBeGreaterThan(0);
    const saves = { service: 'rm.checkpoint.v1.CheckpointServer', method: 'SaveTableChange', code: 'OK' };
    expect(seriesValue(cs, 'rm_grpc_server_handled_total', saves)).toBeGreaterThan(0);
    expect(
      seriesValue(cs, 'rm_grpc_server_handling_seconds_count', {
        service: saves.service,
        method: saves.method,
      }),
    ).toBeGreaterThan(0);
  }, 60_000);

  it('a primary killed (¶0023): the fail-over is counted and timed, the promoted copy is primary in the series', async () => {
    const c = tc.cluster;
    const cfg = c.cfg;
    const t = await c.table();
    const rmAt = at(metricsAddressOf.replicaManager(cfg, t.managerHost));
    const before = await scrape(rmAt);
    const failovers = seriesValue(before, 'rm_failovers_total', { module: 'A', reason: 'signal' }) ?? 0;
    c.killCopy('A1');
    await untilTable(c, 'A2 to be promoted', (x) => statuses(x, 'A').startsWith('A1:I A2:P'));
    const after = await waitFor('the fail-over to be timed', async () => {
      const s = await scrape(rmAt);
      return (seriesValue(s, 'rm_failover_duration_seconds_count', { module: 'A' }) ?? 0) > 0 ? s : null;
    });
    expect(seriesValue(after, 'rm_failovers_total', { module: 'A', reason: 'signal' })).toBe(failovers + 1);
    expect(seriesValue(after, 'rm_replica_status', { replica: 'A2', role: 'primary' })).toBe(1);
    expect(seriesValue(after, 'rm_replica_status', { replica: 'A1', role: 'idle' })).toBe(1);
    expect(seriesValue(after, 'rm_replica_status', { replica: 'A1', role: 'primary' })).toBe(0);
    expect(seriesValue(after, 'rm_replica_failures', { replica: 'A1' })).toBe(1);
    expect(seriesValue(after, 'rm_decisions_total', { event: 'replica-failed' })).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after, 'rm_actions_total', { kind: 'set-role' })).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after, 'rm_failover_duration_seconds_sum', { module: 'A' })).toBeGreaterThan(0);

    const h1 = await scrape(at(metricsAddressOf.watchdog(cfg, 'H1')));
    expect(seriesValue(h1, 'rm_watchdog_failures_reported_total', { replica: 'A1', reason: 'signal' })).toBe(
      1,
    );
    expect(seriesValue(h1, 'rm_watchdog_copy_running', { replica: 'A1' })).toBeUndefined();
    const h2 = await waitFor('H2 to run A2 as primary', async () => {
      const s = await scrape(at(metricsAddressOf.watchdog(cfg, 'H2')));
      return seriesValue(s, 'rm_watchdog_copy_running', { replica: 'A2', role: 'primary' }) === 1 ? s : null;
    });
    expect(seriesValue(h2, 'rm_watchdog_copy_running', { replica: 'A2', role: 'backup' })).toBeUndefined();
  }, 60_000);

  it("the ReplicaManager's host crashes (¶0026): the new primary's series carry the new epoch, the old host is down", async () => {
    const c = tc.cluster;
    const cfg = c.cfg;
    const t = await c.table();
    expect(t.managerHost).toBe('H2');
    c.crashHost('H2');
    const m = await c.manager(30_000, t.epoch);
    expect(m.host).toBe('H5');
    const rm = await waitFor(
      'the new ReplicaManager to count H2 down',
      async () => {
        const s = await scrape(at(metricsAddressOf.replicaManager(cfg, m.host)));
        return seriesValue(s, 'rm_table_host_up', { host: 'H2' }) === 0 ? s : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(seriesValue(rm, 'rm_manager_epoch')).toBe(m.epoch);
    expect(m.epoch).toBeGreaterThan(t.epoch);
    expect(seriesValue(rm, 'rm_manager_leader')).toBe(1);
    expect(seriesValue(rm, 'rm_replica_status', { replica: 'A3', role: 'primary' })).toBe(1);
    expect(seriesValue(rm, 'rm_failovers_total', { module: 'A', reason: 'host-down' })).toBe(1);

    const h5 = await scrape(at(metricsAddressOf.superWatchdog(cfg, 'H5')));
    expect(seriesValue(h5, 'rm_super_watchdog_primary')).toBe(1);
    expect(seriesValue(h5, 'rm_ring_epoch')).toBe(m.epoch);
    expect(seriesValue(h5, 'rm_ring_member_up', { member: 'H2' })).toBe(0);
    expect(seriesValue(h5, 'rm_host_up', { host: 'H2' })).toBe(0);
    const cs = await scrape(at(metricsAddressOf.checkpointServer(cfg)));
    expect(seriesValue(cs, 'rm_store_manager_epoch')).toBe(m.epoch);
    const h3 = await waitFor('H3 to see the new epoch', async () => {
      const s = await scrape(at(metricsAddressOf.watchdog(cfg, 'H3')));
      return seriesValue(s, 'rm_watchdog_epoch') === m.epoch ? s : null;
    });
    expect(seriesValue(h3, 'rm_watchdog_copy_running', { replica: 'A3', role: 'primary' })).toBe(1);
  }, 90_000);
});
