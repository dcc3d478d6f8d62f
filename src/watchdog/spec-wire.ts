/**
 * What reaches the WatchDog from the wire, checked and turned into its own terms: a ReplicaSpec into
 * a CopySpec, a self-registration's module JSON into the ReplicaManager's wire form, and the module
 * the manager answers with into the spec of the copy adopted. Pure: no I/O, no clock.
 */
import { CHECK_KINDS, copyCatEnv, DETECTS } from '../model/table.js';
import type { Timings } from '../shared/config.js';
import { RegistrationError } from '../shared/errors.js';
import type { Module__Output, Module as PbModule } from '../shared/generated/rm/replica_manager/v1/Module.js';
import type { ReplicaSpec__Output } from '../shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import { isLoaderVariable, LIMITS, quote, SAFE_ACCOUNT, SAFE_ID } from '../shared/limits.js';
import { knownCheckKind } from '../shared/wire.js';
import type { Watch } from './rules.js';
import type { CopySpec } from './state.js';

/**
 * A ReplicaSpec from the wire, checked for what the WatchDog relies on: safe ids (they name files),
 * sizes, and no loader variables beyond `allowedEnv`. Raises RegistrationError.
 */
export function specFromWire(
  s: ReplicaSpec__Output | null | undefined,
  allowedEnv: readonly string[] = [],
): CopySpec {
  if (!s) throw new RegistrationError('a replica spec is needed', 'replica');
  if (!s.replica) throw new RegistrationError('the replica id is empty', 'replica.replica');
  if (!s.module) throw new RegistrationError('the module name is empty', 'replica.module');
  for (const [field, v] of [
    ['replica.replica', s.replica],
    ['replica.module', s.module],
  ] as const) {
    if (!SAFE_ID.test(v)) {
      throw new RegistrationError(
        `${quote(v)} is not a safe id: letters, digits, _ . - only, not only dots, at most ${LIMITS.nameLength}`,
        field,
      );
    }
  }
  if (s.path.length > LIMITS.pathLength)
    throw new RegistrationError(`${s.path.length} characters; at most ${LIMITS.pathLength}`, 'replica.path');
  if (s.args.length > LIMITS.args || s.args.some((a) => a.length > LIMITS.argLength))
    throw new RegistrationError(
      `at most ${LIMITS.args} arguments of ${LIMITS.argLength} characters`,
      'replica.args',
    );
  const env = Object.entries(s.env);
  if (
    env.length > LIMITS.envEntries ||
    env.some(([k, v]) => k.length > LIMITS.envNameLength || v.length > LIMITS.envValueLength)
  )
    throw new RegistrationError(
      `at most ${LIMITS.envEntries} variables, names of ${LIMITS.envNameLength} and values of ${LIMITS.envValueLength} characters`,
      'replica.env',
    );
  for (const [k] of env) {
    if (isLoaderVariable(k) && !allowedEnv.includes(k)) {
      throw new RegistrationError(
        `${quote(k)} changes how the program is loaded or found; refused unless the cluster file's security.allowedEnv names it`,
        `replica.env.${k.slice(0, 32)}`,
      );
    }
  }
  if (s.detect !== '' && !(DETECTS as readonly string[]).includes(s.detect)) {
    throw new RegistrationError(
      `unknown detect "${s.detect}" (accepted: ${DETECTS.join(', ')})`,
      'replica.detect',
    );
  }
  for (const [field, v] of [
    ['replica.user', s.user],
    ['replica.group', s.group],
  ] as const) {
    if (v && !SAFE_ACCOUNT.test(v))
      throw new RegistrationError(`${quote(v)} is not a user or group name, nor a number`, field);
  }
  if (s.group && !s.user)
    throw new RegistrationError('a group is accepted only with a user', 'replica.group');
  const check = s.check?.kind ? s.check : null;
  if (check && !knownCheckKind(check.kind)) {
    throw new RegistrationError(
      `unknown check kind "${check.kind}" (accepted: ${CHECK_KINDS.join(', ')})`,
      'replica.check.kind',
    );
  }
  return {
    replica: s.replica,
    module: s.module,
    path: s.path,
    args: [...s.args],
    env: { ...s.env },
    detect: s.detect,
    intervalMs: s.interval_ms,
    timeoutMs: s.timeout_ms,
    check: check
      ? { kind: check.kind, port: check.port, path: check.path, command: [...check.command] }
      : null,
    style: s.style,
    ...(s.user ? { user: s.user } : {}),
    ...(s.group ? { group: s.group } : {}),
  };
}

/** The rules' view of a copy, with the cluster defaults filled in. */
export function watchOf(spec: CopySpec, t: Timings, startGraceMs: number): Watch {
  return {
    detect: spec.detect === 'heartbeat' ? 'heartbeat' : 'poll',
    intervalMs: spec.intervalMs > 0 ? spec.intervalMs : t.pollIntervalMs,
    timeoutMs: spec.timeoutMs > 0 ? spec.timeoutMs : t.heartbeatTimeoutMs,
    misses: t.pollMisses,
    startGraceMs,
  };
}

/** A module registration (TABLE-FORMAT.md, one module, as JSON) in the ReplicaManager's wire form. */
export function moduleFromJson(text: string): PbModule {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RegistrationError(`module_json is not JSON: ${(err as Error).message}`, 'module_json');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RegistrationError('module_json must be one module object (TABLE-FORMAT.md)', 'module_json');
  }
  const m = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const check = m.check as Record<string, unknown> | undefined;
  const replicas = Array.isArray(m.replicas) ? (m.replicas as Array<Record<string, unknown>>) : [];
  return {
    name: str(m.name),
    style: str(m.style),
    degree: num(m.degree),
    policy: str(m.policy),
    has_threshold: m.threshold !== undefined,
    threshold: num(m.threshold),
    detect: str(m.detect),
    interval_ms: num(m.intervalMs),
    timeout_ms: num(m.timeoutMs),
    check: check
      ? {
          kind: str(check.kind),
          port: num(check.port),
          path: str(check.path),
          command: Array.isArray(check.command) ? check.command.map(String) : [],
        }
      : null,
    args: Array.isArray(m.args) ? m.args.map(String) : [],
    env: m.env && typeof m.env === 'object' ? (m.env as Record<string, string>) : {},
    user: str(m.user),
    group: str(m.group),
    copy_cat: m.copyCat === true,
    has_max_out_of_sync_ms: m.maxOutOfSyncMs !== undefined,
    max_out_of_sync_ms: num(m.maxOutOfSyncMs),
    replicas: replicas.map((r) => ({
      id: str(r?.id),
      host: str(r?.host),
      path: str(r?.path),
      status: '',
      failures: 0,
    })),
  };
}

/** The spec of a self-registered copy: its module as the ReplicaManager registered it, and its replica there. */
export function specOfModule(m: Module__Output, replica: { id: string; path: string }): CopySpec {
  return {
    replica: replica.id,
    module: m.name,
    path: replica.path,
    args: [...m.args],
    env: {
      ...m.env,
      ...copyCatEnv({
        copyCat: m.copy_cat,
        ...(m.has_max_out_of_sync_ms ? { maxOutOfSyncMs: m.max_out_of_sync_ms } : {}),
      }),
    },
    detect: m.detect,
    intervalMs: m.interval_ms,
    timeoutMs: m.timeout_ms,
    check: m.check?.kind
      ? { kind: m.check.kind, port: m.check.port, path: m.check.path, command: [...m.check.command] }
      : null,
    style: m.style,
    ...(m.user ? { user: m.user } : {}),
    ...(m.group ? { group: m.group } : {}),
  };
}
