/**
 * `rmd local`: the whole six-host cluster of the source's FIG. 1 on one machine, each host on its own
 * loopback address (H1–H6 on 127.0.0.11–16, the Checkpoint Server on 127.0.0.10), with the sample
 * application registered as the modules A, B and C of FIG. 2. `--story` tells the source's story
 * (¶0023–0026) with timings and exits; `--stop` stops a cluster left running.
 */

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointClient } from '../checkpoint-server/client.js';
import type { ModuleSpec, ReplicaTable } from '../model/table.js';
import { moduleToProto, tableFromProto } from '../replica-manager/proto-convert.js';
import {
  addressOf,
  type ClusterConfig,
  hostStateDir,
  loadClusterConfig,
  type Timings,
} from '../shared/config.js';
import { Transport, unary } from '../shared/grpc.js';
import type { Role } from '../shared/tls.js';
import { rmdPath } from '../super-watchdog/manager-process.js';
import { appSocketPath } from '../watchdog/app-socket.js';
import { issueCluster } from './certs.js';
import { ClusterClient } from './cluster-client.js';
import type { Io } from './commands.js';
import { operatorTransport } from './commands.js';
import { EtcdCluster } from './etcd-cluster.js';
import { formatTable } from './format.js';
import {
  copiesOf,
  daemonsOf,
  isAlive,
  killGroup,
  type LocalDaemon,
  localClustersRunning,
  spawnDaemon,
  waitGone,
} from './local-processes.js';

export const LOCAL_HOSTS = ['H1', 'H2', 'H3', 'H4', 'H5', 'H6'];
/** Where `rmd local` keeps its files unless told otherwise (relative to the working directory). */
export const LOCAL_DIR = '.rm-local';
const RING = ['H2', 'H5', 'H6'];

/** Where the local cluster keeps its checkpoints: one SQLite Checkpoint Server, or etcd. */
export type LocalStore = 'sqlite' | 'etcd';

/** The three loopback etcd members of `--store etcd`: on 127.0.0.1, client and peer ports from here. */
export function localEtcdBase(portBase: number): number {
  return portBase + 80;
}

/** The local cluster's timings: shortened so that the story runs in seconds. */
export const LOCAL_TIMINGS: Partial<Timings> = {
  watchdogBeatMs: 200,
  hostTimeoutMs: 4000,
  ringBeatMs: 200,
  ringTimeoutMs: 1000,
  rpcDeadlineMs: 1000,
  killGraceMs: 1000,
  // Fence first (DESIGN §5): 3400 + 400 < 4000. Within the lease fit a SuperWatchDog take-over (ring
  // timeout, the store's compare-and-set, the WatchDogs finding the new primary) and a WatchDog
  // restart (a node start, TLS handshakes with the ring) on a loaded two-core machine.
  appLeaseMs: 3400,
  fenceMarginMs: 400,
  // A Checkpoint Server restarted within about 1000 + 4000 + 3000 − 400 ms stops no copy.
  takeoverGraceMs: 3000,
  managerStartGraceMs: 4000,
  pollIntervalMs: 300,
  heartbeatTimeoutMs: 1000,
};

/**
 * The cluster file of the local cluster; timings shortened so that the story runs in seconds. The
 * Checkpoint Server listens on `portBase`, the daemons of each host on the next three ports and their
 * metrics on `portBase` + 11 to 14, so that two local clusters (say, a benchmark beside a test run) can
 * share the loopback addresses.
 */
