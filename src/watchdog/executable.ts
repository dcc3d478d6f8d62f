/**
 * The executable check: the WatchDog starts only absolute paths that resolve (symlinks followed) to
 * an executable file inside one of the cluster file's allowed directories (DESIGN §3: no shell, only
 * allowed executables).
 */
import { constants, promises as fs } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { ExecutableError } from '../shared/errors.js';

function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Resolves `path` to the real file the WatchDog may run. Raises ExecutableError when the path is
 * relative, contains `..`, lies (after symlinks) outside every allowed directory, is missing, is not
 * a regular file, or is not executable.
 */
export async function resolveExecutable(path: string, allowedDirs: readonly string[]): Promise<string> {
  const accepted = `accepted: an absolute path to an executable file under ${allowedDirs.join(', ')}`;
  if (!path || !isAbsolute(path)) {
    throw new ExecutableError(`refused executable "${path}": not an absolute path (${accepted})`);
  }
  if (path.split('/').includes('..')) {
    throw new ExecutableError(`refused executable "${path}": ".." is not allowed in a path (${accepted})`);
  }
  let real: string;
  try {
    real = await fs.realpath(path);
  } catch (err) {
    throw new ExecutableError(
      `refused executable "${path}": ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message} (${accepted})`,
    );
  }
  const realDirs = await Promise.all(allowedDirs.map((d) => fs.realpath(d).catch(() => d)));
  if (!realDirs.some((d) => inside(d, real))) {
    const via = real === path ? '' : ` (resolves to ${real})`;
    throw new ExecutableError(
      `refused executable "${path}"${via}: outside the allowed directories (${accepted})`,
    );
  }
  const st = await fs.stat(real);
  if (!st.isFile())
    throw new ExecutableError(`refused executable "${path}": not a regular file (${accepted})`);
  try {
    await fs.access(real, constants.X_OK);
  } catch {
    throw new ExecutableError(`refused executable "${path}": not executable (chmod +x it; ${accepted})`);
  }
  return real;
}

/** The same check for an `exec` health check's command (its first element). */
export async function resolveCheckCommand(
  command: readonly string[],
  allowedDirs: readonly string[],
): Promise<string[]> {
  const [first, ...rest] = command;
  if (first === undefined) throw new ExecutableError('refused exec check: the command is empty');
  return [await resolveExecutable(first, allowedDirs), ...rest];
}
