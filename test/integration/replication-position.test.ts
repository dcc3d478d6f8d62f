/**
 * How the ReplicaManager learns how far each copy applied its module's replication stream (DESIGN
 * §11), over real processes: a real WatchDog (H4, 127.0.0.14), a real Checkpoint Server as the
 * stream's directory, a recording fake ReplicaManager and a fake primary SuperWatchDog. Three SDK
 * copies of one module: the primary writes 30 messages, one backup applies them all, the other stops
 * applying after 12. Each copy's beats carry its position: the WatchDog lists it (ListRunning, what
 * the manager asks before a promotion), and the failure report of the killed primary carries the
 * last message it wrote. Then a module registered as an active copy-cat (copyCat, seed 002), its
 * application code not asking for the mode: a backup that computes
 * differently from input 7 on tells its WatchDog, which stops it and reports it (reason diverged,
 * naming input 7), while the other backup replays every input alike; left without a backup in sync,
 * the primary refuses inputs until a new one is. Needs `npm run build` first; binds 127.0.0.10–14
 * (run under the cluster lock).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointServerDaemon, startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import type { Module, ModuleSpec } from '../../src/model/table.js';
import { replicaSpec } from '../../src/replica-manager/daemon.js';
import { validateRegistration } from '../../src/replica-manager/validate.js';
import type { ClusterConfig } from '../../src/shared/config.js';
import type { WatchDogClient } from '../../src/watchdog/client.js';
import { ROOT, tempDir, waitFor } from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  type FakeReplicaManager,
  type FakeSuperWatchDog,
  startWatchDogRig,
  stopWatchDogRig,
  testPorts,
  writeClusterFile,
} from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-position-');
const bin = join(tmp.dir, 'bin');
const COPY = join(bin, 'replicated-copy');
const ports = testPorts();
let cfg: ClusterConfig;
let manager: FakeReplicaManager;
let swd: FakeSuperWatchDog;
let checkpoints: CheckpointServerDaemon;
let client: WatchDogClient;
const pids = new Set<number>();

beforeAll(async () => {
  mkdirSync(bin, { recursive: true });
  // The WatchDog runs only executables from the allowed folders: a launcher of the fixture there.
  const fixture = join(ROOT, 'test', 'fixtures', 'replicated-copy.mjs');
  writeFileSync(COPY, `#!/bin/sh\nexec "${process.execPath}" "${fixture}" "$@"\n`);
  chmodSync(COPY, 0o755);
  ({ cfg } = writeClusterFile(tmp.dir, { ports, allowed: [bin] }));
  checkpoints = await startCheckpointServer({
    address: cfg.checkpointServer.address,
    dataDir: join(tmp.dir, 'checkpoint'),
    logger: pino({ level: 'silent' }),
  });
  ({ manager, swd, client } = await startWatchDogRig(cfg, 'H4'));
});

afterAll(async () => {
  await stopWatchDogRig({ manager, swd, client }, pids);
  await checkpoints?.stop();
  tmp.remove();
});

const events = (replica: string, event: string) =>
  appEvents(cfg, 'H4', replica).filter((e) => e.event === event);

async function start(replica: string, role: 'P' | 'B', args: string[], env: Record<string, string> = {}) {
  const module = replica.replace(/\d+$/, '');
  const ack = await client.startReplica(1, copySpec(replica, { module, path: COPY, args, env }), role, 1);
  pids.add(ack.pid);
  return ack;
}

describe('applied positions from the SDK to the ReplicaManager', () => {
  it("each copy's beats carry its applied position; ListRunning lists it, a failure report carries the primary's last", async () => {
    const primary = await start('R1', 'P', ['--write', '30']);
    await start('R2', 'B', []);
    await start('R3', 'B', ['--apply-up-to', '12']);
    const wrote = await waitFor('R1 to write its messages', () =>
      appEvents(cfg, 'H4', 'R1').find((e) => e.event === 'wrote'),
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${JSON.stringify(appEvents(cfg, 'H4', 'R1'))}`);
    });
    expect(wrote).toMatchObject({ applied: 30, appliedGeneration: 1 });

    const positions = await waitFor(
      'every copy to report its position with a beat',
      async () => {
        const running = (await client.listRunning(1)).running;
        const at = Object.fromEntries(running.map((r) => [r.replica, r.applied]));
        return at.R1?.seq === 30 && at.R2?.seq === 30 && at.R3?.seq === 12 ? at : undefined;
      },
      { timeoutMs: 20_000 },
    ).catch(async (err) => {
      const running = (await client.listRunning(1)).running;
      throw new Error(
        `${(err as Error).message}\n${JSON.stringify(running)}\n${JSON.stringify(appEvents(cfg, 'H4', 'R2').slice(-10))}`,
      );
    });
    expect(positions).toEqual({
      R1: { seq: 30, generation: 1 },
      R2: { seq: 30, generation: 1 },
      R3: { seq: 12, generation: 1 },
    });

    process.kill(primary.pid, 'SIGKILL');
    const report = await waitFor('ReportFailure for R1', () =>
      manager.failures.find((f) => f.replica === 'R1'),
    );
    expect(report).toMatchObject({ host: 'H4', reason: 'signal', applied: { seq: '30', generation: '1' } });
  }, 60_000);

  it('a copy-cat backup that computes differently is stopped and reported at the input where it diverged; a primary without a backup in sync refuses inputs', async () => {
    // The module is registered copy-cat, demanding a backup in sync within 1.5 s; each copy is
    // started with the environment the ReplicaManager gives its WatchDog for that registration,
    // and the application code does not ask for the mode (no --copycat).
    const registered: ModuleSpec = {
      name: 'C',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      copyCat: true,
      maxOutOfSyncMs: 1500,
      replicas: ['C1', 'C2', 'C3', 'C4'].map((id, i) => ({ id, host: `H${i + 1}`, path: COPY })),
    };
    // (As registered, one copy per host; here H4's WatchDog runs all four with what they are told.)
    const hosts = ['H1', 'H2', 'H3', 'H4'].map((name) => ({ name, up: true }));
    validateRegistration(registered, { hosts, modules: [] });
    const module: Module = {
      ...registered,
      detect: 'poll',
      replicas: registered.replicas.map((r) => ({ ...r, id: r.id ?? '', status: 'I', failures: 0 })),
      underReplicated: false,
    };
    const env = replicaSpec(module, 'C1').env;
    expect(env).toMatchObject({ RM_COPY_CAT: '1', RM_REPLICATION_MAX_OUT_OF_SYNC_MS: '1500' });
    await start('C2', 'B', ['--diverge-at', '7'], env);
    const good = await start('C3', 'B', [], env);
    await start('C1', 'P', ['--write', '20', '--every', '100'], env);

    const wrote = await waitFor('C1 to run its 20 inputs', () => events('C1', 'wrote')[0], {
      timeoutMs: 30_000,
    });
    expect(wrote).toMatchObject({ total: 210, applied: 20 });
    const report = await waitFor(
      'ReportFailure for C2',
      () => manager.failures.find((f) => f.replica === 'C2'),
      {
        timeoutMs: 20_000,
      },
    );
    expect(report.reason).toBe('diverged');
    expect(report.detail).toContain('its replay of input 7 diverged');
    expect(report.detail).toContain('the backup\'s output "29:');
    expect(events('C2', 'diverged')).toEqual([expect.objectContaining({ seq: 7 })]);
    // The time and the random numbers are the primary's, replayed: C3 has never diverged.
    const c3 = await waitFor('C3 to replay past input 20', async () => {
      const r = (await client.listRunning(1)).running.find((x) => x.replica === 'C3');
      return r?.applied && r.applied.seq >= 20 ? r : undefined;
    });
    expect(c3.applied?.generation).toBe(1);
    expect(events('C3', 'diverged')).toEqual([]);
    expect((await client.listRunning(1)).running.map((r) => r.replica)).not.toContain('C2');

    // No backup in sync: after the allowance, inputs are refused, and the primary says why.
    process.kill(good.pid, 'SIGKILL');
    // (The input in flight when C3 died is not acknowledged: NotAcknowledgedError after 5 s.)
    const refused = await waitFor(
      'C1 to refuse inputs',
      () => events('C1', 'refused').find((e) => e.error === 'GuidelineError'),
      { timeoutMs: 20_000 },
    ).catch(async (err) => {
      const running = (await client.listRunning(1)).running;
      throw new Error(
        `${(err as Error).message}\n${JSON.stringify(running)}\n${JSON.stringify(appEvents(cfg, 'H4', 'C1').slice(-10))}`,
      );
    });
    expect(String(refused.message)).toContain('0 of the 1 in-sync backups the module demands');
    expect(events('C1', 'guideline').at(-1)).toMatchObject({ kept: false });
    // A new backup catches up (it replays what it missed) and the primary takes inputs again.
    await start('C4', 'B', [], env);
    await waitFor('C1 to accept inputs again', () => events('C1', 'accepted')[0], { timeoutMs: 20_000 });
    expect(events('C1', 'guideline').at(-1)).toMatchObject({ kept: true });
  }, 90_000);
});