export function localClusterYaml(
  dir: string,
  root: string,
  portBase = 7400,
  timings: Partial<Timings> = {},
  extraAllowedDirs: readonly string[] = [],
  store: LocalStore = 'sqlite',
): string {
  const t: Partial<Timings> = { ...LOCAL_TIMINGS, ...timings };
  const etcdBase = localEtcdBase(portBase);
  const checkpoint =
    store === 'sqlite'
      ? [`  address: 127.0.0.10:${portBase}`, `  dataDir: ${join(dir, 'checkpoint')}`]
      : [
          '  backend: etcd',
          '  # One stateless Checkpoint Server on each ring host, over a three-member etcd on 127.0.0.1.',
          `  addresses: [${RING.map((h) => `127.0.0.${11 + LOCAL_HOSTS.indexOf(h)}:${portBase}`).join(', ')}]`,
          `  etcd: { endpoints: [${[0, 1, 2].map((i) => `127.0.0.1:${etcdBase + 2 * i}`).join(', ')}] }`,
        ];
  return [
    '# The local six-host cluster of `rmd local` (source FIG. 1): one loopback address per host.',
    '# Mutual TLS with its own CA: `rmd local` makes the certificates in certs/ at every start.',
    'name: local',
    'hosts:',
    ...LOCAL_HOSTS.map((h, i) => `  - { name: ${h}, address: 127.0.0.${11 + i} }`),
    'checkpointServer:',
    ...checkpoint,
    `ports: { replicaManager: ${portBase + 1}, watchdog: ${portBase + 2}, superWatchdog: ${portBase + 3},`,
    `         metrics: { replicaManager: ${portBase + 11}, watchdog: ${portBase + 12}, superWatchdog: ${portBase + 13}, checkpointServer: ${portBase + 14} } }`,
    `ring: [${RING.join(', ')}]`,
    'allowedExecutableDirs:',
    ...[join(root, 'examples', 'bin'), ...extraAllowedDirs].map((d) => `  - ${d}`),
    `stateDir: ${join(dir, 'state')}`,
    'timings:',
    ...Object.entries(t).map(([k, v]) => `  ${k}: ${v}`),
    '',
  ].join('\n');
}

/** The modules of FIG. 2, run by the sample application. */
export function demoModules(root: string): ModuleSpec[] {
  const app = join(root, 'examples', 'bin', 'sample-app');
  const common = { detect: 'heartbeat' as const, timeoutMs: 1000, check: { kind: 'sdk' as const } };
  return [
    {
      name: 'A',
      style: 'warm',
      degree: 3,
      policy: 'on-each-failure',
      ...common,
      replicas: ['H1', 'H2', 'H3', 'H4'].map((host, i) => ({ id: `A${i + 1}`, host, path: app })),
    },
    {
      name: 'B',
      style: 'hot',
      degree: 2,
      policy: 'on-each-failure',
      ...common,
      replicas: [
        { id: 'B2', host: 'H1', path: app },
        { id: 'B1', host: 'H4', path: app },
        { id: 'B3', host: 'H5', path: app },
      ],
    },
    {
      name: 'C',
      style: 'cold',
      degree: 2,
      policy: 'on-over-threshold',
      threshold: 2,
      ...common,
      replicas: [
        { id: 'C1', host: 'H3', path: app },
        { id: 'C2', host: 'H6', path: app },
      ],
    },
  ];
}

/**
 * A local cluster already runs from this folder, or another one on the same addresses: a start is
 * refused before anything is touched.
 */
export class LocalClusterRunningError extends Error {
  constructor(
    readonly dir: string,
    readonly pids: readonly number[],
  ) {
    super(
      `a local cluster already runs from ${dir}${pids.length ? ` (pids ${pids.join(', ')})` : ''}: ` +
        `stop it with Ctrl-C where it was started, or \`rmd local --stop --dir ${dir}\``,
    );
    this.name = 'LocalClusterRunningError';
  }
}

/**
 * A module file for `rmctl register -f` on the local cluster: its executable path must be absolute and
 * under the cluster's allowed directories, so `rmd local` writes it with this checkout's path.
 */
export function exampleModuleYaml(root: string): string {
  const app = join(root, 'examples', 'bin', 'sample-app');
  return [
    "# A module for the local cluster, written by `rmd local` at each start (the path is this checkout's):",
    '#   node bin/rmctl.js register -f .rm-local/module-e.yaml',
    '# Warm, two copies running (a primary on H3, a backup on H5), H6 idle; heartbeats, a hang after 1 s.',
    'name: E',
    'style: warm',
    'degree: 2',
    'policy: on-each-failure',
    'detect: heartbeat',
    'timeoutMs: 1000',
    'replicas:',
    ...['H3', 'H5', 'H6'].map((h) => `  - { host: ${h}, path: ${app} }`),
    '',
  ].join('\n');
}

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (let i = 0; i < 1_000_000 && Date.now() < until; i++) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
  );
}

export class LocalCluster {
  readonly dir: string;
  readonly cfgFile: string;
  private readonly pidFile: string;
  private daemons: LocalDaemon[] = [];
  /** Whether this instance started the cluster (its stop() touches nothing it did not start). */
  private started = false;
  private cfgValue: ClusterConfig | null = null;

