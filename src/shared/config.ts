/**
 * The cluster file (YAML): hosts and their addresses, the Checkpoint Server, the ring order, the
 * allowed executable directories, the state directory and the timings. One place fills defaults and
 * validates; a bad file is refused with the path of the bad field (STYLE §7).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';

export interface Timings {
  /** How often each WatchDog beats to the primary SuperWatchDog. */
  watchdogBeatMs: number;
  /** Silence after which the primary SuperWatchDog declares a host dead (source ¶0024). */
  hostTimeoutMs: number;
  /** How often each SuperWatchDog beats to its ring successor. */
  ringBeatMs: number;
  /** Silence after which a SuperWatchDog declares its predecessor dead (source ¶0025–0026). */
  ringTimeoutMs: number;
  /** Deadline of every call between daemons. */
  rpcDeadlineMs: number;
  /** Between TERM and KILL when a copy is stopped. */
  killGraceMs: number;
  /**
   * How long a copy may run after its WatchDog's last beat that a primary SuperWatchDog answered
   * (fence first, DESIGN §5): then it is stopped, by the SDK itself and by its keeper process.
   * Must satisfy appLeaseMs + fenceMarginMs < hostTimeoutMs.
   */
  appLeaseMs: number;
  /**
   * What the fence-first inequality keeps in hand: clock-rate differences between hosts over a host
   * timeout, the keeper's check interval, and the time a kill takes. 5 % of the host timeout plus
   * 100 ms is a sane floor on one network; more where hosts' clocks may run apart.
   */
  fenceMarginMs: number;
  /**
   * How long a new primary SuperWatchDog waits, past a host timeout, before it declares dead a host it
   * has not heard since it took over. What it buys: a primary SuperWatchDog that cannot renew its
   * lease at the Checkpoint Server goes on granting host leases for this long past its own lease, so
   * a Checkpoint Server restart shorter than about ringTimeoutMs + hostTimeoutMs + this stops no copy
   * (DESIGN §5, freeze). What it costs: the copies on the host of a primary SuperWatchDog that died
   * are failed over this much later.
   */
  takeoverGraceMs: number;
  /** A new ReplicaManager's time to send its first beat before its silence counts (no restart storms). */
  managerStartGraceMs: number;
  /** Default polling interval of a copy. */
  pollIntervalMs: number;
  /** Default heartbeat timeout of a copy. */
  heartbeatTimeoutMs: number;
  /** Polls that must fail in a row before a copy is declared dead. */
  pollMisses: number;
  /** A new copy's time to beat or answer its first poll before silence or a failed poll counts. */
  startGraceMs: number;
}

export interface ClusterHost {
  name: string;
  /** The host's own address; every daemon of that host binds it. */
  address: string;
}

export interface ClusterConfig {
  /** The file it was read from (empty when parsed from text). */
  file: string;
  hosts: ClusterHost[];
  checkpointServer: { address: string; dataDir: string };
  ports: {
    replicaManager: number;
    watchdog: number;
    superWatchdog: number;
    /** Each daemon's Prometheus `/metrics` port on its host's address (0: not served). */
    metrics: MetricsPorts;
  };
  /** SuperWatchDog members in ring order (source ¶0022: H2 → H5 → H6 → H2). */
  ring: string[];
  /** Absolute directories under which the WatchDogs may start executables. */
  allowedExecutableDirs: string[];
  /** Where each host keeps its state (a folder per host below it). */
  stateDir: string;
  timings: Timings;
}

export const DEFAULT_TIMINGS: Timings = {
  watchdogBeatMs: 250,
  hostTimeoutMs: 4000,
  ringBeatMs: 250,
  ringTimeoutMs: 1500,
  rpcDeadlineMs: 2000,
  killGraceMs: 2000,
  appLeaseMs: 3000,
  fenceMarginMs: 500,
  takeoverGraceMs: 5000,
  managerStartGraceMs: 5000,
  pollIntervalMs: 500,
  heartbeatTimeoutMs: 1500,
  pollMisses: 2,
  startGraceMs: 5000,
};

/** The Prometheus endpoints' ports, one per daemon: a host's daemons share its one address. */
export interface MetricsPorts {
  replicaManager: number;
  watchdog: number;
  superWatchdog: number;
  /** On the host part of `checkpointServer.address`. */
  checkpointServer: number;
}

