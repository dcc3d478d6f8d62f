/**
 * The SuperWatchDog daemon's own duties around the pure ring core, with a fake clock, a fake arbiter
 * (the Checkpoint Server's leadership record) and a recording fake of the ReplicaManager process:
 * a one-member ring, so that no beat leaves the process.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import { parseClusterConfig } from '../../src/shared/config.js';
import { UnavailableError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logging.js';
import { type EpochArbiter, SuperWatchDog } from '../../src/super-watchdog/daemon.js';

const CFG = parseClusterConfig(
  [
    'hosts: [{ name: H1, address: 127.0.0.11 }]',
    'checkpointServer: { address: 127.0.0.10:7490, dataDir: /tmp/unused }',
    'ring: [H1]',
    'allowedExecutableDirs: [/opt]',
    'stateDir: /tmp/unused',
    'timings: { ringBeatMs: 100, ringTimeoutMs: 500, watchdogBeatMs: 100, hostTimeoutMs: 1500, appLeaseMs: 900, fenceMarginMs: 300, managerStartGraceMs: 1000 }',
  ].join('\n'),
);

function setup() {
  let now = 1_000_000;
  const calls: string[] = [];
  let storeUp = true;
  const arbiter: EpochArbiter = {
    acquire: async () => ({ won: true, holder: 'H1', epoch: 7 }),
    renew: async () => {
      if (!storeUp) throw new UnavailableError('store down');
    },
  };
  /** The fake manager process: spawned at ensure(), gone at restart() until respawn(). */
  const manager = {
    spawnedAt: null as number | null,
    ensure: (epoch: number) => {
      calls.push(`ensure ${epoch}`);
      manager.spawnedAt = now;
    },
    restart: (reason: string) => {
      calls.push(`restart (${reason})`);
      manager.spawnedAt = null;
    },
    stop: async () => {
      calls.push('stop');
      manager.spawnedAt = null;
    },
  };
  const swd = new SuperWatchDog({
    host: 'H1',
    ring: CFG.ring,
    hosts: CFG.hosts.map((h) => h.name),
    timings: CFG.timings,
    managerAddress: (h) => `${h}:7401`,
    logger: silentLogger(),
    arbiter,
    manager,
    peers: {
      send: async (to) => {
        throw new UnavailableError(`a one-member ring sends nothing, yet a beat went to ${to}`);
      },
      close: () => undefined,
    },
    reports: { reportHost: async () => undefined, close: () => undefined },
    clock: { ...systemClock, now: () => now },
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      now += 50;
      swd.tick();
      await new Promise((r) => setImmediate(r));
    }
  };
  return {
    swd,
    calls,
    advance,
    setStore: (up: boolean) => (storeUp = up),
    beat: () => swd.managerBeat(7),
    /** The manager process comes back after its back-off (ManagerProcess does this on its exit). */
    respawn: () => (manager.spawnedAt = now),
    /** This SuperWatchDog does not run for `ms` (starved of CPU, or frozen), then ticks once. */
    stall: (ms: number) => {
      now += ms;
      swd.tick();
    },
  };
}

describe('SuperWatchDog duties', () => {
  it('wins the epoch, starts the ReplicaManager, and restarts it when its beats stop', async () => {
    const { swd, calls, advance, beat } = setup();
    await advance(200);
    expect(swd.isPrimary).toBe(true);
    expect(calls).toEqual(['ensure 7']);
    for (let i = 0; i < 10; i++) {
      beat();
      await advance(100);
    }
    expect(calls).toEqual(['ensure 7']);
    await advance(700);
    expect(calls[1]).toMatch(/^restart \(no beat for/);
    await swd.stop();
  });

  it('gives a new manager its start grace from its own spawn, however late after a back-off it comes', async () => {
    const { swd, calls, advance, beat, respawn } = setup();
    await advance(200);
    beat();
    await advance(600);
    expect(calls).toEqual(['ensure 7', expect.stringMatching(/^restart/)]);
    // A back-off of 1.3 s, then a new process that is slow to beat: none of that counts against it
    // until its grace (1000 ms) and the ring timeout (500 ms) from its spawn have passed.
    await advance(1300);
    respawn();
    await advance(1400);
    expect(calls).toHaveLength(2);
    await advance(200);
    expect(calls).toHaveLength(3);
    expect(calls[2]).toMatch(/no first beat within \d+ ms of its start \(start grace 1000 ms/);
    await swd.stop();
  });

  it('does not count the time it was itself starved of CPU against the manager', async () => {
    const { swd, calls, advance, beat, stall } = setup();
    await advance(200);
    beat();
    await advance(300);
    // Silent for 700 ms by the wall, of which it watched 300: shorter than its lease, too.
    stall(400);
    await advance(100);
    beat();
    await advance(300);
    expect(calls).toEqual(['ensure 7']);
    await swd.stop();
  });

  it('stops the ReplicaManager when its lease cannot be renewed, and starts it again once renewed', async () => {
    const { swd, calls, advance, beat, setStore } = setup();
    await advance(200);
    setStore(false);
    for (let i = 0; i < 8; i++) {
      beat();
      await advance(100);
    }
    expect(calls).toEqual(['ensure 7', 'stop']);
    setStore(true);
    await advance(300);
    expect(calls).toEqual(['ensure 7', 'stop', 'ensure 7']);
    expect(swd.isPrimary).toBe(true);
    await swd.stop();
  });
});
