/**
 * The Checkpoint Server over real gRPC: a server in this process on 127.0.0.1 port 0 for the
 * protocol (fencing, compare-and-set, leadership races, watch streams, health, deadlines), and real
 * `rmd checkpoint-server` processes for durability: every write acknowledged before a kill -9 is there
 * after a restart (DESIGN §5). The process tests need `npm run build` first.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { service as healthService } from 'grpc-health-check';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointClient, type KeyEvent, type WatchStream } from '../../src/checkpoint-server/client.js';
import {
  type CheckpointServerDaemon,
  DB_FILE,
  startCheckpointServer,
} from '../../src/checkpoint-server/daemon.js';
import { ConflictError, StaleEpochError, UnavailableError } from '../../src/shared/errors.js';
import { CLIENT_OPTIONS, protos } from '../../src/shared/grpc.js';
import { killAll, killGroup, ROOT, type Spawned, spawnRmd, tempDir, waitFor } from '../helpers/processes.js';

/** A loopback port nobody listens on right now (bound once by the kernel's choice, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port bound');
  return address.port;
}

type HealthClient = grpc.Client & {
  Check(
    req: { service: string },
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): void;
};
const HealthClientCtor = grpc.makeGenericClientConstructor(
  healthService as unknown as grpc.ServiceDefinition,
  'Health',
) as unknown as new (
  address: string,
  creds: grpc.ChannelCredentials,
) => HealthClient;

async function healthOf(address: string): Promise<string> {
  const client = new HealthClientCtor(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) => {
      client.Check({ service: '' }, { deadline: Date.now() + 1000 }, (err, res) =>
        err ? reject(err) : resolve(String(res?.status)),
      );
    });
  } finally {
    client.close();
  }
}

/** The next event of a stream, or a failure after `ms`. */
async function nextOf<T>(stream: WatchStream<T>, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([stream.next(), timeout]);
    if (r.done) throw new Error('the stream ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

function describeEvent(ev: KeyEvent): string {
  return ev.deleted ? `del ${ev.kv.key}` : `${ev.kv.key}=${ev.kv.value.toString()}@${ev.kv.version}`;
}

describe('Checkpoint Server over gRPC (in-process)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: CheckpointServerDaemon;
  let client: CheckpointClient;
  let logs: { msg: string; [k: string]: unknown }[];
  const extraClients: CheckpointClient[] = [];

  beforeEach(async () => {
    tmp = tempDir('rm-cs-grpc-');
    logs = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    server = await startCheckpointServer({ address: '127.0.0.1:0', dataDir: tmp.dir, logger });
    client = new CheckpointClient(server.address, { deadlineMs: 2000 });
  });

  afterEach(async () => {
    for (const c of extraClients.splice(0)) c.close();
    client.close();
    await server.stop();
    tmp?.remove();
  });

  it('reads, writes, compares and sets, and runs transactions', async () => {
    expect(await client.get('a')).toBeNull();
    expect(await client.put('a', 'one', { expectedVersion: 0 })).toBe(1);
    expect(await client.put('a', Buffer.from('two'), { expectedVersion: 1 })).toBe(2);
    await expect(client.put('a', 'three', { expectedVersion: 1 })).rejects.toBeInstanceOf(ConflictError);
    expect(await client.get('a')).toEqual({ key: 'a', value: Buffer.from('two'), version: 2 });

    expect(
      await client.txn([
        { key: 'm/1', value: 'x', expectedVersion: 0 },
        { key: 'm/2', value: new Uint8Array([1, 2]) },
        { key: 'a', delete: true, expectedVersion: 2 },
      ]),
    ).toEqual([1, 1, 0]);
    const failing = client.txn([
      { key: 'm/3', value: 'x' },
      { key: 'm/1', value: 'y', expectedVersion: 5 },
    ]);
    await expect(failing).rejects.toThrow(ConflictError);
    await expect(failing).rejects.toThrow(/ops\[1\]: key "m\/1" is at version 1; expected version 5/);
    expect((await client.list('m/')).map((kv) => [kv.key, kv.version])).toEqual([
      ['m/1', 1],
      ['m/2', 1],
    ]);
    await client.delete('m/2');
    expect(await client.get('m/2')).toBeNull();
    await expect(client.put('', 'x')).rejects.toThrow(/key: must not be empty/);
  });

  it('refuses a stale epoch with FAILED_PRECONDITION, which the client turns back into StaleEpochError', async () => {
    for (const holder of ['H2', 'H5']) {
      const cur = await client.getLeadership('manager');
      // Short leases: the next holder may take over once the last one's has run out.
      await new Promise((r) => setTimeout(r, 5));
      await client.acquireLeadership({ role: 'manager', holder, expectedEpoch: cur.epoch, leaseMs: 1 });
    }
    // The raw status, through the generated client.
    const raw = new (protos().checkpoint.rm.checkpoint.v1.CheckpointServer)(
      server.address,
      grpc.credentials.createInsecure(),
      CLIENT_OPTIONS,
    );
    const status = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.SaveTable({ epoch: '1', table_json: '{}' }, { deadline: Date.now() + 2000 }, (err) => resolve(err)),
    );
    raw.close();
    expect(status?.code).toBe(grpc.status.FAILED_PRECONDITION);

    const refused = await client.saveTable(1, '{"modules":[]}').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StaleEpochError);
    expect(refused).toMatchObject({ got: 1, current: 2 });
    await expect(client.put('k', 'v', { epoch: 1 })).rejects.toBeInstanceOf(StaleEpochError);
    await expect(client.txn([{ key: 'k', value: 'v' }], { epoch: 1 })).rejects.toBeInstanceOf(
      StaleEpochError,
    );
    expect(await client.get('k')).toBeNull();

    expect(await client.saveTable(2, '{"modules":[]}')).toBe(1);
    expect(await client.loadTable()).toEqual({
      found: true,
      tableJson: '{"hosts":[],"modules":[]}',
      version: 1,
      epoch: 2,
    });
    const change = {
      hostsJson: '[]',
      moduleNames: ['A'],
      changedModules: [{ name: 'A', moduleJson: '{"name":"A"}' }],
    };
    await expect(client.saveTableChange(1, change)).rejects.toBeInstanceOf(StaleEpochError);
    expect(await client.saveTableChange(2, change)).toBe(2);
    expect(JSON.parse((await client.loadTable()).tableJson)).toEqual({ hosts: [], modules: [{ name: 'A' }] });

    const refusals = logs.filter((l) => l.msg === 'stale write refused');
    expect(refusals).toHaveLength(5);
    expect(refusals[0]).toMatchObject({ write: 'save-table', epoch: 1, current: 2 });
    expect(logs.filter((l) => l.msg === 'leadership changed').map((l) => [l.holder, l.epoch])).toEqual([
      ['H2', 1],
      ['H5', 2],
    ]);
  });

  it('leadership: of many acquirers with the same expected epoch exactly one wins; a stale holder cannot renew', async () => {
    expect(await client.loadTable()).toEqual({ found: false, tableJson: '', version: 0, epoch: 0 });
    const contenders = Array.from({ length: 8 }, () => {
      const c = new CheckpointClient(server.address, { deadlineMs: 2000 });
      extraClients.push(c);
      return c;
    });
    const results = await Promise.all(
      contenders.map((c, i) =>
        c.acquireLeadership({ role: 'manager', holder: `H${i}`, expectedEpoch: 0, leaseMs: 3000 }),
      ),
    );
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(winner.epoch).toBe(1);
    for (const r of results) expect(r).toMatchObject({ epoch: 1, holder: winner.holder });
    expect(await client.getLeadership('manager')).toMatchObject({ holder: winner.holder, epoch: 1 });

    const renewed = await client.renewLeadership({
      role: 'manager',
      holder: winner.holder,
      epoch: 1,
      leaseMs: 4000,
    });
    expect(renewed.leaseUntilMs).toBeGreaterThanOrEqual(winner.leaseUntilMs);
    // While the holder's lease runs, a newcomer is refused and told how long it still runs.
    const early = await client.acquireLeadership({
      role: 'manager',
      holder: 'newcomer',
      expectedEpoch: 1,
      leaseMs: 3000,
    });
    expect(early).toMatchObject({ won: false, holder: winner.holder, epoch: 1 });
    expect(early.leaseRemainingMs).toBeGreaterThan(3000);
    await client.renewLeadership({ role: 'manager', holder: winner.holder, epoch: 1, leaseMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    await client.acquireLeadership({ role: 'manager', holder: 'newcomer', expectedEpoch: 1, leaseMs: 3000 });
    await expect(
      client.renewLeadership({ role: 'manager', holder: winner.holder, epoch: 1, leaseMs: 4000 }),
    ).rejects.toBeInstanceOf(StaleEpochError);
    expect(logs.filter((l) => l.msg === 'leadership changed')).toHaveLength(2);
  });

  it('watch sends the current values first, then every change under the prefix, and cleans up on cancel', async () => {
    await client.put('a/1', 'x');
    await client.put('a/2', 'y');
    await client.put('b', 'other');
    const stream = client.watch('a/');
    expect(describeEvent(await nextOf(stream))).toBe('a/1=x@1');
    expect(describeEvent(await nextOf(stream))).toBe('a/2=y@1');
    await client.put('b', 'not seen');
    await client.put('a/1', 'x2');
    await client.txn([
      { key: 'a/3', value: 'z' },
      { key: 'a/2', delete: true },
    ]);
    expect(describeEvent(await nextOf(stream))).toBe('a/1=x2@2');
    expect(describeEvent(await nextOf(stream))).toBe('a/3=z@1');
    expect(describeEvent(await nextOf(stream))).toBe('del a/2');
    expect(server.service.activeStreams).toBe(1);
    stream.cancel();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await waitFor('the server to drop the watch', () => server.service.activeStreams === 0, {
      timeoutMs: 5000,
    });
    expect(server.store?.listenerCount).toBe(0);
  });

  it('leaving a for-await loop cancels the watch', async () => {
    await client.put('k', '1');
    for await (const ev of client.watch('k')) {
      expect(ev.kv.key).toBe('k');
      break;
    }
    await waitFor('the server to drop the watch', () => server.service.activeStreams === 0, {
      timeoutMs: 5000,
    });
  });

  it("watchCheckpoint sends a module's current checkpoint, then each save of that module", async () => {
    await client.saveCheckpoint('A', 'A1', 'state-1');
    expect((await client.loadCheckpoint('A'))?.state.toString()).toBe('state-1');
    expect(await client.loadCheckpoint('nothing')).toBeNull();
    const stream = client.watchCheckpoint('A');
    expect(await nextOf(stream)).toMatchObject({ module: 'A', replica: 'A1', version: 1 });
    await client.saveCheckpoint('B', 'B1', 'other module');
    expect(await client.saveCheckpoint('A', 'A1', 'state-2')).toBe(2);
    const second = await nextOf(stream);
    expect(second).toMatchObject({ module: 'A', replica: 'A1', version: 2 });
    expect(second.state.toString()).toBe('state-2');
    stream.cancel();

    // A module with no checkpoint yet: nothing first, the first save when it comes.
    const fresh = client.watchCheckpoint('C');
    const first = nextOf(fresh);
    await client.saveCheckpoint('C', 'C2', 'hello');
    expect(await first).toMatchObject({ module: 'C', replica: 'C2', version: 1 });
    fresh.cancel();
  });

  it('serves health SERVING; stop ends open watches and later calls are UnavailableError', async () => {
    expect(await healthOf(server.address)).toBe('SERVING');
    const stream = client.watch('');
    await client.put('x', '1');
    await nextOf(stream);
    await server.stop();
    expect(server.state).toBe('stopped');
    expect(server.store?.isOpen).toBe(false);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await expect(client.get('x')).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('Checkpoint Server unreachable', () => {
  it('a call fails with UnavailableError within its deadline; so does opening a watch', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const client = new CheckpointClient(address, { deadlineMs: 300 });
    try {
      const t0 = Date.now();
      await expect(client.getLeadership('manager')).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.put('k', 'v')).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.watch('').next()).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      client.close();
    }
  });
});

describe('rmd checkpoint-server (real processes)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let address: string;
  let configFile: string;
  let dataDir: string;
  const clients: CheckpointClient[] = [];

  /** A generous deadline: on a loaded machine a slow answer must not pass for a lost one. */
  function newClient(deadlineMs = 10_000): CheckpointClient {
    const c = new CheckpointClient(address, { deadlineMs });
    clients.push(c);
    return c;
  }

  function closeClients(): void {
    for (const c of clients.splice(0)) c.close();
  }

  async function startDaemon(): Promise<Spawned> {
    const daemon = spawnRmd(['checkpoint-server', '--config', configFile, '--host', 'CS']);
    const probe = newClient(1000);
    await waitFor('the Checkpoint Server to answer', () => probe.getLeadership('manager').then(() => true), {
      timeoutMs: 20_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${daemon.output()}`);
    });
    return daemon;
  }

  beforeEach(async () => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'checkpoint-server', 'daemon.js'))) {
      throw new Error('dist/ is missing the Checkpoint Server: run `npm run build` first (npm test does)');
    }
    tmp = tempDir('rm-cs-proc-');
    address = `127.0.0.1:${await freePort()}`;
    dataDir = join(tmp.dir, 'data');
    configFile = join(tmp.dir, 'cluster.yaml');
    writeFileSync(
      configFile,
      [
        'insecure: true',
        'hosts:',
        '  - { name: CS, address: 127.0.0.1 }',
        `checkpointServer: { address: "${address}", dataDir: "${dataDir}" }`,
        'ring: [CS]',
        `allowedExecutableDirs: ["${tmp.dir}"]`,
        `stateDir: "${join(tmp.dir, 'state')}"`,
        '',
      ].join('\n'),
    );
  });

  afterEach(async () => {
    closeClients();
    await killAll();
    tmp?.remove();
  });

  afterAll(async () => {
    await killAll();
  });

  it('serves health SERVING and stops cleanly on SIGTERM', async () => {
    const daemon = await startDaemon();
    expect(await healthOf(address)).toBe('SERVING');
    killGroup(daemon.pid, 'SIGTERM');
    const exit = await Promise.race([
      daemon.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 10 s')), 10_000)),
    ]);
    expect(exit.code).toBe(0);
    expect(daemon.output()).toContain('"msg":"stopped"');
  });

  it('keeps every acknowledged write across kill -9 mid-stream, round after round', async () => {
    const ROUNDS = 3;
    const PER_ROUND = 2000;
    const WRITERS = 4;
    const acked = new Map<string, string>();

    async function verify(c: CheckpointClient): Promise<void> {
      const stored = new Map((await c.list('d/')).map((kv) => [kv.key, kv.value.toString()]));
      const missing = [...acked].filter(([k, v]) => stored.get(k) !== v);
      expect(missing.slice(0, 5), `${missing.length} acknowledged writes lost or changed`).toEqual([]);
      // A transaction's two keys are there together or not at all, acknowledged or not.
      for (const [k, v] of stored) {
        if (k.endsWith('/pair')) expect(stored.get(k.slice(0, -'/pair'.length))).toBe(v);
        else if (k.endsWith('/t')) expect(stored.get(`${k}/pair`)).toBe(v);
      }
    }

    for (let round = 0; round < ROUNDS; round++) {
      const daemon = await startDaemon();
      await verify(newClient());
      const killAt = 200 + Math.floor(Math.random() * (PER_ROUND - 800));
      let count = 0;
      let killed = false;
      const unexpected: unknown[] = [];
      const writer = async (w: number): Promise<void> => {
        const c = newClient();
        for (let i = w; i < PER_ROUND; i += WRITERS) {
          const value = `${round}:${w}:${i}:${Math.random().toString(36).slice(2, 8)}`;
          const key = i % 10 === 0 ? `d/${round}/${i}/t` : `d/${round}/${i}`;
          try {
            if (i % 10 === 0) {
              await c.txn([
                { key, value, expectedVersion: 0 },
                { key: `${key}/pair`, value, expectedVersion: 0 },
              ]);
            } else {
              await c.put(key, value);
            }
          } catch (err) {
            if (!killed) unexpected.push(err);
            return;
          }
          acked.set(key, value);
          if (i % 10 === 0) acked.set(`${key}/pair`, value);
          if (++count === killAt) {
            killed = true;
            killGroup(daemon.pid, 'SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      expect(unexpected).toEqual([]);
      expect(killed, 'the kill happened mid-stream').toBe(true);
      expect((await daemon.exited).signal).toBe('SIGKILL');
      closeClients();
    }

    const daemon = await startDaemon();
    const c = newClient();
    await verify(c);
    expect(acked.size).toBeGreaterThan(ROUNDS * 200);
    // The file as SQLite sees it, read beside the running server.
    const db = new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    killGroup(daemon.pid, 'SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });
});
