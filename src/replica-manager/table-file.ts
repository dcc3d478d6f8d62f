/**
 * The replica table as a file (docs/TABLE-FORMAT.md): YAML or JSON with the same keys. Reading checks the
 * shape (unknown keys are an error, with their path), then the rules (validate.ts); any problem is one
 * ConfigError naming the file, the field and the value. Writing gives the same keys in FIG. 2's order.
 */
import { parse as parseYaml } from 'yaml';
import type {
  Check,
  Host,
  Module,
  ModuleSpec,
  Replica,
  ReplicaSpec,
  ReplicaTable,
  Role,
} from '../model/table.js';
import { ConfigError, RegistrationError } from '../shared/errors.js';
import { validateRegistration, validateTable } from './validate.js';

type Plain = Record<string, unknown>;

class Shape {
  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new ConfigError(message, field || undefined, this.file);
  }

  object(v: unknown, field: string, keys: readonly string[], required: readonly string[] = []): Plain {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      this.fail(field, `expected a mapping (key: value), got ${kind(v)}`);
    const o = v as Plain;
    for (const k of Object.keys(o)) {
      if (!keys.includes(k))
        this.fail(field ? `${field}.${k}` : k, `unknown key "${k}"; accepted here: ${keys.join(', ')}`);
    }
    for (const k of required) {
      if (o[k] === undefined || o[k] === null) this.fail(field ? `${field}.${k}` : k, 'is required');
    }
    return o;
  }

  list(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `expected a list, got ${kind(v)}`);
    return v;
  }

  string(v: unknown, field: string): string {
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${kind(v)}`);
    return v;
  }

  number(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a number, got ${kind(v)}`);
    return v;
  }

  boolean(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${kind(v)}`);
    return v;
  }
}

function kind(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function parseText(text: string, file: string): unknown {
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new ConfigError(`not valid YAML or JSON: ${first}`, undefined, file);
  }
}

const MODULE_KEYS = [
  'name',
  'style',
  'degree',
  'policy',
  'threshold',
  'detect',
  'intervalMs',
  'timeoutMs',
  'check',
  'args',
  'env',
  'user',
  'group',
  'servicePort',
  'maxLagOnFailover',
  'copyCat',
  'maxOutOfSyncMs',
  'replicas',
];

/** The settings shared by a table's module and a registration, read with their paths. */
function readSettings(s: Shape, o: Plain, at: string): Omit<ModuleSpec, 'replicas'> {
  const m: Omit<ModuleSpec, 'replicas'> = {
    name: s.string(o.name, `${at}name`),
    style: s.string(o.style, `${at}style`) as ModuleSpec['style'],
    degree: s.number(o.degree, `${at}degree`),
    policy: s.string(o.policy, `${at}policy`) as ModuleSpec['policy'],
  };
  if (o.threshold !== undefined) m.threshold = s.number(o.threshold, `${at}threshold`);
  if (o.detect !== undefined) m.detect = s.string(o.detect, `${at}detect`) as ModuleSpec['detect'];
  if (o.intervalMs !== undefined) m.intervalMs = s.number(o.intervalMs, `${at}intervalMs`);
  if (o.timeoutMs !== undefined) m.timeoutMs = s.number(o.timeoutMs, `${at}timeoutMs`);
  if (o.check !== undefined) {
    const c = s.object(o.check, `${at}check`, ['kind', 'port', 'path', 'command'], ['kind']);
    const check: Check = { kind: s.string(c.kind, `${at}check.kind`) as Check['kind'] };
    if (c.port !== undefined) check.port = s.number(c.port, `${at}check.port`);
    if (c.path !== undefined) check.path = s.string(c.path, `${at}check.path`);
    if (c.command !== undefined)
      check.command = s
        .list(c.command, `${at}check.command`)
        .map((x, i) => s.string(x, `${at}check.command[${i}]`));
    m.check = check;
  }
  if (o.args !== undefined)
    m.args = s.list(o.args, `${at}args`).map((x, i) => s.string(x, `${at}args[${i}]`));
  if (o.env !== undefined) {
    const e = s.object(o.env, `${at}env`, Object.keys((o.env as Plain) ?? {}));
    m.env = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, s.string(v, `${at}env.${k}`)]));
  }
  if (o.user !== undefined) m.user = s.string(o.user, `${at}user`);
  if (o.group !== undefined) m.group = s.string(o.group, `${at}group`);
  if (o.servicePort !== undefined) m.servicePort = s.number(o.servicePort, `${at}servicePort`);
  if (o.maxLagOnFailover !== undefined)
    m.maxLagOnFailover = s.number(o.maxLagOnFailover, `${at}maxLagOnFailover`);
  if (o.copyCat !== undefined) m.copyCat = s.boolean(o.copyCat, `${at}copyCat`);
  if (o.maxOutOfSyncMs !== undefined) m.maxOutOfSyncMs = s.number(o.maxOutOfSyncMs, `${at}maxOutOfSyncMs`);
  return m;
}

function rulesAsConfig<T>(file: string, at: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RegistrationError) {
      const field = err.field ? `${at}${err.field}` : at.replace(/\.$/, '') || undefined;
      throw new ConfigError(err.message.replace(`${err.field}: `, ''), field, file);
    }
    throw err;
  }
}

/** Reads a whole replica table (the file `rmctl simulate -f` takes). */
export function parseTableFile(text: string, file = 'table'): ReplicaTable {
  const s = new Shape(file);
  // epoch, manager and applied: what `rmctl status --json` adds (who answered, the copies' positions
  // then); read, not used (positions come with events, never from the table).
  const top = s.object(
    parseText(text, file),
    '',
    ['hosts', 'modules', 'epoch', 'manager', 'applied'],
    ['hosts'],
  );
  if (top.epoch !== undefined) s.number(top.epoch, 'epoch');
  if (top.manager !== undefined) s.string(top.manager, 'manager');
  const hosts: Host[] = s.list(top.hosts, 'hosts').map((h, i) => {
    const o = s.object(h, `hosts[${i}]`, ['name', 'up', 'drained'], ['name']);
    const host: Host = {
      name: s.string(o.name, `hosts[${i}].name`),
      up: o.up === undefined ? true : s.boolean(o.up, `hosts[${i}].up`),
    };
    if (o.drained !== undefined && s.boolean(o.drained, `hosts[${i}].drained`)) host.drained = true;
    return host;
  });
  const modules: Module[] = s.list(top.modules ?? [], 'modules').map((mv, mi) => {
    const at = `modules[${mi}].`;
    const o = s.object(
      mv,
      `modules[${mi}]`,
      [...MODULE_KEYS, 'underReplicated', 'generation', 'paused', 'held', 'switchover', 'lagHold'],
      ['name', 'style', 'degree', 'policy', 'replicas'],
    );
    const settings = readSettings(s, o, at);
    const replicas: Replica[] = s.list(o.replicas, `${at}replicas`).map((rv, i) => {
      const f = `${at}replicas[${i}]`;
      const r = s.object(
        rv,
        f,
        ['id', 'host', 'path', 'status', 'failures', 'streak', 'unusable'],
        ['id', 'host', 'path', 'status'],
      );
      const replica: Replica = {
        id: s.string(r.id, `${f}.id`),
        host: s.string(r.host, `${f}.host`),
        path: s.string(r.path, `${f}.path`),
        status: s.string(r.status, `${f}.status`) as Replica['status'],
        failures: r.failures === undefined ? 0 : s.number(r.failures, `${f}.failures`),
      };
      if (r.streak !== undefined) {
        const k = s.object(r.streak, `${f}.streak`, ['count', 'lastAtMs'], ['count', 'lastAtMs']);
        replica.streak = {
          count: s.number(k.count, `${f}.streak.count`),
          lastAtMs: s.number(k.lastAtMs, `${f}.streak.lastAtMs`),
        };
      }
      if (r.unusable !== undefined) replica.unusable = s.string(r.unusable, `${f}.unusable`);
      return replica;
    });
    const under =
      o.underReplicated === undefined ? false : s.boolean(o.underReplicated, `${at}underReplicated`);
    const generation = o.generation === undefined ? 0 : s.number(o.generation, `${at}generation`);
    const module: Module = {
      ...settings,
      detect: settings.detect ?? 'poll',
      replicas,
      underReplicated: under,
      ...(generation > 0 ? { generation } : {}),
    };
    readMaintenance(s, o, at, module);
    if (o.lagHold !== undefined) {
      const h = s.object(o.lagHold, `${at}lagHold`, ['seq', 'generation'], ['seq', 'generation']);
      module.lagHold = {
        seq: s.number(h.seq, `${at}lagHold.seq`),
        generation: s.number(h.generation, `${at}lagHold.generation`),
      };
    }
    return module;
  });
  const table = { hosts, modules };
  rulesAsConfig(file, '', () => validateTable(table));
  return table;
}

/** A module's maintenance keys (`paused`, `held`, `switchover`), read into `module`. */
function readMaintenance(s: Shape, o: Plain, at: string, module: Module): void {
  if (o.paused !== undefined && s.boolean(o.paused, `${at}paused`)) module.paused = true;
  if (o.held !== undefined) {
    const held = s.list(o.held, `${at}held`).map((hv, i) => {
      const f = `${at}held[${i}]`;
      const h = s.object(hv, f, ['replica', 'role'], ['replica', 'role']);
      const role = s.string(h.role, `${f}.role`);
      if (role !== 'P' && role !== 'B') s.fail(`${f}.role`, `unknown role "${role}"; accepted: P, B`);
      return { replica: s.string(h.replica, `${f}.replica`), role: role as Role };
    });
    if (held.length > 0) module.held = held;
  }
  if (o.switchover !== undefined) {
    const w = s.object(o.switchover, `${at}switchover`, ['from', 'to'], ['from', 'to']);
    module.switchover = {
      from: s.string(w.from, `${at}switchover.from`),
      to: s.string(w.to, `${at}switchover.to`),
    };
  }
}

/**
 * Reads one module to register (`rmctl register -f`): the keys of a table's module, without
 * `status` and `failures`, which the ReplicaManager assigns; `id` is optional. Only the shape is
 * checked here: the rules are the ReplicaManager's, which knows the hosts and the other modules.
 */
export function parseModuleSpec(text: string, file = 'module'): ModuleSpec {
  const s = new Shape(file);
  const o = s.object(parseText(text, file), '', MODULE_KEYS, [
    'name',
    'style',
    'degree',
    'policy',
    'replicas',
  ]);
  const settings = readSettings(s, o, '');
  const replicas: ReplicaSpec[] = s.list(o.replicas, 'replicas').map((rv, i) => {
    const f = `replicas[${i}]`;
    const r = s.object(rv, f, ['id', 'host', 'path'], ['host', 'path']);
    const spec: ReplicaSpec = { host: s.string(r.host, `${f}.host`), path: s.string(r.path, `${f}.path`) };
    if (r.id !== undefined) spec.id = s.string(r.id, `${f}.id`);
    return spec;
  });
  return { ...settings, replicas };
}

/** Checks a registration file against a table (`rmctl simulate --event register FILE`). */
export function checkRegistration(spec: ModuleSpec, table: ReplicaTable, file: string): void {
  rulesAsConfig(file, '', () => validateRegistration(spec, table));
}

/** The table with docs/TABLE-FORMAT.md's keys in its order, ready for YAML or JSON. */
export function tableToPlain(table: ReplicaTable): Plain {
  return {
    hosts: table.hosts.map((h) => ({ name: h.name, up: h.up, ...(h.drained ? { drained: true } : {}) })),
    modules: table.modules.map(moduleToPlain),
  };
}

export function moduleToPlain(m: Module): Plain {
  const o: Plain = { name: m.name, style: m.style, degree: m.degree, policy: m.policy };
  if (m.threshold !== undefined) o.threshold = m.threshold;
  o.detect = m.detect;
  if (m.intervalMs !== undefined) o.intervalMs = m.intervalMs;
  if (m.timeoutMs !== undefined) o.timeoutMs = m.timeoutMs;
  if (m.check !== undefined) o.check = { ...m.check };
  if (m.args !== undefined) o.args = [...m.args];
  if (m.env !== undefined) o.env = { ...m.env };
  if (m.user !== undefined) o.user = m.user;
  if (m.group !== undefined) o.group = m.group;
  if (m.servicePort !== undefined) o.servicePort = m.servicePort;
  if (m.maxLagOnFailover !== undefined) o.maxLagOnFailover = m.maxLagOnFailover;
  if (m.copyCat !== undefined) o.copyCat = m.copyCat;
  if (m.maxOutOfSyncMs !== undefined) o.maxOutOfSyncMs = m.maxOutOfSyncMs;
  o.replicas = m.replicas.map((r) => ({
    id: r.id,
    host: r.host,
    path: r.path,
    status: r.status,
    failures: r.failures,
    ...(r.streak ? { streak: { ...r.streak } } : {}),
    ...(r.unusable !== undefined ? { unusable: r.unusable } : {}),
  }));
  o.underReplicated = m.underReplicated;
  if (m.generation) o.generation = m.generation;
  if (m.paused) o.paused = true;
  if (m.held) o.held = m.held.map((h) => ({ ...h }));
  if (m.switchover) o.switchover = { ...m.switchover };
  if (m.lagHold) o.lagHold = { ...m.lagHold };
  return o;
}
