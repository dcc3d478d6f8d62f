/**
 * The security model (DESIGN §9, README "Security") against real daemons on loopback
 * (127.0.0.20–23, not the local cluster's addresses): a Checkpoint Server, a WatchDog on H1 and the
 * SuperWatchDog of a one-member ring on H3 (which starts the ReplicaManager on H3 as a process), all
 * with mutual TLS. Each attack of the issue that filed this is tried as an outsider would, and as an
 * insider of the wrong role: every one was accepted before, and is refused now with the table, the
 * epochs and the leadership unchanged. Needs `npm run build` (the ReplicaManager runs from dist/).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import { issue, issueCluster } from '../../src/cli/certs.js';
import { loadedTable } from '../../src/replica-manager/daemon.js';
import { addressOf, type ClusterConfig, loadClusterConfig } from '../../src/shared/config.js';
import { CLIENT_OPTIONS, protos, Transport } from '../../src/shared/grpc.js';
import type { Daemon } from '../../src/shared/lifecycle.js';
import { silentLogger } from '../../src/shared/logging.js';
import { identityFiles, type Role } from '../../src/shared/tls.js';
import { startSuperWatchDogDaemon } from '../../src/super-watchdog/daemon.js';
import { startWatchDogDaemon, type WatchDogDaemon } from '../../src/watchdog/daemon.js';
import { killAll, tempDir, waitFor } from '../helpers/processes.js';
import { SAMPLE_APP, TEST_TIMINGS, testPorts } from '../helpers/watchdog-fakes.js';

const tmp = tempDir('rm-sec-');
const ports = testPorts();
const logger = silentLogger();
let cfg: ClusterConfig;
let cs: Daemon & { dbFile: string };
let wd: WatchDogDaemon;
let swd: Daemon;
const transports: Transport[] = [];
const clients: grpc.Client[] = [];

const MAX = '9007199254740991';

function as(role: Role, host = ''): Transport {
  const t =
    role === 'operator' || role === 'viewer'
      ? Transport.forIdentity(cfg, role, '')
      : Transport.forDaemon(cfg, role, host);
  transports.push(t);
  return t;
}

type Pkg = ReturnType<typeof protos>;
function client<C extends grpc.Client>(
  make: (p: Pkg) => new (address: string, creds: grpc.ChannelCredentials, opts: grpc.ChannelOptions) => C,
  address: string,
  creds: grpc.ChannelCredentials,
): C {
  const c = new (make(protos()))(address, creds, CLIENT_OPTIONS);
  clients.push(c);
  return c;
}

/** Calls a unary method; resolves with the status code (OK = 0) and the details. */
function call(
  c: grpc.Client,
  method: string,
  req: unknown,
  metadata = new grpc.Metadata(),
): Promise<{ code: number; details: string; res?: unknown }> {
  return new Promise((resolve) => {
    const fn = (c as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
    fn.call(
      c,
      req,
      metadata,
      { deadline: Date.now() + 15_000 },
      (err: grpc.ServiceError | null, res: unknown) =>
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', res }),
    );
  });
}

const wdOf = (t: grpc.ChannelCredentials) =>
  client((p) => p.watchdog.rm.watchdog.v1.WatchDog, addressOf.watchdog(cfg, 'H1'), t);
const wdAppOf = (t: grpc.ChannelCredentials) =>
  client((p) => p.watchdog.rm.watchdog.v1.WatchDogApp, addressOf.watchdog(cfg, 'H1'), t);
const rmOf = (t: grpc.ChannelCredentials) =>
  client(
    (p) => p.replicaManager.rm.replica_manager.v1.ReplicaManager,
    addressOf.replicaManager(cfg, 'H3'),
    t,
  );
const swdOf = (t: grpc.ChannelCredentials) =>
  client((p) => p.superWatchdog.rm.super_watchdog.v1.SuperWatchDog, addressOf.superWatchdog(cfg, 'H3'), t);
const csOf = (t: grpc.ChannelCredentials) =>
  client((p) => p.checkpoint.rm.checkpoint.v1.CheckpointServer, cs.address, t);

function sampleModule(env: Record<string, string> = {}) {
  return {
    name: 'S',
    style: 'cold',
    degree: 1,
    policy: 'on-each-failure',
    detect: 'poll',
    args: [],
    env,
    replicas: [{ id: '', host: 'H1', path: SAMPLE_APP, status: '', failures: 0 }],
  };
}

async function leadership() {
  const r = await call(csOf(as('viewer').channelCredentials()), 'GetLeadership', { role: 'manager' });
  return r.res as { epoch: string; holder: string };
}

beforeAll(async () => {
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
  cfg = loadClusterConfig(file);
  await issueCluster(cfg);
  // A SuperWatchDog of another host, as an insider of the ring would hold.
  await issue(cfg.tls.dir, cfg.name, { role: 'super-watchdog', name: 'H2', addresses: ['127.0.0.22'] });
  cs = await startCheckpointServer({
    address: cfg.checkpointServer.address,
    dataDir: cfg.checkpointServer.dataDir,
    logger,
    transport: as('checkpoint-server'),
    maxLeaseMs: 15_000,
  });
  swd = await startSuperWatchDogDaemon(cfg, 'H3', logger);
  wd = await startWatchDogDaemon(cfg, 'H1', logger);
  const op = rmOf(as('operator').channelCredentials());
  await waitFor(
    'the ReplicaManager on H3 to answer the operator',
    async () => (await call(op, 'Status', { module: '' })).code === 0,
    {
      timeoutMs: 30_000,
    },
  );
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await wd?.stop();
  await swd?.stop();
  await cs?.stop();
  for (const t of transports) t.close();
  await killAll();
  tmp.remove();
});

describe('who may connect', () => {
  it('refuses a plaintext client, a client without a certificate, one of another CA and an expired one, on every service', async () => {
    const other = join(tmp.dir, 'other');
    await issueCluster({ ...cfg, tls: { ...cfg.tls, dir: other } });
    await issue(cfg.tls.dir, cfg.name, {
      role: 'operator',
      name: 'expired',
      addresses: [],
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const ca = identityFiles(cfg.tls.dir, 'operator');
    const read = (f: string) => readFileSync(f);
    const foreign = identityFiles(other, 'operator');
    const expired = identityFiles(cfg.tls.dir, 'operator', 'expired');
    const outsiders: Array<[string, grpc.ChannelCredentials]> = [
      ['plaintext', grpc.credentials.createInsecure()],
      ['TLS without a certificate', grpc.credentials.createSsl(read(ca.ca))],
      ['another CA', grpc.credentials.createSsl(read(ca.ca), read(foreign.key), read(foreign.cert))],
      ['expired', grpc.credentials.createSsl(read(ca.ca), read(expired.key), read(expired.cert))],
    ];
    for (const [who, creds] of outsiders) {
      const tries = [
        call(wdOf(creds), 'ListRunning', { epoch: MAX }),
        call(rmOf(creds), 'Register', { module: sampleModule() }),
        call(swdOf(creds), 'RingBeat', { from: 'H2', primary: 'H2', epoch: MAX }),
        call(csOf(creds), 'AcquireLeadership', {
          role: 'manager',
          holder: 'x',
          expected_epoch: '0',
          lease_ms: '1000000000000',
        }),
        call(csOf(creds), 'LoadTable', {}),
      ];
      for (const r of await Promise.all(tries))
        expect(r.code, `${who}: ${r.details}`).not.toBe(grpc.status.OK);
    }
    expect(wd.watchdog.epoch).toBeLessThan(1000);
    expect(Number((await leadership()).epoch)).toBeLessThan(1000);
  });

  it('refuses a valid certificate of the wrong role with PERMISSION_DENIED and one line naming who may call', async () => {
    const viewer = as('viewer').channelCredentials();
    const cases: Array<[grpc.Client, string, unknown]> = [
      [wdOf(viewer), 'StartReplica', { epoch: '1', role: 'PRIMARY', replica: null }],
      [rmOf(viewer), 'Register', { module: sampleModule() }],
      [rmOf(viewer), 'Unregister', { name: 'S' }],
      [swdOf(viewer), 'RingBeat', { from: 'H3', primary: 'H3', epoch: '1' }],
      [csOf(viewer), 'SaveTable', { epoch: '1', table_json: '{}' }],
      [csOf(viewer), 'LoadTable', {}],
      [
        csOf(as('watchdog', 'H1').channelCredentials()),
        'AcquireLeadership',
        { role: 'manager', holder: 'H1', expected_epoch: '1', lease_ms: '1000' },
      ],
    ];
    for (const [c, method, req] of cases) {
      const r = await call(c, method, req);
      expect(r.code, `${method}: ${r.details}`).toBe(grpc.status.PERMISSION_DENIED);
      expect(r.details).toMatch(/only .* may call/);
    }
  });

  it('lets the right roles in: a viewer reads the table (without env values), an operator registers', async () => {
    const r = await call(rmOf(as('operator').channelCredentials()), 'Register', {
      module: sampleModule({ GREETING: 'secret' }),
    });
    expect(r.code, r.details).toBe(grpc.status.OK);
    const seen = await call(rmOf(as('viewer').channelCredentials()), 'Status', { module: 'S' });
    expect(seen.code, seen.details).toBe(0);
    const env = (seen.res as { table: { modules: Array<{ env: Record<string, string> }> } }).table.modules[0]!
      .env;
    expect(env.GREETING).not.toBe('secret');
    await waitFor('S1 to run on H1', () => wd.watchdog.running().some((c) => c.spec.replica === 'S1'), {
      timeoutMs: 20_000,
    });
  });
});

describe('the attacks', () => {
  it('Register with NODE_OPTIONS, LD_PRELOAD or PATH is refused; so is an exec check outside the allowed folders', async () => {
    const op = rmOf(as('operator').channelCredentials());
    for (const env of [
      { NODE_OPTIONS: '--require /tmp/x.js' },
      { LD_PRELOAD: '/tmp/x.so' },
      { PATH: '/tmp' },
    ] as Array<Record<string, string>>) {
      const r = await call(op, 'Register', { module: { ...sampleModule(env), name: 'EVIL' } });
      expect(r.code, JSON.stringify(env)).toBe(grpc.status.INVALID_ARGUMENT);
      expect(r.details).toMatch(/security\.allowedEnv/);
    }
    const r = await call(op, 'Register', {
      module: {
        ...sampleModule(),
        name: 'EVIL',
        check: { kind: 'exec', port: 0, path: '', command: ['/bin/sh', '-c', 'id'] },
      },
    });
    expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.details).toMatch(/check\.command\[0\].*outside/);
  });

  it('an epoch of 2^53−1 is refused by the WatchDog even from a ReplicaManager certificate, and nothing is stored', async () => {
    const before = wd.watchdog.epoch;
    const r = await call(wdOf(as('replica-manager', 'H3').channelCredentials()), 'ListRunning', {
      epoch: MAX,
    });
    expect(r.code, r.details).toBe(grpc.status.FAILED_PRECONDITION);
    expect(r.details).toMatch(/never handed out/);
    expect(wd.watchdog.epoch).toBe(before);
    // The real manager still commands.
    const ok = await call(rmOf(as('operator').channelCredentials()), 'Status', { module: '' });
    expect(ok.code).toBe(0);
  });

  it('AcquireLeadership with a lease of 10^12 ms, and a table Put with epoch 2^53−1, are refused', async () => {
    const before = await leadership();
    const swdCs = csOf(as('super-watchdog', 'H3').channelCredentials());
    const a = await call(swdCs, 'AcquireLeadership', {
      role: 'manager',
      holder: 'H3',
      expected_epoch: before.epoch,
      lease_ms: '1000000000000',
    });
    expect(a.code).toBe(grpc.status.INVALID_ARGUMENT);
    const asOp = await call(csOf(as('operator').channelCredentials()), 'Put', {
      key: 'rm/replica-table',
      value: Buffer.from('{}'),
      epoch: MAX,
    });
    expect(asOp.code).toBe(grpc.status.PERMISSION_DENIED);
    const asRm = await call(csOf(as('replica-manager', 'H3').channelCredentials()), 'Put', {
      key: 'rm/replica-table/modules/X',
      value: Buffer.from('{}'),
      epoch: MAX,
    });
    expect(asRm.code).toBe(grpc.status.FAILED_PRECONDITION);
    const after = await leadership();
    expect({ epoch: after.epoch, holder: after.holder }).toEqual({
      epoch: before.epoch,
      holder: before.holder,
    });
    const reg = await call(rmOf(as('operator').channelCredentials()), 'Register', {
      module: { ...sampleModule(), name: 'AFTER' },
    });
    expect(reg.code, reg.details).toBe(0);
  });

  it('a RingBeat with a huge epoch does not make the primary step down; a beat naming another host is refused', async () => {
    const peer = swdOf(as('super-watchdog', 'H2').channelCredentials());
    const r = await call(peer, 'RingBeat', { from: 'H2', primary: 'H2', epoch: MAX });
    expect(r.code).toBe(grpc.status.FAILED_PRECONDITION);
    const spoof = await call(peer, 'RingBeat', { from: 'H3', primary: 'H3', epoch: '1' });
    expect(spoof.code).toBe(grpc.status.PERMISSION_DENIED);
    const view = await call(swdOf(as('viewer').channelCredentials()), 'GetRing', {});
    expect((view.res as { primary: string }).primary).toBe('H3');
  });

  it('a spoofed ReportHost or a ReportFailure for another host is refused', async () => {
    const h = await call(rmOf(as('watchdog', 'H1').channelCredentials()), 'ReportHost', {
      host: 'H1',
      up: false,
      epoch: MAX,
    });
    expect(h.code).toBe(grpc.status.PERMISSION_DENIED);
    const otherSwd = await call(rmOf(as('super-watchdog', 'H2').channelCredentials()), 'ReportHost', {
      host: 'H1',
      up: false,
      epoch: MAX,
    });
    expect(otherSwd.code).toBe(grpc.status.PERMISSION_DENIED);
    const f = await call(rmOf(as('watchdog', 'H2').channelCredentials()), 'ReportFailure', {
      host: 'H1',
      replica: 'S1',
      reason: 'exit',
      detail: '',
      epoch_seen: '0',
      // Naming a start later than any the manager knows would make the report fresh: still refused.
      started_at_ms: String(Date.now()),
    });
    expect(f.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('RegisterSelf needs an operator and never adopts pid 1 or the WatchDog; Attach needs the copy token', async () => {
    const json = JSON.stringify({
      name: 'Z',
      style: 'cold',
      degree: 1,
      policy: 'on-each-failure',
      replicas: [{ host: 'H1', path: SAMPLE_APP }],
    });
    const viewer = await call(wdAppOf(as('viewer').channelCredentials()), 'RegisterSelf', {
      module_json: json,
      pid: process.pid,
    });
    expect(viewer.code).toBe(grpc.status.PERMISSION_DENIED);
    for (const pid of [1, process.pid]) {
      const r = await call(wdAppOf(as('operator').channelCredentials()), 'RegisterSelf', {
        module_json: json,
        pid,
      });
      expect(r.code, `pid ${pid}: ${r.details}`).toBe(grpc.status.PERMISSION_DENIED);
    }
    // On the copies' socket, without the token, Attach as S1 with pid 0 is refused.
    const sock = join(cfg.stateDir, 'H1', 'app.sock');
    const app = client(
      (p) => p.watchdog.rm.watchdog.v1.WatchDogApp,
      `unix:${sock}`,
      grpc.credentials.createInsecure(),
    );
    const stream = (app as unknown as { Attach(): grpc.ClientDuplexStream<unknown, unknown> }).Attach();
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.on('error', () => undefined);
    stream.write({ hello: { replica: 'S1', module: 'S', pid: 0 } });
    expect((await status).code).toBe(grpc.status.PERMISSION_DENIED);
    const load = await call(
      client(
        (p) => p.checkpoint.rm.checkpoint.v1.CheckpointServer,
        `unix:${sock}`,
        grpc.credentials.createInsecure(),
      ),
      'LoadCheckpoint',
      { module: 'S' },
    );
    expect(load.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("a WatchDog reaches only the replication announcements of its copies' modules; a copy, on its socket, only its own module's", async () => {
    // S has its copy S1 on H1 (registered above).
    const asH1 = csOf(as('watchdog', 'H1').channelCredentials());
    const value = Buffer.from(
      JSON.stringify({ address: '127.0.0.21:1', replica: 'S1', epoch: 1, generation: 1 }),
    );
    const own = await call(asH1, 'Put', { key: 'replication/S', value, epoch: '0' });
    expect(own.code, own.details).toBe(grpc.status.OK);
    expect((await call(asH1, 'Get', { key: 'replication/S' })).code).toBe(grpc.status.OK);
    for (const key of ['replication/Z9', 'manager/lease', 'replication/']) {
      const r = await call(asH1, 'Put', { key, value, epoch: '0' });
      expect(r.code, key).toBe(grpc.status.PERMISSION_DENIED);
      expect((await call(asH1, 'Get', { key })).code, key).toBe(grpc.status.PERMISSION_DENIED);
    }
    // The copies' socket: without the token nothing; with S1's, S's announcement and nothing else.
    const sock = client(
      (p) => p.checkpoint.rm.checkpoint.v1.CheckpointServer,
      `unix:${join(cfg.stateDir, 'H1', 'app.sock')}`,
      grpc.credentials.createInsecure(),
    );
    expect((await call(sock, 'Get', { key: 'replication/S' })).code).toBe(grpc.status.UNAUTHENTICATED);
    const token = wd.watchdog.running().find((c) => c.spec.replica === 'S1')?.token ?? '';
    const withToken = new grpc.Metadata();
    withToken.set('rm-copy-token', token);
    const got = await call(sock, 'Get', { key: 'replication/S' }, withToken);
    expect(got.code, got.details).toBe(grpc.status.OK);
    expect((got.res as { found: boolean }).found).toBe(true);
    for (const key of ['replication/T', 'rm/replica-table/modules/S']) {
      expect((await call(sock, 'Get', { key }, withToken)).code, key).toBe(grpc.status.PERMISSION_DENIED);
    }
  });

  it('a replica id with ../ is refused by the WatchDog even from the ReplicaManager', async () => {
    const r = await call(wdOf(as('replica-manager', 'H3').channelCredentials()), 'StartReplica', {
      epoch: '1',
      role: 'PRIMARY',
      replica: {
        replica: '../../escape',
        module: 'S',
        path: SAMPLE_APP,
        args: [],
        env: {},
        detect: 'poll',
        style: 'cold',
      },
    });
    expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('registrations of 2.5 MB of environment are refused; the table stays readable', async () => {
    const big = { BIG: 'x'.repeat(2_500_000) };
    const op = rmOf(as('operator').channelCredentials());
    const r = await call(op, 'Register', { module: { ...sampleModule(big), name: 'HUGE' } });
    expect(r.code).not.toBe(0);
    const s = await call(op, 'Status', { module: '' });
    expect(s.code).toBe(0);
  });

  it('a stored table with a bad module is reported and left out, not a crash', () => {
    const t = loadedTable(
      JSON.stringify({
        hosts: [{ name: 'H1', up: true }],
        modules: [
          { name: '../bad', style: 'cold', degree: 1, policy: 'on-each-failure', replicas: [] },
          {
            name: 'OK',
            style: 'cold',
            degree: 1,
            policy: 'on-each-failure',
            replicas: [{ id: 'OK1', host: 'H1', path: SAMPLE_APP, status: 'I', failures: 0 }],
          },
        ],
      }),
    );
    expect(t.modules.map((m) => m.name)).toEqual(['OK']);
  });

  it("the database and the state files are the daemons' alone (0600, 0700); a WatchDog's folder is only passable (0711)", () => {
    expect(statSync(cs.dbFile).mode & 0o077).toBe(0);
    expect(statSync(cfg.checkpointServer.dataDir).mode & 0o077).toBe(0);
    // Copies of a module's own user pass it to reach the socket; nobody else lists or reads it.
    expect(statSync(join(cfg.stateDir, 'H1')).mode & 0o777).toBe(0o711);
    expect(statSync(join(cfg.stateDir, 'H1', 'watchdog-state.json')).mode & 0o077).toBe(0);
    expect(statSync(join(cfg.tls.dir, 'ca.key')).mode & 0o077).toBe(0);
  });
});
