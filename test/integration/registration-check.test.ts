/**
 * A program that cannot be started never shows as running (issue: a registration of a missing
 * executable was accepted and the table said it ran). Against a real ReplicaManager (its gRPC
 * service and loop, on a real Checkpoint Server), three real WatchDogs running the sample
 * application and a fourth host whose WatchDog does not run, on loopback 127.0.0.50–54 (outside the
 * local cluster's addresses), through rmctl: a registration naming a missing or non-executable file
 * is refused as a whole, saying which host, which path and why; a host whose WatchDog cannot be
 * asked does not block one; a file removed after registration makes the copy's start a refused
 * start: the copy is I and marked, the module short with its reason, and nothing asks for it again
 * until its WatchDog finds it startable. Needs `npm run build` first (the WatchDogs run from dist/).
 */
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommand, statusCommand } from '../../src/cli/commands.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { Replica } from '../../src/model/table.js';
import type { ReplicaManager } from '../../src/replica-manager/manager.js';
import type { ClusterConfig } from '../../src/shared/config.js';
import { startManagerRig } from '../helpers/manager-rig.js';
import { killGroup, ROOT, tempDir, waitFor } from '../helpers/processes.js';
import { appEvents, SAMPLE_APP, testPorts, writeClusterFile } from '../helpers/watchdog-fakes.js';

/** H4's WatchDog is not started: it cannot be asked. */
const RUNNING = ['H1', 'H2', 'H3'];
const tmp = tempDir('rm-execcheck-');
const apps = join(tmp.dir, 'apps');
/** The sample application under another name, in a folder of the test's own: removed and put back. */
const APP = join(apps, 'app');
const NOPE = join(apps, 'nope');
const PLAIN = join(apps, 'plain');
let cfg: ClusterConfig;
let file: string;
let rm: ReplicaManager;
let stop: (() => Promise<void>) | undefined;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

function replica(id: string): Replica | undefined {
  return rm.table.modules.flatMap((m) => m.replicas).find((r) => r.id === id);
}

/** A copy's role announcements (every process of that replica), in order. */
function roles(host: string, id: string): Array<{ role: string; pid: number }> {
  return appEvents(cfg, host, id)
    .filter((e) => e.event === 'role')
    .map((e) => ({ role: String(e.role), pid: Number(e.pid) }));
}

beforeAll(async () => {
  mkdirSync(apps, { recursive: true });
  symlinkSync(SAMPLE_APP, APP);
  writeFileSync(PLAIN, '#!/bin/sh\nexit 0\n');
  chmodSync(PLAIN, 0o644);
  ({ file, cfg } = writeClusterFile(tmp.dir, {
    ports: testPorts(),
    first: 50,
    count: 4,
    ring: ['H2'],
    allowed: [join(ROOT, 'examples', 'bin'), apps],
  }));
  ({ rm, stop } = await startManagerRig(cfg, RUNNING));
}, 60_000);

afterAll(async () => {
  await stop?.();
  // The copies run under their keepers, in process groups of their own.
  for (const [host, id] of [
    ['H1', 'G1'],
    ['H2', 'G2'],
  ] as const) {
    for (const pid of new Set(roles(host, id).map((r) => r.pid))) killGroup(pid);
  }
  tmp.remove();
});

