/** Which executables the WatchDog starts: absolute, no "..", inside an allowed folder after symlinks, executable. */
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutableError } from '../../../src/shared/errors.js';
import { resolveCheckCommand, resolveExecutable } from '../../../src/watchdog/executable.js';
import { tempDir } from '../../helpers/processes.js';

const tmp = tempDir();
const allowed = join(tmp.dir, 'apps');
const outside = join(tmp.dir, 'other');

beforeAll(() => {
  mkdirSync(join(allowed, 'sub'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  for (const [file, mode] of [
    [join(allowed, 'ok'), 0o755],
    [join(allowed, 'sub', 'deep'), 0o755],
    [join(allowed, 'plain'), 0o644],
    [join(outside, 'tool'), 0o755],
  ] as const) {
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, mode);
  }
  symlinkSync(join(outside, 'tool'), join(allowed, 'escape'));
  symlinkSync(join(allowed, 'ok'), join(outside, 'link-in'));
  symlinkSync(join(allowed, 'sub'), join(tmp.dir, 'apps-sub-link'));
});

afterAll(() => tmp.remove());

async function refused(path: string, why: RegExp) {
  const err = await resolveExecutable(path, [allowed]).catch((e: unknown) => e);
  expect(err, path).toBeInstanceOf(ExecutableError);
  expect((err as Error).message).toMatch(why);
}

describe('resolveExecutable', () => {
  it('accepts an executable inside an allowed folder and returns its real path', async () => {
    expect(await resolveExecutable(join(allowed, 'ok'), [allowed])).toBe(realpathSync(join(allowed, 'ok')));
    expect(await resolveExecutable(join(allowed, 'sub', 'deep'), [allowed])).toBe(
      realpathSync(join(allowed, 'sub', 'deep')),
    );
  });

  it('follows symlinks: a link from outside to an allowed file is fine', async () => {
    expect(await resolveExecutable(join(outside, 'link-in'), [allowed])).toBe(
      realpathSync(join(allowed, 'ok')),
    );
    expect(await resolveExecutable(join(tmp.dir, 'apps-sub-link', 'deep'), [allowed])).toBe(
      realpathSync(join(allowed, 'sub', 'deep')),
    );
  });

  it('refuses a relative path', () => refused('apps/ok', /not an absolute path/));
  it('refuses ".." even when it would land inside', () =>
    refused(`${allowed}/sub/../ok`, /"\.\." is not allowed/));
  it('refuses a path outside the allowed folders', () =>
    refused(join(outside, 'tool'), /outside the allowed directories/));
  it('refuses a symlink that escapes the allowed folders', () =>
    refused(join(allowed, 'escape'), /resolves to .*outside the allowed directories/));
  it('refuses a missing file', () => refused(join(allowed, 'missing'), /no such file/));
  it('refuses a file that is not executable', () => refused(join(allowed, 'plain'), /not executable/));
  it('refuses a folder', () => refused(join(allowed, 'sub'), /not a regular file/));
  it('refuses the allowed folder itself and an empty path', async () => {
    await refused(allowed, /outside the allowed directories/);
    await refused('', /not an absolute path/);
  });
  it('refuses a sibling folder whose name starts like an allowed one', async () => {
    mkdirSync(`${allowed}-evil`, { recursive: true });
    writeFileSync(`${allowed}-evil/x`, '#!/bin/sh\n');
    chmodSync(`${allowed}-evil/x`, 0o755);
    await refused(`${allowed}-evil/x`, /outside the allowed directories/);
  });
  it('checks an exec health check command the same way', async () => {
    expect(await resolveCheckCommand([join(allowed, 'ok'), '-v'], [allowed])).toEqual([
      realpathSync(join(allowed, 'ok')),
      '-v',
    ]);
    await expect(resolveCheckCommand(['/bin/sh', '-c', 'true'], [allowed])).rejects.toBeInstanceOf(
      ExecutableError,
    );
    await expect(resolveCheckCommand([], [allowed])).rejects.toBeInstanceOf(ExecutableError);
  });
});
