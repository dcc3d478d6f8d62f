/**
 * rmctl's commands against a running cluster: register, unregister, status, hosts, ring. Each returns
 * its exit code; what it prints goes through `out`/`err` so that tests can read it.
 */

import { readFileSync } from 'node:fs';
import Table from 'cli-table3';
import { formatTable } from '../replica-manager/format.js';
import { moduleFromProto, moduleToProto, tableFromProto } from '../replica-manager/proto-convert.js';
import type { Check, CheckKind, ModuleSpec, ReplicaTable } from '../replica-manager/table.js';
import { parseModuleSpec, tableToPlain } from '../replica-manager/table-file.js';
import { findClusterFile, loadClusterConfig } from '../shared/config.js';
import {
  ConfigError,
  ConflictError,
  NotFoundError,
  RegistrationError,
  StaleEpochError,
  UnavailableError,
} from '../shared/errors.js';
import type { StatusResponse__Output } from '../shared/generated/rm/replica_manager/v1/StatusResponse.js';
import { unary } from '../shared/grpc.js';
import { ClusterClient } from './cluster-client.js';
import { ExitCode } from './exit-codes.js';

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
  if (err instanceof RegistrationError || err instanceof ConfigError) return ExitCode.badInput;
  if (err instanceof NotFoundError) return ExitCode.notFound;
  if (err instanceof UnavailableError) return ExitCode.unavailable;
  if (err instanceof StaleEpochError || err instanceof ConflictError) return ExitCode.refused;
  return ExitCode.failure;
}

async function withCluster<T>(
  configOpt: string | undefined,
  fn: (c: ClusterClient) => Promise<T>,
): Promise<T> {
  const cfg = loadClusterConfig(findClusterFile(configOpt));
  const client = new ClusterClient(cfg);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
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

/** Builds a module spec from rmctl's flags, or reads it from `-f FILE` (TABLE-FORMAT.md, one module). */
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

function renderStatus(res: StatusResponse__Output, json: boolean): string {
  const table: ReplicaTable = tableFromProto(res.table!);
  if (json)
    return JSON.stringify(
      { ...tableToPlain(table), epoch: Number(res.epoch), manager: res.manager_host },
      null,
      2,
    );
  const short = table.modules.filter((m) => m.underReplicated).map((m) => m.name);
  const down = table.hosts.filter((h) => !h.up).map((h) => h.name);
  return [
    `ReplicaManager on ${res.manager_host}, epoch ${res.epoch}`,
    formatTable(table),
    down.length ? `hosts down: ${down.join(', ')}` : '',
    short.length ? `under-replicated: ${short.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export async function statusCommand(
  name: string | undefined,
  flags: { config?: string; json?: boolean; watch?: boolean },
  io: Io = stdio,
  signal?: AbortSignal,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const rm = await c.manager();
      if (!flags.watch) {
        const res = await unary(
          rm.client,
          rm.client.Status,
          { module: name ?? '' },
          c.deadlineMs,
          'ReplicaManager',
        );
        io.out(renderStatus(res, !!flags.json));
        return ExitCode.ok;
      }
      // Streams the table after every change until interrupted or the manager goes away.
      const stream = rm.client.WatchStatus({ module: name ?? '' });
      const clear = process.stdout.isTTY && io === stdio && !flags.json;
      return await new Promise<number>((resolve) => {
        signal?.addEventListener('abort', () => stream.cancel());
        stream.on('data', (res: StatusResponse__Output) => {
          io.out(
            `${clear ? '\x1b[2J\x1b[H' : ''}${new Date().toISOString()}\n${renderStatus(res, !!flags.json)}\n`,
          );
        });
        stream.on('error', (err: Error & { code?: number }) => {
          if (err.code === 1 /* CANCELLED */) resolve(ExitCode.ok);
          else
            resolve(
              failure(io, 'status', new UnavailableError(`the ReplicaManager stream ended: ${err.message}`)),
            );
        });
        stream.on('end', () => resolve(ExitCode.ok));
      });
    });
  } catch (err) {
    return failure(io, 'status', err);
  }
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
          since: seen ? Number(seen.since_ms) : 0,
          lastBeat: seen ? Number(seen.last_beat_ms) : 0,
          copies,
        };
      });
      if (flags.json) {
        io.out(JSON.stringify(rows, null, 2));
        return ExitCode.ok;
      }
      const t = new Table({
        head: ['HOST', 'ADDRESS', 'STATE', 'SINCE', 'LAST BEAT', 'COPIES'],
        style: { head: [], border: [] },
      });
      for (const r of rows) {
        t.push([
          r.name,
          r.address,
          r.up ? 'up' : 'DOWN',
          r.since ? new Date(r.since).toISOString() : '-',
          ago(r.lastBeat),
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
      return views.some((v) => v.view) ? ExitCode.ok : ExitCode.unavailable;
    });
  } catch (err) {
    return failure(io, 'ring', err);
  }
}
