/**
 * Registration and table validation (DESIGN §4, TABLE-FORMAT.md). Every check throws one
 * RegistrationError naming the field (its path, e.g. `replicas[1].path`), the value, and what is
 * accepted. Nothing here changes anything: callers validate first, then apply.
 */
import { posix } from 'node:path';
import {
  CHECK_KINDS,
  type Check,
  DETECTS,
  type Module,
  type ModuleSpec,
  POLICIES,
  type ReplicaTable,
  STATUSES,
  STYLES,
} from '../model/table.js';
import { RegistrationError } from '../shared/errors.js';
import { isLoaderVariable, LIMITS, quote, SAFE_ACCOUNT } from '../shared/limits.js';

/** Module names and replica ids: a letter or digit first, then letters, digits, `_`, `.`, `-`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value in a message: a short prefix at most, control characters escaped (never printed raw). */
function show(value: unknown): string {
  if (typeof value === 'string') return quote(value, 120);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function fail(field: string, message: string): never {
  throw new RegistrationError(message, field);
}

function oneOf(field: string, value: unknown, accepted: readonly string[]): void {
  if (typeof value !== 'string' || !accepted.includes(value)) {
    fail(field, `unknown value ${show(value)}; accepted: ${accepted.join(', ')}`);
  }
}

function wholeNumber(field: string, value: unknown, min: number, what = `a whole number ≥ ${min}`): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    fail(field, `must be ${what}, got ${show(value)}`);
}

function name(field: string, value: unknown, what: string): void {
  if (typeof value !== 'string' || !NAME.test(value)) {
    fail(
      field,
      `${show(value)} is not a valid ${what}: letters, digits, "_", "." and "-", starting with a letter or digit, at most 64`,
    );
  }
}

