/**
 * The Checkpoint Server on etcd under faults (DESIGN §5, §10), on a three-member etcd this file
 * starts on 127.0.0.1:23800–23805 (stopped by pid in afterAll): two Checkpoint Servers over one etcd,
 * one of them stopped, and the clients go on through the other within their deadline; the etcd leader
 * killed, and writes resume within a bound (the measured figure is printed); the whole etcd lost, and
 * writes fail as unavailable (the freeze) and resume by themselves when it returns. And rmctl store
 * export / import moving a cluster's store from SQLite to etcd, as processes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/checkpoint-server/backend.js';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import {
  type CheckpointServerDaemon,
  DB_FILE,
  startCheckpointServer,
} from '../../src/checkpoint-server/daemon.js';
import { EtcdClient } from '../../src/checkpoint-server/etcd-client.js';
import { EtcdStore } from '../../src/checkpoint-server/etcd-store.js';
import { parseSnapshot } from '../../src/checkpoint-server/snapshot.js';
import { CheckpointStore } from '../../src/checkpoint-server/store.js';
import { UnavailableError } from '../../src/shared/errors.js';
import { EtcdCluster, hasEtcd } from '../helpers/etcd.js';
import { RMCTL, tempDir } from '../helpers/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `rmctl ARGS` as a process; its exit code and what it printed. */
function rmctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RMCTL, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!hasEtcd())('Checkpoint Server on etcd, under faults', () => {
  let dir: ReturnType<typeof tempDir>;
  let etcd: EtcdCluster;
  const servers: CheckpointServerDaemon[] = [];
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    dir = tempDir('rm-etcd-int-');
    etcd = await EtcdCluster.start({ dir: dir.dir, basePort: 23800 });
  }, 60_000);

  afterAll(async () => {
    for (const c of closers.splice(0)) await c();
    for (const s of servers.splice(0)) await s.stop();
    etcd?.stop();
    dir?.remove();
  });

  function store(prefix: string): EtcdStore {
    const client = new EtcdClient({ endpoints: etcd.endpoints, deadlineMs: 5000, attemptTimeoutMs: 500 });
    const s = new EtcdStore({ client, prefix });
    closers.push(() => s.close());
    return s;
  }

  it('two Checkpoint Servers serve the same data; with one stopped, the clients go on through the other', async () => {
    const logger = pino({ level: 'silent' });
    const etcdConfig = {
      endpoints: etcd.endpoints,
      prefix: `two-${process.pid}/`,
      tls: null,
      requestTimeoutMs: 1500,
    };
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startCheckpointServer({ address: '127.0.0.1:0', dataDir: dir.dir, etcd: etcdConfig, logger }),
      );
    }
    const [a, b] = servers as [CheckpointServerDaemon, CheckpointServerDaemon];
    const client = new CheckpointClient([a.address, b.address], { deadlineMs: 2000 });
    closers.push(() => client.close());
    const onlyB = new CheckpointClient(b.address, { deadlineMs: 2000 });
    closers.push(() => onlyB.close());

    expect(
      (await client.acquireLeadership({ role: 'manager', holder: 'H2', expectedEpoch: 0, leaseMs: 2000 }))
        .won,
    ).toBe(true);
    await client.saveTable(1, '{"hosts":[],"modules":[]}');
    expect(await client.put('k', 'one')).toBe(1);
    // What one Checkpoint Server wrote, the other serves.
    expect((await onlyB.get('k'))?.value.toString()).toBe('one');
    expect(await onlyB.loadTable()).toMatchObject({ found: true, version: 1, epoch: 1 });

    const watch = client.watch('k');
    expect((await watch.next()).value?.kv.version).toBe(1);
    await a.stop();
    const started = Date.now();
    expect(await client.put('k', 'two')).toBe(2);
    expect((await client.get('k'))?.value.toString()).toBe('two');
    expect(
      await client.renewLeadership({ role: 'manager', holder: 'H2', epoch: 1, leaseMs: 2000 }),
    ).toMatchObject({
      epoch: 1,
    });
    console.log(
      `[etcd] one Checkpoint Server stopped: the next write, read and renewal took ${Date.now() - started} ms`,
    );
    // The watch on the stopped server ends; watched again, it opens on the other one.
    for (let i = 0; i < 10; i++) {
      const r = await watch.next().catch(() => ({ done: true }));
      if (r.done) break;
    }
    const again = client.watch('k');
    expect((await again.next()).value?.kv).toMatchObject({ key: 'k', version: 2 });
    again.cancel();
  });

  it('rmctl store export with a SQLite cluster file, import with an etcd one: the same table, epochs and checkpoints', async () => {
    const hosts =
      'hosts:\n  - { name: H1, address: 127.0.0.1 }\nring: [H1]\nallowedExecutableDirs: [/opt/apps]\n';
    const fromFile = join(dir.dir, 'from-sqlite.yaml');
    writeFileSync(fromFile, `${hosts}checkpointServer: { address: 127.0.0.1:7400, dataDir: cs }\n`);
    const prefix = `moved-${process.pid}/`;
    const toFile = join(dir.dir, 'to-etcd.yaml');
    writeFileSync(
      toFile,
      `${hosts}checkpointServer:\n  backend: etcd\n  addresses: [127.0.0.1:7400]\n` +
        `  etcd: { endpoints: [${etcd.endpoints.join(', ')}], prefix: ${prefix} }\n`,
    );
    // The Checkpoint Server's file as a cluster leaves it.
    mkdirSync(join(dir.dir, 'cs'));
    const source = new SqliteBackend(new CheckpointStore(join(dir.dir, 'cs', DB_FILE)));
    expect((await source.acquireLeadership('manager', 'H1', 0, 60_000)).won).toBe(true);
    const module = { name: 'A', style: 'warm', generation: 1, replicas: [{ id: 'A1', status: 'P' }] };
    await source.saveTable(1, JSON.stringify({ hosts: [{ name: 'H1' }], modules: [module] }));
    await source.saveCheckpoint('A', 'A1', 'state', { replica: 'A1', epoch: 1, generation: 1 });
    const table = await source.loadTable();
    await source.close();

    const snapFile = join(dir.dir, 'store.json');
    const exported = await rmctl(['--config', fromFile, 'store', 'export', '-o', snapFile]);
    expect(exported, exported.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(exported.stderr).toMatch(
      /^exported 2 keys, 1 checkpoints, manager epoch 1 from \S+checkpoint\.db\n$/,
    );
    const imported = await rmctl(['--config', toFile, 'store', 'import', snapFile]);
    expect(imported, imported.stderr).toMatchObject({ code: 0 });
    expect(imported.stdout).toMatch(
      /^imported 2 keys, 1 checkpoints, manager epoch 1 into etcd \S+ prefix "moved-/,
    );

    const moved = store(prefix);
    expect(await moved.loadTable()).toEqual(table);
    expect(await moved.loadCheckpoint('A')).toMatchObject({ replica: 'A1', version: 1 });
    expect(await moved.getLeadership('manager')).toMatchObject({
      holder: 'H1',
      epoch: 1,
      leaseRemainingMs: 0,
    });

    // Again into the same store: refused, nothing written (exit 5).
    const again = await rmctl(['--config', toFile, 'store', 'import', snapFile]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^rmctl store import: etcd .* is not empty \(it holds key "moved-/);
    // Back out of etcd, to stdout, at one revision.
    const back = await rmctl(['--config', toFile, 'store', 'export']);
    expect(back.code).toBe(0);
    expect(back.stderr).toMatch(/ at etcd revision \d+\n$/);
    expect(parseSnapshot(back.stdout, 'stdout').keys).toEqual(
      parseSnapshot(readFileSync(snapFile, 'utf8'), snapFile).keys,
    );
    // Bad input says what and where: a file that is not a snapshot (exit 2), no store to export (exit 3).
    writeFileSync(join(dir.dir, 'bad.json'), '{"format":"replica-manager store","version":2}');
    const bad = await rmctl(['--config', toFile, 'store', 'import', join(dir.dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json: version: this rmctl reads version 1, got 2/);
    rmSync(join(dir.dir, 'cs'), { recursive: true });
    const none = await rmctl(['--config', fromFile, 'store', 'export']);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no store at \S+checkpoint\.db/);
  });

  it('the etcd leader killed: writes resume within a bound close to etcd’s own election', async () => {
    const s = store(`leader-${process.pid}/`);
    await s.put('w', '0');
    const leader = await etcd.leader();
    const acked: number[] = [];
    let stop = false;
    let failures = 0;
    const writer = (async () => {
      for (let i = 0; i < 100_000 && !stop; i++) {
        try {
          await s.put('w', String(i));
          acked.push(Date.now());
        } catch (err) {
          expect(err).toBeInstanceOf(UnavailableError);
          failures++;
        }
      }
    })();
    await sleep(500);
    const killedAt = Date.now();
    etcd.kill(leader);
    // etcd's own election: until a surviving member names a new leader.
    let electedAt = 0;
    for (let i = 0; i < 300 && electedAt === 0; i++) {
      try {
        const l = await etcd.leader();
        if (l !== leader) electedAt = Date.now();
      } catch {
        await sleep(20);
      }
    }
    const firstAfter = async () => {
      for (let i = 0; i < 400; i++) {
        const t = acked.find((x) => x > killedAt);
        if (t) return t;
        await sleep(25);
      }
      return 0;
    };
    const resumedAt = await firstAfter();
    await sleep(300);
    stop = true;
    await writer;
    expect(resumedAt).toBeGreaterThan(0);
    const outage = resumedAt - killedAt;
    const election = electedAt - killedAt;
    console.log(
      `[etcd] leader killed: new leader after ${election} ms, first write acknowledged ${outage} ms after the kill (${(outage / Math.max(1, election)).toFixed(2)} × the election; ${failures} writes answered unavailable)`,
    );
    // Generous: etcd elects in 1–2 s with a 1 s election timeout; a stall of seconds more would fail.
    expect(outage).toBeLessThan(8000);
    etcd.restart(leader);
  }, 60_000);

  it('the whole etcd lost: writes are refused as unavailable (freeze), and resume by themselves when it returns', async () => {
    const s = store(`lost-${process.pid}/`);
    expect(await s.put('k', 'before')).toBe(1);
    etcd.stop();
    const t0 = Date.now();
    await expect(s.put('k', 'during')).rejects.toBeInstanceOf(UnavailableError);
    console.log(`[etcd] all members down: a write answered unavailable after ${Date.now() - t0} ms`);
    for (let i = 0; i < 3; i++) etcd.restart(i);
    let version = 0;
    for (let i = 0; i < 60 && version === 0; i++) {
      version = await s.put('k', 'after').catch(() => 0);
    }
    expect(version).toBe(2);
    expect((await s.get('k'))?.value.toString()).toBe('after');
  }, 90_000);
});
