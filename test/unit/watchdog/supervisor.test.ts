/**
 * The WatchDog's supervision with recording fakes (STYLE §4): processes, reporter, probes, state store
 * and a manual clock. Every effect lands in one ordered log, so that "killed before reported" and
 * "epoch persisted before acting" are checked as orders, not timings.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { DEFAULT_TIMINGS } from '../../../src/shared/config.js';
import {
  AccountError,
  ExecutableError,
  NotFoundError,
  PermissionError,
  StaleEpochError,
  StaleLeaseTermError,
  UnavailableError,
} from '../../../src/shared/errors.js';
import type { ReplicaSpec__Output } from '../../../src/shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import type { WatchDogMessage } from '../../../src/shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { silentLogger } from '../../../src/shared/logging.js';
import type { ProbeResult, Probes } from '../../../src/watchdog/probes.js';
import type { ExitStatus, ProcessControl, SpawnRequest } from '../../../src/watchdog/process-control.js';
import type { FailureReport, Reporter, RunningReport } from '../../../src/watchdog/reporter.js';
import type { StateStore, WatchDogState } from '../../../src/watchdog/state.js';
import { type AppLink, WatchDog, type WatchDogOptions } from '../../../src/watchdog/supervisor.js';
import { tempDir } from '../../helpers/processes.js';
import { copySpec } from '../../helpers/watchdog-fakes.js';

const tmp = tempDir();
const apps = join(tmp.dir, 'apps');
const APP = join(apps, 'app');
mkdirSync(apps, { recursive: true });
writeFileSync(APP, '#!/bin/sh\n');
chmodSync(APP, 0o755);
afterAll(() => tmp.remove());

const timings = {
  ...DEFAULT_TIMINGS,
  killGraceMs: 1000,
  heartbeatTimeoutMs: 1000,
  pollIntervalMs: 200,
  pollMisses: 2,
};

/** The token a copy was started with (RM_COPY_TOKEN), which it shows on Attach. */
function tokenOf(procs: FakeProcesses, replica: string): string {
  return procs.spawned.filter((r) => r.env.RM_REPLICA === replica).at(-1)?.env.RM_COPY_TOKEN ?? '';
}

class FakeProcesses implements ProcessControl {
  readonly spawned: SpawnRequest[] = [];
  readonly procs = new Map<
    number,
    { alive: boolean; exit: (s: ExitStatus) => void; ignoresTerm: boolean; uid?: number }
  >();
  /** The uid the fake WatchDog runs as, and its processes unless told otherwise. */
  readonly uid = 1000;
  nextPid = 1000;
  ignoreTerm = false;
  constructor(private readonly log: string[]) {}

  async spawn(req: SpawnRequest) {
    const pid = this.nextPid++;
    let exit: (s: ExitStatus) => void = () => undefined;
    const exited = new Promise<ExitStatus>((r) => {
      exit = r;
    });
    this.procs.set(pid, { alive: true, exit, ignoresTerm: this.ignoreTerm });
    this.spawned.push(req);
    this.log.push(`spawn ${pid}`);
    return { pid, procStart: `start-${pid}`, exited };
  }

  kill(pid: number, signal: NodeJS.Signals, group: boolean): void {
    this.log.push(`kill ${signal} ${pid}${group ? ' group' : ''}`);
    const p = this.procs.get(pid);
    if (!p?.alive) return;
    if (signal === 'SIGKILL' || (signal === 'SIGTERM' && !p.ignoresTerm)) {
      p.alive = false;
      p.exit({ code: null, signal });
    }
  }

  isAlive(pid: number): boolean {
    return this.procs.get(pid)?.alive ?? false;
  }

  stat(pid: number) {
    return this.isAlive(pid) ? { start: `start-${pid}`, state: 'S', pgid: pid, ppid: 1 } : null;
  }

  owner(pid: number): number | null {
    return this.isAlive(pid) ? (this.procs.get(pid)?.uid ?? this.uid) : null;
  }

  self() {
    return { pid: 2, ppid: 1, uid: this.uid };
  }

