/**
 * Real daemons on loopback with mutual TLS (127.0.0.20–23, not the local cluster's addresses): a
 * Checkpoint Server, a WatchDog on H1 and the SuperWatchDog of a one-member ring on H3 (which starts
 * the ReplicaManager on H3 as a process), with clients holding a certificate of any role. Needs
 * `npm run build` (the ReplicaManager runs from dist/). `stop()` stops all of it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import { issue, issueCluster } from '../../src/cli/certs.js';
import { addressOf, type ClusterConfig, loadClusterConfig } from '../../src/shared/config.js';
import { CLIENT_OPTIONS, protos, Transport } from '../../src/shared/grpc.js';
import type { Daemon } from '../../src/shared/lifecycle.js';
import { silentLogger } from '../../src/shared/logging.js';
import type { Role } from '../../src/shared/tls.js';
import { startSuperWatchDogDaemon } from '../../src/super-watchdog/daemon.js';
import { startWatchDogDaemon, type WatchDogDaemon } from '../../src/watchdog/daemon.js';
import { killAll, tempDir, waitFor } from './processes.js';
import { SAMPLE_APP, TEST_TIMINGS, testPorts } from './watchdog-fakes.js';

type Pkg = ReturnType<typeof protos>;
type ClientClass<C> = new (address: string, creds: grpc.ChannelCredentials, opts: grpc.ChannelOptions) => C;

/** The end of a unary call: its status code (OK = 0), the details and, when OK, the answer. */
export interface CallResult {
  code: number;
  details: string;
  res?: unknown;
}

export interface SecureDaemons {
  cfg: ClusterConfig;
  tmp: { dir: string; remove: () => void };
  cs: Daemon & { dbFile: string };
  wd: WatchDogDaemon;
  swd: Daemon;
  /** A transport with a certificate of `role` (of `host` for a daemon role), closed by stop(). */
  as(role: Role, host?: string): Transport;
  /** A client of one service, closed by stop(). */
  client<C extends grpc.Client>(
    make: (p: Pkg) => ClientClass<C>,
    address: string,
    creds: grpc.ChannelCredentials,
  ): C;
  /** Calls a unary method with a deadline (15 s unless told); resolves with how it ended. */
  call(
    c: grpc.Client,
    method: string,
    req: unknown,
    metadata?: grpc.Metadata,
    deadlineMs?: number,
  ): Promise<CallResult>;
  wdOf(t: grpc.ChannelCredentials): grpc.Client;
  wdAppOf(t: grpc.ChannelCredentials): grpc.Client;
  rmOf(t: grpc.ChannelCredentials): grpc.Client;
  swdOf(t: grpc.ChannelCredentials): grpc.Client;
  csOf(t: grpc.ChannelCredentials): grpc.Client;
  stop(): Promise<void>;
}

export async function startSecureDaemons(prefix = 'rm-sec-'): Promise<SecureDaemons> {
  const tmp = tempDir(prefix);
  const ports = testPorts();
  const logger = silentLogger();
  const transports: Transport[] = [];
  const clients: grpc.Client[] = [];
  let cs: (Daemon & { dbFile: string }) | undefined;
  let wd: WatchDogDaemon | undefined;
  let swd: Daemon | undefined;

  const hosts = [1, 2, 3].map((i) => `  - { name: H${i}, address: 127.0.0.${20 + i} }`).join('\n');
  const file = join(tmp.dir, 'cluster.yaml');
  writeFileSync(
    file,
    [
      'name: sec',
      'hosts:',
      hosts,
      `checkpointServer: { address: "127.0.0.20:${ports.checkpoint}", dataDir: ${JSON.stringify(join(tmp.dir, 'cs'))} }`,
      `ports: { replicaManager: ${ports.replicaManager}, watchdog: ${ports.watchdog}, superWatchdog: ${ports.superWatchdog} }`,
      'ring: [H3]',
      `allowedExecutableDirs: [${JSON.stringify(join(SAMPLE_APP, '..'))}]`,
      `stateDir: ${JSON.stringify(join(tmp.dir, 'state'))}`,
      'timings:',
      ...Object.entries(TEST_TIMINGS).map(([k, v]) => `  ${k}: ${v}`),
      '',
    ].join('\n'),
  );
  const cfg = loadClusterConfig(file);

  const as = (role: Role, host = ''): Transport => {
    const t =
      role === 'operator' || role === 'viewer'
        ? Transport.forIdentity(cfg, role, '')
        : Transport.forDaemon(cfg, role, host);
    transports.push(t);
    return t;
  };
  const client = <C extends grpc.Client>(
    make: (p: Pkg) => ClientClass<C>,
    address: string,
    creds: grpc.ChannelCredentials,
  ): C => {
    const c = new (make(protos()))(address, creds, CLIENT_OPTIONS);
    clients.push(c);
    return c;
  };
  const call = (
    c: grpc.Client,
    method: string,
    req: unknown,
    metadata = new grpc.Metadata(),
    deadlineMs = 15_000,
  ): Promise<CallResult> =>
    new Promise((resolve) => {
      const fn = (c as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
      fn.call(
        c,
        req,
        metadata,
        { deadline: Date.now() + deadlineMs },
        (err: grpc.ServiceError | null, res: unknown) =>
          resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', res }),
      );
    });
  const csAddress = cfg.checkpointServer.address;
  const stop = async () => {
    for (const c of clients) c.close();
    await wd?.stop();
    await swd?.stop();
    await cs?.stop();
    for (const t of transports) t.close();
    await killAll();
    tmp.remove();
  };
  const d = {
    cfg,
    tmp,
    as,
    client,
    call,
    stop,
    wdOf: (t: grpc.ChannelCredentials) =>
      client((p) => p.watchdog.rm.watchdog.v1.WatchDog, addressOf.watchdog(cfg, 'H1'), t),
    wdAppOf: (t: grpc.ChannelCredentials) =>
      client((p) => p.watchdog.rm.watchdog.v1.WatchDogApp, addressOf.watchdog(cfg, 'H1'), t),
    rmOf: (t: grpc.ChannelCredentials) =>
      client(
        (p) => p.replicaManager.rm.replica_manager.v1.ReplicaManager,
        addressOf.replicaManager(cfg, 'H3'),
        t,
      ),
    swdOf: (t: grpc.ChannelCredentials) =>
      client(
        (p) => p.superWatchdog.rm.super_watchdog.v1.SuperWatchDog,
        addressOf.superWatchdog(cfg, 'H3'),
        t,
      ),
    csOf: (t: grpc.ChannelCredentials) =>
      client((p) => p.checkpoint.rm.checkpoint.v1.CheckpointServer, csAddress, t),
  };

  try {
    await issueCluster(cfg);
    // A SuperWatchDog of another host, as an insider of the ring would hold.
    await issue(cfg.tls.dir, cfg.name, { role: 'super-watchdog', name: 'H2', addresses: ['127.0.0.22'] });
    cs = await startCheckpointServer({
      address: csAddress,
      dataDir: cfg.checkpointServer.dataDir,
      logger,
      transport: as('checkpoint-server'),
      maxLeaseMs: 15_000,
    });
    swd = await startSuperWatchDogDaemon(cfg, 'H3', logger);
    wd = await startWatchDogDaemon(cfg, 'H1', logger);
    const op = d.rmOf(as('operator').channelCredentials());
    await waitFor(
      'the ReplicaManager on H3 to answer the operator',
      async () => (await call(op, 'Status', { module: '' })).code === 0,
      { timeoutMs: 30_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { ...d, cs, wd, swd };
}
