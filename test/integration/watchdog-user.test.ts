/**
 * Copies run as their module's user (DESIGN §9, least privilege), with a real WatchDog process on H1
 * run as root, a recording fake ReplicaManager and a fake primary SuperWatchDog: a copy of a module
 * whose user is `nobody` runs as that uid and gid with no supplementary groups, in a working folder of
 * its own, while its keeper stays root; an SDK copy attaches over the WatchDog's socket as that user;
 * a user the host does not know, or one that cannot reach the socket, is refused before anything
 * starts. Root only (the WatchDog must be root to change accounts). Needs `npm run build` first.
 */
import { chmodSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/shared/config.js';
import { AccountError } from '../../src/shared/errors.js';
import type { ReplicaSpec__Output } from '../../src/shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import { type Account, readAccountFiles, resolveAccount } from '../../src/watchdog/accounts.js';
import type { WatchDogClient } from '../../src/watchdog/client.js';
import { procStat } from '../../src/watchdog/state.js';
import { tempDir, waitFor } from '../helpers/processes.js';
import {
  appEvents,
  copySpec,
  SAMPLE_APP,
  startWatchDogRig,
  stopWatchDogRig,
  testPorts,
  type WatchDogRig,
  writeClusterFile,
} from '../helpers/watchdog-fakes.js';

function nobodyAccount(): Account | null {
  try {
    return resolveAccount('nobody', '', readAccountFiles(), 'this machine');
  } catch {
    return null;
  }
}
const nobody = nobodyAccount();
const runnable = process.getuid?.() === 0 && nobody !== null;

const tmp = tempDir('rm-wd-user-');
afterAll(() => tmp.remove());
const ports = testPorts();
const bin = join(tmp.dir, 'bin');
/** A program without the SDK. */
const PLAIN = join(bin, 'plain');
let cfg: ClusterConfig;
let rig: WatchDogRig | undefined;
let client: WatchDogClient;
const copies = new Set<number>();

async function start(replica: string, extra: Partial<ReplicaSpec__Output>) {
  const ack = await client.startReplica(
    1,
    copySpec(replica, { module: replica.replace(/\d+$/, ''), ...extra }),
    'P',
  );
  copies.add(ack.pid);
  return ack;
}

/** The Uid:, Gid: and Groups: lines of /proc/PID/status. */
function idsOf(pid: number): { uid: string; gid: string; groups: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = (k: string) => (new RegExp(`^${k}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '').trim();
  return { uid: line('Uid'), gid: line('Gid'), groups: line('Groups') };
}

describe.skipIf(!runnable)("copies run as their module's user", () => {
  beforeAll(async () => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(PLAIN, '#!/bin/sh\nexec sleep 120\n');
    chmodSync(PLAIN, 0o755);
    ({ cfg } = writeClusterFile(tmp.dir, { ports, allowed: [join(SAMPLE_APP, '..'), bin] }));
    rig = await startWatchDogRig(cfg, 'H1');
    client = rig.client;
  });

  afterAll(() => stopWatchDogRig(rig ?? {}, copies));

  it('a user that cannot pass a folder above the socket is refused, naming the folder', async () => {
    // mkdtemp made the test's folder 0700: nobody cannot pass it.
    const err = await start('P1', { path: PLAIN, user: 'nobody' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccountError);
    expect((err as Error).message).toContain(`${tmp.dir} is not searchable`);
    const err2 = await start('P1', { path: PLAIN, user: 'no-such-user-here' }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(AccountError);
    expect((err2 as Error).message).toMatch(/"no-such-user-here" does not exist on H1/);
    expect((await client.listRunning(1)).running).toEqual([]);
  });

  it("runs the copy as the user's uid and gid, without supplementary groups, in its own folder; the keeper stays root", async () => {
    chmodSync(tmp.dir, 0o711);
    const ack = await start('P1', { path: PLAIN, user: 'nobody' });
    const n = nobody as Account;
    const ids = idsOf(ack.pid);
    expect(ids.uid.split(/\s+/)).toEqual(Array(4).fill(String(n.uid)));
    expect(ids.gid.split(/\s+/)).toEqual(Array(4).fill(String(n.gid)));
    expect(ids.groups).toBe('');
    const own = join(cfg.stateDir, 'H1', 'copies', 'P1');
    expect(readlinkSync(`/proc/${ack.pid}/cwd`)).toBe(own);
    expect(statSync(own).uid).toBe(n.uid);
    expect(statSync(own).mode & 0o777).toBe(0o700);
    // The WatchDog's own files stay its own.
    expect(statSync(join(cfg.stateDir, 'H1')).mode & 0o777).toBe(0o711);
    expect(statSync(join(cfg.stateDir, 'H1', 'logs')).mode & 0o077).toBe(0);
    expect(statSync(join(cfg.stateDir, 'H1', 'watchdog-state.json')).mode & 0o077).toBe(0);
    const keeper = procStat(ack.pid)?.pgid as number;
    expect(keeper).not.toBe(ack.pid);
    expect(idsOf(keeper).uid.split(/\s+/)[0]).toBe('0');
    // Stopped as any copy is.
    await client.stopReplica(1, 'P1');
    await waitFor('P1 to end', () => procStat(ack.pid) === null, { timeoutMs: 10_000 });
  });

  it("an SDK copy as that user attaches over the WatchDog's socket and is told its role", async () => {
    const ack = await start('S1', { user: 'nobody', group: String((nobody as Account).gid) });
    expect(idsOf(ack.pid).uid.split(/\s+/)[0]).toBe(String((nobody as Account).uid));
    await waitFor('S1 to attach and hear its role', () =>
      appEvents(cfg, 'H1', 'S1').find((e) => e.event === 'role' && e.role === 'primary'),
    );
    await client.stopReplica(1, 'S1');
    await waitFor('S1 to end', () => procStat(ack.pid) === null, { timeoutMs: 10_000 });
  });
});
