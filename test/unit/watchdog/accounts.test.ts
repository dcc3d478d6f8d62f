/**
 * A module's user and group as a host resolves them (its /etc/passwd and /etc/group, given as text),
 * and whether that account can pass the folders above the WatchDog's socket.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccountError } from '../../../src/shared/errors.js';
import { processOwner, resolveAccount, unreachableDir } from '../../../src/watchdog/accounts.js';
import { tempDir } from '../../helpers/processes.js';

const files = {
  passwd: [
    'root:x:0:0:root:/root:/bin/bash',
    '# a comment',
    'app:x:4321:4300:the app:/nonexistent:/usr/sbin/nologin',
    'broken:x:notanumber:1:::',
    '',
  ].join('\n'),
  group: ['root:x:0:', 'apps:x:4300:app', 'audit:x:4400:', ''].join('\n'),
};

const tmp = tempDir('rm-accounts-');
afterAll(() => tmp.remove());

describe('resolveAccount', () => {
  it('finds a user by name or uid, with its primary group or the one named', () => {
    expect(resolveAccount('app', '', files, 'H1')).toEqual({ uid: 4321, gid: 4300 });
    expect(resolveAccount('4321', '', files, 'H1')).toEqual({ uid: 4321, gid: 4300 });
    expect(resolveAccount('app', 'audit', files, 'H1')).toEqual({ uid: 4321, gid: 4400 });
    expect(resolveAccount('app', '77', files, 'H1')).toEqual({ uid: 4321, gid: 77 });
    // A uid this host has no entry for runs as given, in the group named.
    expect(resolveAccount('5000', '5000', files, 'H1')).toEqual({ uid: 5000, gid: 5000 });
  });

  it('refuses what the host does not know, naming it and the host', () => {
    expect(() => resolveAccount('nobody-here', '', files, 'H3')).toThrow(AccountError);
    expect(() => resolveAccount('nobody-here', '', files, 'H3')).toThrow(
      /"nobody-here" does not exist on H3/,
    );
    expect(() => resolveAccount('broken', '', files, 'H3')).toThrow(/does not exist on H3/);
    expect(() => resolveAccount('app', 'staff', files, 'H3')).toThrow(/group "staff" does not exist on H3/);
    expect(() => resolveAccount('5000', '', files, 'H3')).toThrow(/name the module's group too/);
    expect(() => resolveAccount('4294967295', '1', files, 'H3')).toThrow(/out of range/);
  });
});

describe('unreachableDir', () => {
  it('names the first folder the account cannot pass; none once each is passable', () => {
    const outer = join(tmp.dir, 'outer');
    const inner = join(outer, 'inner');
    mkdirSync(inner, { recursive: true });
    chmodSync(tmp.dir, 0o711);
    chmodSync(outer, 0o700);
    const socket = join(inner, 'app.sock');
    const stranger = { uid: 4321, gid: 4300 };
    expect(unreachableDir(socket, stranger)).toBe(outer);
    chmodSync(outer, 0o711);
    chmodSync(inner, 0o711);
    expect(unreachableDir(socket, stranger)).toBeNull();
    // A missing folder cannot be passed either.
    expect(unreachableDir(join(tmp.dir, 'gone', 'app.sock'), stranger)).toBe(join(tmp.dir, 'gone'));
  });
});

describe('processOwner', () => {
  it("is this process's own uid for itself, null for a pid that does not run", () => {
    expect(processOwner(process.pid)).toBe(process.getuid?.());
    expect(processOwner(2 ** 30)).toBeNull();
  });
});
