/**
 * The router (DESIGN §12): what a client pays for one address per module, and how soon it is
 * answered again after the primary dies. A warm module of the sample application with a service
 * port, its copies on H1, H4 and H6, reached through the router on H3 or directly at the primary's
 * own port (examples/sample-app.ts's line protocol: "get" → one JSON line):
 *
 * - a request on a new connection (connect, "get", the answer), through the router and directly,
 *   alternated; the router's added latency is the difference of the percentiles;
 * - a request on an open connection, the same;
 * - throughput: a fixed count of requests over 16 open connections at once;
 * - kill -9 of the primary → the first answer through the router from another copy, read by a
 *   client that asks again at once whenever a request fails; beside it, when the promoted copy's
 *   own code learnt it is primary (its "role primary" line).
 */
import net from 'node:net';
import { join } from 'node:path';
import { askSample } from '../examples/sample-client.js';
import type { LocalCluster } from '../src/cli/local.js';
import { copyServicePort, type ModuleSpec } from '../src/model/table.js';
import { clusterHost } from '../src/shared/config.js';
import { register, startCluster } from './lib/clusters.js';
import {
  type Bench,
  type BenchResult,
  type Figure,
  killPid,
  latencyFigure,
  now,
  SAMPLE_APP,
  sleep,
  trialPlan,
  valueFigure,
  waitFor,
  withTimeout,
} from './lib/common.js';
import { summarize } from './lib/stats.js';
import { promotedAfter, waitReady } from './lib/warm.js';

/** Its own range, away from the test run's (19400): the router's port and one per copy. */
const SERVICE_PORT = 19600;
const ROUTER_HOST = 'H3';
const HOSTS = ['H1', 'H4', 'H6'];
const PARALLEL = 16;

const moduleR: ModuleSpec = {
  name: 'R',
  style: 'warm',
  degree: 2,
  policy: 'on-each-failure',
  detect: 'heartbeat',
  timeoutMs: 1000,
  check: { kind: 'sdk' },
  servicePort: SERVICE_PORT,
  replicas: HOSTS.map((host, i) => ({ id: `R${i + 1}`, host, path: SAMPLE_APP })),
};

