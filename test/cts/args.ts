/**
 * The command-line readers the fault-injection suite and the simulator share: a refusal names the
 * flag, the value and what is accepted, prints the usage and exits 2.
 */
export function argReader(tool: string, usage: string) {
  const fail = (message: string): never => {
    process.stderr.write(`${tool}: ${message}\n${usage}\n`);
    process.exit(2);
  };
  return {
    fail,
    int(flag: string, v: string | undefined, min: number): number {
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < min)
        fail(`${flag} needs an integer ≥ ${min}, got ${v ?? 'nothing'}`);
      return n;
    },
    /** A comma-separated list of names, each one of `accepted`. */
    names<T extends string>(flag: string, v: string | undefined, accepted: readonly T[]): T[] {
      const list = (v ?? '').split(',').filter((x) => x !== '');
      const unknown = list.filter((x) => !(accepted as readonly string[]).includes(x));
      if (list.length === 0 || unknown.length > 0)
        fail(
          `${flag}: unknown fault ${unknown.join(', ') || '(none given)'} (accepted: ${accepted.join(', ')})`,
        );
      return list as T[];
    },
  };
}
