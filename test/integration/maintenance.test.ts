/**
 * Maintenance through rmctl (DESIGN §12) against a real ReplicaManager (its gRPC service and loop,
 * on a real Checkpoint Server) and three real WatchDogs running the sample application, on loopback
 * 127.0.0.40–43 (outside the local cluster's addresses): a switchover makes the old primary a backup
 * before the new one is primary, as the copies themselves tell it; pause holds a fail-over until
 * resume; drain empties a host. Needs `npm run build` first (the WatchDogs run from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/commands.js';
import { drainCommand, pauseCommand, switchoverCommand } from '../../src/cli/maintenance.js';
import type { Status } from '../../src/model/table.js';
import type { ReplicaManager } from '../../src/replica-manager/manager.js';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { startManagerRig } from '../helpers/manager-rig.js';
import { killGroup, tempDir, waitFor } from '../helpers/processes.js';
import { appEvents, SAMPLE_APP, testPorts, writeClusterFile } from '../helpers/watchdog-fakes.js';

const HOSTS = ['H1', 'H2', 'H3'];
const tmp = tempDir('rm-maint-');
let cfg: ClusterConfig;
let file: string;
let rm: ReplicaManager;
let stop: (() => Promise<void>) | undefined;

/** What an rmctl command printed. */
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

/** A copy's role announcements (every process of that replica), in order. */
function roles(replica: string): Array<{ role: string; pid: number; t: bigint }> {
  const host = `H${replica.slice(1)}`;
  return appEvents(cfg, host, replica)
    .filter((e) => e.event === 'role')
    .map((e) => ({ role: String(e.role), pid: Number(e.pid), t: BigInt(String(e.t)) }));
}

function status(replica: string): Status | undefined {
  return rm.table.modules.flatMap((m) => m.replicas).find((r) => r.id === replica)?.status;
}

beforeAll(async () => {
  ({ file, cfg } = writeClusterFile(tmp.dir, { ports: testPorts(), first: 40, count: 3, ring: ['H2'] }));
  ({ rm, stop } = await startManagerRig(cfg, HOSTS));
  await rm.submit({
    kind: 'register',
    module: {
      name: 'A',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      // Polled at a pace a loaded machine keeps: only the failures the tests cause count.
      intervalMs: 1000,
      replicas: HOSTS.map((host) => ({ host, path: SAMPLE_APP })),
    },
  });
  await waitFor('A1 to run as primary and A2 as backup', () => {
    return roles('A1').at(-1)?.role === 'primary' && roles('A2').at(-1)?.role === 'backup';
  });
}, 60_000);

afterAll(async () => {
  await stop?.();
  // The copies run under their keepers, in process groups of their own.
  for (const replica of ['A1', 'A2', 'A3']) {
    for (const pid of new Set(roles(replica).map((r) => r.pid))) killGroup(pid);
  }
  tmp.remove();
});

