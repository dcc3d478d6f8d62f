/**
 * rmctl's commands against a running cluster: register, unregister, status, hosts, ring. Each returns
 * its exit code; what it prints goes through `out`/`err` so that tests can read it.
 */

import { existsSync, readFileSync } from 'node:fs';
import Table from 'cli-table3';
import { InvalidRequestError } from '../checkpoint-server/store.js';
import type { AppliedPosition, Check, CheckKind, ModuleSpec, ReplicaTable } from '../model/table.js';
import { moduleFromProto, moduleToProto, tableFromProto } from '../replica-manager/proto-convert.js';
import { parseModuleSpec, tableToPlain } from '../replica-manager/table-file.js';
import { type ClusterConfig, findClusterFile, loadClusterConfig } from '../shared/config.js';
import {
  ConfigError,
  ConflictError,
  MaintenanceError,
  NotFoundError,
  PermissionError,
  RegistrationError,
  StaleEpochError,
  TlsError,
  UnauthenticatedError,
  UnavailableError,
} from '../shared/errors.js';
import type { StatusResponse__Output } from '../shared/generated/rm/replica_manager/v1/StatusResponse.js';
import { Transport, unary } from '../shared/grpc.js';
import { identityFiles, isRole } from '../shared/tls.js';
import { positionFromWire } from '../shared/wire.js';
import { ClusterClient, type ManagerHandle } from './cluster-client.js';
import { ExitCode } from './exit-codes.js';
import { formatTable, positionsWithLag } from './format.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/** The exit code for an error, and one line saying what went wrong. */
export function failure(io: Io, command: string, err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  io.err(`rmctl ${command}: ${message}`);
  if (
    err instanceof RegistrationError ||
    err instanceof ConfigError ||
    err instanceof InvalidRequestError ||
    err instanceof TlsError ||
    err instanceof MaintenanceError
  ) {
    return ExitCode.badInput;
  }
  if (err instanceof PermissionError || err instanceof UnauthenticatedError) return ExitCode.refused;
  if (err instanceof NotFoundError) return ExitCode.notFound;
  if (err instanceof UnavailableError) return ExitCode.unavailable;
  if (err instanceof StaleEpochError || err instanceof ConflictError) return ExitCode.refused;
  return ExitCode.failure;
}

export async function withCluster<T>(
  configOpt: string | undefined,
  fn: (c: ClusterClient) => Promise<T>,
): Promise<T> {
  const cfg = loadClusterConfig(findClusterFile(configOpt));
  const transport = operatorTransport(cfg);
  const client = new ClusterClient(cfg, cfg.timings.rpcDeadlineMs, transport);
  try {
    return await fn(client);
  } finally {
    client.close();
    transport.close();
  }
}

/**
 * The identity rmctl acts as: the certificate named by --cert or $RM_CERT (a file base in the
 * cluster's certificate folder, e.g. operator, viewer, operator-alice), else operator.crt when it is
 * there, else viewer.crt. Plaintext in an insecure cluster.
 */
export function operatorTransport(cfg: ClusterConfig): Transport {
  if (cfg.tls.insecure) return Transport.insecure(cfg.name);
  let base = process.env.RM_CERT ?? '';
  if (!base) {
    base = existsSync(identityFiles(cfg.tls.dir, 'operator').cert) ? 'operator' : 'viewer';
  }
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(base))
    throw new TlsError(`--cert: "${base.slice(0, 80)}" is not a file name`);
  const role = base.split('-')[0] ?? '';
  const files = {
    ...identityFiles(cfg.tls.dir, 'operator'),
    cert: `${cfg.tls.dir}/${base}.crt`,
    key: `${cfg.tls.dir}/${base}.key`,
  };
  if (!isRole(role)) throw new TlsError(`--cert: "${base}" does not start with a role (operator, viewer…)`);
  return Transport.fromFiles(cfg, files);
}

