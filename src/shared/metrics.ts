/**
 * Prometheus metrics shared by every daemon (DESIGN §13): one registry per daemon with the process
 * defaults, the gRPC server's calls and latencies (an interceptor), the client side of the
 * Checkpoint Server, and the `/metrics` endpoint in the text format on a port of the cluster file.
 */
import { createServer, type Server } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { StaleEpochError, UnavailableError } from './errors.js';
import type { Logger } from './logging.js';

export { Counter, Gauge, Histogram, Registry };

/** Latency buckets in seconds, from a local call (~1 ms) to a call deadline. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One daemon's metrics: its registry and the series every daemon has. */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly handled: Counter<'service' | 'method' | 'code'>;
  private readonly handling: Histogram<'service' | 'method'>;

  constructor(
    readonly daemon: 'replica-manager' | 'watchdog' | 'super-watchdog' | 'checkpoint-server' | 'dashboard',
    readonly host: string,
  ) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'rm_daemon_info',
      help: 'Always 1: which daemon of which host this endpoint belongs to.',
      labelNames: ['daemon', 'host'],
      registers: [this.registry],
    })
      .labels(daemon, host)
      .set(1);
    this.handled = new Counter({
      name: 'rm_grpc_server_handled_total',
      help: 'gRPC calls this daemon answered, by service, method and status code.',
      labelNames: ['service', 'method', 'code'],
      registers: [this.registry],
    });
    this.handling = new Histogram({
      name: 'rm_grpc_server_handling_seconds',
      help: 'Time from a unary gRPC call arriving to its answer, by service and method.',
      labelNames: ['service', 'method'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** Counts and times every call the daemon's gRPC server answers (streams are counted, not timed). */
  grpcInterceptor(): grpc.ServerInterceptor {
    return (method, call) => {
      const [service = '', name = ''] = method.path.replace(/^\//, '').split('/');
      const unary = !method.requestStream && !method.responseStream;
      const started = performance.now();
      return new grpc.ServerInterceptingCall(call, {
        sendStatus: (status, next) => {
          this.handled.labels(service, name, grpc.status[status.code] ?? String(status.code)).inc();
          if (unary) this.handling.labels(service, name).observe((performance.now() - started) / 1000);
          next(status);
        },
      });
    };
  }
}

/**
 * How a daemon sees the Checkpoint Server from its side: each call's latency and outcome, and whether
 * the last call was answered.
 */
export class StoreClientMetrics {
  private readonly duration: Histogram<'op' | 'outcome'>;
  private readonly up: Gauge;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'rm_store_client_request_duration_seconds',
      help: 'Calls of this daemon to the Checkpoint Server, by operation and outcome (ok, unavailable, refused, error).',
      labelNames: ['op', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'rm_store_client_up',
      help: 'Whether the last call of this daemon to the Checkpoint Server was answered (1) or not (0).',
      registers: [registry],
    });
  }

  /** Runs one store call, recording its time and outcome; its result or error passes through. */
  async time<T>(op: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const done = (outcome: string) =>
      this.duration.labels(op, outcome).observe((performance.now() - started) / 1000);
    try {
      const res = await call();
      done('ok');
      this.up.set(1);
      return res;
    } catch (err) {
      const unavailable = err instanceof UnavailableError;
      done(unavailable ? 'unavailable' : err instanceof StaleEpochError ? 'refused' : 'error');
      this.up.set(unavailable ? 0 : 1);
      throw err;
    }
  }
}

/** A running `/metrics` endpoint. */
/** Binds an HTTP server (port 0: a free one) and resolves with the port bound; a bind error rejects. */
export async function listenHttp(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  return typeof bound === 'object' && bound ? bound.port : port;
}

export interface MetricsEndpoint {
  /** `host:port` actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (the Prometheus text format) on `host:port` (0 picks a free port). Other
 * paths answer 404, other methods 405: the endpoint is read-only.
 */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics is served here\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'metrics could not be collected');
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      },
    );
  });
  const address = `${host}:${await listenHttp(server, host, port)}`;
  logger.info({ address }, 'metrics served at /metrics');
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The daemon's endpoint on `host:port`, or null when `port` is null (not served) or cannot be bound:
 * a daemon that supervises goes on without its metrics rather than not at all (the error is logged).
 * Port 0 picks a free one (tests).
 */
export async function startMetricsEndpoint(
  registry: Registry,
  host: string,
  port: number | null,
  logger: Logger,
): Promise<MetricsEndpoint | null> {
  if (port === null) return null;
  try {
    return await serveMetrics(registry, host, port, logger);
  } catch (err) {
    logger.error(
      { address: `${host}:${port}`, err: (err as Error).message },
      'cannot serve /metrics (is the port of ports.metrics in use?); going on without metrics',
    );
    return null;
  }
}

/** A cluster file's metrics port as startMetricsEndpoint takes it: 0 there means "not served". */
export function configuredPort(port: number): number | null {
  return port === 0 ? null : port;
}

/** Sets a labelled gauge to exactly `rows` (series no longer present disappear). */
export function setGaugeRows<L extends string>(
  gauge: Gauge<L>,
  rows: Iterable<[Partial<Record<L, string>>, number]>,
): void {
  gauge.reset();
  for (const [labels, value] of rows) gauge.set(labels, value);
}
