/** The WatchDog's state file: a durable round trip, and the /proc facts that guard adoption against pid reuse. */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FileStateStore,
  procStat,
  STATE_FILE,
  sameProcess,
  type WatchDogState,
} from '../../../src/watchdog/state.js';
import { tempDir } from '../../helpers/processes.js';

const dirs: Array<{ remove: () => void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

const state: WatchDogState = {
  epoch: 7,
  copies: [
    {
      spec: {
        replica: 'A1',
        module: 'A',
        path: '/opt/apps/a',
        args: ['--port', '80'],
        env: { MODE: 'x' },
        detect: 'heartbeat',
        intervalMs: 0,
        timeoutMs: 900,
        check: { kind: 'tcp', port: 80, path: '', command: [] },
        style: 'warm',
      },
      role: 'P',
      pid: 4242,
      procStart: '123456',
      startedAtMs: 1_700_000_000_000,
      group: true,
      epoch: 6,
    },
  ],
};

describe('state file', () => {
  it('a missing file is an empty state', async () => {
    const d = tempDir();
    dirs.push(d);
    expect(await new FileStateStore(join(d.dir, 'H1')).load()).toEqual({ epoch: 0, copies: [] });
  });

  it('round-trips the epoch and the copies, and leaves no temporary file behind', async () => {
    const d = tempDir();
    dirs.push(d);
    const store = new FileStateStore(join(d.dir, 'H1'));
    await store.save(state);
    expect(await new FileStateStore(join(d.dir, 'H1')).load()).toEqual(state);
    await store.save({ ...state, epoch: 8, copies: [] });
    expect(await store.load()).toEqual({ epoch: 8, copies: [] });
    expect(readdirSync(join(d.dir, 'H1'))).toEqual([STATE_FILE]);
  });

  it('refuses a file that is not a state file', async () => {
    const d = tempDir();
    dirs.push(d);
    writeFileSync(join(d.dir, STATE_FILE), '{"hello": 1}');
    await expect(new FileStateStore(d.dir).load()).rejects.toThrow(/not a WatchDog state file/);
  });
});

describe('process identity', () => {
  it("reads this process's start time and group", () => {
    const st = procStat(process.pid);
    expect(st).not.toBeNull();
    expect(st?.start).toMatch(/^\d+$/);
    expect(sameProcess(process.pid, st!.start)).toBe(true);
  });

  it('a different start time means another process with the same pid', () => {
    expect(sameProcess(process.pid, '1')).toBe(false);
  });

  it('a pid that does not exist is not alive', () => {
    expect(procStat(2 ** 22 + 17)).toBeNull();
    expect(sameProcess(2 ** 22 + 17, null)).toBe(false);
  });
});