export interface RegisterFlags {
  config?: string;
  file?: string;
  style?: string;
  degree?: string;
  policy?: string;
  threshold?: string;
  replica?: string[];
  detect?: string;
  interval?: string;
  timeout?: string;
  check?: string;
  checkCommand?: string;
  arg?: string[];
  env?: string[];
  user?: string;
  group?: string;
  copyCat?: boolean;
  maxOutOfSync?: string;
  json?: boolean;
}

function int(value: string, flag: string): number {
  if (!/^-?\d+$/.test(value)) throw new RegistrationError(`expected a whole number, got "${value}"`, flag);
  return Number(value);
}

/** `--check KIND[:PORT[/PATH]]`, e.g. `sdk`, `tcp:8080`, `http:8080/healthz`, `grpc:50051`, `exec`. */
export function parseCheckFlag(value: string, command?: string): Check {
  const m = /^([a-z]+)(?::(\d+)(\/.*)?)?$/.exec(value);
  if (!m)
    throw new RegistrationError(
      `expected KIND[:PORT[/PATH]] (e.g. tcp:8080, http:8080/healthz), got "${value}"`,
      '--check',
    );
  const check: Check = { kind: m[1] as CheckKind };
  if (m[2]) check.port = Number(m[2]);
  if (m[3]) check.path = m[3];
  if (command) check.command = command.split(/\s+/).filter(Boolean);
  return check;
}

