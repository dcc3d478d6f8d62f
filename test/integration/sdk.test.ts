/**
 * The application SDK against a real WatchDog process (H4, 127.0.0.14), a recording fake
 * ReplicaManager, a fake primary SuperWatchDog and an in-memory fake Checkpoint Server: role changes
 * reach the sample application, a warm backup follows its primary's state and resumes from it when
 * promoted, the sanity check is polled, a program registers itself, and a copy that loses its
 * WatchDog stops itself after its lease. Needs `npm run build` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../../src/client/index.js';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import type { ReplicaSpec__Output } from '../../src/shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { sameProcess } from '../../src/watchdog/state.js';
import { ROOT, spawnRmd, spawnTracked, tempDir, waitFor } from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  FakeCheckpointServer,
  type FakeReplicaManager,
  type FakeSuperWatchDog,
  SAMPLE_APP,
  startWatchDogRig,
  stopWatchDogRig,
  testPorts,
  writeClusterFile,
} from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-sdk-');
const ports = testPorts();
let cfg: ClusterConfig;
let manager: FakeReplicaManager;
let swd: FakeSuperWatchDog;
let checkpoints: FakeCheckpointServer;
let client: WatchDogClient;
const copies = new Set<number>();
const sdks: Replica[] = [];

const alive = (pid: number) => sameProcess(pid, null);

function spec(
  replica: string,
  module: string,
  extra: Partial<ReplicaSpec__Output> = {},
): ReplicaSpec__Output {
  return copySpec(replica, { module, ...extra });
}

async function startOn(c: WatchDogClient, s: ReplicaSpec__Output, role: 'P' | 'B') {
  const ack = await c.startReplica(1, s, role);
  copies.add(ack.pid);
  return ack;
}

function savedValues(module: string): number[] {
  return (checkpoints.saved.get(module) ?? []).map((c) => Number(Buffer.from(c.state as Buffer).toString()));
}

beforeAll(async () => {
  ({ cfg } = writeClusterFile(tmp.dir, { ports, timings: { appLeaseMs: 1500 } }));
  checkpoints = await new FakeCheckpointServer().start(cfg.checkpointServer.address);
  ({ manager, swd, client } = await startWatchDogRig(cfg, 'H4'));
});

afterEach(() => {
  for (const s of sdks.splice(0)) s.close();
});

afterAll(async () => {
  await stopWatchDogRig({ manager, swd, client }, copies);
  checkpoints?.stop();
  tmp.remove();
});

describe('SDK', () => {
  it('saves and loads a checkpoint, and another copy receives it as a state update', async () => {
    const primary = new Replica({
      module: 'Z',
      replica: 'Z1',
      checkpointAddress: checkpoints.address,
      env: {},
    });
    const backup = new Replica({
      module: 'Z',
      replica: 'Z2',
      checkpointAddress: checkpoints.address,
      env: {},
    });
    sdks.push(primary, backup);
    expect(await primary.loadCheckpoint()).toBeNull();
    const updates: string[] = [];
    backup.onStateUpdate((s) => updates.push(s.state.toString()));
    const own: string[] = [];
    primary.onStateUpdate((s) => own.push(s.state.toString()));
    expect(await primary.saveCheckpoint('41')).toBe(1);
    expect(await primary.saveCheckpoint(Buffer.from('42'))).toBe(2);
    const loaded = await backup.loadCheckpoint();
    expect(loaded).toMatchObject({ version: 2, replica: 'Z1' });
    expect(loaded?.state.toString()).toBe('42');
    await waitFor('the backup to receive both states', () => updates.length === 2);
    expect(updates).toEqual(['41', '42']);
    // A copy is not sent its own saves.
    expect(own).toEqual([]);
  });

  it('a warm backup follows the primary and, promoted, resumes from the last checkpoint', async () => {
    const p = await startOn(client, spec('W1', 'W'), 'P');
    await startOn(client, spec('W2', 'W'), 'B');
    await waitFor('the backup to say it is a backup', () =>
      appEvents(cfg, 'H4', 'W2').find((e) => e.event === 'role' && e.role === 'backup'),
    );
    await waitFor('the primary to checkpoint a few times', () => savedValues('W').length >= 3);
    process.kill(p.pid, 'SIGKILL');
    await waitFor('ReportFailure for W1', () => manager.failures.find((f) => f.replica === 'W1'));
    const lastSaved = savedValues('W').at(-1)!;

    await client.setRole(1, 'W2', 'P');
    const role = await waitFor('the promoted backup to say it is primary', () =>
      appEvents(cfg, 'H4', 'W2').find((e) => e.event === 'role' && e.role === 'primary'),
    );
    // It followed the primary's saved state as a backup, so it knows the count when it is told.
    expect(role.counter).toBe(lastSaved);
    const resumed = await waitFor('the promoted copy to resume', () =>
      appEvents(cfg, 'H4', 'W2').find((e) => e.event === 'resumed'),
    );
    expect(resumed.counter).toBeGreaterThanOrEqual(lastSaved);
    await waitFor('the new primary to save its own checkpoints', () =>
      (checkpoints.saved.get('W') ?? []).some((c) => c.replica === 'W2'),
    );
    expect(Math.min(...savedValues('W').slice(-1))).toBeGreaterThan(lastSaved);
  });

  it("polls the application's sanity check: an unhealthy copy is killed and reported (reason ping)", async () => {
    const ack = await startOn(client, spec('U1', 'U', { args: ['--unhealthy-after', '500'] }), 'P');
    const report = await waitFor('ReportFailure for U1', () =>
      manager.failures.find((f) => f.replica === 'U1'),
    );
    expect(report.reason).toBe('ping');
    expect(report.detail).toContain('unhealthy on purpose');
    expect(alive(ack.pid)).toBe(false);
  });

  it('a program registers itself: the manager hears of it and the WatchDog adopts its pid', async () => {
    const module = {
      name: 'S',
      style: 'cold',
      degree: 1,
      policy: 'on-each-failure',
      replicas: [{ host: 'H4', path: SAMPLE_APP }],
    };
    const program = spawnTracked(
      process.execPath,
      [join(ROOT, 'test', 'fixtures', 'self-register.mjs'), JSON.stringify(module)],
      {
        env: { RM_WATCHDOG_ADDRESS: addressOf.watchdog(cfg, 'H4'), RM_REPLICA: '', RM_MODULE: '' },
      },
    );
    const line = await waitFor('the program to be registered', () =>
      program
        .output()
        .split('\n')
        .find((l) => l.includes('"registered"')),
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${program.output()}`);
    });
    expect(JSON.parse(line)).toMatchObject({ replica: 'S1', role: 'primary', pid: program.pid });
    expect(manager.registers.at(-1)).toMatchObject({
      running_on: 'H4',
      module: { name: 'S', style: 'cold' },
    });
    const running = await client.listRunning(1);
    expect(running.running.find((r) => r.replica === 'S1')).toMatchObject({ pid: program.pid, role: 'P' });

    // Watched by its pid like any adopted copy.
    process.kill(program.pid, 'SIGKILL');
    const report = await waitFor('ReportFailure for S1', () =>
      manager.failures.find((f) => f.replica === 'S1'),
    );
    expect(report).toMatchObject({ host: 'H4', reason: 'exit' });
  });

  it('self-fencing: a copy whose WatchDog is gone stops itself after its lease', async () => {
    const second = spawnRmd(['watchdog', '--config', cfg.file, '--host', 'H5']);
    const other = new WatchDogClient(addressOf.watchdog(cfg, 'H5'), { deadlineMs: 5000 });
    try {
      await waitFor('the second WatchDog to answer', () => other.listRunning(1), { timeoutMs: 20_000 });
      const ack = await startOn(other, spec('F1', 'F'), 'P');
      await waitFor('F1 to attach', () => appEvents(cfg, 'H5', 'F1').find((e) => e.event === 'role'));
      process.kill(second.pid, 'SIGKILL');
      await second.exited;
      await waitFor('F1 to stop itself', () => !alive(ack.pid), { timeoutMs: 15_000 });
      const fenced = appEvents(cfg, 'H5', 'F1').find((e) => e.event === 'fenced');
      expect(fenced).toMatchObject({ replica: 'F1' });
      expect(String(fenced?.reason)).toContain('lease 1500 ms');
    } finally {
      other.close();
    }
  });
});

const realClient = join(ROOT, 'src', 'checkpoint-server', 'client.ts');
const realDaemon = join(ROOT, 'src', 'checkpoint-server', 'daemon.ts');
// Runs once the Checkpoint Server exists (its client and a daemon that is more than a placeholder).
const hasCheckpointServer =
  existsSync(realClient) &&
  existsSync(realDaemon) &&
  !readFileSync(realDaemon, 'utf8').includes('not implemented');

describe('SDK with the real Checkpoint Server', () => {
  it.skipIf(!hasCheckpointServer)('saves and loads through `rmd checkpoint-server`', async () => {
    checkpoints.stop();
    const server = spawnRmd(['checkpoint-server', '--config', cfg.file, '--host', 'H1']);
    const app = new Replica({
      module: 'K',
      replica: 'K1',
      checkpointAddress: cfg.checkpointServer.address,
      env: {},
    });
    sdks.push(app);
    const version = await waitFor('the Checkpoint Server to save', () => app.saveCheckpoint('7'), {
      timeoutMs: 20_000,
    }).catch((err) => {
      throw new Error(`${(err as Error).message}\n${server.output()}`);
    });
    expect(version).toBeGreaterThanOrEqual(1);
    const loaded = await app.loadCheckpoint();
    expect(loaded?.state.toString()).toBe('7');
  });
});