describe('rmctl register asks every WatchDog whether it can start its copy', () => {
  it('refuses a registration whose executable is missing or not executable on a listed host, naming host, path and why', async () => {
    const c = capture();
    const code = await registerCommand(
      'F',
      {
        config: file,
        style: 'warm',
        degree: '2',
        policy: 'on-each-failure',
        replica: [`H1:${APP}`, `H2:${NOPE}`, `H3:${PLAIN}`],
      },
      c.io,
    );
    expect(code, c.out.join('\n')).toBe(ExitCode.badInput);
    const err = c.err.join('\n');
    expect(err).toContain(
      `rmctl register: replicas[1].path: F cannot be started on H2: refused executable "${NOPE}": no such file (accepted: an absolute path to an executable file under`,
    );
    expect(err).toContain(`; on H3: refused executable "${PLAIN}": not executable`);
    expect(err).not.toContain('on H1');
    // Refused as a whole: nothing registered, nothing started.
    expect(rm.table.modules.map((m) => m.name)).toEqual([]);
    expect(roles('H1', 'F1')).toEqual([]);
  });

  it('registers when a WatchDog cannot be asked, and says so', async () => {
    const c = capture();
    const code = await registerCommand(
      'G',
      {
        config: file,
        style: 'warm',
        degree: '2',
        policy: 'on-each-failure',
        // Polled at a pace a loaded machine keeps: only the failures the test causes count.
        interval: '1000',
        replica: [`H1:${APP}`, `H2:${SAMPLE_APP}`, `H4:${SAMPLE_APP}`],
      },
      c.io,
    );
    expect(code, c.err.join('\n')).toBe(ExitCode.ok);
    expect(c.out.join('\n')).toBe('registered G (warm, degree 2): G1 P on H1, G2 B on H2, G3 I on H4');
    expect(c.err.join('\n')).toMatch(
      /^rmctl register: not checked on H4 \(its WatchDog was not asked: WatchDog at 127\.0\.0\.54:\d+ did not answer: .*\): a copy that cannot start there is handled as a failed start$/,
    );
    await waitFor('G1 to run as primary and G2 as backup', () => {
      return roles('H1', 'G1').at(-1)?.role === 'primary' && roles('H2', 'G2').at(-1)?.role === 'backup';
    });
  });

  it('a file removed after registration: the copy cannot start again, is I and marked, the module short; put back, it starts', async () => {
    // H4 is down for the cluster (its WatchDog never answered): no copy is placed there.
    await rm.submit({ kind: 'host-down', host: 'H4' });
    const shown: string[] = [];
    const unsubscribe = rm.subscribe(() => shown.push(replica('G1')?.status ?? '?'));
    try {
      rmSync(APP);
      const g1 = roles('H1', 'G1').at(-1) as { pid: number };
      process.kill(g1.pid, 'SIGKILL');
      await waitFor('G2 to say it is primary', () => roles('H2', 'G2').at(-1)?.role === 'primary');
      const marked = await waitFor(
        'G1 to be marked as a copy that cannot start',
        () => replica('G1')?.unusable,
      );
      expect(marked).toMatch(new RegExp(`^refused executable "${APP}": no such file`));
      // Two failures: its end, then its refused start.
      expect(replica('G1')).toMatchObject({ status: 'I', failures: 2 });
      expect(replica('G2')?.status).toBe('P');
      expect(rm.table.modules[0]?.underReplicated).toBe(true);
      // Watched for a while: it is never shown running again, and nothing tries to start it.
      const starts = roles('H1', 'G1').length;
      for (let k = 0; k < 15; k++) {
        expect(replica('G1')?.status).toBe('I');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(roles('H1', 'G1')).toHaveLength(starts);
      // Once its failure was decided the table showed it I; it was B only for the one last try.
      expect(shown.at(-1)).toBe('I');
      expect(shown.filter((s) => s === 'B').length).toBeLessThanOrEqual(1);
      const s = capture();
      expect(await statusCommand(undefined, { config: file }, s.io)).toBe(ExitCode.ok);
      const out = s.out.join('\n');
      expect(out).toContain('G (short)');
      expect(out).toContain('I (cannot start)');
      expect(out).toContain(`G1 cannot start on H1: refused executable "${APP}": no such file`);

      // Still missing: asked again, nothing changes.
      await rm.recheckUnusable();
      expect(replica('G1')?.status).toBe('I');
      symlinkSync(SAMPLE_APP, APP);
      await rm.recheckUnusable();
      await waitFor('G1 to run again as a backup', () => roles('H1', 'G1').at(-1)?.role === 'backup', {
        timeoutMs: 20_000,
      });
      expect(replica('G1')?.unusable).toBeUndefined();
      expect(rm.table.modules[0]?.underReplicated).toBe(false);
    } finally {
      unsubscribe();
    }
  });
});
