/** Reading the deployment files in tests. */

/** A systemd unit as sections of key → values. */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(l);
    if (s) {
      section = s[1]!;
      out[section] = {};
      continue;
    }
    const i = l.indexOf('=');
    const key = l.slice(0, i);
    const values = out[section]![key] ?? [];
    values.push(l.slice(i + 1));
    out[section]![key] = values;
  }
  return out;
}