  /** A process that is not a child of this WatchDog (adopted), running as `uid` (default: the WatchDog's). */
  foreign(pid: number, uid?: number): void {
    this.procs.set(pid, {
      alive: true,
      exit: () => undefined,
      ignoresTerm: false,
      ...(uid !== undefined ? { uid } : {}),
    });
  }

  end(pid: number, code: number): void {
    const p = this.procs.get(pid)!;
    p.alive = false;
    p.exit({ code, signal: null });
  }
}

class FakeReporter implements Reporter {
  readonly failures: FailureReport[] = [];
  readonly running: RunningReport[] = [];
  failNext = 0;
  constructor(private readonly log: string[]) {}
  async reportFailure(r: FailureReport) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new UnavailableError('manager down');
    }
    this.log.push(`report ${r.replica} ${r.reason}`);
    this.failures.push(r);
  }
  async reportRunning(r: RunningReport) {
    this.running.push(r);
  }
}

class MemoryStore implements StateStore {
  state: WatchDogState = { epoch: 0, copies: [] };
  constructor(private readonly log: string[]) {}
  async load() {
    return structuredClone(this.state);
  }
  async save(s: WatchDogState) {
    this.log.push(`save epoch ${s.epoch} copies ${s.copies.map((c) => c.spec.replica).join(',')}`);
    this.state = structuredClone(s);
  }
}

class FakeProbes implements Probes {
  answer: ProbeResult = { healthy: true, detail: 'ok' };
  readonly calls: string[] = [];
  async tcp(host: string, port: number) {
    this.calls.push(`tcp ${host}:${port}`);
    return this.answer;
  }
  async http(host: string, port: number, path: string) {
    this.calls.push(`http ${host}:${port}${path}`);
    return this.answer;
  }
  async grpc(host: string, port: number) {
    this.calls.push(`grpc ${host}:${port}`);
    return this.answer;
  }
  async exec(command: readonly string[]) {
    this.calls.push(`exec ${command.join(' ')}`);
    return this.answer;
  }
}

class FakeLink implements AppLink {
  readonly sent: WatchDogMessage[] = [];
  ended = false;
  onPing: ((seq: number) => void) | null = null;
  send(msg: WatchDogMessage): void {
    this.sent.push(msg);
    if (msg.ping && this.onPing) {
      const seq = Number(msg.ping.seq);
      queueMicrotask(() => this.onPing?.(seq));
    }
  }
  end(): void {
    this.ended = true;
  }
}

let log: string[];
let clock: ManualClock;
let procs: FakeProcesses;
let reporter: FakeReporter;
let store: MemoryStore;
let probes: FakeProbes;

/** A copy of the test's own app folder. */
const spec = (replica: string, extra: Partial<ReplicaSpec__Output> = {}) =>
  copySpec(replica, { path: APP, ...extra });

