/**
 * The WatchDog's beats over real gRPC to fake SuperWatchDogs on the ring H2 → H5 → H6 (source ¶0026):
 * when the primary it beats to is gone, it finds the new one by asking the next members in ring order
 * and by following a backup's pointer to the primary it names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import { silentLogger } from '../../src/shared/logging.js';
import { type BeatAnswer, BeatLoop, GrpcBeatTransport } from '../../src/watchdog/beats.js';
import { tempDir, waitFor } from '../helpers/processes.js';
import { FakeSuperWatchDog, testPorts, writeClusterFile } from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-beats-');
let cfg: ClusterConfig;
const fakes: FakeSuperWatchDog[] = [];
let loop: BeatLoop | null = null;
let transport: GrpcBeatTransport | null = null;

async function fake(host: string, managerAddress: string, primary: boolean, primaryHost = '') {
  const f = new FakeSuperWatchDog(managerAddress);
  f.primary = primary;
  f.primaryHost = primaryHost;
  fakes.push(await f.start(addressOf.superWatchdog(cfg, host)));
  return f;
}

function run(): Array<{ ringHost: string; answer: BeatAnswer }> {
  const seen: Array<{ ringHost: string; answer: BeatAnswer }> = [];
  transport = new GrpcBeatTransport(cfg, 1000);
  loop = new BeatLoop({
    ring: cfg.ring,
    host: 'H1',
    transport,
    clock: systemClock,
    intervalMs: 100,
    logger: silentLogger(),
    epochSeen: () => 0,
    onPrimary: (ringHost, answer) => seen.push({ ringHost, answer }),
  });
  loop.start();
  return seen;
}

beforeAll(() => {
  ({ cfg } = writeClusterFile(tmp.dir, { ports: testPorts() }));
});

afterEach(() => {
  loop?.stop();
  transport?.close();
  for (const f of fakes.splice(0)) f.stop();
});

afterAll(() => tmp.remove());

describe('beats to the primary SuperWatchDog', () => {
  it('follows the primary when it moves along the ring', async () => {
    const h2 = await fake('H2', 'rm-on-H2:1', true);
    const seen = run();
    await waitFor('a beat answered by H2', () => seen.find((s) => s.ringHost === 'H2'));
    expect(seen[0]?.answer.managerAddress).toBe('rm-on-H2:1');
    // H2 dies; H5 takes over (¶0026).
    h2.stop();
    await fake('H5', 'rm-on-H5:1', true);
    const moved = await waitFor('a beat answered by H5', () => seen.find((s) => s.ringHost === 'H5'));
    expect(moved.answer.managerAddress).toBe('rm-on-H5:1');
    expect(loop?.primary).toBe('H5');
  });

  it('follows a backup that names the primary', async () => {
    const h2 = await fake('H2', '', false, 'H6');
    await fake('H6', 'rm-on-H6:1', true);
    const seen = run();
    await waitFor('a beat answered by H6', () => seen.find((s) => s.ringHost === 'H6'));
    expect(h2.beats.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((s) => s.ringHost === 'H6')).toBe(true);
  });
});