/** Builds a module spec from rmctl's flags, or reads it from `-f FILE` (docs/TABLE-FORMAT.md, one module). */
export function specFromFlags(name: string | undefined, f: RegisterFlags): ModuleSpec {
  if (f.file) {
    if (name)
      throw new RegistrationError(
        'give the module either as NAME with flags or as -f FILE, not both',
        'NAME',
      );
    let text: string;
    try {
      text = readFileSync(f.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`, undefined, f.file);
    }
    return parseModuleSpec(text, f.file);
  }
  if (!name) throw new RegistrationError('a module NAME (or -f FILE) is needed', 'NAME');
  for (const [flag, v] of [
    ['--style', f.style],
    ['--degree', f.degree],
    ['--policy', f.policy],
  ] as const) {
    if (v === undefined) throw new RegistrationError('is required (or give -f FILE)', flag);
  }
  if (!f.replica || f.replica.length === 0) {
    throw new RegistrationError('at least one --replica HOST:/path/to/executable is required', '--replica');
  }
  const spec: ModuleSpec = {
    name,
    style: f.style as ModuleSpec['style'],
    degree: int(f.degree!, '--degree'),
    policy: f.policy as ModuleSpec['policy'],
    replicas: f.replica.map((r) => {
      const i = r.indexOf(':');
      if (i <= 0) throw new RegistrationError(`expected HOST:/path/to/executable, got "${r}"`, '--replica');
      return { host: r.slice(0, i), path: r.slice(i + 1) };
    }),
  };
  if (f.threshold !== undefined) spec.threshold = int(f.threshold, '--threshold');
  if (f.detect !== undefined) spec.detect = f.detect as ModuleSpec['detect'];
  if (f.interval !== undefined) spec.intervalMs = int(f.interval, '--interval');
  if (f.timeout !== undefined) spec.timeoutMs = int(f.timeout, '--timeout');
  if (f.check !== undefined) spec.check = parseCheckFlag(f.check, f.checkCommand);
  if (f.arg && f.arg.length > 0) spec.args = f.arg;
  if (f.env && f.env.length > 0) {
    spec.env = Object.fromEntries(
      f.env.map((kv) => {
        const i = kv.indexOf('=');
        if (i <= 0) throw new RegistrationError(`expected KEY=VALUE, got "${kv}"`, '--env');
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  if (f.user !== undefined) spec.user = f.user;
  if (f.group !== undefined) spec.group = f.group;
  if (f.copyCat) spec.copyCat = true;
  if (f.maxOutOfSync !== undefined) spec.maxOutOfSyncMs = int(f.maxOutOfSync, '--max-out-of-sync');
  return spec;
}

export async function registerCommand(
  name: string | undefined,
  flags: RegisterFlags,
  io: Io = stdio,
): Promise<number> {
  try {
    const spec = specFromFlags(name, flags);
    return await withCluster(flags.config, async (c) => {
      const rm = await c.manager();
      const res = await unary(
        rm.client,
        rm.client.Register,
        { module: moduleToProto(spec), running_on: '' },
        c.deadlineMs,
        'ReplicaManager',
      );
      const module = moduleFromProto(res.module!);
      if (flags.json) io.out(JSON.stringify(module, null, 2));
      else {
        const placed = module.replicas.map((r) => `${r.id} ${r.status} on ${r.host}`).join(', ');
        io.out(`registered ${module.name} (${module.style}, degree ${module.degree}): ${placed}`);
      }
      // Registered all the same: a copy that cannot start there is a refused start, handled then.
      for (const u of res.unchecked) {
        io.err(
          `rmctl register: not checked on ${u.host} (${u.reason}): a copy that cannot start there is handled as a failed start`,
        );
      }
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'register', err);
  }
}

export async function unregisterCommand(
  name: string,
  flags: { config?: string },
  io: Io = stdio,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const rm = await c.manager();
      await unary(rm.client, rm.client.Unregister, { name }, c.deadlineMs, 'ReplicaManager');
      io.out(`unregistered ${name}: its copies are being stopped`);
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'unregister', err);
  }
}

export function renderStatus(res: StatusResponse__Output, json: boolean): string {
  const table: ReplicaTable = tableFromProto(res.table!);
  const applied: Record<string, AppliedPosition> = {};
  for (const [id, p] of Object.entries(res.applied ?? {})) {
    const at = positionFromWire(p);
    if (at) applied[id] = at;
  }
  if (json)
    return JSON.stringify(
      {
        ...tableToPlain(table),
        epoch: Number(res.epoch),
        manager: res.manager_host,
        applied: positionsWithLag(table, applied),
      },
      null,
      2,
    );
  const short = table.modules.filter((m) => m.underReplicated).map((m) => m.name);
  const down = table.hosts.filter((h) => !h.up).map((h) => h.name);
  return [
    `ReplicaManager on ${res.manager_host}, epoch ${res.epoch}`,
    formatTable(table, applied),
    down.length ? `hosts down: ${down.join(', ')}` : '',
    short.length ? `under-replicated: ${short.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export async function statusCommand(
  name: string | undefined,
  flags: { config?: string; json?: boolean; watch?: boolean; retryForMs?: number },
  io: Io = stdio,
  signal?: AbortSignal,
): Promise<number> {
  try {
    if (flags.watch) return await watchStatus(name, flags, io, signal);
    return await withCluster(flags.config, async (c) => {
      const rm = await c.manager();
      const res = await unary(
        rm.client,
        rm.client.Status,
        { module: name ?? '' },
        c.deadlineMs,
        'ReplicaManager',
      );
      io.out(renderStatus(res, !!flags.json));
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'status', err);
  }
}

/** How long `status --watch` looks for a ReplicaManager after its stream ended, by default. */
export const WATCH_RETRY_FOR_MS = 60_000;
const WATCH_BACKOFF_FIRST_MS = 200;
const WATCH_BACKOFF_MAX_MS = 2000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The acting ReplicaManager, asked again with a capped back-off until one answers with an epoch no
 * lower than `minEpoch` (an older one is fenced), for at most `retryForMs`: the last error when that
 * ran out, null when `signal` was aborted. `onRetry` is called once, after the first failed attempt.
 */
async function findManager(
  cfg: ClusterConfig,
  minEpoch: number,
  retryForMs: number,
  onRetry: () => void,
  signal?: AbortSignal,
): Promise<{ client: ClusterClient; rm: ManagerHandle } | { lastError: string } | null> {
  const until = Date.now() + retryForMs;
  let backoff = WATCH_BACKOFF_FIRST_MS;
  let lastError = '';
  for (let attempt = 0; attempt < 10_000 && !signal?.aborted; attempt++) {
    const client = new ClusterClient(cfg, cfg.timings.rpcDeadlineMs, operatorTransport(cfg));
    try {
      const rm = await client.manager();
      if (rm.epoch >= minEpoch) return { client, rm };
      lastError = `only a fenced ReplicaManager answered (on ${rm.host}, epoch ${rm.epoch} < ${minEpoch})`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    client.close();
    if (attempt === 0) onRetry();
    if (Date.now() + backoff > until) return { lastError };
    await sleep(backoff, signal);
    backoff = Math.min(backoff * 2, WATCH_BACKOFF_MAX_MS);
  }
  return null;
}

/**
 * `status --watch`: the table after every change, from whichever ReplicaManager acts. When its stream
 * ends (its host died, a fail-over, a restart) the acting manager is looked for again and followed,
 * saying so in one line; only Ctrl-C ends the watch, or no manager answering for `retryForMs`.
 */
async function watchStatus(
  name: string | undefined,
  flags: { config?: string; json?: boolean; retryForMs?: number },
  io: Io,
  signal?: AbortSignal,
): Promise<number> {
  const cfg = loadClusterConfig(findClusterFile(flags.config));
  const retryForMs = flags.retryForMs ?? WATCH_RETRY_FOR_MS;
  const json = !!flags.json;
  const clear = process.stdout.isTTY && io === stdio && !json;
  let lost: { host: string; epoch: number; reason: string } | null = null;
  let banner = '';
  for (let round = 0; round < 100_000 && !signal?.aborted; round++) {
    const found = await findManager(
      cfg,
      lost?.epoch ?? 0,
      lost ? retryForMs : 0,
      () => {
        if (lost)
          io.err(
            `rmctl status: the ReplicaManager on ${lost.host} went away (${lost.reason}); none answers yet, retrying for up to ${Math.round(retryForMs / 1000)} s`,
          );
      },
      signal,
    );
    if (found === null) return ExitCode.ok; // Ctrl-C while looking
    if ('lastError' in found) {
      const why = lost
        ? `no ReplicaManager answered for ${Math.round(retryForMs / 1000)} s after the one on ${lost.host} went away: `
        : '';
      return failure(io, 'status', new UnavailableError(`${why}${found.lastError}`));
    }
    const { client, rm } = found;
    if (name) {
      // An unknown (or meanwhile unregistered) module is an answer, not a manager going away.
      try {
        await unary(rm.client, rm.client.Status, { module: name }, client.deadlineMs, 'ReplicaManager');
      } catch (err) {
        client.close();
        if (err instanceof NotFoundError) return failure(io, 'status', err);
        lost = { host: rm.host, epoch: rm.epoch, reason: (err as Error).message };
        continue;
      }
    }
    if (lost) {
      const notice =
        rm.host === lost.host && rm.epoch === lost.epoch
          ? `following the ReplicaManager on ${rm.host} again (epoch ${rm.epoch}): its stream had ended (${lost.reason})`
          : `following the new ReplicaManager on ${rm.host}, epoch ${rm.epoch}: the one on ${lost.host} (epoch ${lost.epoch}) went away (${lost.reason})`;
      io.err(`rmctl status: ${notice}`);
      banner = clear ? `${notice}\n` : '';
    }
    const ended = await new Promise<{ cancelled: true } | { reason: string }>((resolve) => {
      const stream = rm.client.WatchStatus({ module: name ?? '' });
      const onAbort = () => stream.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (r: { cancelled: true } | { reason: string }) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      stream.on('data', (res: StatusResponse__Output) => {
        io.out(
          `${clear ? '\x1b[2J\x1b[H' : ''}${new Date().toISOString()}\n${banner}${renderStatus(res, json)}\n`,
        );
      });
      stream.on('error', (err: Error & { code?: number }) => {
        if (err.code === 1 /* CANCELLED */ && signal?.aborted) done({ cancelled: true });
        else done({ reason: err.message });
      });
      stream.on('end', () => done(signal?.aborted ? { cancelled: true } : { reason: 'the stream ended' }));
    });
    client.close();
    if ('cancelled' in ended) return ExitCode.ok;
    lost = { host: rm.host, epoch: rm.epoch, reason: ended.reason };
  }
  return ExitCode.ok;
}

function ago(ms: number): string {
  if (!ms) return '-';
  const s = Math.max(0, (Date.now() - ms) / 1000);
  return s < 120 ? `${s.toFixed(1)} s ago` : `${Math.round(s / 60)} min ago`;
}

export async function hostsCommand(
  flags: { config?: string; json?: boolean },
  io: Io = stdio,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const rm = await c.manager();
      const table = tableFromProto(rm.status.table!);
      const view = await c.hostsView();
      const rows = table.hosts.map((h) => {
        const seen = view?.hosts.find((x) => x.name === h.name);
        const copies = table.modules
          .flatMap((m) => m.replicas)
          .filter((r) => r.host === h.name && r.status !== 'I')
          .map((r) => `${r.id}(${r.status})`);
        return {
          name: h.name,
          address: c.cfg.hosts.find((x) => x.name === h.name)?.address ?? '',
          up: h.up,
          drained: !!h.drained,
          since: seen ? Number(seen.since_ms) : 0,
          lastBeat: seen ? Number(seen.last_beat_ms) : 0,
          load: seen?.load
            ? {
                loadPerCpu: seen.load.load_per_cpu,
                memoryUsed: seen.load.memory_used,
                copies: seen.load.copies,
              }
            : null,
          copies,
        };
      });
      if (flags.json) {
        io.out(JSON.stringify(rows, null, 2));
        return ExitCode.ok;
      }
      const t = new Table({
        head: ['HOST', 'ADDRESS', 'STATE', 'SINCE', 'LAST BEAT', 'LOAD/CPU', 'MEM', 'COPIES'],
        style: { head: [], border: [] },
      });
      for (const r of rows) {
        t.push([
          r.name,
          r.address,
          `${r.up ? 'up' : 'DOWN'}${r.drained ? ' (drained)' : ''}`,
          r.since ? new Date(r.since).toISOString() : '-',
          ago(r.lastBeat),
          r.load ? r.load.loadPerCpu.toFixed(2) : '-',
          r.load ? `${Math.round(r.load.memoryUsed * 100)}%` : '-',
          r.copies.join(' ') || '-',
        ]);
      }
      io.out(t.toString());
      if (!view) io.out('(no primary SuperWatchDog answered: since/last beat unknown)');
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'hosts', err);
  }
}

export async function ringCommand(
  flags: { config?: string; json?: boolean },
  io: Io = stdio,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const views = await c.ringViews();
      if (!views.some((v) => v.view)) {
        const tried = views.map((v) => `${v.host} ${v.address}: ${v.error}`).join('; ');
        throw new UnavailableError(`no SuperWatchDog answered (${tried}); is the cluster running?`);
      }
      if (flags.json) {
        io.out(JSON.stringify(views, null, 2));
        return ExitCode.ok;
      }
      const t = new Table({
        head: ['MEMBER', 'ANSWERS', 'ROLE', 'PRIMARY IT KNOWS', 'EPOCH', 'ITS VIEW OF THE RING'],
        style: { head: [], border: [] },
      });
      for (const v of views) {
        if (!v.view) {
          t.push([v.host, 'no', '-', '-', '-', v.error ?? '']);
          continue;
        }
        const members = v.view.members
          .map(
            (m) =>
              `${m.name}:${m.live ? 'live' : 'dead'}${m.last_beat_ms && Number(m.last_beat_ms) ? ` (${ago(Number(m.last_beat_ms))})` : ''}`,
          )
          .join(' ');
        t.push([
          v.host,
          'yes',
          v.view.primary === v.host ? 'primary' : 'backup',
          v.view.primary || '?',
          v.view.epoch,
          members,
        ]);
      }
      io.out(t.toString());
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'ring', err);
  }
}
