/**
 * The account a copy runs as (DESIGN §9, least privilege): a module's `user` and `group`, found in
 * this host's /etc/passwd and /etc/group, or given as numbers. The lookups are pure over the files'
 * text; only readAccountFiles() and unreachableDir() touch the file system.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AccountError } from '../shared/errors.js';
import { quote } from '../shared/limits.js';

export interface Account {
  uid: number;
  gid: number;
}

/** The text of this host's /etc/passwd and /etc/group. */
export interface AccountFiles {
  passwd: string;
  group: string;
}

/** The entries of a passwd or group file: name → [id, primary gid (passwd only)]. */
function entries(text: string, idField: number): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const name = f[0] ?? '';
    const ids = [Number(f[idField]), Number(f[idField + 1])];
    if (name && Number.isInteger(ids[0]) && !found.has(name)) found.set(name, ids);
  }
  return found;
}

const NUMERIC = /^\d{1,10}$/;

/**
 * The uid and gid of `user` (a name or a uid) and `group` (a name, a gid, or empty: the user's
 * primary group). Raises AccountError naming what this host does not know.
 */
export function resolveAccount(user: string, group: string, files: AccountFiles, host: string): Account {
  const users = entries(files.passwd, 2);
  const known =
    users.get(user) ?? [...users.values()].find((ids) => NUMERIC.test(user) && ids[0] === Number(user));
  if (!known && !NUMERIC.test(user))
    throw new AccountError(`user ${quote(user)} does not exist on ${host} (create it there, or give a uid)`);
  const uid = known ? (known[0] as number) : Number(user);
  let gid: number | undefined;
  if (group === '') {
    gid = known?.[1];
    if (gid === undefined || !Number.isInteger(gid))
      throw new AccountError(`uid ${uid} has no entry in ${host}'s /etc/passwd: name the module's group too`);
  } else if (NUMERIC.test(group)) gid = Number(group);
  else {
    gid = entries(files.group, 2).get(group)?.[0];
    if (gid === undefined) throw new AccountError(`group ${quote(group)} does not exist on ${host}`);
  }
  if (uid > 0xfffffffe || gid > 0xfffffffe)
    throw new AccountError(`uid ${uid} or gid ${gid} is out of range (at most 4294967294)`);
  return { uid, gid };
}

/** This host's account files ('' for one that cannot be read: then only numbers resolve). */
export function readAccountFiles(): AccountFiles {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  return { passwd: read('/etc/passwd'), group: read('/etc/group') };
}

/**
 * The first folder above `path` (up to /) that `account` may not pass through (no search
 * permission for it as owner, group or other), or null when it reaches `path`'s folder.
 */
export function unreachableDir(path: string, account: Account): string | null {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(dir);
    } catch {
      return dir;
    }
    const bit = st.uid === account.uid ? 0o100 : st.gid === account.gid ? 0o010 : 0o001;
    if (account.uid !== 0 && (st.mode & bit) === 0) return dir;
    if (dir === dirname(dir)) return null;
  }
}

export { processOwner } from './process-control.js';
