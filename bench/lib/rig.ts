/**
 * The scale rig: a real Checkpoint Server and a real ReplicaManager (`rmd replica-manager`, started by
 * hand: it wins its epoch from the Checkpoint Server) in front of six fake WatchDogs served by this
 * process on the hosts' WatchDog addresses. The fakes run nothing: they keep, per host, what the
 * manager's commands say runs, answer ListRunning from it, and note when each command arrived, so that
 * tables of thousands of copies can be reloaded, reconciled and failed over without thousands of
 * processes. A "ghost" copy per host (one the table does not know) makes the end of a reconcile visible:
 * the manager stops it once it has reconciled that host.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { LOCAL_HOSTS, localClusterYaml } from '../../src/cli/local.js';
import { spawnDaemon } from '../../src/cli/local-processes.js';
import type { Module, ReplicaTable, Role } from '../../src/model/table.js';
import { addressOf, type ClusterConfig, loadClusterConfig } from '../../src/shared/config.js';
import type { ReplicaManagerClient } from '../../src/shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { WatchDogHandlers } from '../../src/shared/generated/rm/watchdog/v1/WatchDog.js';
import { handle, protos, unary } from '../../src/shared/grpc.js';
import { isAlive, killGroup, now, onCleanup, RMD, ROOT, SAMPLE_APP, waitFor, waitGone } from './common.js';

export interface Command {
  kind: 'start' | 'stop' | 'set-role';
  host: string;
  replica: string;
  role?: Role;
  at: bigint;
}

type Wire = 'PRIMARY' | 'BACKUP';
const toWire = (r: Role): Wire => (r === 'P' ? 'PRIMARY' : 'BACKUP');
const fromWire = (r: string): Role => (r === 'PRIMARY' ? 'P' : 'B');

/** The latest arrival among `commands`. */
export function latest(commands: readonly Command[]): bigint {
  let at = 0n;
  for (const c of commands) if (c.at > at) at = c.at;
  return at;
}

/** The six fake WatchDogs, one gRPC server each on its host's WatchDog address. */
export class FakeWatchDogs {
  readonly commands: Command[] = [];
  private readonly running = new Map<string, Map<string, { module: string; role: Role }>>();
  private readonly servers: grpc.Server[] = [];
  ghosts = false;

  constructor(private readonly cfg: ClusterConfig) {
    for (const h of LOCAL_HOSTS) this.running.set(h, new Map());
  }

