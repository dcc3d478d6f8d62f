/** The per-method rules (DESIGN §9): every RPC of every service has one, and the checks say who may call. */
import { describe, expect, it } from 'vitest';
import { authorizeCaller, authorizeRequest, POLICY } from '../../src/shared/auth.js';
import { protos } from '../../src/shared/grpc.js';

function methods(): string[] {
  const p = protos();
  const services = [
    p.watchdog.rm.watchdog.v1.WatchDog,
    p.watchdog.rm.watchdog.v1.WatchDogApp,
    p.replicaManager.rm.replica_manager.v1.ReplicaManager,
    p.superWatchdog.rm.super_watchdog.v1.SuperWatchDog,
    p.checkpoint.rm.checkpoint.v1.CheckpointServer,
  ];
  return services.flatMap((s) => Object.values(s.service).map((m) => m.path));
}

describe('the authorization policy', () => {
  it('names who may call every method of every service (a new RPC without a rule is refused)', () => {
    const missing = methods().filter((m) => !POLICY[m]);
    expect(missing).toEqual([]);
    expect(
      authorizeCaller('/x.Y/New', { cluster: 'c', role: 'operator', name: '' }, { cluster: 'c', name: 'H1' })
        ?.kind,
    ).toBe('permission-denied');
  });

  it('refuses no certificate and another cluster as unauthenticated, the wrong role as permission denied', () => {
    const server = { cluster: 'c', name: 'H1' };
    const m = '/rm.watchdog.v1.WatchDog/StartReplica';
    expect(authorizeCaller(m, null, server)?.kind).toBe('unauthenticated');
    expect(authorizeCaller(m, { cluster: 'd', role: 'replica-manager', name: 'H2' }, server)?.kind).toBe(
      'unauthenticated',
    );
    const r = authorizeCaller(m, { cluster: 'c', role: 'viewer', name: '' }, server);
    expect(r?.kind).toBe('permission-denied');
    expect(r?.message).toContain('only replica-manager certificates may call StartReplica');
    expect(authorizeCaller(m, { cluster: 'c', role: 'replica-manager', name: 'H2' }, server)).toBeNull();
  });

  it('holds a daemon to its own host in the request, and to the server’s host where the rule says so', () => {
    const wd = { cluster: 'c', role: 'watchdog' as const, name: 'H1' };
    const report = '/rm.replica_manager.v1.ReplicaManager/ReportFailure';
    expect(authorizeRequest(report, wd, { host: 'H1' })).toBeNull();
    expect(authorizeRequest(report, wd, { host: 'H2' })?.message).toContain('acts only for its own host');
    const beat = '/rm.super_watchdog.v1.SuperWatchDog/ManagerBeat';
    const rm = { cluster: 'c', role: 'replica-manager' as const, name: 'H5' };
    expect(authorizeCaller(beat, rm, { cluster: 'c', name: 'H2' })?.kind).toBe('permission-denied');
    expect(authorizeCaller(beat, rm, { cluster: 'c', name: 'H5' })).toBeNull();
  });
});