/** An absolute, normalized path without `..` (the WatchDog runs nothing else). */
export function checkExecutablePath(field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    fail(field, `an absolute path to the executable is required, got ${show(value)}`);
  if (!value.startsWith('/'))
    fail(field, `${show(value)} is a relative path; give an absolute path (e.g. /opt/app/bin/server)`);
  if (value.split('/').includes('..')) fail(field, `${show(value)} contains ".."; give the path without it`);
  if (value.includes('\0')) fail(field, 'the path contains a NUL character');
  if (value.length > LIMITS.pathLength)
    fail(field, `the path is ${value.length} characters long; at most ${LIMITS.pathLength}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(value)) fail(field, 'the path contains a control character');
  if (posix.normalize(value) !== value && `${posix.normalize(value)}/` !== value) {
    fail(field, `${show(value)} is not a normalized path; did you mean "${posix.normalize(value)}"?`);
  }
}

function checkCheck(field: string, check: Check): void {
  oneOf(`${field}.kind`, check.kind, CHECK_KINDS);
  if (['tcp', 'http', 'grpc'].includes(check.kind)) {
    if (check.port === undefined) fail(`${field}.port`, `a ${check.kind} check needs the port to connect to`);
  }
  if (check.port !== undefined) {
    wholeNumber(`${field}.port`, check.port, 1, 'a port number between 1 and 65535');
    if (check.port > 65535)
      fail(`${field}.port`, `must be a port number between 1 and 65535, got ${check.port}`);
  }
  if (check.path !== undefined && (typeof check.path !== 'string' || !check.path.startsWith('/'))) {
    fail(`${field}.path`, `an HTTP path starting with "/" is required, got ${show(check.path)}`);
  }
  if (check.kind === 'exec') {
    if (!check.command || check.command.length === 0)
      fail(`${field}.command`, 'an exec check needs a command (an absolute executable and its arguments)');
    if (check.command.length > LIMITS.checkCommand)
      fail(`${field}.command`, `${check.command.length} words; at most ${LIMITS.checkCommand}`);
    check.command.forEach((w, i) => {
      if (typeof w !== 'string' || w.length > LIMITS.argLength)
        fail(`${field}.command[${i}]`, `must be a string of at most ${LIMITS.argLength} characters`);
    });
    checkExecutablePath(`${field}.command[0]`, check.command[0]);
  }
}

/** The settings every module has, whether registered or read from a table file. */
function checkModuleSettings(m: ModuleSpec | Module, at: string): void {
  name(`${at}name`, m.name, 'module name');
  oneOf(`${at}style`, m.style, STYLES);
  oneOf(`${at}policy`, m.policy, POLICIES);
  wholeNumber(`${at}degree`, m.degree, 1);
  if (m.policy === 'on-over-threshold') {
    if (m.threshold === undefined)
      fail(
        `${at}threshold`,
        'on-over-threshold needs a threshold (failures tolerated in place before moving)',
      );
    wholeNumber(`${at}threshold`, m.threshold, 0, 'a whole number ≥ 0');
  } else if (m.threshold !== undefined) {
    fail(
      `${at}threshold`,
      `a threshold is only accepted with policy on-over-threshold (policy is ${show(m.policy)})`,
    );
  }
  if (m.detect !== undefined) oneOf(`${at}detect`, m.detect, DETECTS);
  if (m.intervalMs !== undefined) wholeNumber(`${at}intervalMs`, m.intervalMs, 1);
  if (m.timeoutMs !== undefined) wholeNumber(`${at}timeoutMs`, m.timeoutMs, 1);
  if (m.check !== undefined) checkCheck(`${at}check`, m.check);
  if (m.args !== undefined) {
    if (!Array.isArray(m.args)) fail(`${at}args`, 'must be a list of strings');
    if (m.args.length > LIMITS.args) fail(`${at}args`, `${m.args.length} arguments; at most ${LIMITS.args}`);
    m.args.forEach((a, i) => {
      if (typeof a !== 'string') fail(`${at}args[${i}]`, `must be a string, got ${show(a)}`);
      if (a.length > LIMITS.argLength)
        fail(`${at}args[${i}]`, `${a.length} characters; at most ${LIMITS.argLength}`);
    });
  }
  for (const k of ['user', 'group'] as const) {
    const v = m[k];
    if (v !== undefined && (typeof v !== 'string' || !SAFE_ACCOUNT.test(v)))
      fail(
        `${at}${k}`,
        `${show(v)} is not a ${k} name or id: lower-case letters, digits, "_" and "-", not starting with a digit or "-", at most 32; or a number`,
      );
  }
  if (m.group !== undefined && m.user === undefined)
    fail(`${at}group`, 'a group is accepted only with a user (the copies run as that user, in that group)');
  if (m.env !== undefined && (m.env === null || typeof m.env !== 'object' || Array.isArray(m.env)))
    fail(`${at}env`, 'must be a mapping of names to strings');
  const env = Object.entries(m.env ?? {});
  if (env.length > LIMITS.envEntries)
    fail(`${at}env`, `${env.length} variables; at most ${LIMITS.envEntries}`);
  let specBytes = (m.args ?? []).reduce((n, a) => n + String(a).length, 0);
  for (const [k, v] of env) {
    const f = `${at}env.${k.slice(0, 32)}`;
    if (!ENV_KEY.test(k) || k.length > LIMITS.envNameLength)
      fail(
        f,
        `${show(k)} is not a valid environment variable name (letters, digits, _; at most ${LIMITS.envNameLength})`,
      );
    if (typeof v !== 'string') fail(f, `must be a string, got ${show(v)}`);
    if (v.length > LIMITS.envValueLength) fail(f, `${v.length} characters; at most ${LIMITS.envValueLength}`);
    specBytes += k.length + v.length;
  }
  if (specBytes > LIMITS.moduleSpecBytes)
    fail(
      `${at}env`,
      `args and env come to ${specBytes} characters; at most ${LIMITS.moduleSpecBytes} together`,
    );
  if (!Array.isArray(m.replicas) || m.replicas.length === 0)
    fail(`${at}replicas`, 'at least one replica (host and path) is required');
  if (m.replicas.length > LIMITS.replicasPerModule)
    fail(`${at}replicas`, `${m.replicas.length} replicas; at most ${LIMITS.replicasPerModule}`);
  if (m.servicePort !== undefined) {
    wholeNumber(`${at}servicePort`, m.servicePort, 1024, 'a port number from 1024');
    const last = m.servicePort + m.replicas.length;
    if (last > 65535)
      fail(
        `${at}servicePort`,
        `${m.servicePort} leaves no room for the copies' own ports (${m.servicePort + 1}–${last}, one per replica); choose a port up to ${65535 - m.replicas.length}`,
      );
  }
  if (m.maxLagOnFailover !== undefined) {
    wholeNumber(
      `${at}maxLagOnFailover`,
      m.maxLagOnFailover,
      0,
      'a whole number of messages ≥ 0 (0: only a backup level with the most advanced known position is promoted)',
    );
    if (m.style !== 'warm')
      fail(
        `${at}maxLagOnFailover`,
        `only a warm module promotes a backup at fail-over (style is ${show(m.style)}); leave maxLagOnFailover out`,
      );
  }
  if (m.copyCat !== undefined) {
    if (typeof m.copyCat !== 'boolean') fail(`${at}copyCat`, `must be true or false, got ${show(m.copyCat)}`);
    if (m.copyCat && m.style === 'cold')
      fail(
        `${at}copyCat`,
        `a copy-cat module needs running backups to replay its inputs (style is ${show(m.style)}); accepted for warm and hot modules`,
      );
    if (m.copyCat && m.degree < 2)
      fail(
        `${at}copyCat`,
        `a copy-cat module needs a backup beside its primary (degree is ${m.degree}); accepted with degree ≥ 2`,
      );
  }
  if (m.maxOutOfSyncMs !== undefined) {
    wholeNumber(
      `${at}maxOutOfSyncMs`,
      m.maxOutOfSyncMs,
      0,
      'a whole number of milliseconds ≥ 0 (0: the primary refuses work as soon as no backup is in sync)',
    );
    if (m.copyCat !== true)
      fail(
        `${at}maxOutOfSyncMs`,
        'the guideline is kept only by a copy-cat primary; set copyCat: true or leave maxOutOfSyncMs out',
      );
  }
  if (m.degree > m.replicas.length) {
    const what = m.style === 'cold' ? 'hosts it may run on' : 'running copies';
    fail(
      `${at}degree`,
      `degree ${m.degree} (${what}) is more than the ${m.replicas.length} replica${m.replicas.length === 1 ? '' : 's'} listed; list at least ${m.degree} hosts or lower the degree`,
    );
  }
}