export const DEFAULT_METRICS_PORTS: MetricsPorts = {
  replicaManager: 7411,
  watchdog: 7412,
  superWatchdog: 7413,
  checkpointServer: 7414,
};

export const DEFAULT_PORTS = {
  replicaManager: 7401,
  watchdog: 7402,
  superWatchdog: 7403,
  metrics: DEFAULT_METRICS_PORTS,
};

const NAME = /^[A-Za-z0-9_.-]+$/;

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new ConfigError(message, field, this.file || undefined);
  }

  object(v: unknown, field: string, keys: readonly string[]): Plain {
    if (!isPlain(v)) this.fail(field, `expected a mapping, got ${JSON.stringify(v)}`);
    for (const k of Object.keys(v)) {
      if (!keys.includes(k))
        this.fail(field ? `${field}.${k}` : k, `unknown key (accepted: ${keys.join(', ')})`);
    }
    return v;
  }

  string(v: unknown, field: string): string {
    if (typeof v !== 'string' || v.length === 0)
      this.fail(field, `expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  positiveInt(v: unknown, field: string, fallback?: number): number {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      this.fail(field, `expected a whole number ≥ 1, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  port(v: unknown, field: string, fallback: number): number {
    const p = this.positiveInt(v, field, fallback);
    if (p > 65535) this.fail(field, `expected a port from 1 to 65535, got ${p}`);
    return p;
  }

  /** A port, or 0 for "not served". */
  optionalPort(v: unknown, field: string, fallback: number): number {
    if (v === 0) return 0;
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
      this.fail(field, `expected a port from 1 to 65535, or 0 for none, got ${JSON.stringify(v)}`);
    return v;
  }

  list(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `expected a list, got ${JSON.stringify(v)}`);
    return v;
  }
}

function checkAddress(r: Reader, v: string, field: string, withPort: boolean): void {
  const re = withPort ? /^[A-Za-z0-9.-]+:\d{1,5}$/ : /^[A-Za-z0-9.-]+$/;
  if (!re.test(v))
    r.fail(field, `expected ${withPort ? 'host:port' : 'an address without a port'}, got "${v}"`);
}

