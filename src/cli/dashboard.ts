/**
 * `rmd dashboard`: a live, read-only web view of the cluster (DESIGN §13). It asks the daemons what
 * rmctl asks them (the acting ReplicaManager's table, each SuperWatchDog's view of the ring, the
 * primary's view of the hosts, the manager's lease in the Checkpoint Server) a few times a second,
 * follows the event history, and pushes each change to the browsers by server-sent events. It holds
 * no state of the cluster's and runs on any host: a manager's fail-over only shows in it.
 *
 * Routes: `/` the page (one file, no network needed), `/api/state` the view as JSON, `/api/stream`
 * the view again after every change (text/event-stream), `/metrics` its own metrics. GET only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { KeyEvent } from '../checkpoint-server/client.js';
import { CheckpointClient, type WatchStream } from '../checkpoint-server/client.js';
import type { ReplicaTable } from '../model/table.js';
import { HISTORY_PREFIX, type HistoryRecord, parseRecord } from '../replica-manager/history.js';
import { tableFromProto } from '../replica-manager/proto-convert.js';
import { addressOf, type ClusterConfig } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import type { ReplicaManagerClient } from '../shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { SuperWatchDogClient } from '../shared/generated/rm/super_watchdog/v1/SuperWatchDog.js';
import { CLIENT_OPTIONS, protos, type Transport, unary } from '../shared/grpc.js';
import type { Daemon, DaemonState } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';
import { DaemonMetrics, listenHttp } from '../shared/metrics.js';
import { operatorTransport } from './commands.js';
import { DASHBOARD_PAGE } from './dashboard-page.js';
import { detailsOf, headline } from './events.js';

/** Events kept for the timeline. */
const TIMELINE = 200;

/** One event of the timeline, with the words `rmctl events` uses. */
export interface TimelineEntry {
  seq: number;
  at: number;
  kind: HistoryRecord['kind'];
  modules: string[];
  epoch: number;
  manager: string;
  headline: string;
  details: string[];
  /** The decision's actions were carried out this long after its event came in. */
  carriedOutMs?: number;
  failedActions?: number;
  /** A failure that moved or promoted a copy. */
  failover?: boolean;
}

export interface DashboardView {
  /** When this view was taken (the dashboard's clock, ms since the Unix epoch). */
  at: number;
  manager: { host: string; epoch: number } | null;
  managerError?: string;
  table: ReplicaTable | null;
  ring: Array<{
    host: string;
    error?: string;
    primary?: string;
    epoch?: number;
    members?: Array<{ name: string; live: boolean; lastBeatMs: number }>;
  }>;
  /** The primary SuperWatchDog's view of the hosts, or null when no primary answers. */
  hosts: Array<{ name: string; up: boolean; sinceMs: number; lastBeatMs: number }> | null;
  lease: { holder: string; epoch: number; leaseUntilMs: number } | null;
  storeError?: string;
  timeline: TimelineEntry[];
}

export interface DashboardOptions {
  /** `host:port` to listen on (port 0 picks a free one). */
  listen: string;
  /** How often the daemons are asked (default 500 ms). */
  pollMs?: number;
}

/** `HOST:PORT`, refused with the flag's name when it is not one. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) {
    throw new ConfigError(`expected HOST:PORT (e.g. 127.0.0.1:7480), got "${value}"`, '--listen');
  }
  return { host: m[1] as string, port };
}

function isFailure(r: HistoryRecord): boolean {
  if (r.kind !== 'decision') return false;
  const k = r.event.kind;
  const failed = k === 'replica-failed' || k === 'start-refused' || k === 'host-down' || k === 'reconcile';
  return failed && r.actions.some((a) => a.kind === 'start' || (a.kind === 'set-role' && a.role === 'P'));
}

/** Keeps the newest records as timeline entries, a carried-out record folded into its decision. */
export class Timeline {
  private readonly entries = new Map<number, TimelineEntry>();
  private last = 0;

  add(r: HistoryRecord): void {
    if (r.seq <= this.last) return;
    this.last = r.seq;
    if (r.kind === 'carried-out') {
      const of = this.entries.get(r.of);
      if (of) {
        of.carriedOutMs = r.ms;
        of.failedActions = r.failed;
        return;
      }
    }
    const details = detailsOf(r);
    this.entries.set(r.seq, {
      seq: r.seq,
      at: r.at,
      kind: r.kind,
      modules: r.modules,
      epoch: r.epoch,
      manager: r.manager,
      headline: headline(r),
      details,
      ...(isFailure(r) ? { failover: true } : {}),
    });
    while (this.entries.size > TIMELINE) this.entries.delete(this.entries.keys().next().value as number);
  }

