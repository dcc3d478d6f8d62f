/**
 * The SDK's lifecycle: its transitions as a pure function, and self-fencing driven by a manual
 * clock. A copy attaches to a fake WatchDog on a local socket that welcomes it and then says nothing
 * more: the copy fences itself when its lease runs out on its clock, and not before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { FENCED_EXIT_CODE, Replica } from '../../../src/client/index.js';
import { nextLifecycle, type ReplicaLifecycle, UNATTACHED } from '../../../src/client/lifecycle.js';
import { ManualClock } from '../../../src/shared/clock.js';
import type { AppMessage__Output } from '../../../src/shared/generated/rm/watchdog/v1/AppMessage.js';
import type { WatchDogMessage } from '../../../src/shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { protos } from '../../../src/shared/grpc.js';

describe('the lifecycle of a copy', () => {
  it('connects, attaches, reconnects after a lost stream and counts the attempts', () => {
    let s: ReplicaLifecycle = nextLifecycle(UNATTACHED, { type: 'attach' });
    expect(s).toEqual({ kind: 'connecting', reconnects: 0 });
    s = nextLifecycle(s, { type: 'lost' });
    expect(s).toEqual({ kind: 'connecting', reconnects: 1 });
    s = nextLifecycle(s, { type: 'welcome' });
    expect(s).toEqual({ kind: 'attached' });
    s = nextLifecycle(s, { type: 'lost' });
    expect(s).toEqual({ kind: 'connecting', reconnects: 1 });
    s = nextLifecycle(s, { type: 'lost' });
    expect(s).toEqual({ kind: 'connecting', reconnects: 2 });
  });

  it('fences once; a fencing copy only stops, and a stopped one stays stopped', () => {
    const attached: ReplicaLifecycle = { kind: 'attached' };
    const fenced = nextLifecycle(attached, { type: 'fence', reason: 'lease' });
    expect(fenced).toEqual({ kind: 'fenced', reason: 'lease', attached: true });
    expect(nextLifecycle(fenced, { type: 'fence', reason: 'again' })).toBe(fenced);
    expect(nextLifecycle(fenced, { type: 'welcome' })).toBe(fenced);
    expect(nextLifecycle(fenced, { type: 'lost' })).toEqual({
      kind: 'fenced',
      reason: 'lease',
      attached: false,
    });
    const stopped = nextLifecycle(fenced, { type: 'close' });
    expect(stopped).toEqual({ kind: 'stopped' });
    for (const type of ['attach', 'welcome', 'lost', 'close'] as const)
      expect(nextLifecycle(stopped, { type })).toBe(stopped);
    expect(nextLifecycle(stopped, { type: 'fence', reason: 'x' })).toBe(stopped);
  });
});

/** A WatchDog that welcomes a copy, then answers nothing; it records what the copy sends. */
function silentWatchDog(socket: string, welcome: WatchDogMessage['welcome']) {
  const received: AppMessage__Output[] = [];
  const server = new grpc.Server();
  server.addService(protos().watchdog.rm.watchdog.v1.WatchDogApp.service, {
    Attach: (call: grpc.ServerDuplexStream<AppMessage__Output, WatchDogMessage>) => {
      call.on('data', (m: AppMessage__Output) => {
        received.push(m);
        if (m.msg === 'hello') call.write({ welcome });
      });
      call.on('error', () => undefined);
      call.on('end', () => call.end());
    },
    RegisterSelf: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in this test' }),
  });
  const bound = new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return { server, received, bound };
}

describe('self-fencing on a manual clock', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('fences a copy whose WatchDog falls silent once its lease runs out, and not before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-fence-'));
    const socket = join(dir, 'app.sock');
    const wd = silentWatchDog(socket, {
      replica: 'a1',
      module: 'A',
      role: 'PRIMARY',
      host: 'H1',
      lease_ms: 1000,
      heartbeat_interval_ms: 100,
      epoch: '1',
      generation: '1',
    });
    cleanups.push(() => {
      wd.server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    });
    await wd.bound;

    const clock = new ManualClock();
    const exits: number[] = [];
    const fences: string[] = [];
    const replica = new Replica({
      watchdogAddress: `unix:${socket}`,
      replica: 'a1',
      module: 'A',
      leaseMs: 1000,
      clock,
      env: {},
      exit: (code) => exits.push(code),
    });
    cleanups.push(() => replica.close());
    replica.on('fence', (reason) => fences.push(reason));
    expect(replica.lifecycle).toEqual({ kind: 'unattached' });

    await replica.attach();
    expect(replica.lifecycle).toEqual({ kind: 'attached' });
    expect(replica.role).toBe('primary');

    // Beats go out on the clock; the WatchDog answers none, so nothing renews the lease.
    // The copy stops itself a little (a tenth of the lease, at most 100 ms) before the lease ends.
    clock.advance(850);
    expect(fences).toEqual([]);
    expect(exits).toEqual([]);
    expect(replica.lifecycle.kind).toBe('attached');

    clock.advance(100);
    expect(fences).toEqual(['no word from the WatchDog for 950 ms (lease 1000 ms)']);
    expect(exits).toEqual([FENCED_EXIT_CODE]);
    expect(replica.lifecycle).toEqual({ kind: 'stopped' });
    expect(replica.attached).toBe(false);
    // Every timer of the copy is gone with it.
    expect(clock.pending).toBe(0);
  });
});
