/**
 * How the ReplicaManager learns how far each copy applied its module's replication stream (DESIGN
 * §11), over real processes: a real WatchDog (H4, 127.0.0.14), a real Checkpoint Server as the
 * stream's directory, a recording fake ReplicaManager and a fake primary SuperWatchDog. Three SDK
 * copies of one module: the primary writes 30 messages, one backup applies them all, the other stops
 * applying after 12. Each copy's beats carry its position: the WatchDog lists it (ListRunning, what
 * the manager asks before a promotion), and the failure report of the killed primary carries the
 * last message it wrote. Needs `npm run build` first; binds 127.0.0.10–14 (run under the cluster lock).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointServerDaemon, startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import type { WatchDogClient } from '../../src/watchdog/client.js';
import { killAll, killGroup, ROOT, tempDir, waitFor } from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  FakeReplicaManager,
  FakeSuperWatchDog,
  startWatchDog,
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
  manager = await new FakeReplicaManager().start('127.0.0.12:0');
  swd = await new FakeSuperWatchDog(manager.address).start(addressOf.superWatchdog(cfg, 'H2'));
  checkpoints = await startCheckpointServer({
    address: cfg.checkpointServer.address,
    dataDir: join(tmp.dir, 'checkpoint'),
    logger: pino({ level: 'silent' }),
  });
  ({ client } = await startWatchDog(cfg, 'H4', 1));
});

afterAll(async () => {
  client?.close();
  for (const pid of pids) killGroup(pid);
  await killAll();
  manager?.stop();
  swd?.stop();
  await checkpoints?.stop();
  tmp.remove();
});

describe('applied positions from the SDK to the ReplicaManager', () => {
  it("each copy's beats carry its applied position; ListRunning lists it, a failure report carries the primary's last", async () => {
    const start = async (replica: string, role: 'P' | 'B', args: string[]) => {
      const ack = await client.startReplica(1, copySpec(replica, { module: 'R', path: COPY, args }), role, 1);
      pids.add(ack.pid);
      return ack;
    };
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
    );
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
});
