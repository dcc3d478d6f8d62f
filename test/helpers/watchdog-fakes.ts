/**
 * Recording fakes around a WatchDog under test: a ReplicaManager that records ReportFailure,
 * ReportRunning and Register; a SuperWatchDog that answers WatchDogBeat; a Checkpoint Server that
 * keeps module checkpoints in memory; and a cluster file on loopback addresses 127.0.0.11–16.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { addressOf, type ClusterConfig, loadClusterConfig, type Timings } from '../../src/shared/config.js';
import type { Checkpoint } from '../../src/shared/generated/rm/checkpoint/v1/Checkpoint.js';
import type { FailureReport__Output } from '../../src/shared/generated/rm/replica_manager/v1/FailureReport.js';
import type { RegisterRequest__Output } from '../../src/shared/generated/rm/replica_manager/v1/RegisterRequest.js';
import type { RegisterResponse } from '../../src/shared/generated/rm/replica_manager/v1/RegisterResponse.js';
import type { RunningReport__Output } from '../../src/shared/generated/rm/replica_manager/v1/RunningReport.js';
import type { WatchDogBeatRequest__Output } from '../../src/shared/generated/rm/super_watchdog/v1/WatchDogBeatRequest.js';
import type { ReplicaSpec__Output } from '../../src/shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import { protos } from '../../src/shared/grpc.js';
import { WatchDogClient } from '../../src/watchdog/client.js';
import { killAll, killGroup, ROOT, type Spawned, spawnRmd, waitFor } from './processes.js';

export const SAMPLE_APP = join(ROOT, 'examples', 'bin', 'sample-app');

/** A copy as the WatchDog's StartReplica takes it: the sample application, warm, polled; `extra` overrides. */
export function copySpec(replica: string, extra: Partial<ReplicaSpec__Output> = {}): ReplicaSpec__Output {
  return {
    replica,
    module: 'A',
    path: SAMPLE_APP,
    args: [],
    env: {},
    detect: 'poll',
    interval_ms: 0,
    timeout_ms: 0,
    check: null,
    style: 'warm',
    user: '',
    group: '',
    ...extra,
  };
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;

async function bind(server: grpc.Server, address: string): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
}

/** A ReplicaManager that records what WatchDogs tell it. */
export class FakeReplicaManager {
  readonly failures: FailureReport__Output[] = [];
  readonly running: RunningReport__Output[] = [];
  readonly registers: RegisterRequest__Output[] = [];
  /** What Register answers; by default the module with replica `<name>1` on the registering host, as primary. */
  registerAnswer: (req: RegisterRequest__Output) => RegisterResponse = (req) => ({
    module: {
      ...req.module,
      replicas: (req.module?.replicas ?? []).map((r, i) => ({
        id: `${req.module?.name}${i + 1}`,
        host: r.host,
        path: r.path,
        status: r.host === req.running_on ? 'P' : 'I',
        failures: 0,
      })),
    },
    epoch: '1',
  });
  private server: grpc.Server | null = null;
  address = '';

  async start(address = '127.0.0.1:0'): Promise<this> {
    const server = new grpc.Server();
    const ack: Unary<unknown, { epoch: string }> = (_call, cb) => cb(null, { epoch: '1' });
    const handlers = {
      ReportFailure: ((call, cb) => {
        this.failures.push(call.request);
        ack(call, cb);
      }) as Unary<FailureReport__Output, { epoch: string }>,
      ReportRunning: ((call, cb) => {
        this.running.push(call.request);
        ack(call, cb);
      }) as Unary<RunningReport__Output, { epoch: string }>,
      Register: ((call, cb) => {
        this.registers.push(call.request);
        cb(null, this.registerAnswer(call.request));
      }) as Unary<RegisterRequest__Output, RegisterResponse>,
    };
    server.addService(
      protos().replicaManager.rm.replica_manager.v1.ReplicaManager.service,
      handlers as unknown as grpc.UntypedServiceImplementation,
    );
    this.address = await bind(server, address);
    this.server = server;
    return this;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = null;
  }
}

