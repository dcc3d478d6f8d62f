/**
 * The polling checks for programs without the SDK (DESIGN §7): a TCP connect, an HTTP GET, a
 * grpc.health.v1 Check, or an absolute command run without a shell. Each answers within its time
 * bound and never raises: a failure is an unhealthy answer with the reason.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

export interface ProbeResult {
  healthy: boolean;
  detail: string;
}

/** The checks a WatchDog can run against a copy. None of them raises. */
export interface Probes {
  tcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult>;
  http(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult>;
  grpc(host: string, port: number, timeoutMs: number): Promise<ProbeResult>;
  exec(command: readonly string[], timeoutMs: number): Promise<ProbeResult>;
}

type HealthClient = grpc.Client & {
  Check(
    req: { service: string },
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string | number }) => void,
  ): void;
};

const HealthClientCtor = grpc.makeGenericClientConstructor(
  healthService as unknown as grpc.ServiceDefinition,
  'Health',
) as unknown as new (
  address: string,
  creds: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => HealthClient;

/** The real checks. */
export class NetworkProbes implements Probes {
  private readonly healthClients = new Map<string, HealthClient>();

  /** `path`: the PATH an exec check's command runs with (its only variable), given by the daemon. */
  constructor(private readonly path = '/usr/bin:/bin') {}

  tcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (r: ProbeResult) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(r);
      };
      const timer = setTimeout(
        () => done({ healthy: false, detail: `tcp ${host}:${port}: no answer in ${timeoutMs} ms` }),
        timeoutMs,
      );
      socket.once('connect', () => done({ healthy: true, detail: `tcp ${host}:${port}: connected` }));
      socket.once('error', (err: NodeJS.ErrnoException) =>
        done({ healthy: false, detail: `tcp ${host}:${port}: ${err.code ?? err.message}` }),
      );
    });
  }

  http(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
    const where = `http://${host}:${port}${path || '/'}`;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const req = http.get({ host, port, path: path || '/', timeout: timeoutMs, agent: false }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        done({ healthy: code >= 200 && code < 400, detail: `GET ${where}: ${code}` });
      });
      req.once('timeout', () => {
        req.destroy();
        done({ healthy: false, detail: `GET ${where}: no answer in ${timeoutMs} ms` });
      });
      req.once('error', (err: NodeJS.ErrnoException) =>
        done({ healthy: false, detail: `GET ${where}: ${err.code ?? err.message}` }),
      );
    });
  }

  grpc(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
    const address = `${host}:${port}`;
    let client = this.healthClients.get(address);
    if (!client) {
      client = new HealthClientCtor(address, grpc.credentials.createInsecure(), {
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
      });
      this.healthClients.set(address, client);
    }
    const c = client;
    return new Promise((resolve) => {
      c.Check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) resolve({ healthy: false, detail: `grpc health ${address}: ${err.details || err.message}` });
        else {
          const serving = res?.status === 'SERVING' || res?.status === 1;
          resolve({ healthy: serving, detail: `grpc health ${address}: ${String(res?.status)}` });
        }
      });
    });
  }

  exec(command: readonly string[], timeoutMs: number): Promise<ProbeResult> {
    const [file, ...args] = command;
    const what = command.join(' ');
    if (!file) return Promise.resolve({ healthy: false, detail: 'exec check: empty command' });
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const child = spawn(file, args, {
        shell: false,
        stdio: 'ignore',
        env: { PATH: this.path },
        detached: true,
      });
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        done({ healthy: false, detail: `exec ${what}: no answer in ${timeoutMs} ms` });
      }, timeoutMs);
      child.once('error', (err: NodeJS.ErrnoException) =>
        done({ healthy: false, detail: `exec ${what}: ${err.code ?? err.message}` }),
      );
      child.once('exit', (code, signal) =>
        done({
          healthy: code === 0,
          detail: `exec ${what}: ${signal ? `killed by ${signal}` : `exit ${code}`}`,
        }),
      );
    });
  }

  close(): void {
    for (const c of this.healthClients.values()) c.close();
    this.healthClients.clear();
  }
}