/** One open connection of the line protocol: a request is a line out and a line back. */
class LineConnection {
  private buffered = '';
  private waiting: ((line: string) => void) | null = null;
  private failed: ((err: Error) => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      const at = this.buffered.indexOf('\n');
      if (at < 0 || !this.waiting) return;
      const line = this.buffered.slice(0, at);
      this.buffered = this.buffered.slice(at + 1);
      const w = this.waiting;
      this.waiting = this.failed = null;
      w(line);
    });
    const fail = (err: Error) => {
      const f = this.failed;
      this.waiting = this.failed = null;
      f?.(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<LineConnection> {
    return withTimeout(
      new Promise((resolve, reject) => {
        const s = net.connect({ host, port });
        s.once('connect', () => resolve(new LineConnection(s)));
        s.once('error', reject);
      }),
      10_000,
      `connecting to ${host}:${port}`,
    );
  }

  /** One "get"; resolves with the answer's line. */
  ask(): Promise<string> {
    return withTimeout(
      new Promise<string>((resolve, reject) => {
        this.waiting = resolve;
        this.failed = reject;
        this.socket.write('get\n');
      }),
      10_000,
      'an answer on an open connection',
    );
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A request on a new connection, in ms; throws unless a primary answered. */
async function oneRequest(host: string, port: number): Promise<number> {
  const t0 = now();
  const o = await askSample(host, port, 10_000);
  const t1 = now();
  if (!o.ok) throw new Error(`${host}:${port}: ${o.error}${o.detail ? ` (${o.detail})` : ''}`);
  return Number(t1 - t0) / 1e6;
}

/** `count` requests spread over `parallel` open connections; requests per second. */
async function throughput(host: string, port: number, count: number, parallel: number): Promise<number> {
  const conns = await Promise.all(Array.from({ length: parallel }, () => LineConnection.open(host, port)));
  try {
    let left = count;
    const t0 = now();
    await Promise.all(
      conns.map(async (c) => {
        while (left > 0) {
          left--;
          await c.ask();
        }
      }),
    );
    return count / (Number(now() - t0) / 1e9);
  } finally {
    for (const c of conns) c.close();
  }
}

interface Endpoints {
  router: { host: string; port: number };
  direct: { host: string; port: number };
}

/** Where the router and the module's current primary listen. */
async function endpoints(cluster: LocalCluster): Promise<Endpoints> {
  const ready = await waitReady(cluster, moduleR.name, 30_000);
  const index = moduleR.replicas.findIndex((r) => r.id === ready.primary.id);
  return {
    router: { host: clusterHost(cluster.cfg, ROUTER_HOST).address, port: SERVICE_PORT },
    direct: {
      host: clusterHost(cluster.cfg, ready.primary.host).address,
      port: copyServicePort(SERVICE_PORT, index),
    },
  };
}

/** Samples of `a` and `b` in alternating blocks of 50, so that both see the same load of the machine. */
async function alternate(
  total: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number[], number[]]> {
  const xs: number[] = [];
  const ys: number[] = [];
  while (xs.length < total) {
    for (let k = 0; k < 50 && xs.length < total; k++) xs.push(await a());
    for (let k = 0; k < 50 && ys.length < total; k++) ys.push(await b());
  }
  return [xs, ys];
}

/** The router's added latency, percentile by percentile. */
function addedFigure(name: string, via: number[], direct: number[]): Figure[] {
  const r = summarize(via);
  const d = summarize(direct);
  return [
    latencyFigure(`${name}, through the router on ${ROUTER_HOST}`, via),
    latencyFigure(`${name}, directly to the primary’s own port`, direct),
    ...(['p50', 'p95', 'p99'] as const).map((p) =>
      valueFigure(`${name}: the router’s added latency at ${p}`, r[p] - d[p], 'ms', {
        note: 'the difference of the two percentiles above',
      }),
    ),
  ];
}

export const routerBench: Bench = {
  name: 'router',
  title: 'Router: added latency and throughput, kill -9 of the primary → the first answer through the router',
  estimateS: 45,
  needsRing: true,
  async run(ctx) {
    const started = Date.now();
    const perConnection = trialPlan('BENCH_ROUTER_REQUESTS', 1000);
    const onOpen = perConnection * 5;
    const count = perConnection * 20;
    const killTrials = trialPlan('BENCH_ROUTER_KILL_TRIALS', 10);
    const { cluster, stop } = await startCluster(join(ctx.dir, 'cluster'), 7600);
    try {
      await register(cluster, [moduleR]);
      let ep = await endpoints(cluster);
      await waitFor('an answer through the router', () => oneRequest(ep.router.host, ep.router.port), 30_000);
      // Warm-up: the JIT of the router, the copy and this process.
      await alternate(
        200,
        () => oneRequest(ep.router.host, ep.router.port),
        () => oneRequest(ep.direct.host, ep.direct.port),
      );

      const [newVia, newDirect] = await alternate(
        perConnection,
        () => oneRequest(ep.router.host, ep.router.port),
        () => oneRequest(ep.direct.host, ep.direct.port),
      );
      ctx.log('  router: a request on a new connection done');

      const viaConn = await LineConnection.open(ep.router.host, ep.router.port);
      const directConn = await LineConnection.open(ep.direct.host, ep.direct.port);
      const timed = async (c: LineConnection) => {
        const t0 = now();
        await c.ask();
        return Number(now() - t0) / 1e6;
      };
      const [openVia, openDirect] = await alternate(
        onOpen,
        () => timed(viaConn),
        () => timed(directConn),
      );
      viaConn.close();
      directConn.close();
      ctx.log('  router: a request on an open connection done');

      const rateVia = await throughput(ep.router.host, ep.router.port, count, PARALLEL);
      const rateDirect = await throughput(ep.direct.host, ep.direct.port, count, PARALLEL);
      ctx.log('  router: throughput done');

      // kill -9 of the primary while a client asks through the router, again at once after a failure.
      const firstAnswer: number[] = [];
      const promoted: number[] = [];
      const failedRequests: number[] = [];
      for (let trial = 0; trial < killTrials; trial++) {
        const ready = await waitReady(cluster, moduleR.name, 30_000);
        await sleep(300);
        ep = await endpoints(cluster);
        let t0 = 0n;
        let answered: bigint | null = null;
        let failures = 0;
        const client = (async () => {
          for (let i = 0; i < 100_000 && answered === null; i++) {
            const o = await askSample(ep.router.host, ep.router.port, 15_000);
            const t = now();
            if (o.ok && t0 !== 0n && o.answer.replica !== ready.primary.id) answered = t;
            else if (!o.ok) {
              failures++;
              await sleep(1);
            }
            if (t0 !== 0n && Number(t - t0) > 30e9) break;
          }
        })();
        await sleep(200);
        t0 = now();
        killPid(ready.primary.pid, 'SIGKILL');
        await withTimeout(client, 40_000, 'the first answer through the router after the kill');
        const end = answered as bigint | null;
        if (end === null)
          throw new Error(`no answer through the router within 30 s of killing ${ready.primary.id}`);
        firstAnswer.push(Number(end - t0) / 1e6);
        failedRequests.push(failures);
        const p = await waitFor(
          'the promoted copy’s role line',
          () =>
            promotedAfter(
              cluster,
              ready.replicas.filter((r) => r.id !== ready.primary.id),
              t0,
            ),
          15_000,
        );
        promoted.push(Number(p.t - t0) / 1e6);
      }
      ctx.log('  router: kill -9 trials done');

      const t = cluster.cfg.timings;
      return {
        name: 'router',
        title: routerBench.title,
        startedAt: new Date(started).toISOString(),
        durationS: (Date.now() - started) / 1000,
        trials: `${perConnection} requests on new connections and ${onOpen} on open ones each way (after 200 of warm-up), ${count} for each throughput, ${killTrials} kills`,
        figures: [
          ...addedFigure('a request on a new connection (connect, get, answer)', newVia, newDirect),
          ...addedFigure('a request on an open connection', openVia, openDirect),
          valueFigure(`throughput through the router, ${PARALLEL} open connections`, rateVia, 'requests/s'),
          valueFigure(
            `throughput directly to the primary, ${PARALLEL} open connections`,
            rateDirect,
            'requests/s',
          ),
          latencyFigure(
            'kill -9 of the primary → the first answer through the router from the promoted copy',
            firstAnswer,
            {
              dependsOn: {
                'router retry (ms)': 50,
                'module heartbeat timeoutMs': moduleR.timeoutMs ?? 0,
                rpcDeadlineMs: t.rpcDeadlineMs,
              },
              note: 'start: this process’s clock just before kill(2); end: the client has the answer. The client asks one request after another on new connections, at once again after a failure; the router holds a connection that finds no copy ready and tries again every 50 ms and at each table change',
            },
          ),
          latencyFigure('  beside it: kill -9 → the promoted copy’s own code knows it is primary', promoted, {
            note: 'the `t` of its "role primary" line; it then opens its port',
          }),
          valueFigure(
            'requests that failed per kill (cut in flight), mean',
            failedRequests.reduce((a, b) => a + b, 0) / Math.max(1, failedRequests.length),
            'requests',
            { note: `per kill: ${failedRequests.join(', ')}` },
          ),
        ],
        notes: [
          `A warm module of the sample application (degree 2, copies on ${HOSTS.join(', ')}), service port ${SERVICE_PORT}; the router on ${ROUTER_HOST} forwards to the primary on another host’s address. Everything is loopback: the figures are the cost of the extra hop (one more accept, connect and copy of the bytes in the router’s process), not of a network.`,
          `Throughput: ${count} requests spread over ${PARALLEL} connections, one request at a time on each; the sample application answers every request itself, so the direct figure is its own ceiling on this machine.`,
        ],
      } satisfies BenchResult;
    } finally {
      await stop();
    }
  },
};
