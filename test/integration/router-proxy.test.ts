/** The router's proxy over real TCP on loopback (127.0.0.31–33, outside the local cluster's addresses). */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ModuleProxy } from '../../src/router/proxy.js';
import type { Route } from '../../src/router/routes.js';
import { silentLogger } from '../../src/shared/logging.js';

const servers: net.Server[] = [];
const proxies: ModuleProxy[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of proxies.splice(0)) await p.stop();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** An echo server that prefixes each reply with its name. */
async function echo(name: string, host: string, port = 0): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    c.on('data', (d) => c.write(`${name}:${d}`));
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  servers.push(server);
  return { server, port: (server.address() as net.AddressInfo).port };
}

async function proxy(route: Route, holdMs = 5000): Promise<ModuleProxy> {
  const p = new ModuleProxy(route, {
    bindHost: '127.0.0.33',
    bindPort: 0,
    addressOf: (h) => (h === 'H1' ? '127.0.0.31' : '127.0.0.32'),
    holdMs,
    retryMs: 20,
    drainMs: 2000,
    logger: silentLogger(),
  });
  await p.listen();
  proxies.push(p);
  return p;
}

/** A client connection that resolves each reply. */
function client(port: number) {
  const s = net.connect({ host: '127.0.0.33', port });
  sockets.push(s);
  const replies: string[] = [];
  let closed = false;
  s.on('data', (d) => replies.push(String(d)));
  s.on('close', () => {
    closed = true;
  });
  s.on('error', () => undefined);
  return {
    s,
    get closed() {
      return closed;
    },
    async ask(text: string): Promise<string> {
      const n = replies.length;
      s.write(text);
      await until(() => replies.length > n || closed);
      if (replies.length <= n) throw new Error('closed before a reply');
      return replies[n] as string;
    },
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const route = (targets: Route['targets'], mode: Route['mode'] = 'primary'): Route => ({
  module: 'A',
  port: 0,
  mode,
  targets,
});

describe('router proxy', () => {
  it('forwards to the primary; a fail-over cuts the old connections and new ones reach the new primary', async () => {
    const a1 = await echo('A1', '127.0.0.31');
    const a2 = await echo('A2', '127.0.0.32');
    const p = await proxy(route([{ replica: 'A1', host: 'H1', port: a1.port }]));
    const c = client(p.port);
    expect(await c.ask('x')).toBe('A1:x');
    p.update(route([{ replica: 'A2', host: 'H2', port: a2.port }]), { cut: ['A1'], drain: [] });
    await until(() => c.closed);
    expect(await client(p.port).ask('y')).toBe('A2:y');
  });

  it('holds a connection while no copy is ready, then delivers it once the primary listens', async () => {
    // Reserve a port for the new primary, and close it: connections are refused until it listens.
    const reserved = await echo('tmp', '127.0.0.32');
    await new Promise((r) => reserved.server.close(r));
    servers.splice(servers.indexOf(reserved.server), 1);
    const p = await proxy(route([]));
    const c = client(p.port);
    const answer = c.ask('held');
    await new Promise((r) => setTimeout(r, 200));
    expect(p.heldCount).toBe(1);
    p.update(route([{ replica: 'A2', host: 'H2', port: reserved.port }]), { cut: [], drain: [] });
    await new Promise((r) => setTimeout(r, 200));
    expect(c.closed).toBe(false);
    await echo('A2', '127.0.0.32', reserved.port);
    expect(await answer).toBe('A2:held');
  });

  it('closes a held connection after the hold, never refusing it first', async () => {
    const p = await proxy(route([]), 300);
    const c = client(p.port);
    await until(() => c.closed, 3000);
    expect(p.heldCount).toBe(0);
  });

  it('a planned switchover drains: open connections keep working, new ones go to the new primary', async () => {
    const a1 = await echo('A1', '127.0.0.31');
    const a2 = await echo('A2', '127.0.0.32');
    const p = await proxy(route([{ replica: 'A1', host: 'H1', port: a1.port }]));
    const old = client(p.port);
    expect(await old.ask('1')).toBe('A1:1');
    p.update(route([{ replica: 'A2', host: 'H2', port: a2.port }]), { cut: [], drain: ['A1'] });
    expect(await old.ask('2')).toBe('A1:2');
    expect(await client(p.port).ask('3')).toBe('A2:3');
    await until(() => old.closed, 5000);
  });

  it('spreads a hot module by least connections', async () => {
    const h1 = await echo('H1', '127.0.0.31');
    const h2 = await echo('H2', '127.0.0.32');
    const p = await proxy(
      route(
        [
          { replica: 'H1', host: 'H1', port: h1.port },
          { replica: 'H2', host: 'H2', port: h2.port },
        ],
        'spread',
      ),
    );
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await client(p.port).ask('q')).split(':')[0]);
    expect(seen.sort()).toEqual(['H1', 'H1', 'H2', 'H2']);
    expect(p.counts()).toEqual(
      new Map([
        ['H1', 2],
        ['H2', 2],
      ]),
    );
  });
});
