/**
 * A whole store as one file, the same for both backends (`rmctl store export` / `import`, DESIGN §10):
 * every key with its version and the epoch its last write carried (the replica table's keys among
 * them), each role's epoch counter and last holder, and every module's checkpoint with its version.
 * Leases are not carried: they ran on the old store's clock, and a lease that a new store took over
 * would run on nobody's; after an import every role's lease has run out, its epoch is kept, so the
 * next SuperWatchDog to win takes epoch + 1 and every fence holds as before.
 *
 * The file is JSON: `{ format, version, from, exportedAtMs, revision, keys, roles, checkpoints }`,
 * values and states in base64.
 */
import { ConfigError } from '../shared/errors.js';

export const SNAPSHOT_FORMAT = 'replica-manager store';
export const SNAPSHOT_VERSION = 1;

export interface SnapshotKey {
  key: string;
  value: Buffer;
  /** ≥ 1. */
  version: number;
  /** The epoch its last write carried (0 = unfenced). */
  epoch: number;
}

export interface SnapshotRole {
  role: string;
  /** '' when nobody has won it. */
  holder: string;
  epoch: number;
}

export interface SnapshotCheckpoint {
  module: string;
  replica: string;
  state: Buffer;
  /** ≥ 1. */
  version: number;
  savedAtMs: number;
}

/** Everything one store holds, read at one point: one SQLite read transaction, or one etcd revision. */
export interface StoreSnapshot {
  /** Where it was read (a file, or etcd's endpoints and prefix). */
  from: string;
  exportedAtMs: number;
  /** etcd: the revision it was read at; sqlite: ''. */
  revision: string;
  /** In key order. */
  keys: SnapshotKey[];
  /** In role order. */
  roles: SnapshotRole[];
  /** In module order. */
  checkpoints: SnapshotCheckpoint[];
}

/** What a snapshot holds, in one line for the operator. */
export function describeSnapshot(s: StoreSnapshot): string {
  const epochs = s.roles.map((r) => `${r.role} epoch ${r.epoch}`).join(', ') || 'no epoch yet';
  return `${s.keys.length} keys, ${s.checkpoints.length} checkpoints, ${epochs}`;
}

export function encodeSnapshot(s: StoreSnapshot): string {
  return `${JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    from: s.from,
    exportedAtMs: s.exportedAtMs,
    revision: s.revision,
    keys: s.keys.map((k) => ({ ...k, value: k.value.toString('base64') })),
    roles: s.roles,
    checkpoints: s.checkpoints.map((c) => ({ ...c, state: c.state.toString('base64') })),
  })}\n`;
}

/** Reads a snapshot file's text; ConfigError names the file, the bad field and what is accepted. */
export function parseSnapshot(text: string, file: string): StoreSnapshot {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(message, field, file);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail('', `not JSON (${(err as Error).message}); expected a file written by rmctl store export`);
  }
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(field, 'expected an object');
  const str = (v: unknown, field: string, empty = false): string =>
    typeof v === 'string' && (empty || v.length > 0)
      ? v
      : fail(field, `expected a${empty ? '' : ' non-empty'} string, got ${JSON.stringify(v)}`);
  const whole = (v: unknown, field: string, min: number): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min
      ? v
      : fail(field, `expected a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  const bytes = (v: unknown, field: string): Buffer => {
    const s = str(v, field, true);
    return /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0
      ? Buffer.from(s, 'base64')
      : fail(field, 'expected base64');
  };
  const list = (v: unknown, field: string): unknown[] =>
    Array.isArray(v) ? v : fail(field, 'expected a list');
  const unique = <T>(items: T[], name: (t: T) => string, field: string, what: string): T[] => {
    const seen = new Set<string>();
    items.forEach((t, i) => {
      if (seen.has(name(t))) fail(`${field}[${i}]`, `${what} "${name(t)}" is listed twice`);
      seen.add(name(t));
    });
    return items;
  };

  const top = obj(doc, '');
  if (top.format !== SNAPSHOT_FORMAT) {
    fail(
      'format',
      `expected "${SNAPSHOT_FORMAT}" (a file written by rmctl store export), got ${JSON.stringify(top.format)}`,
    );
  }
  if (top.version !== SNAPSHOT_VERSION) {
    fail('version', `this rmctl reads version ${SNAPSHOT_VERSION}, got ${JSON.stringify(top.version)}`);
  }
  const keys = list(top.keys, 'keys').map((v, i) => {
    const k = obj(v, `keys[${i}]`);
    return {
      key: str(k.key, `keys[${i}].key`),
      value: bytes(k.value, `keys[${i}].value`),
      version: whole(k.version, `keys[${i}].version`, 1),
      epoch: whole(k.epoch, `keys[${i}].epoch`, 0),
    };
  });
  const roles = list(top.roles, 'roles').map((v, i) => {
    const r = obj(v, `roles[${i}]`);
    return {
      role: str(r.role, `roles[${i}].role`),
      holder: str(r.holder, `roles[${i}].holder`, true),
      epoch: whole(r.epoch, `roles[${i}].epoch`, 0),
    };
  });
  const checkpoints = list(top.checkpoints, 'checkpoints').map((v, i) => {
    const c = obj(v, `checkpoints[${i}]`);
    return {
      module: str(c.module, `checkpoints[${i}].module`),
      replica: str(c.replica, `checkpoints[${i}].replica`, true),
      state: bytes(c.state, `checkpoints[${i}].state`),
      version: whole(c.version, `checkpoints[${i}].version`, 1),
      savedAtMs: whole(c.savedAtMs, `checkpoints[${i}].savedAtMs`, 0),
    };
  });
  return {
    from: str(top.from, 'from', true),
    exportedAtMs: whole(top.exportedAtMs, 'exportedAtMs', 0),
    revision: str(top.revision, 'revision', true),
    keys: unique(keys, (k) => k.key, 'keys', 'key'),
    roles: unique(roles, (r) => r.role, 'roles', 'role'),
    checkpoints: unique(checkpoints, (c) => c.module, 'checkpoints', 'module'),
  };
}