  async start(): Promise<void> {
    for (const host of LOCAL_HOSTS) {
      const server = new grpc.Server();
      server.addService(protos().watchdog.rm.watchdog.v1.WatchDog.service, this.handlers(host));
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(
          addressOf.watchdog(this.cfg, host),
          grpc.ServerCredentials.createInsecure(),
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      this.servers.push(server);
    }
  }

  /** What runs is what `table` says runs (P and B copies); with ghosts, one unknown copy per host too. */
  load(table: ReplicaTable, ghosts: boolean): void {
    this.ghosts = ghosts;
    for (const m of this.running.values()) m.clear();
    for (const mod of table.modules) {
      for (const r of mod.replicas) {
        if (r.status === 'P' || r.status === 'B')
          this.running.get(r.host)?.set(r.id, { module: mod.name, role: r.status });
      }
    }
    if (ghosts)
      for (const h of LOCAL_HOSTS) this.running.get(h)?.set(`ghost-${h}`, { module: 'ghost', role: 'B' });
    this.commands.length = 0;
  }

  /** The commands of one kind received since index `from`. */
  count(kind: Command['kind'], from = 0, role?: Role): Command[] {
    return this.commands
      .slice(from)
      .filter((c) => c.kind === kind && (role === undefined || c.role === role));
  }

  private handlers(host: string): WatchDogHandlers {
    const here = this.running.get(host)!;
    const note = (kind: Command['kind'], replica: string, role?: Role) =>
      this.commands.push({ kind, host, replica, at: now(), ...(role ? { role } : {}) });
    return {
      StartReplica: handle((req) => {
        const spec = req.replica!;
        const role = fromWire(req.role);
        note('start', spec.replica, role);
        here.set(spec.replica, { module: spec.module, role });
        return { replica: spec.replica, pid: 1, role: req.role };
      }),
      StopReplica: handle((req) => {
        note('stop', req.replica);
        here.delete(req.replica);
        return { replica: req.replica, pid: 0, role: 'ROLE_UNSPECIFIED' };
      }),
      SetRole: handle((req) => {
        const role = fromWire(req.role);
        note('set-role', req.replica, role);
        const c = here.get(req.replica);
        if (c) c.role = role;
        return { replica: req.replica, pid: 1, role: req.role };
      }),
      ListRunning: handle((req) => ({
        host,
        epoch: req.epoch,
        running: [...here.entries()].map(([replica, c]) => ({
          replica,
          module: c.module,
          role: toWire(c.role),
          pid: 1,
          started_at_ms: '0',
        })),
      })),
      CheckReplica: handle(() => ({ host, startable: true, reason: '' })),
      Assign: handle(() => ({ started: [], stopped: [] })),
    };
  }

  stop(): void {
    for (const s of this.servers) s.forceShutdown();
    this.servers.length = 0;
  }
}

/**
 * A table of `modules` warm modules (degree 2, four replicas each: P, B, I, I), every host up. The first
 * `onH1` modules have their primary on H1 and their other copies on H2–H6; the rest live on H2–H6 only.
 */
export function buildTable(modules: number, onH1: number): ReplicaTable {
  const others = LOCAL_HOSTS.slice(1);
  const table: ReplicaTable = { hosts: LOCAL_HOSTS.map((name) => ({ name, up: true })), modules: [] };
  for (let i = 0; i < modules; i++) {
    const hosts =
      i < onH1
        ? ['H1', others[i % 5], others[(i + 1) % 5], others[(i + 2) % 5]]
        : [others[i % 5], others[(i + 1) % 5], others[(i + 2) % 5], others[(i + 3) % 5]];
    const statuses = ['P', 'B', 'I', 'I'] as const;
    const module: Module = {
      name: `M${i}`,
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      detect: 'heartbeat',
      timeoutMs: 1000,
      check: { kind: 'sdk' },
      replicas: hosts.map((host, k) => ({
        id: `M${i}r${k + 1}`,
        host: host as string,
        path: SAMPLE_APP,
        status: statuses[k] as 'P' | 'B' | 'I',
        failures: 0,
      })),
      underReplicated: false,
    };
    table.modules.push(module);
  }
  return table;
}

export function replicaCount(t: ReplicaTable): number {
  return t.modules.reduce((n, m) => n + m.replicas.length, 0);
}

/** The Checkpoint Server, the fake WatchDogs, and the ReplicaManager started and stopped on demand. */
export class Rig {
  readonly cfgFile: string;
  readonly cfg: ClusterConfig;
  readonly fakes: FakeWatchDogs;
  readonly cs: CheckpointClient;
  csPid = 0;
  private rm: ChildProcess | null = null;
  private readonly release: () => Promise<void>;

  constructor(
    readonly dir: string,
    portBase: number,
  ) {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    this.cfgFile = join(dir, 'cluster.yaml');
    // The rig's WatchDogs are plaintext fakes: it measures the manager and the store, not TLS.
    writeFileSync(this.cfgFile, `insecure: true\n${localClusterYaml(dir, ROOT, portBase)}`);
    this.cfg = loadClusterConfig(this.cfgFile);
    this.fakes = new FakeWatchDogs(this.cfg);
    this.cs = new CheckpointClient(this.cfg.checkpointServer.address, { deadlineMs: 20_000 });
    this.release = onCleanup(`the scale rig in ${dir}`, () => this.teardown());
  }

  async start(): Promise<void> {
    const child = spawnDaemon(
      RMD,
      'checkpoint-server',
      this.cfgFile,
      'CS',
      join(this.dir, 'logs', 'checkpoint-server.log'),
    );
    this.csPid = child.pid ?? 0;
    await waitFor(
      'the Checkpoint Server',
      () => this.cs.getLeadership('manager').then(() => true),
      20_000,
      50,
    );
    await this.fakes.start();
  }

