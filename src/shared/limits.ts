/**
 * Size limits on every input (DESIGN §9): names, paths, arguments, environments, counts, checkpoints
 * and the whole replica table, chosen so that the largest table stays far below a gRPC message
 * (4 MiB): at most 256 modules of at most 32 KiB of arguments and environment each is 8 MiB in the
 * worst case, so the table itself is held to 2 MiB and a registration that would pass it is refused.
 */
export const LIMITS = {
  /** Module names and replica ids: a safe alphabet (no '/', no '..'). */
  nameLength: 64,
  /** An executable's path, a check's path. */
  pathLength: 4096,
  args: 64,
  argLength: 4096,
  envEntries: 64,
  envNameLength: 128,
  envValueLength: 4096,
  /** All of a module's args and env together. */
  moduleSpecBytes: 32 * 1024,
  replicasPerModule: 64,
  modules: 256,
  checkCommand: 16,
  /** The whole replica table as JSON. */
  tableBytes: 2 * 1024 * 1024,
  /** A module's checkpoint (its quota in the Checkpoint Server). */
  checkpointBytes: 1024 * 1024,
  keyBytes: 512,
  valueBytes: 1024 * 1024,
  /** A module registration as JSON (RegisterSelf). */
  moduleJsonBytes: 64 * 1024,
} as const;

/** Names and ids: letters, digits, '_', '-', '.', not only dots, at most LIMITS.nameLength. */
export const SAFE_ID = /^(?!\.+$)[A-Za-z0-9_.-]{1,64}$/;

/**
 * A module's user or group: a POSIX-style account name (lower case, digits, '_', '-', at most 32,
 * not starting with a digit or '-') or a numeric id.
 */
export const SAFE_ACCOUNT = /^(?:[a-z_][a-z0-9_-]{0,31}|\d{1,10})$/;

/** A value quoted in an error message: at most a short prefix, with control characters escaped. */
export function quote(value: unknown, max = 48): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value) ?? value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/**
 * Environment variables that change how a program is loaded or found: refused in a registration
 * unless the cluster file's security.allowedEnv names them.
 */
export function isLoaderVariable(name: string): boolean {
  return (
    /^(LD_|DYLD_)/.test(name) ||
    [
      'NODE_OPTIONS',
      'NODE_PATH',
      'NODE_EXTRA_CA_CERTS',
      'NODE_REPL_EXTERNAL_MODULE',
      'PATH',
      'PYTHONPATH',
      'PYTHONSTARTUP',
      'PYTHONHOME',
      'PERL5LIB',
      'PERL5OPT',
      'RUBYOPT',
      'RUBYLIB',
      'JAVA_TOOL_OPTIONS',
      '_JAVA_OPTIONS',
      'BASH_ENV',
      'ENV',
      'IFS',
      'GCONV_PATH',
      'MALLOC_CHECK_',
      'HOSTALIASES',
      'LOCALDOMAIN',
      'RES_OPTIONS',
    ].includes(name)
  );
}