  /** Newest first. */
  list(): TimelineEntry[] {
    return [...this.entries.values()].reverse().map((e) => ({ ...e }));
  }
}

/**
 * The table as the page shows it: the page is served over plain HTTP to whoever reaches it, so the
 * modules' environment values (which may hold secrets) are left out, as for a viewer.
 */
function shown(table: ReplicaTable): ReplicaTable {
  return {
    ...table,
    modules: table.modules.map((m) =>
      m.env ? { ...m, env: Object.fromEntries(Object.keys(m.env).map((k) => [k, '(hidden)'])) } : m,
    ),
  };
}

/**
 * Asks the daemons for the view, reusing one client per daemon, with the operator's certificate
 * (rmctl's: $RM_CERT, else operator): the event history is read from the Checkpoint Server.
 */
class Sources {
  private readonly managers = new Map<string, ReplicaManagerClient>();
  private readonly swds = new Map<string, SuperWatchDogClient>();
  readonly cs: CheckpointClient;

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly deadlineMs: number,
    private readonly transport: Transport,
  ) {
    this.cs = new CheckpointClient(cfg.checkpointServer.addresses, { deadlineMs, transport });
  }

  private manager(host: string): ReplicaManagerClient {
    let c = this.managers.get(host);
    if (!c) {
      c = new (protos().replicaManager.rm.replica_manager.v1.ReplicaManager)(
        addressOf.replicaManager(this.cfg, host),
        this.transport.channelCredentials(),
        CLIENT_OPTIONS,
      );
      this.managers.set(host, c);
    }
    return c;
  }

  private swd(host: string): SuperWatchDogClient {
    let c = this.swds.get(host);
    if (!c) {
      c = new (protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog)(
        addressOf.superWatchdog(this.cfg, host),
        this.transport.channelCredentials(),
        CLIENT_OPTIONS,
      );
      this.swds.set(host, c);
    }
    return c;
  }

  async view(timeline: Timeline, now: number): Promise<DashboardView> {
    const [managers, ring, lease] = await Promise.all([
      Promise.allSettled(
        this.cfg.hosts.map(async (h) => {
          const c = this.manager(h.name);
          const s = await unary(c, c.Status, { module: '' }, this.deadlineMs, `ReplicaManager on ${h.name}`);
          return {
            host: h.name,
            epoch: Number(s.epoch),
            table: s.table ? shown(tableFromProto(s.table)) : null,
          };
        }),
      ),
      Promise.all(
        this.cfg.ring.map(async (host) => {
          const c = this.swd(host);
          try {
            const v = await unary(c, c.GetRing, {}, this.deadlineMs, `SuperWatchDog on ${host}`);
            return {
              host,
              primary: v.primary,
              epoch: Number(v.epoch),
              members: v.members.map((m) => ({
                name: m.name,
                live: m.live,
                lastBeatMs: Number(m.last_beat_ms),
              })),
            };
          } catch (err) {
            return { host, error: (err as Error).message };
          }
        }),
      ),
      this.cs.getLeadership('manager').then(
        (l) => ({ lease: { holder: l.holder, epoch: l.epoch, leaseUntilMs: l.leaseUntilMs } }),
        (err: unknown) => ({ lease: null, storeError: (err as Error).message }),
      ),
    ]);
    const answered = managers.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    const acting = answered.reduce<(typeof answered)[number] | null>(
      (a, b) => (a === null || b.epoch > a.epoch ? b : a),
      null,
    );
    const primary = ring.find((r) => r.primary && r.primary === r.host)?.host;
    let hosts: DashboardView['hosts'] = null;
    if (primary) {
      const c = this.swd(primary);
      try {
        const v = await unary(c, c.GetHosts, {}, this.deadlineMs, `SuperWatchDog on ${primary}`);
        if (v.primary)
          hosts = v.hosts.map((h) => ({
            name: h.name,
            up: h.up,
            sinceMs: Number(h.since_ms),
            lastBeatMs: Number(h.last_beat_ms),
          }));
      } catch {
        // shown as "no primary answering"
      }
    }
    return {
      at: now,
      manager: acting ? { host: acting.host, epoch: acting.epoch } : null,
      ...(acting ? {} : { managerError: 'no ReplicaManager answers' }),
      table: acting?.table ?? null,
      ring,
      hosts,
      ...lease,
      timeline: timeline.list(),
    };
  }

  close(): void {
    for (const c of [...this.managers.values(), ...this.swds.values()]) c.close();
    this.cs.close();
    this.transport.close();
  }
}

