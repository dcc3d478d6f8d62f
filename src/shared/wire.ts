/**
 * The one place where the model (the replica table's words: P/B, checks) meets the wire (the .proto
 * enums and messages), both ways, for every daemon, the CLI and the SDK. Nothing else converts a
 * role or a health check by hand.
 */
import type { AppliedPosition, Check, Role } from '../model/table.js';
import { CHECK_KINDS } from '../model/table.js';
import { RegistrationError } from './errors.js';
import type { HealthCheck as PbCheck } from './generated/rm/replica_manager/v1/HealthCheck.js';

/** The wire's role enum (watchdog.proto `Role`). */
export type WireRole = 'PRIMARY' | 'BACKUP';

/** The SDK's word for a role. */
export type AppRole = 'primary' | 'backup';

/** The signals a module may ask for on promotion to primary (RM_PROMOTE_SIGNAL); opt-in. */
export const PROMOTE_SIGNALS: readonly string[] = ['SIGUSR1', 'SIGUSR2', 'SIGHUP'];

export function roleToWire(role: Role): WireRole {
  return role === 'P' ? 'PRIMARY' : 'BACKUP';
}

/** A role from the wire; RegistrationError for anything but PRIMARY or BACKUP. */
export function roleFromWire(role: string, field = 'role'): Role {
  if (role === 'PRIMARY') return 'P';
  if (role === 'BACKUP') return 'B';
  throw new RegistrationError(`role must be PRIMARY or BACKUP, got ${role || 'none'}`, field);
}

/** A role from the wire, or null where the wire says none (ROLE_UNSPECIFIED). */
export function maybeRoleFromWire(role: string): Role | null {
  return role === 'PRIMARY' ? 'P' : role === 'BACKUP' ? 'B' : null;
}

export function appRole(role: Role): AppRole {
  return role === 'P' ? 'primary' : 'backup';
}

/** The SDK's view of a wire role; null for none. */
export function appRoleFromWire(role: string): AppRole | null {
  const r = maybeRoleFromWire(role);
  return r ? appRole(r) : null;
}

/** A module's check as both .proto HealthCheck messages carry it (zero values for "none"). */
export function checkToWire(c: Check | undefined): PbCheck | null {
  return c ? { kind: c.kind, port: c.port ?? 0, path: c.path ?? '', command: c.command ?? [] } : null;
}

/** A check from the wire; undefined for none (an empty kind). Values are not judged here. */
export function checkFromWire(
  c: { kind: string; port: number; path: string; command: string[] } | null | undefined,
): Check | undefined {
  if (!c?.kind) return undefined;
  const check: Check = { kind: c.kind as Check['kind'] };
  if (c.port) check.port = c.port;
  if (c.path) check.path = c.path;
  if (c.command.length > 0) check.command = [...c.command];
  return check;
}

/** Where a module's primary announces its replication stream in the Checkpoint Server (DESIGN §11). */
export const ANNOUNCEMENT_PREFIX = 'replication/';

export function announcementKey(module: string): string {
  return `${ANNOUNCEMENT_PREFIX}${module}`;
}

/** The module whose announcement `key` is, or null for any other key. */
export function announcementModule(key: string): string | null {
  return key.startsWith(ANNOUNCEMENT_PREFIX) && key.length > ANNOUNCEMENT_PREFIX.length
    ? key.slice(ANNOUNCEMENT_PREFIX.length)
    : null;
}

/** An applied position as both .proto AppliedPosition messages carry it (null for none known). */
export function positionToWire(
  p: AppliedPosition | null | undefined,
): { seq: string; generation: string } | null {
  return p ? { seq: String(p.seq), generation: String(p.generation) } : null;
}

/** An applied position from the wire; undefined where the message is absent or not whole numbers ≥ 0. */
export function positionFromWire(
  p: { seq: string; generation: string } | null | undefined,
): AppliedPosition | undefined {
  if (!p) return undefined;
  const seq = Number(p.seq);
  const generation = Number(p.generation);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(generation) || seq < 0 || generation < 0)
    return undefined;
  return { seq, generation };
}

/** Whether a check kind from the wire is one the cluster knows (an empty kind is "none"). */
export function knownCheckKind(kind: string): boolean {
  return kind === '' || (CHECK_KINDS as readonly string[]).includes(kind);
}