/** A SuperWatchDog that answers every WatchDogBeat (primary by default) with the manager's address. */
export class FakeSuperWatchDog {
  readonly beats: WatchDogBeatRequest__Output[] = [];
  primary = true;
  primaryHost = '';
  /** What a primary says of its own manager lease; the WatchDog's copies live by it (fence first). */
  leaseRemainingMs = 10_000;
  private server: grpc.Server | null = null;

  constructor(public managerAddress: string) {}

  async start(address: string): Promise<this> {
    const server = new grpc.Server();
    server.addService(protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog.service, {
      WatchDogBeat: ((call, cb) => {
        this.beats.push(call.request);
        cb(null, {
          primary: this.primary,
          primary_host: this.primaryHost,
          epoch: '1',
          manager_address: this.primary ? this.managerAddress : '',
          lease_remaining_ms: String(this.primary ? this.leaseRemainingMs : 0),
        });
      }) as Unary<WatchDogBeatRequest__Output, unknown>,
    } as unknown as grpc.UntypedServiceImplementation);
    await bind(server, address);
    this.server = server;
    return this;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = null;
  }
}

/** A Checkpoint Server with module checkpoints in memory (SaveCheckpoint, LoadCheckpoint, WatchCheckpoint). */
export class FakeCheckpointServer {
  readonly saved = new Map<string, Checkpoint[]>();
  private readonly watchers = new Set<{
    module: string;
    call: grpc.ServerWritableStream<unknown, Checkpoint>;
  }>();
  private server: grpc.Server | null = null;
  address = '';

  async start(address: string): Promise<this> {
    const server = new grpc.Server();
    server.addService(protos().checkpoint.rm.checkpoint.v1.CheckpointServer.service, {
      SaveCheckpoint: ((call, cb) => {
        const list = this.saved.get(call.request.module) ?? [];
        const cp: Checkpoint = {
          module: call.request.module,
          replica: call.request.replica,
          state: Buffer.from(call.request.state),
          version: String(list.length + 1),
          saved_at_ms: String(Date.now()),
        };
        list.push(cp);
        this.saved.set(call.request.module, list);
        for (const w of this.watchers) if (w.module === cp.module) w.call.write(cp);
        cb(null, { version: cp.version });
      }) as Unary<{ module: string; replica: string; state: Buffer }, unknown>,
      LoadCheckpoint: ((call, cb) => {
        const last = this.saved.get(call.request.module)?.at(-1);
        cb(null, last ? { found: true, checkpoint: last } : { found: false });
      }) as Unary<{ module: string }, unknown>,
      WatchCheckpoint: (call: grpc.ServerWritableStream<{ module: string }, Checkpoint>) => {
        const w = { module: call.request.module, call };
        const last = this.saved.get(w.module)?.at(-1);
        if (last) call.write(last);
        this.watchers.add(w);
        call.on('cancelled', () => this.watchers.delete(w));
      },
    } as unknown as grpc.UntypedServiceImplementation);
    this.address = await bind(server, address);
    this.server = server;
    return this;
  }

  stop(): void {
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
    this.server?.forceShutdown();
    this.server = null;
  }
}

/** Ports far from the defaults, different per test file, so that parallel runs on one machine do not collide. */
export function testPorts(): {
  replicaManager: number;
  watchdog: number;
  superWatchdog: number;
  checkpoint: number;
  /** The first of four: the metrics of the ReplicaManager, WatchDog, SuperWatchDog and Checkpoint Server. */
  metrics: number;
} {
  const base = 20_000 + Math.floor(Math.random() * 2000) * 10;
  return {
    replicaManager: base,
    watchdog: base + 1,
    superWatchdog: base + 2,
    checkpoint: base + 3,
    metrics: base + 4,
  };
}

export const TEST_TIMINGS: Partial<Timings> = {
  watchdogBeatMs: 100,
  hostTimeoutMs: 2000,
  rpcDeadlineMs: 2000,
  killGraceMs: 1000,
  appLeaseMs: 1400,
  fenceMarginMs: 300,
  pollIntervalMs: 200,
  heartbeatTimeoutMs: 1000,
  pollMisses: 2,
};