export interface DashboardDaemon extends Daemon {
  /** `http://host:port/`. */
  readonly url: string;
  /** The latest view (for tests). */
  readonly view: DashboardView | null;
}

export async function startDashboard(
  cfg: ClusterConfig,
  options: DashboardOptions,
  logger: Logger,
): Promise<DashboardDaemon> {
  const { host, port } = parseListen(options.listen);
  const pollMs = options.pollMs ?? 500;
  const sources = new Sources(cfg, Math.min(cfg.timings.rpcDeadlineMs, 1000), operatorTransport(cfg));
  const timeline = new Timeline();
  const metrics = new DaemonMetrics('dashboard', host);
  const clients = new Set<ServerResponse>();
  let state: DaemonState = 'starting';
  let view: DashboardView | null = null;
  let lastSent = '';
  let watch: WatchStream<KeyEvent> | null = null;

  const send = (res: ServerResponse, data: string) => res.write(`data: ${data}\n\n`);
  const publish = (v: DashboardView) => {
    view = v;
    // `at` alone changing is no news; the page ages its times by itself.
    const key = JSON.stringify({ ...v, at: 0 });
    if (key === lastSent) return;
    lastSent = key;
    const data = JSON.stringify(v);
    for (const res of clients) send(res, data);
  };

  // The history: the watch starts with every record kept, then each new one as it is written; it is
  // started again when it breaks (records already seen are skipped by number).
  const follow = async () => {
    for (let attempt = 0; state !== 'stopping' && state !== 'stopped'; attempt++) {
      try {
        watch = sources.cs.watch(HISTORY_PREFIX);
        for await (const ev of watch) {
          if (ev.deleted) continue;
          const r = parseRecord(ev.kv.value);
          if (r) timeline.add(r);
        }
      } catch (err) {
        if (attempt === 0 || attempt % 20 === 0)
          logger.warn({ err: (err as Error).message }, 'event history not readable; trying again');
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  let polling = false;
  const poll = async () => {
    if (polling || state !== 'serving') return;
    polling = true;
    try {
      publish(await sources.view(timeline, Date.now()));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not take a view of the cluster');
    } finally {
      polling = false;
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end('read-only\n');
      return;
    }
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    switch (path) {
      case '/':
        res
          .writeHead(200, {
            ...common,
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy':
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
          })
          .end(DASHBOARD_PAGE);
        return;
      case '/api/state':
        res.writeHead(view ? 200 : 503, { ...common, 'content-type': 'application/json' });
        res.end(view ? JSON.stringify(view) : '{"error":"no view taken yet"}');
        return;
      case '/api/stream':
        res.writeHead(200, { ...common, 'content-type': 'text/event-stream', connection: 'keep-alive' });
        res.write('retry: 1000\n\n');
        if (view) send(res, JSON.stringify(view));
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      case '/metrics':
        void metrics.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        });
        return;
      default:
        res.writeHead(404, { ...common, 'content-type': 'text/plain' }).end('not found\n');
    }
  };
  const server = createServer(handler);
  const url = `http://${host}:${await listenHttp(server, host, port)}/`;
  state = 'serving';
  void follow();
  const timer = setInterval(() => void poll(), pollMs);
  // The page's clock runs on between changes; a comment now and then keeps proxies from closing the stream.
  const keepAlive = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n');
  }, 15_000);
  void poll();
  logger.info({ url }, 'dashboard serving');

  let stopping: Promise<void> | null = null;
  return {
    get state() {
      return state;
    },
    address: url,
    url,
    get view() {
      return view;
    },
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        clearInterval(timer);
        clearInterval(keepAlive);
        watch?.cancel();
        for (const res of clients) res.end();
        clients.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        sources.close();
        state = 'stopped';
      })();
      return stopping;
    },
  };
}