  constructor(
    dir: string,
    readonly root: string,
    readonly portBase = 7400,
    /** Timings other than the local cluster's. */
    readonly timings: Partial<Timings> = {},
    /** Where else the WatchDogs may start executables. */
    readonly extraAllowedDirs: readonly string[] = [],
    /** Where the checkpoints live: SQLite on 127.0.0.10, or etcd under a Checkpoint Server per ring host. */
    readonly store: LocalStore = 'sqlite',
  ) {
    this.dir = resolve(dir);
    this.cfgFile = join(this.dir, 'cluster.yaml');
    this.pidFile = join(this.dir, 'pids.json');
  }

  get cfg(): ClusterConfig {
    this.cfgValue ??= loadClusterConfig(this.cfgFile);
    return this.cfgValue;
  }

  private readonly transports = new Map<string, Transport>();

  /**
   * The credentials of one of this cluster's identities (default: its operator), for tools and tests
   * that talk to the daemons as that identity would.
   */
  transport(role: Role = 'operator', host = ''): Transport {
    const key = `${role}/${host}`;
    let t = this.transports.get(key);
    if (!t) {
      t =
        role === 'operator' && !host
          ? operatorTransport(this.cfg)
          : Transport.forDaemon(this.cfg, role, host);
      this.transports.set(key, t);
    }
    return t;
  }

  /** rmctl's view of this cluster, as its operator. */
  clusterClient(deadlineMs = this.cfg.timings.rpcDeadlineMs): ClusterClient {
    return new ClusterClient(this.cfg, deadlineMs, this.transport());
  }

  /** The Checkpoint Server, as this cluster's operator. */
  checkpointClient(deadlineMs: number): CheckpointClient {
    return new CheckpointClient(this.cfg.checkpointServer.address, {
      deadlineMs,
      transport: this.transport(),
    });
  }

  /** Daemons recorded by a cluster started earlier from this folder that still run. */
  liveRecorded(): LocalDaemon[] {
    if (!existsSync(this.pidFile)) return [];
    try {
      return (JSON.parse(readFileSync(this.pidFile, 'utf8')) as LocalDaemon[]).filter((d) => isAlive(d.pid));
    } catch {
      return [];
    }
  }

  /** Starts the Checkpoint Server, six WatchDogs and three SuperWatchDogs, fresh, and waits for a ReplicaManager. */
  async start(): Promise<void> {
    const running = this.liveRecorded();
    if (running.length > 0)
      throw new LocalClusterRunningError(
        this.dir,
        running.map((d) => d.pid),
      );
    // Another local cluster on the same ports (hosts 127.0.0.11–16, its Checkpoint Servers, its etcd
    // members, whatever its store) would take this one's addresses.
    for (const other of localClustersRunning()) {
      if (other !== this.dir && portBaseOf(other) === this.portBase)
        throw new LocalClusterRunningError(other, []);
    }
    this.started = true;
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    writeFileSync(
      this.cfgFile,
      localClusterYaml(this.dir, this.root, this.portBase, this.timings, this.extraAllowedDirs, this.store),
    );
    this.cfgValue = null;
    this.transports.clear();
    // A CA of its own and a certificate per daemon, an operator and a viewer, made fresh each start.
    await issueCluster(this.cfg);
    if (this.store === 'sqlite') this.startDaemon('checkpoint-server', 'CS');
    else {
      this.etcd = await EtcdCluster.start({
        dir: join(this.dir, 'etcd'),
        basePort: localEtcdBase(this.portBase),
      });
      this.recordEtcd();
      for (const h of RING) this.startDaemon('checkpoint-server', h);
    }
    const cs = this.checkpointClient(500);
    try {
      await waitUntil('the Checkpoint Server', () => cs.getLeadership('manager').then(() => true), 20_000);
    } finally {
      cs.close();
    }
    for (const h of LOCAL_HOSTS) this.startDaemon('watchdog', h);
    // Each host's endpoints for the modules with a service port (DESIGN §12).
    for (const h of LOCAL_HOSTS) this.startDaemon('router', h);
    // The ring's first member is the primary at start (source ¶0022): the others join it once it
    // serves, rather than racing it on a busy machine.
    const [first, ...rest] = RING;
    this.startDaemon('super-watchdog', first as string);
    await this.manager(30_000);
    for (const h of rest) this.startDaemon('super-watchdog', h);
    await this.ringJoined(30_000);
  }