/** The replicas' hosts and paths; `ids` collects ids taken so far (table-wide). */
function checkReplicas(m: ModuleSpec | Module, at: string, hosts: Set<string>, ids: Set<string>): void {
  const seenHosts = new Map<string, number>();
  m.replicas.forEach((r, i) => {
    const f = `${at}replicas[${i}]`;
    if (typeof r.host !== 'string' || !hosts.has(r.host)) {
      fail(`${f}.host`, `unknown host ${show(r.host)}; known hosts: ${[...hosts].join(', ') || 'none'}`);
    }
    const first = seenHosts.get(r.host);
    if (first !== undefined)
      fail(
        `${f}.host`,
        `host ${show(r.host)} is listed twice for module ${show(m.name)} (also replicas[${first}]); one copy per host`,
      );
    seenHosts.set(r.host, i);
    checkExecutablePath(`${f}.path`, r.path);
    if (r.id !== undefined) {
      name(`${f}.id`, r.id, 'replica id');
      if (ids.has(r.id)) fail(`${f}.id`, `replica id ${show(r.id)} is already taken`);
      ids.add(r.id);
    }
  });
}

/** Validates a registration against the table it would join. */
export function validateRegistration(spec: ModuleSpec, table: ReplicaTable, at = ''): void {
  if (spec === null || typeof spec !== 'object') fail(at || 'module', 'a module is required');
  checkModuleSettings(spec, at);
  if (table.modules.some((m) => m.name === spec.name)) {
    fail(
      `${at}name`,
      `module ${show(spec.name)} is already registered; unregister it first or pick another name`,
    );
  }
  // Only the ids the registration names can clash: the table's other ids are not collected.
  const named = new Set(spec.replicas.map((r) => r.id).filter((id) => id !== undefined));
  const taken = new Set<string>();
  if (named.size > 0) {
    for (const m of table.modules) for (const r of m.replicas) if (named.has(r.id)) taken.add(r.id);
  }
  checkReplicas(spec, at, new Set(table.hosts.map((h) => h.name)), taken);
  checkServicePorts(spec, table.modules, at);
}

/** The ports a module with a service port takes: the router's and one per copy. */
function servicePorts(m: ModuleSpec | Module): [number, number] | null {
  return m.servicePort === undefined ? null : [m.servicePort, m.servicePort + m.replicas.length];
}

