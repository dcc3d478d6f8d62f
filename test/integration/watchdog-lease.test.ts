/**
 * Fence first (DESIGN §5), with a real WatchDog process on H3 and real copies: a copy lives only as
 * long as the host's lease, which only a primary SuperWatchDog's answer to a beat renews. Cut off
 * from the primary, the WatchDog stops renewing: its copies stop within the lease, those without
 * the SDK too (their keeper kills them). Killed outright, the WatchDog renews nothing either, and
 * the keepers stop its copies with no WatchDog running. Needs `npm run build` first.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { procStat } from '../../src/watchdog/state.js';
import { killAll, killGroup, type Spawned, spawnRmd, tempDir, waitFor } from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  FakeReplicaManager,
  FakeSuperWatchDog,
  SAMPLE_APP,
  testPorts,
  writeClusterFile,
} from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-wd-lease-');
const ports = testPorts();
const LEASE = 1400;
// Longer than the inequality needs, so that a busy machine's scheduling does not fail the test.
const HOST_TIMEOUT = 4000;
/** A new primary's wait past a host timeout before it declares a host it has not heard (takeoverGraceMs). */
const GRACE = 1000;
let cfg: ClusterConfig;
let manager: FakeReplicaManager;
let swd: FakeSuperWatchDog;
let client: WatchDogClient;
let wd: Spawned;
const copies = new Set<number>();
const bin = join(tmp.dir, 'bin');
/** A program without the SDK: it never stops itself. */
const PLAIN = join(bin, 'plain');

const spec = (replica: string, path: string) =>
  copySpec(replica, { module: replica.replace(/\d+$/, ''), path });

async function startWatchDog(): Promise<void> {
  wd = spawnRmd(['watchdog', '--config', cfg.file, '--host', 'H3']);
  await waitFor('the WatchDog to answer', () => client.listRunning(1), { timeoutMs: 20_000 }).catch((err) => {
    throw new Error(`${(err as Error).message}\n${wd.output()}`);
  });
}

async function startCopy(replica: string, path: string): Promise<number> {
  const ack = await waitFor(`${replica} to start`, () => client.startReplica(1, spec(replica, path), 'P'), {
    timeoutMs: 10_000,
  });
  copies.add(ack.pid);
  return ack.pid;
}

const alive = (pid: number) => procStat(pid) !== null;

beforeAll(async () => {
  mkdirSync(bin, { recursive: true });
  writeFileSync(PLAIN, '#!/bin/sh\nexec sleep 120\n');
  chmodSync(PLAIN, 0o755);
  ({ cfg } = writeClusterFile(tmp.dir, {
    ports,
    timings: { appLeaseMs: LEASE, hostTimeoutMs: HOST_TIMEOUT, fenceMarginMs: 300, takeoverGraceMs: GRACE },
    allowed: [join(SAMPLE_APP, '..'), bin],
  }));
  manager = await new FakeReplicaManager().start('127.0.0.12:0');
  swd = await new FakeSuperWatchDog(manager.address).start(addressOf.superWatchdog(cfg, 'H2'));
  client = new WatchDogClient(addressOf.watchdog(cfg, 'H3'), { deadlineMs: 5000 });
});

afterEach(async () => {
  swd.primary = true;
  swd.leaseRemainingMs = 10_000;
  for (const pid of copies) killGroup(pid);
  copies.clear();
  await killAll();
});

afterAll(() => {
  client?.close();
  manager?.stop();
  swd?.stop();
  tmp.remove();
});

describe('the host lease (fence first)', () => {
  it('a WatchDog cut off from the primary SuperWatchDog stops its copies within the lease, SDK or not', async () => {
    await startWatchDog();
    const plain = await startCopy('P1', PLAIN);
    const sdk = await startCopy('S1', SAMPLE_APP);
    await waitFor('S1 to attach', () => appEvents(cfg, 'H3', 'S1').find((e) => e.event === 'role'));
    // Still running well past a lease while the primary answers.
    await new Promise((r) => setTimeout(r, LEASE + 300));
    expect(alive(plain) && alive(sdk)).toBe(true);
    // The ring no longer has this host's beats answered by a primary (a partition, as seen from H3).
    swd.primary = false;
    const cutAt = Date.now();
    await waitFor('both copies to stop', () => !alive(plain) && !alive(sdk), { timeoutMs: 10_000 });
    const took = Date.now() - cutAt;
    // Gone before any primary could have declared the host dead.
    expect(took).toBeLessThan(HOST_TIMEOUT);
    expect(appEvents(cfg, 'H3', 'S1').find((e) => e.event === 'fenced')?.reason).toMatch(
      /host lease ran out/,
    );
    // The WatchDog itself lives on, and says why the copies ended.
    expect(alive(wd.pid)).toBe(true);
    await waitFor('the failures reported', () =>
      ['P1', 'S1'].every((r) => manager.failures.some((f) => f.replica === r)),
    );
    // And it starts nothing while it holds no lease.
    await expect(client.startReplica(1, spec('P2', PLAIN), 'P')).rejects.toThrow(/holds no host lease/);
  });

  it('a primary whose own manager lease has run out renews nothing past it (the store may be lost to it)', async () => {
    await startWatchDog();
    const plain = await startCopy('P3', PLAIN);
    // Another primary could have taken over long enough ago to declare this host dead now.
    swd.leaseRemainingMs = -(GRACE + HOST_TIMEOUT - 300);
    const from = Date.now();
    // Still answered as primary, so renewed forever were the primary's own lease not counted: it
    // ends once the lease already granted runs out (plus the keeper's check and the kill).
    await waitFor('P3 to stop', () => !alive(plain), { timeoutMs: 10_000 });
    expect(Date.now() - from).toBeLessThan(LEASE + 300);
  });

  it('a WatchDog killed outright renews nothing: the keepers stop its copies with no WatchDog running', async () => {
    await startWatchDog();
    const plain = await startCopy('P4', PLAIN);
    const sdk = await startCopy('S2', SAMPLE_APP);
    process.kill(wd.pid, 'SIGKILL');
    await wd.exited;
    const from = Date.now();
    await waitFor('both copies to stop', () => !alive(plain) && !alive(sdk), { timeoutMs: 10_000 });
    expect(Date.now() - from).toBeLessThan(HOST_TIMEOUT);
  });
});