/**
 * Writes a cluster file into `dir`: by default six hosts (H1–H6 on 127.0.0.11–16, the Checkpoint
 * Server on 127.0.0.10, ring H2 → H5 → H6); `first` moves the addresses (the Checkpoint Server on
 * 127.0.0.`first`, Hn on `first` + n), `count` and `ring` shrink the cluster.
 */
export function writeClusterFile(
  dir: string,
  opts: {
    ports: ReturnType<typeof testPorts>;
    timings?: Partial<Timings>;
    allowed?: string[];
    first?: number;
    count?: number;
    ring?: string[];
  },
): { file: string; cfg: ClusterConfig } {
  const first = opts.first ?? 10;
  const hosts = Array.from({ length: opts.count ?? 6 }, (_, k) => k + 1)
    .map((i) => `  - { name: H${i}, address: 127.0.0.${first + i} }`)
    .join('\n');
  const timings = { ...TEST_TIMINGS, ...opts.timings };
  const allowed = opts.allowed ?? [join(ROOT, 'examples', 'bin')];
  const text = [
    // These files test supervision against plaintext fakes; security.test.ts runs the daemons with TLS.
    'insecure: true',
    'hosts:',
    hosts,
    `checkpointServer: { address: "127.0.0.${first}:${opts.ports.checkpoint}", dataDir: ${JSON.stringify(join(dir, 'cs'))} }`,
    `ports: { replicaManager: ${opts.ports.replicaManager}, watchdog: ${opts.ports.watchdog}, superWatchdog: ${opts.ports.superWatchdog},`,
    `         metrics: { replicaManager: ${opts.ports.metrics}, watchdog: ${opts.ports.metrics + 1}, superWatchdog: ${opts.ports.metrics + 2}, checkpointServer: ${opts.ports.metrics + 3} } }`,
    `ring: [${(opts.ring ?? ['H2', 'H5', 'H6']).join(', ')}]`,
    `allowedExecutableDirs: ${JSON.stringify(allowed)}`,
    `stateDir: ${JSON.stringify(join(dir, 'state'))}`,
    'timings:',
    ...Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`),
    '',
  ].join('\n');
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, text);
  return { file, cfg: loadClusterConfig(file) };
}

/** The JSON lines a sample app printed into its log file under the host's state folder. */
export function appEvents(cfg: ClusterConfig, host: string, replica: string): Array<Record<string, unknown>> {
  let text = '';
  try {
    text = readFileSync(join(cfg.stateDir, host, 'logs', `${replica}.log`), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** A real WatchDog under test, the fakes it talks to, and a client that commands it as a manager would. */
export interface WatchDogRig {
  manager: FakeReplicaManager;
  swd: FakeSuperWatchDog;
  wd: Spawned;
  client: WatchDogClient;
}

/**
 * Starts `rmd watchdog` on `host` with a recording fake ReplicaManager (127.0.0.12) and a fake primary
 * SuperWatchDog on H2, and waits until it answers (its output in the error when it does not).
 */
export async function startWatchDogRig(cfg: ClusterConfig, host: string): Promise<WatchDogRig> {
  const manager = await new FakeReplicaManager().start('127.0.0.12:0');
  const swd = await new FakeSuperWatchDog(manager.address).start(addressOf.superWatchdog(cfg, 'H2'));
  const wd = spawnRmd(['watchdog', '--config', cfg.file, '--host', host]);
  const client = new WatchDogClient(addressOf.watchdog(cfg, host), { deadlineMs: 5000 });
  await waitFor('the WatchDog to answer', () => client.listRunning(0), { timeoutMs: 20_000 }).catch((err) => {
    throw new Error(`${(err as Error).message}\n${wd.output()}`);
  });
  return { manager, swd, wd, client };
}

/** Stops what a rig started (any part may be missing after a failed start) and the copies named. */
export async function stopWatchDogRig(rig: Partial<WatchDogRig>, copies: Iterable<number>): Promise<void> {
  rig.client?.close();
  for (const pid of copies) killGroup(pid);
  await killAll();
  rig.manager?.stop();
  rig.swd?.stop();
}