/** A module's service ports may not overlap another module's (the router's and its copies'). */
function checkServicePorts(m: ModuleSpec | Module, others: readonly Module[], at: string): void {
  const mine = servicePorts(m);
  if (!mine) return;
  for (const o of others) {
    const theirs = o.name === m.name ? null : servicePorts(o);
    if (theirs && mine[0] <= theirs[1] && theirs[0] <= mine[1])
      fail(
        `${at}servicePort`,
        `ports ${mine[0]}–${mine[1]} (the router's and one per copy) overlap module ${show(o.name)}'s ${theirs[0]}–${theirs[1]}; choose a port outside it`,
      );
  }
}

/**
 * The checks a module read back from the store must pass before a ReplicaManager acts on it: the
 * registration's settings, safe ids and absolute paths (not the status rules, which the manager's
 * own reconcile puts right). Raises RegistrationError naming the field.
 */
export function validateStoredModule(m: Module, hosts: readonly string[], at = ''): void {
  if (m === null || typeof m !== 'object') fail(at || 'module', 'a module is required');
  checkModuleSettings(m, at);
  m.replicas.forEach((r, i) => {
    const f = `${at}replicas[${i}]`;
    name(`${f}.id`, r.id, 'replica id');
    if (typeof r.host !== 'string' || !hosts.includes(r.host))
      fail(`${f}.host`, `unknown host ${show(r.host)}`);
    checkExecutablePath(`${f}.path`, r.path);
    oneOf(`${f}.status`, r.status, STATUSES);
  });
}

/** Validates a whole table (a table file, or one loaded from the store): the registration rules plus statuses. */
export function validateTable(table: ReplicaTable): void {
  const hosts = new Set<string>();
  const drained = new Set(table.hosts.filter((h) => h.drained).map((h) => h.name));
  table.hosts.forEach((h, i) => {
    name(`hosts[${i}].name`, h.name, 'host name');
    if (hosts.has(h.name)) fail(`hosts[${i}].name`, `host ${show(h.name)} is listed twice`);
    hosts.add(h.name);
  });
  const names = new Set<string>();
  const ids = new Set<string>();
  table.modules.forEach((m, mi) => {
    const at = `modules[${mi}].`;
    checkModuleSettings(m, at);
    if (names.has(m.name)) fail(`${at}name`, `module ${show(m.name)} is listed twice`);
    names.add(m.name);
    m.replicas.forEach((r, i) => {
      if (r.id === undefined) fail(`${at}replicas[${i}].id`, 'every replica in a table needs an id');
    });
    checkReplicas(m, at, hosts, ids);
    checkServicePorts(m, table.modules.slice(0, mi), at);
    let primaries = 0;
    m.replicas.forEach((r, i) => {
      const f = `${at}replicas[${i}]`;
      oneOf(`${f}.status`, r.status, STATUSES);
      wholeNumber(`${f}.failures`, r.failures, 0, 'a whole number ≥ 0');
      if (r.unusable !== undefined && r.status !== 'I')
        fail(
          `${f}.unusable`,
          `${r.id} is ${r.status}: only an idle copy (I) is marked as one that cannot start`,
        );
      if (r.status === 'P') primaries++;
      if (r.status === 'B' && m.style !== 'warm')
        fail(`${f}.status`, `a ${m.style} module has no backups (B); use P or I`);
      if (r.status !== 'I' && !table.hosts.find((h) => h.name === r.host)?.up) {
        fail(
          `${f}.status`,
          `${r.id} is ${r.status} on host ${r.host}, which is down; a copy on a down host is I`,
        );
      }
    });
    if (m.style !== 'hot' && primaries > 1)
      fail(`${at}replicas`, `a ${m.style} module has at most one primary (P), found ${primaries}`);
    const running = m.replicas.filter((r) => r.status !== 'I').length;
    const wanted = m.style === 'cold' ? 1 : m.degree;
    // A primary on a drained host may hand over to a backup started for it: one more, for a while.
    const handing =
      m.switchover !== undefined || m.replicas.some((r) => r.status !== 'I' && drained.has(r.host));
    if (running > wanted + (handing ? 1 : 0))
      fail(
        `${at}replicas`,
        `${running} copies are running (P or B) but a ${m.style} module of degree ${m.degree} runs ${wanted}`,
      );
    checkMaintenance(m, at);
  });
}