/** Parses and validates a cluster file's text. Relative directories are resolved against the file's folder. */
export function parseClusterConfig(text: string, file = ''): ClusterConfig {
  const r = new Reader(file);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return r.fail('', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const base = file ? dirname(resolve(file)) : process.cwd();
  const top = r.object(raw, '', [
    'hosts',
    'checkpointServer',
    'ports',
    'ring',
    'allowedExecutableDirs',
    'stateDir',
    'timings',
  ]);

  const hosts = r.list(top.hosts, 'hosts').map((h, i) => {
    const o = r.object(h, `hosts[${i}]`, ['name', 'address']);
    const name = r.string(o.name, `hosts[${i}].name`);
    if (!NAME.test(name)) r.fail(`hosts[${i}].name`, `"${name}" may use only letters, digits, _ . -`);
    const address = r.string(o.address, `hosts[${i}].address`);
    checkAddress(r, address, `hosts[${i}].address`, false);
    return { name, address };
  });
  if (hosts.length === 0) r.fail('hosts', 'at least one host is needed');
  const names = hosts.map((h) => h.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) r.fail(`hosts[${i}].name`, `host "${n}" is listed twice`);
  });

  const cs = r.object(top.checkpointServer, 'checkpointServer', ['address', 'dataDir']);
  const csAddress = r.string(cs.address, 'checkpointServer.address');
  checkAddress(r, csAddress, 'checkpointServer.address', true);
  const dataDir = resolve(base, r.string(cs.dataDir ?? 'checkpoint-data', 'checkpointServer.dataDir'));

  const portsRaw = top.ports === undefined ? {} : r.object(top.ports, 'ports', Object.keys(DEFAULT_PORTS));
  const metricsRaw =
    portsRaw.metrics === undefined
      ? {}
      : r.object(portsRaw.metrics, 'ports.metrics', Object.keys(DEFAULT_METRICS_PORTS));
  const metrics = Object.fromEntries(
    (Object.keys(DEFAULT_METRICS_PORTS) as (keyof MetricsPorts)[]).map((k) => [
      k,
      r.optionalPort(metricsRaw[k], `ports.metrics.${k}`, DEFAULT_METRICS_PORTS[k]),
    ]),
  ) as unknown as MetricsPorts;
  const ports = {
    replicaManager: r.port(portsRaw.replicaManager, 'ports.replicaManager', DEFAULT_PORTS.replicaManager),
    watchdog: r.port(portsRaw.watchdog, 'ports.watchdog', DEFAULT_PORTS.watchdog),
    superWatchdog: r.port(portsRaw.superWatchdog, 'ports.superWatchdog', DEFAULT_PORTS.superWatchdog),
    metrics,
  };
  // A host's daemons all listen on its one address (and the Checkpoint Server may share one): every
  // port in use must differ from every other.
  const taken = new Map<number, string>([
    [ports.replicaManager, 'ports.replicaManager'],
    [ports.watchdog, 'ports.watchdog'],
    [ports.superWatchdog, 'ports.superWatchdog'],
  ]);
  if (taken.size !== 3) r.fail('ports', 'the three ports must differ');
  taken.set(Number(csAddress.slice(csAddress.lastIndexOf(':') + 1)), 'checkpointServer.address');
  for (const k of Object.keys(DEFAULT_METRICS_PORTS) as (keyof MetricsPorts)[]) {
    const p = metrics[k];
    if (p === 0) continue;
    const other = taken.get(p);
    if (other) {
      r.fail(
        `ports.metrics.${k}`,
        `${p} is already the port of ${other}; a host's daemons share its address, so every port must differ`,
      );
    }
    taken.set(p, `ports.metrics.${k}`);
  }

  const ring = r.list(top.ring, 'ring').map((m, i) => {
    const name = r.string(m, `ring[${i}]`);
    if (!names.includes(name)) r.fail(`ring[${i}]`, `unknown host "${name}" (hosts: ${names.join(', ')})`);
    return name;
  });
  if (ring.length === 0) r.fail('ring', 'at least one SuperWatchDog host is needed');
  ring.forEach((n, i) => {
    if (ring.indexOf(n) !== i) r.fail(`ring[${i}]`, `host "${n}" is in the ring twice`);
  });

  const allowedExecutableDirs = r.list(top.allowedExecutableDirs, 'allowedExecutableDirs').map((d, i) => {
    const dir = r.string(d, `allowedExecutableDirs[${i}]`);
    return resolve(base, dir);
  });
  if (allowedExecutableDirs.length === 0) r.fail('allowedExecutableDirs', 'at least one directory is needed');

  const stateDir = resolve(base, r.string(top.stateDir ?? 'state', 'stateDir'));

  const t = top.timings === undefined ? {} : r.object(top.timings, 'timings', Object.keys(DEFAULT_TIMINGS));
  const timings = Object.fromEntries(
    (Object.keys(DEFAULT_TIMINGS) as (keyof Timings)[]).map((k) => [
      k,
      r.positiveInt(t[k], `timings.${k}`, DEFAULT_TIMINGS[k]),
    ]),
  ) as unknown as Timings;
  if (timings.hostTimeoutMs <= timings.watchdogBeatMs) {
    r.fail('timings.hostTimeoutMs', `must be longer than timings.watchdogBeatMs (${timings.watchdogBeatMs})`);
  }
  if (timings.ringTimeoutMs <= timings.ringBeatMs) {
    r.fail('timings.ringTimeoutMs', `must be longer than timings.ringBeatMs (${timings.ringBeatMs})`);
  }
  checkFenceFirst(r, timings);

  return {
    file: file ? resolve(file) : '',
    hosts,
    checkpointServer: { address: csAddress, dataDir },
    ports,
    ring,
    allowedExecutableDirs,
    stateDir,
    timings,
  };
}

/** The smallest fence margin accepted for a host timeout: 5 % of it (clock rates) plus 100 ms (keeper check, kill). */
function minFenceMarginMs(hostTimeoutMs: number): number {
  return Math.ceil(hostTimeoutMs * 0.05) + 100;
}

/**
 * Fence first, then fail over (DESIGN §5): a copy cut off from the primary SuperWatchDog must be gone
 * before its host can be declared dead and its role given to another copy. A copy lives at most
 * appLeaseMs past the sending of its WatchDog's last answered beat, and the primary declares the host
 * dead no earlier than hostTimeoutMs past receiving it, so appLeaseMs + fenceMarginMs < hostTimeoutMs.
 */