describe('rmctl maintenance against a running ReplicaManager and WatchDogs', () => {
  it('switchover: A1 steps down to a backup (the same process), then A2 is primary with the next generation', async () => {
    const before = roles('A1').at(-1) as { role: string; pid: number; t: bigint };
    const c = capture();
    const code = await switchoverCommand('A', { config: file, waitMs: 20_000 }, c.io);
    expect(code, c.err.join('\n')).toBe(0);
    const out = c.out.join('\n');
    expect(out).toContain('switchover of A: A1 on H1 steps down to a backup; A2 becomes primary');
    expect(out).toContain(
      'set-role A1 on H1 to B — switchover of A asked for: A1 steps down first (to a backup), then A2 on H2 takes its role',
    );
    expect(out).toContain('switchover of A done: A2 on H2 is primary (generation 2)');
    const stepped = await waitFor('A1 to say it is a backup', () =>
      roles('A1').find((r) => r.role === 'backup' && r.t > before.t),
    );
    const promoted = await waitFor('A2 to say it is primary', () =>
      roles('A2').find((r) => r.role === 'primary'),
    );
    expect(stepped.pid, 'stepped down, not stopped: its connections drain').toBe(before.pid);
    expect(stepped.t < promoted.t, 'A1 was a backup before A2 was primary').toBe(true);
    expect([status('A1'), status('A2'), status('A3')]).toEqual(['B', 'P', 'I']);
  });

  it('refuses what it cannot do, with what to ask instead, and changes nothing', async () => {
    const cases: Array<[() => Promise<number>, number, string]> = [
      [
        () => switchoverCommand('A', { config: file, to: 'A3' }, c.io),
        2,
        'A3 is I; a warm module switches over to a running backup (B): A1',
      ],
      [() => switchoverCommand('Z', { config: file }, c.io), 3, 'unknown module "Z" (registered: A)'],
      [() => drainCommand('drain', 'H9', { config: file }, c.io), 3, 'unknown host "H9"'],
    ];
    const c = capture();
    for (const [run, code, message] of cases) {
      c.err.length = 0;
      expect(await run()).toBe(code);
      expect(c.err.join('\n')).toContain(message);
    }
    expect([status('A1'), status('A2'), status('A3')]).toEqual(['B', 'P', 'I']);
  });

  it('pause: a killed primary is not failed over, status shows what resume would do; resume does it', async () => {
    const c = capture();
    expect(await pauseCommand('pause', 'A', { config: file }, c.io), c.err.join('\n')).toBe(0);
    const a2 = roles('A2').at(-1) as { pid: number };
    const a1Before = roles('A1').length;
    process.kill(a2.pid, 'SIGKILL');
    await waitFor("A2's failure to be recorded", () => status('A2') === 'I');
    // Watched for a while: nobody becomes primary while A is paused.
    for (let k = 0; k < 15; k++) {
      expect(rm.table.modules[0]?.replicas.filter((r) => r.status === 'P')).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      roles('A1')
        .slice(a1Before)
        .map((r) => r.role),
    ).not.toContain('primary');
    const s = capture();
    expect(await statusCommand(undefined, { config: file }, s.io)).toBe(0);
    expect(s.out.join('\n')).toContain(
      'paused A: nothing is failed over; resume would set-role A1@H1 P, start A3@H3 B',
    );
    expect(s.out.join('\n')).toContain('A (short, paused)');
    const r = capture();
    expect(await pauseCommand('resume', 'A', { config: file }, r.io), r.err.join('\n')).toBe(0);
    expect(r.out.join('\n')).toContain('set-role A1 on H1 to P — A resumed: A has no primary');
    await waitFor('A1 to say it is primary', () =>
      roles('A1')
        .slice(a1Before)
        .some((x) => x.role === 'primary'),
    );
    await waitFor('A3 to run as a backup', () => roles('A3').at(-1)?.role === 'backup');
  });

  it('drain: H1 hands its primary over to A3 first, its copy is replaced, and nothing runs there after', async () => {
    const c = capture();
    expect(await drainCommand('drain', 'H1', { config: file }, c.io), c.err.join('\n')).toBe(0);
    expect(c.out.join('\n')).toContain(
      'set-role A1 on H1 to B — H1 drained: A1 is on drained H1: it steps down first, then A3 on H3 takes its role',
    );
    await waitFor('A3 to say it is primary', () => roles('A3').at(-1)?.role === 'primary', {
      timeoutMs: 20_000,
    });
    const wd = new WatchDogClient(addressOf.watchdog(cfg, 'H1'), { deadlineMs: 2000 });
    try {
      await waitFor(
        'nothing to run on H1',
        async () => (await wd.listRunning(rm.epoch)).running.length === 0,
        {
          timeoutMs: 20_000,
        },
      );
    } finally {
      wd.close();
    }
    expect([status('A1'), status('A2'), status('A3')]).toEqual(['I', 'B', 'P']);
    expect(rm.table.hosts.find((h) => h.name === 'H1')?.drained).toBe(true);
    const u = capture();
    expect(await drainCommand('undrain', 'H1', { config: file }, u.io)).toBe(0);
    expect(rm.table.hosts.find((h) => h.name === 'H1')?.drained).toBeUndefined();
  });
});
