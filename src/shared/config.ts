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

/** Transport security (DESIGN §9): mutual TLS unless `insecure: true`. */
export interface TlsSettings {
  /** Plaintext, no authentication, no authorization: only for a network nobody else reaches. Announced at every start. */
  insecure: boolean;
  /** The certificate folder (ca.crt, ROLE-NAME.crt/.key; see tls.ts). */
  dir: string;
  /** How often a daemon looks for renewed certificate files (rotation without a restart). */
  reloadMs: number;
}

/** What a registration may ask of the hosts beyond the defaults (DESIGN §9, least privilege). */
export interface SecuritySettings {
  /**
   * Environment variables a module may set although they change how a program is loaded or found
   * (NODE_OPTIONS, LD_*, DYLD_*, PATH…): refused unless named here.
   */
  allowedEnv: string[];
}

/** How the etcd backend reaches etcd (DESIGN §10). */
export interface EtcdConfig {
  /** `host:port` of each etcd member's client URL. */
  endpoints: string[];
  /** Every key of this cluster starts with it, so that clusters may share one etcd. */
  prefix: string;
  /** PEM files (absolute): the CA of the etcd members, and a client certificate and key if etcd asks for one. */
  tls: { ca: string; cert?: string; key?: string } | null;
  /** Bound on one store operation against etcd, retries included (default 3/4 of rpcDeadlineMs). */
  requestTimeoutMs: number;
}

export type CheckpointBackend = 'sqlite' | 'etcd';

export interface CheckpointServerConfig {
  /** sqlite: one Checkpoint Server and its file (the default); etcd: stateless Checkpoint Servers over etcd. */
  backend: CheckpointBackend;
  /** The first of `addresses` (the only one with sqlite). */
  address: string;
  /** Every Checkpoint Server, `host:port`; clients fail over between them in this order. */
  addresses: string[];
  /** sqlite only: the folder of checkpoint.db. */
  dataDir: string;
  /** etcd only. */
  etcd: EtcdConfig | null;
}

export interface ClusterConfig {
  /** The file it was read from (empty when parsed from text). */
  file: string;
  /** The cluster's name, in every certificate's identity (rm://NAME/ROLE/HOST). */
  name: string;
  tls: TlsSettings;
  security: SecuritySettings;
  hosts: ClusterHost[];
  checkpointServer: CheckpointServerConfig;
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
  /** On the host part of each Checkpoint Server's address (`checkpointServer.address` or `addresses`). */
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
    'name',
    'insecure',
    'tls',
    'security',
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
  const checkpointServer = readCheckpointServer(r, top.checkpointServer, base, timings);
  // The metrics ports differ from those and from every Checkpoint Server's (it may share a host's address).
  checkpointServer.addresses.forEach((a, i) => {
    const field =
      checkpointServer.backend === 'sqlite' ? 'checkpointServer.address' : `checkpointServer.addresses[${i}]`;
    taken.set(Number(a.slice(a.lastIndexOf(':') + 1)), field);
  });
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

  const name = top.name === undefined ? 'cluster' : r.string(top.name, 'name');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    r.fail('name', `"${name.slice(0, 64)}" may use only letters, digits, _ . - (at most 64)`);
  if (top.insecure !== undefined && typeof top.insecure !== 'boolean')
    r.fail('insecure', `expected true or false, got ${JSON.stringify(top.insecure)}`);
  const tlsRaw = top.tls === undefined ? {} : r.object(top.tls, 'tls', ['dir', 'reloadMs']);
  const tls: TlsSettings = {
    insecure: top.insecure === true,
    dir: resolve(base, tlsRaw.dir === undefined ? 'certs' : r.string(tlsRaw.dir, 'tls.dir')),
    reloadMs: r.positiveInt(tlsRaw.reloadMs, 'tls.reloadMs', 5000),
  };
  const secRaw = top.security === undefined ? {} : r.object(top.security, 'security', ['allowedEnv']);
  const security: SecuritySettings = {
    allowedEnv:
      secRaw.allowedEnv === undefined
        ? []
        : r
            .list(secRaw.allowedEnv, 'security.allowedEnv')
            .map((v, i) => r.string(v, `security.allowedEnv[${i}]`)),
  };

  return {
    file: file ? resolve(file) : '',
    name,
    tls,
    security,
    hosts,
    checkpointServer,
    ports,
    ring,
    allowedExecutableDirs,
    stateDir,
    timings,
  };
}

function hostPorts(r: Reader, v: unknown, field: string): string[] {
  const list = r.list(v, field).map((a, i) => {
    const address = r.string(a, `${field}[${i}]`);
    checkAddress(r, address, `${field}[${i}]`, true);
    return address;
  });
  if (list.length === 0) r.fail(field, 'at least one host:port is needed');
  list.forEach((a, i) => {
    if (list.indexOf(a) !== i) r.fail(`${field}[${i}]`, `"${a}" is listed twice`);
  });
  return list;
}