function checkFenceFirst(r: Reader, t: Timings): void {
  const floor = minFenceMarginMs(t.hostTimeoutMs);
  if (t.fenceMarginMs < floor) {
    r.fail(
      'timings.fenceMarginMs',
      `${t.fenceMarginMs} ms is below the floor for timings.hostTimeoutMs ${t.hostTimeoutMs}: at least ${floor} ms (5 % of the host timeout for clock rates, plus 100 ms for the keeper's check and the kill)`,
    );
  }
  if (t.appLeaseMs + t.fenceMarginMs >= t.hostTimeoutMs) {
    r.fail(
      'timings.appLeaseMs',
      `timings.appLeaseMs (${t.appLeaseMs}) + timings.fenceMarginMs (${t.fenceMarginMs}) must be below timings.hostTimeoutMs (${t.hostTimeoutMs}): a cut-off primary must be stopped before its host is declared dead and another copy takes its role; shorten the lease or lengthen the host timeout`,
    );
  }
  if (t.appLeaseMs <= t.watchdogBeatMs * 2) {
    r.fail(
      'timings.appLeaseMs',
      `${t.appLeaseMs} ms must be longer than two WatchDog beats (timings.watchdogBeatMs ${t.watchdogBeatMs}), or one lost beat stops every copy`,
    );
  }
}

export function loadClusterConfig(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read the cluster file: ${(err as NodeJS.ErrnoException).code ?? err}`,
      undefined,
      file,
    );
  }
  return parseClusterConfig(text, file);
}

/**
 * The cluster file rmctl uses: `--config`, else `$RM_CONFIG`, else `./cluster.yaml`, else the one
 * `rmd local` wrote (`./.rm-local/cluster.yaml`).
 */
export function findClusterFile(option?: string): string {
  if (option) return option;
  if (process.env.RM_CONFIG) return process.env.RM_CONFIG;
  for (const candidate of ['cluster.yaml', join('.rm-local', 'cluster.yaml')]) {
    const file = resolve(candidate);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(
    'no cluster file: pass --config FILE, set RM_CONFIG, or run where ./cluster.yaml (or .rm-local/cluster.yaml from `rmd local`) is',
  );
}

export function clusterHost(cfg: ClusterConfig, name: string): ClusterHost {
  const h = cfg.hosts.find((x) => x.name === name);
  if (!h)
    throw new ConfigError(
      `unknown host "${name}" (hosts: ${cfg.hosts.map((x) => x.name).join(', ')})`,
      '--host',
    );
  return h;
}

export const addressOf = {
  watchdog: (cfg: ClusterConfig, host: string) => `${clusterHost(cfg, host).address}:${cfg.ports.watchdog}`,
  superWatchdog: (cfg: ClusterConfig, host: string) =>
    `${clusterHost(cfg, host).address}:${cfg.ports.superWatchdog}`,
  replicaManager: (cfg: ClusterConfig, host: string) =>
    `${clusterHost(cfg, host).address}:${cfg.ports.replicaManager}`,
};

/** Where each daemon serves its Prometheus `/metrics` (`host:port`), or null when its port is 0. */
export const metricsAddressOf = {
  watchdog: (cfg: ClusterConfig, host: string) =>
    hostPort(clusterHost(cfg, host).address, cfg.ports.metrics.watchdog),
  superWatchdog: (cfg: ClusterConfig, host: string) =>
    hostPort(clusterHost(cfg, host).address, cfg.ports.metrics.superWatchdog),
  replicaManager: (cfg: ClusterConfig, host: string) =>
    hostPort(clusterHost(cfg, host).address, cfg.ports.metrics.replicaManager),
  checkpointServer: (cfg: ClusterConfig) =>
    hostPort(
      cfg.checkpointServer.address.slice(0, cfg.checkpointServer.address.lastIndexOf(':')),
      cfg.ports.metrics.checkpointServer,
    ),
};

function hostPort(address: string, port: number): string | null {
  return port === 0 ? null : `${address}:${port}`;
}

/** A host's own state folder. */
export function hostStateDir(cfg: ClusterConfig, host: string): string {
  return resolve(cfg.stateDir, host);
}