  /** Waits until every ring member answers and sees every other one live, under one primary. */
  async ringJoined(timeoutMs: number): Promise<void> {
    const client = this.clusterClient(800);
    try {
      await waitUntil(
        'every SuperWatchDog to join the ring',
        async () => {
          const views = await client.ringViews();
          const primaries = new Set(views.map((v) => v.view?.primary));
          const joined = views.every((v) => v.view?.members.every((m) => m.live));
          return joined && primaries.size === 1 && !primaries.has('') && !primaries.has(undefined);
        },
        timeoutMs,
      );
    } finally {
      client.close();
    }
  }

  private etcd: EtcdCluster | null = null;

  /** The etcd members of `--store etcd` (null with SQLite). */
  get etcdCluster(): EtcdCluster | null {
    return this.etcd;
  }

  /** Records the etcd members' pids beside the daemons', so that `--stop` from elsewhere stops them too. */
  recordEtcd(): void {
    if (!this.etcd) return;
    this.daemons = this.daemons.filter((d) => d.kind !== 'etcd');
    this.etcd.members.forEach((m, i) => {
      if (m.pid) this.daemons.push({ kind: 'etcd', host: `m${i}`, pid: m.pid });
    });
    writeFileSync(this.pidFile, JSON.stringify(this.daemons, null, 2));
  }

  startDaemon(kind: LocalDaemon['kind'], host: string): void {
    const child = spawnDaemon(
      rmdPath(),
      kind,
      this.cfgFile,
      host,
      join(this.dir, 'logs', `${kind}-${host}.log`),
    );
    if (child.pid === undefined) throw new Error(`could not start ${kind} on ${host}`);
    this.daemons = this.daemons.filter((d) => !(d.kind === kind && d.host === host));
    this.daemons.push({ kind, host, pid: child.pid });
    writeFileSync(this.pidFile, JSON.stringify(this.daemons, null, 2));
  }

  /** Waits until a ReplicaManager answers, optionally one with an epoch above `minEpoch`. */
  async manager(timeoutMs: number, minEpoch = 0) {
    const client = this.clusterClient(800);
    try {
      return await waitUntil(
        'a ReplicaManager to answer',
        async () => {
          const m = await client.manager();
          return m.epoch > minEpoch ? { host: m.host, epoch: m.epoch } : null;
        },
        timeoutMs,
      );
    } finally {
      client.close();
    }
  }

  async table(): Promise<ReplicaTable & { epoch: number; managerHost: string }> {
    const client = this.clusterClient(1000);
    try {
      const m = await client.manager();
      return { ...tableFromProto(m.status.table!), epoch: m.epoch, managerHost: m.host };
    } finally {
      client.close();
    }
  }

  async register(specs: ModuleSpec[]): Promise<void> {
    const client = this.clusterClient();
    try {
      const m = await client.manager();
      for (const spec of specs) {
        await unary(
          m.client,
          m.client.Register,
          { module: moduleToProto(spec), running_on: '' },
          5000,
          'ReplicaManager',
        );
      }
    } finally {
      client.close();
    }
  }

  /** Copies running on `host` (processes started by its WatchDog). */
  copiesOn(host: string): Array<{ pid: number; replica: string }> {
    // Copies know their WatchDog by its local socket (the TCP address in clusters of older files).
    return copiesOf(`unix:${appSocketPath(hostStateDir(this.cfg, host))}`).concat(
      copiesOf(addressOf.watchdog(this.cfg, host)),
    );
  }

  /** Whether the table and the hosts agree: every P/B copy of the table runs on its host. */
  async settled(): Promise<ReplicaTable | null> {
    const t = await this.table();
    for (const m of t.modules) {
      for (const r of m.replicas) {
        if (r.status === 'I') continue;
        if (!this.copiesOn(r.host).some((c) => c.replica === r.id)) return null;
      }
    }
    return t;
  }

  /** The pid of the ReplicaManager running on `host` (started there by the primary SuperWatchDog), if any. */
  managerPid(host: string): number | undefined {
    return daemonsOf('replica-manager', this.cfgFile, host)[0];
  }

  killCopy(replica: string): number {
    for (const h of LOCAL_HOSTS) {
      const c = this.copiesOn(h).find((x) => x.replica === replica);
      if (c) {
        process.kill(c.pid, 'SIGKILL');
        return c.pid;
      }
    }
    throw new Error(`no running copy ${replica}`);
  }

  /** Kills one daemon of a host (and its process group: a SuperWatchDog's ReplicaManager goes with it). */
  killDaemon(kind: LocalDaemon['kind'], host: string): void {
    this.signalDaemon(kind, host, 'SIGKILL');
  }