/** `checkpointServer`: the backend, where the Checkpoint Servers listen, and the backend's own settings. */
function readCheckpointServer(r: Reader, v: unknown, base: string, timings: Timings): CheckpointServerConfig {
  const cs = r.object(v, 'checkpointServer', ['backend', 'address', 'addresses', 'dataDir', 'etcd']);
  const backend = cs.backend ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'etcd') {
    r.fail('checkpointServer.backend', `expected sqlite or etcd, got ${JSON.stringify(backend)}`);
  }
  if (cs.address !== undefined && cs.addresses !== undefined) {
    r.fail(
      'checkpointServer.addresses',
      'give address (one Checkpoint Server) or addresses (a list), not both',
    );
  }
  let addresses: string[];
  if (cs.addresses !== undefined) {
    addresses = hostPorts(r, cs.addresses, 'checkpointServer.addresses');
  } else {
    const address = r.string(cs.address, 'checkpointServer.address');
    checkAddress(r, address, 'checkpointServer.address', true);
    addresses = [address];
  }
  if (backend === 'sqlite' && addresses.length > 1) {
    r.fail(
      'checkpointServer.addresses',
      `the sqlite backend is one Checkpoint Server with one file, got ${addresses.length} addresses; list one, or use backend: etcd to run several`,
    );
  }
  const dataDir = resolve(base, r.string(cs.dataDir ?? 'checkpoint-data', 'checkpointServer.dataDir'));
  let etcd: EtcdConfig | null = null;
  if (backend === 'sqlite' && cs.etcd !== undefined) {
    r.fail('checkpointServer.etcd', 'only with backend: etcd (the backend is sqlite)');
  }
  if (backend === 'etcd') {
    if (cs.etcd === undefined) {
      r.fail(
        'checkpointServer.etcd',
        'required with backend: etcd (endpoints, and optionally prefix, tls, requestTimeoutMs)',
      );
    }
    const e = r.object(cs.etcd, 'checkpointServer.etcd', ['endpoints', 'prefix', 'tls', 'requestTimeoutMs']);
    const endpoints = hostPorts(r, e.endpoints, 'checkpointServer.etcd.endpoints');
    const prefix =
      e.prefix === undefined ? 'replica-manager/' : r.string(e.prefix, 'checkpointServer.etcd.prefix');
    let tls: EtcdConfig['tls'] = null;
    if (e.tls !== undefined) {
      const t = r.object(e.tls, 'checkpointServer.etcd.tls', ['ca', 'cert', 'key']);
      const ca = resolve(base, r.string(t.ca, 'checkpointServer.etcd.tls.ca'));
      if ((t.cert === undefined) !== (t.key === undefined)) {
        r.fail(
          `checkpointServer.etcd.tls.${t.cert === undefined ? 'cert' : 'key'}`,
          'a client certificate needs both cert and key (or neither, when etcd does not ask for one)',
        );
      }
      tls =
        t.cert === undefined
          ? { ca }
          : {
              ca,
              cert: resolve(base, r.string(t.cert, 'checkpointServer.etcd.tls.cert')),
              key: resolve(base, r.string(t.key, 'checkpointServer.etcd.tls.key')),
            };
    }
    const fallback = Math.max(200, Math.floor((timings.rpcDeadlineMs * 3) / 4));
    const requestTimeoutMs = r.positiveInt(
      e.requestTimeoutMs,
      'checkpointServer.etcd.requestTimeoutMs',
      fallback,
    );
    if (requestTimeoutMs >= timings.rpcDeadlineMs) {
      r.fail(
        'checkpointServer.etcd.requestTimeoutMs',
        `${requestTimeoutMs} ms must be below timings.rpcDeadlineMs (${timings.rpcDeadlineMs}), so that a Checkpoint Server answers "unavailable" before its callers give up`,
      );
    }
    etcd = { endpoints, prefix, tls, requestTimeoutMs };
  }
  return { backend, address: addresses[0] as string, addresses, dataDir, etcd };
}

/**
 * The address the Checkpoint Server of `host` binds: with one address, that one (the sqlite
 * backend's server may run on a host of its own); with several, the one on the host's address.
 */
export function checkpointServerAddressOf(cfg: ClusterConfig, host: string): string {
  const cs = cfg.checkpointServer;
  if (cs.addresses.length === 1) return cs.address;
  const ip = clusterHost(cfg, host).address;
  const mine = cs.addresses.find((a) => a.slice(0, a.lastIndexOf(':')) === ip);
  if (!mine) {
    throw new ConfigError(
      `no Checkpoint Server address on host "${host}" (${ip}); listed: ${cs.addresses.join(', ')}`,
      'checkpointServer.addresses',
    );
  }
  return mine;
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
