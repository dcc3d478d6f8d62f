/**
 * Every decision scenario (test/scenarios/) replays through `rmctl simulate` with the same result:
 * the tool an operator has runs the core the daemon runs, on any event kind a scenario uses (the
 * registration written to a file, as an operator would). A refused step is refused by simulate too.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { simulateCommand } from '../../src/cli/simulate.js';
import { tempDir } from '../helpers/processes.js';

const DIR = resolve(import.meta.dirname, '../scenarios');
const tmp = tempDir('rm-sim-replay-');
afterAll(() => tmp.remove());

interface Step {
  event: string | { register: unknown; runningOn?: string } | { reconcile: string; running?: string[] };
  actions?: string[];
  statuses?: Record<string, string>;
  error?: string;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

/** A scenario's event as rmctl simulate's --event text; null for what it cannot say (self-registration). */
function eventText(e: Step['event'], n: number): string | null {
  if (typeof e === 'string') return e;
  if ('register' in e) {
    if (e.runningOn) return null;
    const file = join(tmp.dir, `module-${n}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(e.register));
    return `register ${file}`;
  }
  const running = (e.running ?? []).join(',');
  return running ? `reconcile ${e.reconcile} ${running}` : `reconcile ${e.reconcile}`;
}

/** simulate's JSON action in a scenario's short form, with its reason: `start A4@H4 B — A1 failed: …`. */
function short(a: {
  kind: string;
  replica: string;
  host: string;
  role?: string;
  delayMs?: number;
  reason?: string;
}): string {
  const what =
    a.kind === 'stop'
      ? `stop ${a.replica}@${a.host}`
      : `${a.kind} ${a.replica}@${a.host} ${a.role}${a.delayMs ? ` after ${a.delayMs}ms` : ''}`;
  return a.reason ? `${what} — ${a.reason}` : what;
}

function run(tableFile: string, events: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = simulateCommand(
    { file: tableFile, event: events, json: true },
    { out: (t) => void out.push(t), err: (t) => void err.push(t) },
  );
  return { code, out: out.join(''), err: err.join('') };
}

describe('every scenario replays through rmctl simulate', () => {
  for (const file of files(DIR)) {
    const name = relative(DIR, file);
    it(name, () => {
      const s = parse(readFileSync(file, 'utf8')) as { table: string | object; steps: Step[] };
      const tableFile =
        typeof s.table === 'string'
          ? resolve(dirname(file), s.table)
          : join(tmp.dir, `${name.replace(/\W/g, '_')}.yaml`);
      if (typeof s.table !== 'string') writeFileSync(tableFile, stringify(s.table));
      const events: string[] = [];
      for (const [i, step] of s.steps.entries()) {
        const text = eventText(step.event, i);
        if (text === null) return; // a self-registration has no simulate form: checked up to here
        if (step.error !== undefined) {
          const r = run(tableFile, [...events, text]);
          expect(r.code, `${name} step ${i + 1}: refused`).toBe(2);
          expect(r.err).toContain(step.error);
          return;
        }
        events.push(text);
        const r = run(tableFile, events);
        expect(r.code, `${name} step ${i + 1}: ${r.err}`).toBe(0);
        const got = JSON.parse(r.out) as {
          table: { modules: Array<{ replicas: Array<{ id: string; status: string }> }> };
          actions: Array<{ kind: string; replica: string; host: string; role?: string }>;
        };
        const expected = s.steps.slice(0, i + 1).flatMap((x) => x.actions ?? []);
        expect(got.actions.map(short), `${name} after step ${i + 1}`).toEqual(expected);
        const replicas = got.table.modules.flatMap((m) => m.replicas);
        for (const [id, status] of Object.entries(step.statuses ?? {})) {
          expect(replicas.find((r) => r.id === id)?.status, `${name} step ${i + 1}: ${id}`).toBe(status);
        }
      }
    });
  }
});