function newWatchDog(
  lease?: { path: string; remainingMs(): number; term: number },
  extra: Partial<WatchDogOptions> = {},
): WatchDog {
  return new WatchDog({
    ...(lease ? { lease } : {}),
    host: 'H1',
    hostAddress: '127.0.0.11',
    stateDir: join(tmp.dir, 'state'),
    allowedExecutableDirs: [apps],
    timings,
    watchdogAddress: '127.0.0.11:7402',
    checkpointAddress: '127.0.0.10:7400',
    processes: procs,
    reporter,
    registrar: { register: async () => Promise.reject(new Error('not used')) },
    probes,
    clock,
    store,
    logger: silentLogger(),
    path: '/usr/bin:/bin',
    startGraceMs: 500,
    ...extra,
  });
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Moves the manual clock in small steps, letting promises run between them. */
async function advance(ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

beforeEach(() => {
  log = [];
  clock = new ManualClock();
  procs = new FakeProcesses(log);
  reporter = new FakeReporter(log);
  store = new MemoryStore(log);
  probes = new FakeProbes();
});

describe('epoch fencing', () => {
  it('persists a higher epoch before acting on the command that carries it', async () => {
    const wd = newWatchDog();
    await wd.start();
    log.length = 0;
    await wd.startReplica(9, spec('A1'), 'PRIMARY');
    expect(log[0]).toBe('save epoch 9 copies ');
    expect(log[1]).toBe('spawn 1000');
  });

  it('refuses lower epochs, also after a restart on the same state', async () => {
    const wd = newWatchDog();
    await wd.start();
    await wd.listRunning(4);
    await expect(wd.listRunning(3)).rejects.toBeInstanceOf(StaleEpochError);
    await wd.stop();
    const again = newWatchDog();
    await again.start();
    expect(again.epoch).toBe(4);
    const err = await again.startReplica(3, spec('A1'), 'PRIMARY').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleEpochError);
    expect(err).toMatchObject({ got: 3, current: 4 });
    expect(procs.spawned).toHaveLength(0);
  });
});

describe('starting copies', () => {
  it('gives a copy a clean environment: PATH, the module env and its identity, nothing else', async () => {
    const wd = newWatchDog();
    await wd.start();
    await wd.startReplica(
      2,
      spec('A1', { env: { MODE: 'fast', RM_ROLE: 'spoofed' }, args: ['-x'] }),
      'BACKUP',
    );
    const req = procs.spawned[0]!;
    expect(req.args).toEqual(['-x']);
    expect(req.logFile).toBe(join(tmp.dir, 'state', 'logs', 'A1.log'));
    expect(req.env).toEqual({
      PATH: '/usr/bin:/bin',
      MODE: 'fast',
      RM_MODULE: 'A',
      RM_REPLICA: 'A1',
      RM_ROLE: 'backup',
      RM_HOST: 'H1',
      RM_HOST_ADDRESS: '127.0.0.11',
      RM_WATCHDOG_ADDRESS: '127.0.0.11:7402',
      RM_CHECKPOINT_ADDRESS: '127.0.0.10:7400',
      RM_COPY_TOKEN: expect.stringMatching(/^[\w-]{43}$/),
      RM_EPOCH: '2',
      RM_GENERATION: '0',
      // Its start on the WatchDog's (manual) clock: a later process of A1 shows a larger one.
      RM_INCARNATION: '1000000',
      RM_STYLE: 'warm',
      RM_LEASE_MS: String(timings.appLeaseMs),
    });
  });

  it('starts a copy only under a live host lease, under its keeper, and tells it the lease with every beat', async () => {
    let remaining = 0;
    const wd = newWatchDog({ path: '/state/lease', remainingMs: () => remaining, term: 1 });
    await wd.start();
    // No primary SuperWatchDog has answered lately: nothing starts (two beats of patience first).
    const refused = wd.startReplica(1, spec('A1'), 'PRIMARY', 3);
    await advance(2 * timings.watchdogBeatMs + 50);
    await expect(refused).rejects.toThrow(/H1 holds no host lease.*A1 is not started/);
    expect(procs.spawned).toHaveLength(0);
    remaining = 1200;
    const ack = await wd.startReplica(1, spec('A1'), 'PRIMARY', 3);
    expect(procs.spawned[0]).toMatchObject({ leaseFile: '/state/lease' });
    expect(procs.spawned[0]?.env).toMatchObject({ RM_GENERATION: '3', RM_ROLE: 'primary' });
    const link = new FakeLink();
    expect(
      wd.attach({ replica: 'A1', module: 'A', pid: ack.pid }, link, tokenOf(procs, 'A1')).welcome,
    ).toMatchObject({
      epoch: '1',
      generation: '3',
    });
    wd.heartbeat('A1', link, '1');
    expect(link.sent.at(-1)).toEqual({ beat_ack: { seq: '1', lease_remaining_ms: 1200 } });
    // Cut off: the copy hears a lease of 0 and stops itself once its own runs out.
    remaining = 0;
    wd.heartbeat('A1', link, '2');
    expect(link.sent.at(-1)).toEqual({ beat_ack: { seq: '2', lease_remaining_ms: 0 } });
  });

  it('refuses a start or promotion decided under an older host lease term, and carries out one of the current term', async () => {
    const lease = { path: '/state/lease', remainingMs: () => 1200, term: 7 };
    const wd = newWatchDog(lease);
    await wd.start();
    await expect(wd.startReplica(1, spec('A1'), 'PRIMARY', 3, 6)).rejects.toBeInstanceOf(StaleLeaseTermError);
    expect(procs.spawned).toHaveLength(0);
    const started = await wd.startReplica(1, spec('A1'), 'BACKUP', 0, 7);
    expect(started.role).toBe('BACKUP');
    const listed = await wd.listRunning(1);
    expect(listed.lease_term).toBe('7');
    // The lease ran out and was renewed since: a promotion decided before is refused; a demotion never is.
    lease.term = 8;
    await expect(wd.setRole(1, 'A1', 'PRIMARY', 4, 7)).rejects.toThrow(
      /the promotion of A1 was decided under host lease term 7.*\(term 8\): refused/,
    );
    await wd.setRole(1, 'A1', 'PRIMARY', 4, 8);
    await wd.setRole(1, 'A1', 'BACKUP', 0, 7);
  });

  it('hands a promoted copy its new primary generation, also when promoted again in the same role', async () => {
    const wd = newWatchDog();
    await wd.start();
    const first = await wd.startReplica(1, spec('A1'), 'BACKUP');
    const link = new FakeLink();
    wd.attach({ replica: 'A1', module: 'A', pid: first.pid }, link, tokenOf(procs, 'A1'));
    await wd.setRole(2, 'A1', 'PRIMARY', 7);
    expect(link.sent).toContainEqual({ role_change: { role: 'PRIMARY', epoch: '2', generation: '7' } });
    await wd.setRole(3, 'A1', 'PRIMARY', 9);
    expect(link.sent).toContainEqual({ role_change: { role: 'PRIMARY', epoch: '3', generation: '9' } });
    expect(wd.running()[0]).toMatchObject({ role: 'P', epoch: 3, generation: 9 });
  });

  it('refuses an executable outside the allowed folders without spawning anything', async () => {
    const wd = newWatchDog();
    await wd.start();
    await expect(wd.startReplica(1, spec('A1', { path: '/bin/sh' }), 'PRIMARY')).rejects.toBeInstanceOf(
      ExecutableError,
    );
    expect(procs.spawned).toHaveLength(0);
  });

  it('is idempotent; another role is a role change told over the stream and by the opt-in signal', async () => {
    const wd = newWatchDog();
    await wd.start();
    const s = spec('A1', { env: { RM_PROMOTE_SIGNAL: 'SIGUSR2' } });
    const first = await wd.startReplica(1, s, 'BACKUP');
    const link = new FakeLink();
    expect(
      wd.attach({ replica: 'A1', module: 'A', pid: first.pid }, link, tokenOf(procs, 'A1')).welcome,
    ).toMatchObject({
      replica: 'A1',
      role: 'BACKUP',
      host: 'H1',
      heartbeat_interval_ms: 333,
      lease_ms: timings.appLeaseMs,
    });
    expect((await wd.startReplica(1, s, 'BACKUP')).pid).toBe(first.pid);
    const promoted = await wd.startReplica(2, s, 'PRIMARY');
    // The same copy: its start, the copy's incarnation, is the first one's.
    expect(promoted).toEqual({
      replica: 'A1',
      pid: first.pid,
      role: 'PRIMARY',
      started_at_ms: first.started_at_ms,
    });
    expect(procs.spawned).toHaveLength(1);
    expect(link.sent).toContainEqual({ role_change: { role: 'PRIMARY', epoch: '2', generation: '0' } });
    expect(log).toContain(`kill SIGUSR2 ${first.pid}`);
  });

  it('refuses an Attach from a process that is not the copy', async () => {
    const wd = newWatchDog();
    await wd.start();
    const ack = await wd.startReplica(1, spec('A1'), 'PRIMARY');
    expect(() =>
      wd.attach({ replica: 'A1', module: 'A', pid: 1 }, new FakeLink(), tokenOf(procs, 'A1')),
    ).toThrow(NotFoundError);
    expect(() => wd.attach({ replica: 'A9', module: 'A', pid: ack.pid }, new FakeLink())).toThrow(
      NotFoundError,
    );
    // Without the token the WatchDog gave the copy, nobody attaches as it, whatever pid it claims.
    expect(() => wd.attach({ replica: 'A1', module: 'A', pid: ack.pid }, new FakeLink())).toThrow(
      PermissionError,
    );
    expect(() => wd.attach({ replica: 'A1', module: 'A', pid: 0 }, new FakeLink(), 'guess')).toThrow(
      PermissionError,
    );
  });
});

describe('CheckReplica: whether a start would be accepted, without starting anything', () => {
  it("answers startable for the allowed executable, and with the start's own refusal otherwise", async () => {
    const plain = join(apps, 'plain');
    writeFileSync(plain, 'not a program\n');
    chmodSync(plain, 0o644);
    const wd = newWatchDog();
    await wd.start();
    expect(await wd.checkReplica(spec('A1'))).toEqual({ host: 'H1', startable: true, reason: '' });
    const missing = await wd.checkReplica(spec('A1', { path: join(apps, 'nope') }));
    expect(missing).toMatchObject({ host: 'H1', startable: false });
    expect(missing.reason).toMatch(
      /^refused executable ".*\/apps\/nope": no such file \(accepted: .*apps\)$/,
    );
    expect((await wd.checkReplica(spec('A1', { path: plain }))).reason).toContain('not executable');
    expect((await wd.checkReplica(spec('A1', { path: '/bin/sh' }))).reason).toContain(
      'outside the allowed directories',
    );
    const check = { kind: 'exec', port: 0, path: '', command: [join(apps, 'no-check'), '--ping'] };
    expect((await wd.checkReplica(spec('A1', { check }))).reason).toMatch(
      /^the exec check's command: refused executable ".*no-check": no such file/,
    );
    // It carries no epoch and changes nothing: no epoch seen, nothing written, nothing spawned.
    expect(wd.epoch).toBe(0);
    expect(log.filter((l) => l.startsWith('save'))).toHaveLength(1);
    expect(procs.spawned).toHaveLength(0);
    // The same words as a start of it: the refusal the ReplicaManager gets when it starts it anyway.
    await expect(wd.startReplica(1, spec('A1', { path: join(apps, 'nope') }), 'PRIMARY')).rejects.toThrow(
      missing.reason,
    );
    await expect(wd.startReplica(1, spec('A1', { check }), 'PRIMARY')).rejects.toBeInstanceOf(
      ExecutableError,
    );
    expect(procs.spawned).toHaveLength(0);
    expect(wd.running()).toHaveLength(0);
  });

  it('answers while a command waits in the queue (a self-registration waiting for the manager asks it)', async () => {
    const wd = newWatchDog();
    await wd.start();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    procs.spawn = (async (req: SpawnRequest) => {
      await held;
      return FakeProcesses.prototype.spawn.call(procs, req);
    }) as typeof procs.spawn;
    const start = wd.startReplica(1, spec('A1'), 'PRIMARY');
    await settle();
    expect(await wd.checkReplica(spec('A2'))).toMatchObject({ startable: true });
    release();
    await start;
  });
});

describe('detection', () => {
  it("keeps where each copy said at its last beat it stands in its replication stream: listed, and in the copy's failure report", async () => {
    const wd = newWatchDog();
    await wd.start();
    const ack = await wd.startReplica(1, spec('A1'), 'BACKUP');
    const link = new FakeLink();
    wd.attach({ replica: 'A1', module: 'A', pid: ack.pid }, link, tokenOf(procs, 'A1'));
    wd.heartbeat('A1', link, '1');
    expect((await wd.listRunning(1)).running[0]).toMatchObject({ replica: 'A1', applied: null });
    wd.heartbeat('A1', link, '2', { seq: 41, generation: 2 });
    // A beat without a stream's word keeps what the copy said last.
    wd.heartbeat('A1', link, '3');
    expect((await wd.listRunning(1)).running[0]).toMatchObject({
      replica: 'A1',
      applied: { seq: '41', generation: '2' },
    });
    procs.end(ack.pid, 1);
    await settle();
    expect(reporter.failures.at(-1)).toMatchObject({ replica: 'A1', applied: { seq: 41, generation: 2 } });
  });

  it('stops a copy-cat backup that says its replay diverged, and reports it with the input it names', async () => {
    const wd = newWatchDog();
    await wd.start();
    const ack = await wd.startReplica(1, spec('A1'), 'BACKUP');
    const link = new FakeLink();
    wd.attach({ replica: 'A1', module: 'A', pid: ack.pid }, link, tokenOf(procs, 'A1'));
    log.length = 0;
    wd.diverged('A1', link, 17, `input 17: the backup's output "29" differs`);
    await advance(200);
    // Killed first, then reported (TERM is enough here).
    expect(log.indexOf(`kill SIGTERM ${ack.pid} group`)).toBeGreaterThanOrEqual(0);
    expect(log.indexOf(`kill SIGTERM ${ack.pid} group`)).toBeLessThan(log.indexOf('report A1 diverged'));
    expect(reporter.failures.at(-1)).toMatchObject({
      replica: 'A1',
      reason: 'diverged',
      detail: expect.stringContaining(
        `its replay of input 17 diverged from the primary's run (input 17: the backup's output "29" differs)`,
      ),
    });
    expect((await wd.listRunning(1)).running).toEqual([]);
  });

  it('reports a child that exits at once, with its code, then removes it from the state file', async () => {
    const wd = newWatchDog();
    await wd.start();
    const ack = await wd.startReplica(1, spec('A1'), 'PRIMARY');
    log.length = 0;
    procs.end(ack.pid, 3);
    await settle();
    expect(reporter.failures).toEqual([
      {
        host: 'H1',
        replica: 'A1',
        reason: 'exit',
        detail: 'exited with code 3',
        epochSeen: 1,
        startedAtMs: Number(ack.started_at_ms),
      },
    ]);
    // The report does not wait for the state file; the file is written right after it.
    expect(log.indexOf('report A1 exit')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('save epoch 1 copies ')).toBeGreaterThan(log.indexOf('report A1 exit'));
    expect((await wd.listRunning(1)).running).toEqual([]);
  });

  it('kills a silent heartbeat copy with TERM, then KILL after the grace, lists it until it is gone, and only then reports the hang', async () => {
    const wd = newWatchDog();
    await wd.start();
    procs.ignoreTerm = true;
    const ack = await wd.startReplica(1, spec('A1', { detect: 'heartbeat', timeout_ms: 1000 }), 'PRIMARY');
    const link = new FakeLink();
    wd.attach({ replica: 'A1', module: 'A', pid: ack.pid }, link, tokenOf(procs, 'A1'));
    wd.heartbeat('A1', link, '1');
    expect(link.sent.at(-1)).toEqual({ beat_ack: { seq: '1', lease_remaining_ms: timings.appLeaseMs } });
    await advance(900);
    wd.heartbeat('A1', link, '2');
    await advance(900);
    expect(log.filter((l) => l.startsWith('kill'))).toEqual([]);
    await advance(300);
    expect(log.filter((l) => l.startsWith('kill'))).toEqual([
      `kill SIGTERM ${ack.pid} group`,
      `kill SIGCONT ${ack.pid} group`,
    ]);
    expect(reporter.failures).toEqual([]);
    // While it is being killed it still exists: the manager must not take it for gone yet.
    expect((await wd.listRunning(1)).running.map((r) => r.replica)).toEqual(['A1']);
    await advance(1100);
    expect((await wd.listRunning(1)).running).toEqual([]);
    const order = log.filter((l) => l.startsWith('kill') || l.startsWith('report'));
    expect(order).toEqual([
      `kill SIGTERM ${ack.pid} group`,
      `kill SIGCONT ${ack.pid} group`,
      `kill SIGKILL ${ack.pid} group`,
      'report A1 hang',
    ]);
    expect(reporter.failures[0]?.detail).toMatch(
      /no heartbeat for \d+ ms \(timeout 1000 ms\); killed \(TERM, then KILL after 1000 ms\)/,
    );
    expect(link.sent).toContainEqual({ stop: { reason: expect.stringContaining('hang') } });
  });

  it('a copy whose sanity check fails twice in a row is killed and reported (reason ping)', async () => {
    const wd = newWatchDog();
    await wd.start();
    const ack = await wd.startReplica(1, spec('A1'), 'PRIMARY');
    const link = new FakeLink();
    wd.attach({ replica: 'A1', module: 'A', pid: ack.pid }, link, tokenOf(procs, 'A1'));
    let healthy = true;
    link.onPing = (seq) => wd.pong('A1', link, seq, healthy, healthy ? '' : 'disk full');
    await advance(1000);
    expect(link.sent.filter((m) => m.ping).length).toBeGreaterThanOrEqual(3);
    expect(reporter.failures).toEqual([]);
    healthy = false;
    await advance(1000);
    expect(reporter.failures).toHaveLength(1);
    expect(reporter.failures[0]).toMatchObject({ replica: 'A1', reason: 'ping' });
    expect(reporter.failures[0]?.detail).toContain('disk full');
    expect(log.indexOf(`kill SIGTERM ${ack.pid} group`)).toBeLessThan(log.indexOf('report A1 ping'));
  });

  it('polls programs without the SDK with their configured check on the host address', async () => {
    const wd = newWatchDog();
    await wd.start();
    await wd.startReplica(
      1,
      spec('T1', { check: { kind: 'http', port: 8080, path: '/health', command: [] } }),
      'PRIMARY',
    );
    await wd.startReplica(
      1,
      spec('T2', { check: { kind: 'tcp', port: 9000, path: '', command: [] } }),
      'PRIMARY',
    );
    await advance(300);
    expect(probes.calls).toContain('http 127.0.0.11:8080/health');
    expect(probes.calls).toContain('tcp 127.0.0.11:9000');
    probes.answer = { healthy: false, detail: 'refused' };
    await advance(1000);
    expect(reporter.failures.map((f) => [f.replica, f.reason]).sort()).toEqual([
      ['T1', 'ping'],
      ['T2', 'ping'],
    ]);
  });
});

describe('restart and adoption', () => {
  it('adopts the copies that still run, reports those that ended as missing, spawns nothing', async () => {
    const first = newWatchDog();
    await first.start();
    const a = await first.startReplica(3, spec('A1'), 'PRIMARY');
    const b = await first.startReplica(3, spec('B1', { module: 'B' }), 'BACKUP');
    await first.stop();
    expect(procs.isAlive(a.pid)).toBe(true);
    procs.procs.get(b.pid)!.alive = false;
    procs.spawned.length = 0;

    const second = newWatchDog();
    await second.start();
    await settle();
    expect(procs.spawned).toEqual([]);
    expect((await second.listRunning(3)).running).toEqual([
      expect.objectContaining({ replica: 'A1', role: 'PRIMARY', pid: a.pid }),
    ]);
    expect(reporter.failures).toEqual([expect.objectContaining({ replica: 'B1', reason: 'missing' })]);
    second.managerChanged();
    await settle();
    expect(reporter.running.at(-1)).toEqual({
      host: 'H1',
      epochSeen: 3,
    });

    // Adopted copies are watched by pid: an end is seen on the next pass.
    procs.procs.get(a.pid)!.alive = false;
    await advance(300);
    expect(reporter.failures.at(-1)).toMatchObject({ replica: 'A1', reason: 'exit' });
  });

  it('stop() leaves the copies running', async () => {
    const wd = newWatchDog();
    await wd.start();
    const a = await wd.startReplica(1, spec('A1'), 'PRIMARY');
    await wd.stop();
    expect(log.filter((l) => l.startsWith('kill'))).toEqual([]);
    expect(procs.isAlive(a.pid)).toBe(true);
  });
});

describe('failure reports', () => {
  it('are kept while the ReplicaManager is unreachable and retried with back-off, in order', async () => {
    const wd = newWatchDog();
    await wd.start();
    const a = await wd.startReplica(1, spec('A1'), 'PRIMARY');
    const b = await wd.startReplica(1, spec('B1', { module: 'B' }), 'PRIMARY');
    reporter.failNext = 3;
    procs.end(a.pid, 1);
    procs.end(b.pid, 2);
    await settle();
    expect(reporter.failures).toEqual([]);
    expect(wd.outbox.pending.map((r) => r.replica)).toEqual(['A1', 'B1']);
    await advance(1000);
    expect(reporter.failures.map((r) => r.replica)).toEqual(['A1', 'B1']);
    expect(wd.outbox.idle).toBe(true);
  });
});

describe("copies of a module's own user", () => {
  const accountFiles = () => ({
    passwd: 'root:x:0:0::/root:/bin/sh\napp:x:4321:4300::/nonexistent:/usr/sbin/nologin\n',
    group: 'root:x:0:\napps:x:4300:\n',
  });

  it('start as that uid and gid, in a working folder of their own', async () => {
    const wd = newWatchDog(undefined, { accountFiles });
    await wd.start();
    await wd.startReplica(1, spec('A1', { user: 'app' }), 'PRIMARY');
    await wd.startReplica(1, spec('B1', { module: 'B' }), 'PRIMARY');
    const [a, b] = procs.spawned;
    expect(a?.account).toEqual({ uid: 4321, gid: 4300 });
    expect(a?.cwd).toBe(join(tmp.dir, 'state', 'copies', 'A1'));
    // A module without a user runs as the WatchDog does, in its state folder.
    expect(b?.account).toBeUndefined();
    expect(b?.cwd).toBe(join(tmp.dir, 'state'));
  });

  it('are refused with AccountError for a user the host does not know; nothing starts', async () => {
    const wd = newWatchDog(undefined, { accountFiles });
    await wd.start();
    const err = await wd.startReplica(1, spec('A1', { user: 'ghost' }), 'PRIMARY').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccountError);
    expect((err as Error).message).toMatch(/"ghost" does not exist on H1/);
    expect(procs.spawned).toHaveLength(0);
  });

  it("are refused when the user cannot pass a folder above the WatchDog's socket, naming it", async () => {
    const closed = join(tmp.dir, 'closed');
    mkdirSync(closed, { recursive: true });
    chmodSync(closed, 0o700);
    const wd = newWatchDog(undefined, { accountFiles, appAddress: `unix:${join(closed, 'app.sock')}` });
    await wd.start();
    const err = await wd.startReplica(1, spec('A1', { user: 'app' }), 'PRIMARY').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccountError);
    expect((err as Error).message).toContain(`${closed} is not searchable`);
    expect(procs.spawned).toHaveLength(0);
  });

  it("registerSelf adopts no process that runs as another account than the module's user", async () => {
    const wd = newWatchDog(undefined, { accountFiles });
    await wd.start();
    // A process of the WatchDog's own account (not the module's user 4321).
    procs.foreign(4242);
    const json = JSON.stringify({
      name: 'Z',
      style: 'warm',
      degree: 1,
      policy: 'on-each-failure',
      user: 'app',
      replicas: [{ host: 'H1', path: APP }],
    });
    const err = await wd.registerSelf(json, 4242).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as Error).message).toMatch(/runs as uid 1000, not as the module's user \(uid 4321/);
  });

  it('refuse a user or group that is not an account name or a number, and a group alone', async () => {
    const wd = newWatchDog(undefined, { accountFiles });
    await wd.start();
    for (const extra of [{ user: '../x' }, { user: 'app', group: 'a b' }, { group: 'apps' }]) {
      await expect(wd.startReplica(1, spec('A1', extra), 'PRIMARY')).rejects.toThrow(/replica\.(user|group)/);
    }
    expect(procs.spawned).toHaveLength(0);
  });
});