/** A module's maintenance state: held failures and a switchover name its own copies, coherently. */
function checkMaintenance(m: Module, at: string): void {
  const ids = new Set(m.replicas.map((r) => r.id));
  (m.held ?? []).forEach((h, i) => {
    if (!m.paused) fail(`${at}held`, 'held failures are kept only while the module is paused');
    if (!ids.has(h.replica))
      fail(`${at}held[${i}].replica`, `${show(h.replica)} is not a replica of ${m.name}`);
  });
  if (m.lagHold !== undefined) {
    const h = m.lagHold as unknown as Record<string, unknown>;
    wholeNumber(`${at}lagHold.seq`, h?.seq, 0);
    wholeNumber(`${at}lagHold.generation`, h?.generation, 0);
    if (m.maxLagOnFailover === undefined)
      fail(`${at}lagHold`, 'a fail-over is held for lag only in a module with maxLagOnFailover');
    if (m.replicas.some((r) => r.status === 'P'))
      fail(`${at}lagHold`, `a fail-over held for lag leaves ${m.name} without a primary (P)`);
  }
  const w = m.switchover;
  if (!w) return;
  if (m.style === 'hot') fail(`${at}switchover`, 'a hot module has no primary to switch over');
  for (const k of ['from', 'to'] as const) {
    if (!ids.has(w[k])) fail(`${at}switchover.${k}`, `${show(w[k])} is not a replica of ${m.name}`);
  }
  // The table keeps the old primary until it has stepped down: it is the one primary meanwhile.
  const bad = m.replicas.find((r) => r.status === 'P' && r.id !== w.from);
  if (bad || m.replicas.find((r) => r.id === w.from)?.status !== 'P')
    fail(
      `${at}switchover`,
      `a switchover waits for ${w.from} to step down: ${w.from} stays P meanwhile, and no other copy of ${m.name} is P`,
    );
}

/**
 * The cluster file's allowed executable directories, checked at registration (each WatchDog checks
 * again, with symlinks resolved, before it starts anything): a path outside them is refused at once.
 */
export function checkAllowedDirs(spec: ModuleSpec, allowedDirs: readonly string[]): void {
  if (allowedDirs.length === 0) return;
  const inside = (p: string) => allowedDirs.some((d) => p.startsWith(d.endsWith('/') ? d : `${d}/`));
  spec.replicas.forEach((r, i) => {
    if (!inside(r.path)) {
      fail(
        `replicas[${i}].path`,
        `${show(r.path)} is outside the cluster's allowed executable directories (${allowedDirs.join(', ')})`,
      );
    }
  });
  // The check command runs on the hosts like the copies: held to the same directories.
  const cmd = spec.check?.kind === 'exec' ? spec.check.command?.[0] : undefined;
  if (cmd !== undefined && !inside(cmd)) {
    fail(
      'check.command[0]',
      `${show(cmd)} is outside the cluster's allowed executable directories (${allowedDirs.join(', ')})`,
    );
  }
}

/**
 * Variables that change how a program is loaded or found (NODE_OPTIONS, LD_*, DYLD_*, PATH…) are
 * refused unless the cluster file's security.allowedEnv names them (DESIGN §9).
 */
export function checkEnvPolicy(spec: ModuleSpec, allowedEnv: readonly string[]): void {
  for (const k of Object.keys(spec.env ?? {})) {
    if (isLoaderVariable(k) && !allowedEnv.includes(k)) {
      fail(
        `env.${k.slice(0, 32)}`,
        `${show(k)} changes how the program is loaded or found and is refused; an operator may allow it in the cluster file (security.allowedEnv)`,
      );
    }
  }
}

/** The table a registration would make stays far below a gRPC message (limits.ts). */
export function checkTableSize(table: ReplicaTable, adding: ModuleSpec): void {
  if (table.modules.length + 1 > LIMITS.modules)
    fail('name', `the table holds ${table.modules.length} modules already; at most ${LIMITS.modules}`);
  const bytes = Buffer.byteLength(JSON.stringify(table)) + Buffer.byteLength(JSON.stringify(adding));
  if (bytes > LIMITS.tableBytes) {
    fail(
      'module',
      `the table would be ${bytes} bytes; at most ${LIMITS.tableBytes} (unregister modules or shorten their env and args)`,
    );
  }
}
