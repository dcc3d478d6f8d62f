/**
 * A real WatchDog process (`rmd watchdog`) on H1 (127.0.0.11) with a recording fake ReplicaManager and
 * a fake primary SuperWatchDog: it starts the sample application, tells it its role, detects a crash
 * and a hang, refuses stale epochs and executables outside the allowed folders, and answers the
 * ListRunning a reconcile asks. Needs `npm run build` first (the launcher and the sample application run from dist/).
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/shared/config.js';
import { ExecutableError, NotFoundError, StaleEpochError } from '../../src/shared/errors.js';
import type { ReplicaSpec__Output } from '../../src/shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import type { WatchDogClient } from '../../src/watchdog/client.js';
import { procStat } from '../../src/watchdog/state.js';
import { isAlive, tempDir, waitFor } from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  FakeReplicaManager,
  type FakeSuperWatchDog,
  SAMPLE_APP,
  startWatchDogRig,
  stopWatchDogRig,
  testPorts,
  writeClusterFile,
} from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-wd-');
const ports = testPorts();
let cfg: ClusterConfig;
let manager: FakeReplicaManager;
let swd: FakeSuperWatchDog;
let client: WatchDogClient;
const copies = new Set<number>();

async function start(replica: string, role: 'P' | 'B', extra: Partial<ReplicaSpec__Output> = {}, epoch = 1) {
  const ack = await client.startReplica(epoch, copySpec(replica, extra), role);
  copies.add(ack.pid);
  return ack;
}

function failureOf(replica: string) {
  return manager.failures.find((f) => f.replica === replica);
}

beforeAll(async () => {
  const other = join(tmp.dir, 'elsewhere');
  const allowedExtra = join(tmp.dir, 'bin');
  mkdirSync(other, { recursive: true });
  mkdirSync(allowedExtra, { recursive: true });
  writeFileSync(join(other, 'tool'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(other, 'tool'), 0o755);
  writeFileSync(join(allowedExtra, 'not-executable'), '#!/bin/sh\nexit 0\n');
  symlinkSync(join(other, 'tool'), join(allowedExtra, 'escape'));
  ({ cfg } = writeClusterFile(tmp.dir, { ports, allowed: [join(SAMPLE_APP, '..'), allowedExtra] }));
  ({ manager, swd, client } = await startWatchDogRig(cfg, 'H1'));
});

afterAll(async () => {
  await stopWatchDogRig({ client, manager, swd }, copies);
  tmp.remove();
});

describe('WatchDog', () => {
  it('beats to the primary SuperWatchDog and reports what it runs to the manager the beat names', async () => {
    await waitFor('a beat from H1', () => swd.beats.some((b) => b.host === 'H1'));
    await waitFor('a running report from H1', () => manager.running.find((r) => r.host === 'H1'));
  });

  it('starts the sample app as a backup, idempotently, and a promotion reaches the app at once', async () => {
    const ack = await start('A1', 'B');
    expect(ack.role).toBe('B');
    expect(isAlive(ack.pid)).toBe(true);
    await waitFor('the app to say it is a backup', () =>
      appEvents(cfg, 'H1', 'A1').find((e) => e.event === 'role' && e.role === 'backup'),
    );

    const again = await start('A1', 'B');
    expect(again.pid).toBe(ack.pid);
    const running = await client.listRunning(1);
    expect(running.running.filter((r) => r.replica === 'A1')).toEqual([
      expect.objectContaining({ replica: 'A1', module: 'A', role: 'B', pid: ack.pid }),
    ]);

    const promoted = await client.setRole(1, 'A1', 'P');
    expect(promoted).toMatchObject({ replica: 'A1', pid: ack.pid, role: 'P' });
    const line = await waitFor('the app to say it is primary', () =>
      appEvents(cfg, 'H1', 'A1').find((e) => e.event === 'role' && e.role === 'primary'),
    );
    expect(line).toMatchObject({ replica: 'A1', role: 'primary' });
    expect(typeof line.t).toBe('string');
    // Still one process: the role change did not restart it.
    expect(appEvents(cfg, 'H1', 'A1').filter((e) => e.event === 'started')).toHaveLength(1);
  });

  it('reports a copy killed with SIGKILL as soon as it exits', async () => {
    const ack = await start('A2', 'B');
    await waitFor('A2 to attach', () => appEvents(cfg, 'H1', 'A2').find((e) => e.event === 'role'));
    process.kill(ack.pid, 'SIGKILL');
    const report = await waitFor('ReportFailure for A2', () => failureOf('A2'));
    expect(report).toMatchObject({ host: 'H1', replica: 'A2', reason: 'signal' });
    expect(report.detail).toContain('SIGKILL');
    const running = await client.listRunning(1);
    expect(running.running.map((r) => r.replica)).not.toContain('A2');
  });

  it('reports a copy that crashes on its own with reason exit and its code', async () => {
    await start('A3', 'P', { args: ['--crash-after', '300'] });
    const report = await waitFor('ReportFailure for A3', () => failureOf('A3'));
    expect(report).toMatchObject({ host: 'H1', replica: 'A3', reason: 'exit' });
    expect(report.detail).toContain('code 1');
  });

  it('kills a heartbeat-style copy that stops beating before reporting it as hung: stopped, it is continued and ends on TERM', async () => {
    const ack = await start('H01', 'P', { module: 'H', detect: 'heartbeat', timeout_ms: 800 });
    await waitFor('H01 to attach', () => appEvents(cfg, 'H1', 'H01').find((e) => e.event === 'role'));
    process.kill(ack.pid, 'SIGSTOP');
    const report = await waitFor('ReportFailure for H01', () => failureOf('H01'), { timeoutMs: 20_000 });
    // Killed before the report: by the time the manager hears of it, the process is gone.
    expect(isAlive(ack.pid)).toBe(false);
    expect(report).toMatchObject({ host: 'H1', replica: 'H01', reason: 'hang' });
    expect(report.detail).toMatch(/no heartbeat for \d+ ms/);
    expect(report.detail).toContain('killed (TERM)');
  });

  it('kills and reports a copy whose event loop hangs (--hang-after)', async () => {
    const ack = await start('H02', 'P', {
      module: 'H',
      detect: 'heartbeat',
      timeout_ms: 800,
      args: ['--hang-after', '300'],
    });
    const report = await waitFor('ReportFailure for H02', () => failureOf('H02'), { timeoutMs: 20_000 });
    expect(report).toMatchObject({ replica: 'H02', reason: 'hang' });
    expect(isAlive(ack.pid)).toBe(false);
    expect(appEvents(cfg, 'H1', 'H02').map((e) => e.event)).toContain('hang');
  });

  it('refuses commands with an epoch lower than the highest it has seen', async () => {
    await client.listRunning(5);
    await expect(client.startReplica(3, copySpec('A9'), 'P')).rejects.toBeInstanceOf(StaleEpochError);
    await expect(client.setRole(4, 'A1', 'B')).rejects.toBeInstanceOf(StaleEpochError);
    const running = await client.listRunning(5);
    expect(running.epoch).toBe(5);
    expect(running.running.map((r) => r.replica)).not.toContain('A9');
  });

  it('refuses executables outside the allowed folders, relative, with "..", missing or not executable', async () => {
    const bad = [
      join(tmp.dir, 'elsewhere', 'tool'),
      'examples/bin/sample-app',
      `${join(SAMPLE_APP, '..')}/../bin/sample-app`,
      join(tmp.dir, 'bin', 'escape'),
      join(tmp.dir, 'bin', 'missing'),
      join(tmp.dir, 'bin', 'not-executable'),
      '/bin/sh',
    ];
    for (const path of bad) {
      await expect(client.startReplica(5, copySpec('X1', { path }), 'P'), path).rejects.toBeInstanceOf(
        ExecutableError,
      );
    }
    const running = await client.listRunning(5);
    expect(running.running.map((r) => r.replica)).not.toContain('X1');
  });

  it('answers SetRole for a copy it does not run with NotFound', async () => {
    await expect(client.setRole(6, 'nope', 'P')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps failure reports while the ReplicaManager is unreachable and delivers them when it is back', async () => {
    const ack = await start('C1', 'P', { module: 'C' }, 6);
    const address = manager.address;
    manager.stop();
    process.kill(ack.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    manager = await new FakeReplicaManager().start(address);
    const report = await waitFor('the kept report for C1', () => failureOf('C1'), { timeoutMs: 20_000 });
    expect(report.reason).toBe('signal');
  });

  it("a stop with wait_exit answers only once the copy has ended (a switchover's first step); a plain stop answers at TERM", async () => {
    // A program that ignores TERM: only the KILL after the grace ends it.
    const stubborn = join(tmp.dir, 'bin', 'stubborn');
    writeFileSync(stubborn, "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 0.1; done\n");
    chmodSync(stubborn, 0o755);
    const spec = { path: stubborn, module: 'S', style: 'cold', interval_ms: 60_000 };
    const plain = await start('S1', 'P', spec, 7);
    const waited = await start('S2', 'P', spec, 7);
    // Runs: not gone, and not a zombie its parent has yet to reap.
    const runs = (pid: number) => procStat(pid) !== null;
    await client.stopReplica(7, 'S1');
    expect(runs(plain.pid), 'a plain stop answers while the copy may still run').toBe(true);
    await client.stopReplica(7, 'S2', { waitExit: true, deadlineMs: 15_000 });
    expect(runs(waited.pid), 'wait_exit answers once the copy has ended').toBe(false);
    // A stop with wait_exit of a copy already on its way out waits for that end too.
    await client.stopReplica(7, 'S1', { waitExit: true, deadlineMs: 15_000 });
    expect(runs(plain.pid)).toBe(false);
    const running = await client.listRunning(7);
    expect(running.running.map((r) => r.replica)).not.toContain('S2');
  });
});
