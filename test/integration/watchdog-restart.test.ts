/**
 * A WatchDog killed with SIGKILL and started again (DESIGN §5): it adopts the copies that still run
 * (same pid, not started twice), keeps watching them, reports the ones that ended meanwhile, tells
 * the ReplicaManager what runs, and still refuses the epochs it refused before. Needs `npm run build`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import { StaleEpochError } from '../../src/shared/errors.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import {
  isAlive,
  killAll,
  killGroup,
  type Spawned,
  spawnRmd,
  tempDir,
  waitFor,
} from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  FakeReplicaManager,
  FakeSuperWatchDog,
  testPorts,
  writeClusterFile,
} from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-wd-restart-');
const ports = testPorts();
let cfg: ClusterConfig;
let manager: FakeReplicaManager;
let swd: FakeSuperWatchDog;
let client: WatchDogClient;
const copies = new Set<number>();

function startWatchDog(): Spawned {
  return spawnRmd(['watchdog', '--config', cfg.file, '--host', 'H3']);
}

async function ready(wd: Spawned): Promise<void> {
  await waitFor('the WatchDog to answer', () => client.listRunning(0).catch(() => client.listRunning(2)), {
    timeoutMs: 20_000,
  }).catch((err) => {
    throw new Error(`${(err as Error).message}\n${wd.output()}`);
  });
}

const spec = (replica: string, detect = 'heartbeat') => copySpec(replica, { module: 'R', detect });

beforeAll(async () => {
  // A lease long enough for the copies to outlive the WatchDog's restart without fencing themselves.
  ({ cfg } = writeClusterFile(tmp.dir, {
    ports,
    timings: { appLeaseMs: 8000, hostTimeoutMs: 10_000, fenceMarginMs: 1000 },
  }));
  manager = await new FakeReplicaManager().start('127.0.0.12:0');
  swd = await new FakeSuperWatchDog(manager.address).start(addressOf.superWatchdog(cfg, 'H2'));
  client = new WatchDogClient(addressOf.watchdog(cfg, 'H3'), { deadlineMs: 5000 });
});

afterEach(async () => {
  for (const pid of copies) killGroup(pid);
  await killAll();
});

afterAll(() => {
  client?.close();
  manager?.stop();
  swd?.stop();
  tmp.remove();
});

describe('WatchDog restart', () => {
  it('adopts its running copies after SIGKILL and a restart, and reports what runs', async () => {
    const first = startWatchDog();
    await ready(first);
    const kept = await client.startReplica(2, spec('R1'), 'P');
    const lost = await client.startReplica(2, spec('R2', 'poll'), 'B');
    copies.add(kept.pid);
    copies.add(lost.pid);
    await waitFor('R1 to attach', () => appEvents(cfg, 'H3', 'R1').find((e) => e.event === 'role'));

    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    expect(isAlive(kept.pid)).toBe(true);
    // R2 ends while no WatchDog runs: only the state file remembers it.
    process.kill(lost.pid, 'SIGKILL');
    await waitFor('R2 to be gone', () => !isAlive(lost.pid));
    manager.running.length = 0;

    const second = startWatchDog();
    await ready(second);
    const running = await client.listRunning(2);
    expect(running.running).toEqual([expect.objectContaining({ replica: 'R1', role: 'P', pid: kept.pid })]);
    expect(running.epoch).toBe(2);

    const report = await waitFor('a running report after the restart', () =>
      manager.running.find((r) => r.host === 'H3'),
    );
    expect(report).toMatchObject({ host: 'H3', epoch_seen: '2' });
    const missing = await waitFor('the report of R2', () => manager.failures.find((f) => f.replica === 'R2'));
    expect(missing).toMatchObject({ host: 'H3', reason: 'missing' });

    // Starting it again is a no-op: the adopted copy is the copy.
    const again = await client.startReplica(2, spec('R1'), 'P');
    expect(again.pid).toBe(kept.pid);
    expect(appEvents(cfg, 'H3', 'R1').filter((e) => e.event === 'started')).toHaveLength(1);

    // The copy re-attached and beats again: well past its heartbeat timeout it is still there, unreported.
    await new Promise((r) => setTimeout(r, 2500));
    expect(isAlive(kept.pid)).toBe(true);
    expect(manager.failures.find((f) => f.replica === 'R1')).toBeUndefined();

    // An adopted copy is watched by its pid: its end is reported too.
    process.kill(kept.pid, 'SIGKILL');
    const ended = await waitFor('the report of R1', () => manager.failures.find((f) => f.replica === 'R1'));
    expect(ended).toMatchObject({ host: 'H3', reason: 'exit' });
  });

  it('remembers the highest epoch across a restart', async () => {
    const first = startWatchDog();
    await ready(first);
    await client.listRunning(7);
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    const second = startWatchDog();
    await waitFor('the WatchDog to answer', () => client.listRunning(7), { timeoutMs: 20_000 });
    await expect(client.listRunning(6)).rejects.toBeInstanceOf(StaleEpochError);
    await expect(client.startReplica(3, spec('R3'), 'P')).rejects.toBeInstanceOf(StaleEpochError);
    expect(second.output()).toContain('stale epoch');
  });
});