  /** Signals one daemon's process group: SIGSTOP freezes it (a host cut off), SIGCONT thaws it. */
  signalDaemon(kind: LocalDaemon['kind'], host: string, signal: NodeJS.Signals): void {
    for (const d of this.daemons.filter((x) => x.kind === kind && x.host === host)) killGroup(d.pid, signal);
  }

  /** A host crash: every daemon of that host and every copy on it die at once. */
  crashHost(host: string): void {
    const copies = this.copiesOn(host);
    for (const d of this.daemons.filter((x) => x.host === host)) killGroup(d.pid);
    for (const c of copies) killGroup(c.pid);
  }

  /**
   * Stops every daemon and every copy of the cluster this instance started, and waits until they are
   * gone. `recorded`: the cluster recorded in the folder, whoever started it (`rmd local --stop`).
   */
  async stop(opts: { recorded?: boolean } = {}): Promise<void> {
    if (!this.started && !opts.recorded) return;
    const daemons = this.daemons.length > 0 ? this.daemons : this.liveRecorded();
    const copies = existsSync(this.cfgFile) ? LOCAL_HOSTS.flatMap((h) => this.copiesOn(h)) : [];
    for (const d of daemons) killGroup(d.pid, 'SIGTERM');
    await waitGone(
      daemons.map((d) => d.pid),
      3000,
    );
    for (const d of daemons) killGroup(d.pid, 'SIGKILL');
    const leftover = existsSync(this.cfgFile) ? LOCAL_HOSTS.flatMap((h) => this.copiesOn(h)) : [];
    const all = [...new Map([...copies, ...leftover].map((c) => [c.pid, c])).values()];
    for (const c of all) killGroup(c.pid, 'SIGKILL');
    await waitGone([...daemons.map((d) => d.pid), ...all.map((c) => c.pid)], 5000);
    rmSync(this.pidFile, { force: true });
    this.daemons = [];
  }

  async checkpointCounter(module: string): Promise<number | null> {
    const cs = this.checkpointClient(1000);
    try {
      const res = await cs.loadCheckpoint(module);
      return res ? Number(res.state.toString('utf8')) : null;
    } finally {
      cs.close();
    }
  }
}

/** The Checkpoint Server address in a local cluster's file, or null if it cannot be read. */
/** The port base of the local cluster in `dir` (its ReplicaManager port less one), or null if unreadable. */
function portBaseOf(dir: string): number | null {
  try {
    return loadClusterConfig(join(dir, 'cluster.yaml')).ports.replicaManager - 1;
  } catch {
    return null;
  }
}

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}

