/**
 * One module's TCP endpoint on one host (DESIGN §12): accepts on the module's service port and
 * forwards each connection to the copy routes.ts picks. A connection that finds no copy ready (no
 * primary yet, or the chosen copy refuses) is held, not refused: it is retried every `retryMs`
 * and at every route change until `holdMs` have passed, then closed. On a route change the
 * connections to a copy that stopped running are cut, those to a copy that still runs are left to
 * finish for up to `drainMs`.
 */
import net from 'node:net';
import type { Logger } from '../shared/logging.js';
import { type Change, pickTarget, type Route, type Target } from './routes.js';

export interface ProxyOptions {
  /** The address to bind (the host's own). */
  bindHost: string;
  /** The port to bind; 0 picks a free one (tests). Default: the route's port. */
  bindPort?: number;
  /** A host's address, for its copies' ports. */
  addressOf: (host: string) => string;
  holdMs: number;
  retryMs: number;
  drainMs: number;
  logger: Logger;
}

interface Held {
  client: net.Socket;
  deadline: NodeJS.Timeout;
  retry: NodeJS.Timeout | null;
  connecting: boolean;
}

export class ModuleProxy {
  private readonly server: net.Server;
  private route: Route;
  /** Open forwarded connections per copy. */
  private readonly open = new Map<string, Set<net.Socket>>();
  private readonly held = new Set<Held>();
  private readonly drains = new Set<NodeJS.Timeout>();
  private stopped = false;
  port = 0;

  constructor(
    route: Route,
    private readonly opts: ProxyOptions,
  ) {
    this.route = route;
    this.server = net.createServer({ pauseOnConnect: true }, (c) => this.accept(c));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.bindPort ?? this.route.port, this.opts.bindHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Open connections per copy (for least-connections and for tests). */
  counts(): Map<string, number> {
    return new Map([...this.open].map(([k, v]) => [k, v.size]));
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** A new route and what it means for open connections (routes.changeFor). */
  update(route: Route, change: Change): void {
    this.route = route;
    for (const replica of change.cut) {
      const socks = this.open.get(replica);
      if (socks?.size) this.opts.logger.info({ replica, connections: socks.size }, 'cutting connections');
      for (const s of socks ?? []) s.destroy();
    }
    for (const replica of change.drain) {
      const socks = [...(this.open.get(replica) ?? [])];
      if (socks.length === 0) continue;
      this.opts.logger.info({ replica, connections: socks.length }, 'draining connections');
      const t = setTimeout(() => {
        this.drains.delete(t);
        for (const s of socks) s.destroy();
      }, this.opts.drainMs);
      this.drains.add(t);
    }
    for (const h of [...this.held]) if (!h.connecting) this.attempt(h, new Set());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const h of this.held) this.release(h, true);
    for (const t of this.drains) clearTimeout(t);
    for (const socks of this.open.values()) for (const s of socks) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.stopped) {
      client.destroy();
      return;
    }
    client.on('error', () => undefined);
    const h: Held = {
      client,
      connecting: false,
      retry: null,
      deadline: setTimeout(() => {
        this.opts.logger.warn(
          { module: this.route.module, holdMs: this.opts.holdMs },
          'no copy ready within the hold; closing the connection',
        );
        this.release(h, true);
      }, this.opts.holdMs),
    };
    this.held.add(h);
    client.once('close', () => this.release(h, false));
    this.attempt(h, new Set());
  }

  private release(h: Held, destroy: boolean): void {
    if (!this.held.delete(h)) return;
    clearTimeout(h.deadline);
    if (h.retry) clearTimeout(h.retry);
    if (destroy) h.client.destroy();
  }

  private attempt(h: Held, skip: Set<string>): void {
    if (h.retry) clearTimeout(h.retry);
    h.retry = null;
    const target = pickTarget(this.route, this.counts(), skip);
    if (!target) {
      h.retry = setTimeout(() => this.attempt(h, new Set()), this.opts.retryMs);
      return;
    }
    h.connecting = true;
    const upstream = net.connect({ host: this.opts.addressOf(target.host), port: target.port });
    upstream.once('connect', () => {
      h.connecting = false;
      if (!this.held.has(h)) {
        upstream.destroy();
        return;
      }
      this.splice(h, upstream, target);
    });
    upstream.once('error', () => {
      h.connecting = false;
      upstream.destroy();
      if (!this.held.has(h)) return;
      this.attempt(h, new Set([...skip, target.replica]));
    });
  }

  private splice(h: Held, upstream: net.Socket, target: Target): void {
    this.release(h, false);
    const client = h.client;
    const socks = this.open.get(target.replica) ?? new Set<net.Socket>();
    this.open.set(target.replica, socks);
    socks.add(upstream);
    upstream.on('error', () => undefined);
    const done = () => {
      socks.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    upstream.once('close', done);
    client.once('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
