/**
 * The copies' keeper (src/watchdog/keeper.ts; DESIGN §5, fence first) with real processes: a copy
 * started under it runs while the host lease does, ends with its own exit status, and is killed with
 * its whole process group once the lease runs out, with no WatchDog involved at all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monotonicMs } from '../../src/watchdog/lease.js';
import { NodeProcessControl } from '../../src/watchdog/process-control.js';
import { procStat } from '../../src/watchdog/state.js';
import { killGroup, tempDir, waitFor } from '../helpers/processes.js';

let tmp: ReturnType<typeof tempDir>;
let leaseFile: string;
const pids: number[] = [];
const processes = new NodeProcessControl();

beforeEach(() => {
  tmp = tempDir('rm-keeper-');
  leaseFile = join(tmp.dir, 'lease');
});

afterEach(() => {
  for (const pid of pids.splice(0)) killGroup(pid);
  tmp.remove();
});

const leaseFor = (ms: number) => writeFileSync(leaseFile, `${monotonicMs() + ms}\n`);

async function start(args: string[], env: Record<string, string> = {}) {
  const p = await processes.spawn({
    path: '/bin/sh',
    args,
    env: { PATH: '/usr/bin:/bin', ...env },
    cwd: tmp.dir,
    logFile: join(tmp.dir, 'copy.log'),
    leaseFile,
  });
  pids.push(p.pgid ?? p.pid);
  return p;
}

describe('the keeper', () => {
  it('runs the copy while the lease runs, in the keeper’s process group, with the copy’s environment only', async () => {
    leaseFor(10_000);
    // HOME is in this test's environment, not in the copy's: nothing of the parent's leaks through.
    const p = await start(['-c', 'echo "MODE=$MODE"; [ -z "$HOME" ] && echo "HOME unset"; sleep 30'], {
      MODE: 'fast',
    });
    // The pid is the program's own; its group is led by the keeper.
    expect(p.pgid).toBeGreaterThan(0);
    expect(p.pgid).not.toBe(p.pid);
    expect(procStat(p.pid)?.pgid).toBe(p.pgid);
    expect(readFileSync(`/proc/${p.pgid}/task/${p.pgid}/children`, 'utf8').trim()).toBe(String(p.pid));
    await waitFor('the copy to print', () =>
      readFileSync(join(tmp.dir, 'copy.log'), 'utf8').includes('MODE=fast'),
    );
    await waitFor('the copy to print', () =>
      readFileSync(join(tmp.dir, 'copy.log'), 'utf8').includes('HOME unset'),
    );
  });

  it('ends with the copy’s exit code, and dies of the signal that ended the copy', async () => {
    leaseFor(10_000);
    const a = await start(['-c', 'exit 3']);
    expect(await a.exited).toEqual({ code: 3, signal: null });
    const b = await start(['-c', 'sleep 30']);
    process.kill(b.pid, 'SIGKILL');
    expect(await b.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('kills the copy and its group once the lease runs out, with no WatchDog renewing it', async () => {
    leaseFor(3000);
    const p = await start(['-c', 'sleep 30 & sleep 30']);
    const copy = p.pid;
    // Renewed once more, then nobody renews: it lives that long, and no longer.
    await new Promise((r) => setTimeout(r, 300));
    leaseFor(1000);
    const renewedAt = Date.now();
    const ended = await p.exited;
    expect(ended.signal).toBe('SIGKILL');
    expect(Date.now() - renewedAt).toBeGreaterThanOrEqual(950);
    expect(procStat(copy)).toBeNull();
    expect(readFileSync(join(tmp.dir, 'copy.log'), 'utf8')).toContain('"event":"lease-expired"');
  });

  it('does not start a copy at all under a lease that has already run out', async () => {
    writeFileSync(leaseFile, `${monotonicMs() - 1}\n`);
    await expect(start(['-c', `touch ${join(tmp.dir, 'ran')}`])).rejects.toThrow(
      /its keeper ended before starting it/,
    );
    expect(() => readFileSync(join(tmp.dir, 'ran'))).toThrow();
  });

  it('says why a program cannot be started (ExecutableError), and leaves nothing behind', async () => {
    leaseFor(10_000);
    const missing = processes.spawn({
      path: join(tmp.dir, 'nope'),
      args: [],
      env: { PATH: '/usr/bin:/bin' },
      cwd: tmp.dir,
      logFile: join(tmp.dir, 'copy.log'),
      leaseFile,
    });
    await expect(missing).rejects.toThrow(/could not start ".*nope": ENOENT/);
  });
});
