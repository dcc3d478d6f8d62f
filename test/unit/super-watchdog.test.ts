/**
 * The SuperWatchDog daemon's own duties around the pure ring core, with a fake clock, a fake arbiter
 * (the Checkpoint Server's leadership record) and a recording fake of the ReplicaManager process:
 * a one-member ring, so that no beat leaves the process.
 */
import { describe, expect, it } from 'vitest';
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
    'timings: { ringBeatMs: 100, ringTimeoutMs: 500, watchdogBeatMs: 100, hostTimeoutMs: 500 }',
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
  const manager = {
    ensure: (epoch: number) => void calls.push(`ensure ${epoch}`),
    restart: (reason: string) => void calls.push(`restart (${reason})`),
    stop: async () => void calls.push('stop'),
  };
  const swd = new SuperWatchDog({
    cfg: CFG,
    host: 'H1',
    logger: silentLogger(),
    arbiter,
    manager,
    now: () => now,
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      now += 50;
      swd.tick();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { swd, calls, advance, setStore: (up: boolean) => (storeUp = up), beat: () => swd.managerBeat(7) };
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
    expect(calls[1]).toMatch(/^restart/);
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