  /** Saves `table` as the current one, under a fresh epoch won here (no manager may run). */
  async saveTable(table: ReplicaTable): Promise<void> {
    const current = await this.cs.getLeadership('manager');
    const won = await this.cs.acquireLeadership({
      role: 'manager',
      holder: 'bench',
      expectedEpoch: current.epoch,
      leaseMs: 1,
    });
    if (!won.won) throw new Error('could not win an epoch to save the table');
    await this.cs.saveTable(won.epoch, JSON.stringify(table));
  }

  /** Starts `rmd replica-manager` on H1 (not a ring host: nobody else starts or beats it). */
  startManager(): { pid: number; spawnedAt: bigint } {
    const out = openSync(join(this.dir, 'logs', 'replica-manager.log'), 'a');
    const spawnedAt = now();
    const child = spawn(
      process.execPath,
      [RMD, 'replica-manager', '--config', this.cfgFile, '--host', 'H1'],
      {
        detached: true,
        stdio: ['ignore', out, out],
        env: { ...process.env, RM_EPOCH: '' },
      },
    );
    child.unref();
    this.rm = child;
    return { pid: child.pid ?? 0, spawnedAt };
  }

  get managerPid(): number | undefined {
    return this.rm?.pid;
  }

  async stopManager(): Promise<void> {
    const pid = this.rm?.pid;
    this.rm = null;
    if (pid === undefined) return;
    killGroup(pid, 'SIGKILL');
    await waitGone([pid], 10_000);
  }

  /** A ReplicaManager client over a fresh connection (no reconnect back-off from earlier failures). */
  managerClient(): ReplicaManagerClient {
    return new (protos().replicaManager.rm.replica_manager.v1.ReplicaManager)(
      addressOf.replicaManager(this.cfg, 'H1'),
      grpc.credentials.createInsecure(),
      { 'grpc.max_receive_message_length': 256 * 2 ** 20 },
    );
  }

  /**
   * Polls Status until the manager serves the table: with `lastModule`, until it answers for that
   * module (the last of the table: a table is loaded whole, so the rest is there too; asking for one
   * module keeps the answer small), else until it answers with an empty table. The time of that answer.
   */
  async serving(lastModule: string | null, timeoutMs: number): Promise<{ at: bigint; epoch: number }> {
    return waitFor(
      'the ReplicaManager to serve the table',
      async () => {
        const c = this.managerClient();
        try {
          const res = await unary(c, c.Status, { module: lastModule ?? '' }, 2000, 'ReplicaManager');
          const at = now();
          const n = res.table?.modules.length ?? 0;
          return (lastModule === null ? n === 0 : n === 1) ? { at, epoch: Number(res.epoch) } : null;
        } finally {
          c.close();
        }
      },
      timeoutMs,
      5,
    );
  }

  /** Milliseconds between two lines of the ReplicaManager's log (their own `time`), from the last start. */
  logGap(fromMsg: string, toMsg: string): number | null {
    let lines: Array<{ msg?: string; time?: number }> = [];
    try {
      lines = readFileSync(join(this.dir, 'logs', 'replica-manager.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; time?: number });
    } catch {
      return null;
    }
    const fromIdx = lines.map((l) => l.msg).lastIndexOf(fromMsg);
    const to = lines.slice(fromIdx + 1).find((l) => l.msg === toMsg);
    const from = lines[fromIdx];
    return fromIdx >= 0 && to?.time !== undefined && from?.time !== undefined ? to.time - from.time : null;
  }

  /** Waits until every fake WatchDog has been told to stop its ghost: the time of the last one. */
  async reconciled(timeoutMs: number): Promise<bigint> {
    return waitFor(
      'the ReplicaManager to reconcile every host',
      () => {
        const stops = this.fakes.count('stop').filter((c) => c.replica.startsWith('ghost-'));
        const hosts = new Set(stops.map((c) => c.host));
        return hosts.size === LOCAL_HOSTS.length ? latest(stops) : null;
      },
      timeoutMs,
      5,
    );
  }

  private async teardown(): Promise<void> {
    await this.stopManager();
    this.fakes.stop();
    this.cs.close();
    if (this.csPid && isAlive(this.csPid)) {
      killGroup(this.csPid, 'SIGTERM');
      if (!(await waitGone([this.csPid], 5000))) killGroup(this.csPid, 'SIGKILL');
      await waitGone([this.csPid], 5000);
    }
  }

  stop(): Promise<void> {
    return this.release();
  }
}
