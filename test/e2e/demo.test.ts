/**
 * The README's first command, as a user runs it: `rmd local --story` tells the source's story to the
 * end and exits 0 with no process left; `rmd local` keeps the cluster for rmctl until `--stop`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, RMCTL, RMD, spawnTracked, tempDir, waitFor } from '../helpers/processes.js';

/** Processes whose command line names `dir` (the cluster's daemons and its copies' WatchDogs). */
function processesOf(dir: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(dir) || env.includes(dir)) found.push(pid);
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

describe('the local cluster as the README runs it', () => {
  const tmp = tempDir('rm-demo-');
  afterEach(async () => {
    await killAll();
  });
  afterAll(() => tmp.remove());

  it('rmd local --story tells ¶0023–¶0026 with tables and timings, exits 0, and leaves no process', async () => {
    const dir = join(tmp.dir, 'story');
    const p = spawnTracked(process.execPath, [RMD, 'local', '--story', '--dir', dir]);
    const { code } = await p.exited;
    const out = p.output();
    expect(code, out.slice(-3000)).toBe(0);
    for (const step of ['¶0023', '¶0024', '¶0025', '¶0026']) expect(out).toContain(step);
    expect(out).toMatch(/recovered in \d+ ms/);
    // Each detection next to the timeout that bounds it; step 2 moves only B (A1 moved in step 1).
    expect(out).toMatch(
      /H1 declared dead after \d+ ms \(host timeout 4000 ms\); only B fails over: B2 to B3 on H5/,
    );
    expect(out).toMatch(/H2 declared H6 dead after \d+ ms \(ring timeout 1000 ms\)/);
    expect(out).toMatch(/ReplicaManager on H5, epoch [2-9]/);
    expect(out).toContain('no state was lost');
    expect(out).toContain('every process of the local cluster is stopped');
    expect(processesOf(dir)).toEqual([]);
  }, 180_000);

  it('rmd local keeps the cluster for rmctl; rmd local --stop stops every process', async () => {
    const dir = join(tmp.dir, 'kept');
    const p = spawnTracked(process.execPath, [RMD, 'local', '--dir', dir]);
    await waitFor('the cluster to run', () => p.output().includes('the cluster runs'), {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    const cfg = join(dir, 'cluster.yaml');
    const s = spawnTracked(process.execPath, [RMCTL, 'status', '--json'], { env: { RM_CONFIG: cfg } });
    expect((await s.exited).code, s.output()).toBe(0);
    expect(JSON.parse(s.output()).modules.map((m: { name: string }) => m.name)).toEqual(['A', 'B', 'C']);
    const stop = spawnTracked(process.execPath, [RMD, 'local', '--stop', '--dir', dir]);
    expect((await stop.exited).code).toBe(0);
    expect(stop.output()).toContain('stopped the local cluster');
    await waitFor(
      'every process of the cluster to be gone',
      () => processesOf(dir).filter((x) => x !== p.pid).length === 0,
      { timeoutMs: 15_000 },
    );
    // The foreground `rmd local` notices and ends too.
    const ended = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r(null), 10_000))]);
    expect(ended, p.output().slice(-500)).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('stopped from elsewhere');
  }, 180_000);

  it('Ctrl-C on rmd local stops the cluster and every copy, and exits 0', async () => {
    const dir = join(tmp.dir, 'interrupted');
    const p = spawnTracked(process.execPath, [RMD, 'local', '--dir', dir]);
    await waitFor('the cluster to run', () => p.output().includes('the cluster runs'), {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    expect(processesOf(dir).length).toBeGreaterThan(10);
    p.child.kill('SIGINT');
    const ended = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r(null), 20_000))]);
    expect(ended, p.output().slice(-500)).toEqual({ code: 0, signal: null });
    expect(processesOf(dir)).toEqual([]);
  }, 180_000);
});
