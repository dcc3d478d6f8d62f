/**
 * The router daemon against a real Checkpoint Server: it follows the replica table's watch and
 * moves a warm module's endpoint to the promoted copy (loopback 127.0.0.31–34).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { type CheckpointServerDaemon, startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import type { ReplicaTable } from '../../src/model/table.js';
import { decide } from '../../src/replica-manager/decide.js';
import { type RouterDaemon, startRouter } from '../../src/router/daemon.js';
import { silentLogger } from '../../src/shared/logging.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function echo(name: string, host: string, port: number): Promise<void> {
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    c.on('data', (d) => c.write(`${name}:${d}`));
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
}

function ask(port: number, text: string): Promise<{ reply: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.33', port });
    cleanup.push(() => void s.destroy());
    s.once('error', reject);
    s.once('data', (d) => resolve({ reply: String(d), socket: s }));
    s.write(text);
  });
}

describe('rmd router', () => {
  it('follows the table watch: the endpoint moves to the promoted backup and cuts the old primary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-router-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const server: CheckpointServerDaemon = await startCheckpointServer({
      address: '127.0.0.34:0',
      dataDir: dir,
      logger: silentLogger(),
    });
    cleanup.push(() => server.stop());
    const cs = new CheckpointClient(`127.0.0.34:${server.port}`, { deadlineMs: 2000 });
    cleanup.push(() => cs.close());
    const { epoch } = await cs.acquireLeadership({
      role: 'manager',
      holder: 'H1',
      expectedEpoch: 0,
      leaseMs: 60000,
    });

    const servicePort = 18000 + Math.floor(Math.random() * 2000) * 4;
    let table: ReplicaTable = {
      hosts: [
        { name: 'H1', up: true },
        { name: 'H2', up: true },
      ],
      modules: [],
    };
    table = decide(table, {
      kind: 'register',
      module: {
        name: 'A',
        style: 'warm',
        degree: 2,
        policy: 'on-each-failure',
        servicePort,
        replicas: [
          { host: 'H1', path: '/opt/a' },
          { host: 'H2', path: '/opt/a' },
        ],
      },
    }).table;
    await echo('A1', '127.0.0.31', servicePort + 1);
    await echo('A2', '127.0.0.32', servicePort + 2);
    await cs.saveTable(epoch, JSON.stringify(table));

    const router: RouterDaemon = await startRouter({
      checkpointAddresses: [`127.0.0.34:${server.port}`],
      bindHost: '127.0.0.33',
      addressOf: (h) => (h === 'H1' ? '127.0.0.31' : '127.0.0.32'),
      holdMs: 5000,
      drainMs: 1000,
      rpcDeadlineMs: 2000,
      logger: silentLogger(),
    });
    cleanup.push(() => router.stop());
    await until(() => router.proxy('A') !== undefined);
    const first = await ask(servicePort, 'x');
    expect(first.reply).toBe('A1:x');
    let cut = false;
    first.socket.on('close', () => {
      cut = true;
    });

    table = decide(table, { kind: 'replica-failed', replica: 'A1' }).table;
    await cs.saveTable(epoch, JSON.stringify(table));
    await until(() => cut);
    expect((await ask(servicePort, 'y')).reply).toBe('A2:y');
    expect(
      router
        .routes()
        .get('A')
        ?.targets.map((t) => t.replica),
    ).toEqual(['A2']);
  });
});