/** The source's story, told live: ¶0023, ¶0024, ¶0025, ¶0026, with timings and the table after each step. */
export async function tellStory(cluster: LocalCluster, io: Io): Promise<void> {
  const show = async (title: string) => {
    const t = await cluster.table();
    io.out(`\n${title}\nReplicaManager on ${t.managerHost}, epoch ${t.epoch}\n${formatTable(t)}`);
    return t;
  };
  const statusOf = (t: ReplicaTable, id: string) =>
    t.modules.flatMap((m) => m.replicas).find((r) => r.id === id)?.status;
  const timeUntil = async (
    what: string,
    t0: number,
    cond: (t: ReplicaTable) => boolean,
    timeoutMs = 20_000,
  ) => {
    await waitUntil(what, async () => cond(await cluster.table()), timeoutMs);
    return performance.now() - t0;
  };
  const settledUntil = async (what: string, t0: number, cond: (t: ReplicaTable) => boolean) => {
    await waitUntil(
      what,
      async () => {
        const t = await cluster.settled();
        return t !== null && cond(t);
      },
      20_000,
    );
    return performance.now() - t0;
  };

  await show(
    'FIG. 2: modules A (warm, 3), B (hot, 2) and C (cold, 2, OnOverThreshold(2)) registered and running',
  );
  // Let the primaries checkpoint a little before anything breaks.
  await waitUntil(
    'A to save a checkpoint',
    async () => ((await cluster.checkpointCounter('A')) ?? 0) > 10,
    15_000,
  );
  const counters: Array<[string, number | null]> = [
    ['before any failure', await cluster.checkpointCounter('A')],
  ];

  io.out('\n— Step 1 (source ¶0023): the primary copy A1 on H1 crashes (kill -9).');
  let t0 = performance.now();
  cluster.killCopy('A1');
  let detect = await timeUntil('A1 to be failed over', t0, (t) => statusOf(t, 'A1') === 'I');
  let recover = await settledUntil(
    'A2 primary and A4 running as backup',
    t0,
    (t) => statusOf(t, 'A2') === 'P' && statusOf(t, 'A4') === 'B',
  );
  await show(
    `A2 is the new primary, A4 was started as a backup. Detected and decided in ${ms(detect)}, recovered in ${ms(recover)}.`,
  );
  counters.push(['after A1 crashed', await cluster.checkpointCounter('A')]);

  io.out(
    '\n— Step 2 (source ¶0024): host H1 crashes (its WatchDog and every copy on it). Only B2 still runs there: A1 failed over in step 1.',
  );
  t0 = performance.now();
  cluster.crashHost('H1');
  detect = await timeUntil(
    'H1 to be declared dead',
    t0,
    (t) => t.hosts.find((h) => h.name === 'H1')?.up === false,
  );
  recover = await settledUntil('B3 running as primary on H5', t0, (t) => statusOf(t, 'B3') === 'P');
  await show(
    `H1 declared dead after ${ms(detect)} (host timeout ${cluster.cfg.timings.hostTimeoutMs} ms); only B fails over: B2 to B3 on H5, recovered in ${ms(recover)}.`,
  );

  io.out('\n— Step 3 (source ¶0025): the backup SuperWatchDog on H6 dies.');
  t0 = performance.now();
  cluster.killDaemon('super-watchdog', 'H6');
  const client = cluster.clusterClient(800);
  try {
    const ringClosed = async () => {
      const views = await client.ringViews();
      const h2 = views.find((v) => v.host === 'H2')?.view;
      return h2?.members.find((m) => m.name === 'H6')?.live === false;
    };
    await waitUntil('H2 to declare H6 dead', ringClosed, 20_000);
    io.out(
      `H2 declared H6 dead after ${ms(performance.now() - t0)} (ring timeout ${cluster.cfg.timings.ringTimeoutMs} ms); H5 now beats to H2. Nothing else changes.`,
    );
    cluster.startDaemon('super-watchdog', 'H6');
    t0 = performance.now();
    await waitUntil(
      'H6 to rejoin as a backup',
      async () => {
        const views = await client.ringViews();
        const h6 = views.find((v) => v.host === 'H6')?.view;
        const h2 = views.find((v) => v.host === 'H2')?.view;
        return h6?.primary === 'H2' && h2?.members.find((m) => m.name === 'H6')?.live === true;
      },
      20_000,
    );
    io.out(
      `H6's SuperWatchDog restarted: it rejoined the ring as a backup in ${ms(performance.now() - t0)}.`,
    );
  } finally {
    client.close();
  }

  const before = await cluster.table();
  counters.push(['before H2 crashed', await cluster.checkpointCounter('A')]);
  io.out(
    '\n— Step 4 (source ¶0026): host H2 crashes: the primary SuperWatchDog, the ReplicaManager, and A2.',
  );
  t0 = performance.now();
  cluster.crashHost('H2');
  const m = await cluster.manager(30_000, before.epoch);
  const takeover = performance.now() - t0;
  recover = await settledUntil(
    'A3 primary after H2 is declared dead',
    t0,
    (t) => t.hosts.find((h) => h.name === 'H2')?.up === false && statusOf(t, 'A3') === 'P',
  );
  await show(
    `H5 took over with epoch ${m.epoch} and started a ReplicaManager on ${m.host} after ${ms(takeover)} (ring timeout ${cluster.cfg.timings.ringTimeoutMs} ms); it reloaded the table, H2 was declared dead and A3 became primary after ${ms(recover)}. A is under-replicated: no live idle copy is left.`,
  );
  await waitUntil(
    'A3 to save a checkpoint',
    async () => ((await cluster.checkpointCounter('A')) ?? 0) > (counters.at(-1)?.[1] ?? 0),
    15_000,
  );
  counters.push(['after H2 crashed', await cluster.checkpointCounter('A')]);

  io.out(
    "\nA's checkpointed counter (the sample application's state): it never went back, so no state was lost.",
  );
  for (const [when, n] of counters) io.out(`  ${when.padEnd(22)} ${n}`);
  const values = counters.map(([, n]) => n ?? 0);
  if (values.some((v, i) => i > 0 && v < (values[i - 1] ?? 0)))
    throw new Error('the checkpointed state went back');
}
