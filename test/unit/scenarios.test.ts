/**
 * The decision core's specification: every file under test/scenarios/ is a table, a list of events,
 * and what must come of each (in the spirit of Pacemaker's scheduler regression tests). A step lists
 * its actions exactly, in order, in the short form `start A4@H4 B`, `restart C1@H3 P`,
 * `set-role A2@H2 P`, `stop A1@H1`; the modules alerted (`alerts: [C]`, none if absent); and any
 * statuses, failures, hosts and under-replicated modules to check afterwards. An event given as
 * text is read as `rmctl simulate --event` reads it. A refused step gives
 * `error` (a part of the message) and `field`, and the table must be left as it was.
 *
 * `RM_UPDATE_SCENARIOS=1 npx vitest run test/unit/scenarios.test.ts` writes what decide() now gives
 * into the files' actions and alerts instead of comparing them (everything else is still checked);
 * read the diff before committing it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument, stringify } from 'yaml';
import { parseEvent } from '../../src/cli/simulate.js';
import type { Action, Alert, Event, ReplicaTable, Role } from '../../src/model/table.js';
import { decide, actionText as shortText, wouldResume } from '../../src/replica-manager/decide.js';
import { checkRegistration, parseModuleSpec, parseTableFile } from '../../src/replica-manager/table-file.js';
import { ConfigError, SupervisorError } from '../../src/shared/errors.js';
import { checkInvariants } from '../helpers/invariants.js';

const DIR = resolve(import.meta.dirname, '../scenarios');

interface Step {
  event: string | { register: unknown; runningOn?: string } | { reconcile: string; running?: string[] };
  actions?: string[];
  alerts?: string[];
  statuses?: Record<string, string>;
  failures?: Record<string, number>;
  hosts?: Record<string, boolean>;
  underReplicated?: string[];
  /** Each named module's primary generation afterwards (absent = 0). */
  generations?: Record<string, number>;
  /** Each named module's switchover afterwards, `FROM>TO`, or `none`. */
  switchover?: Record<string, string>;
  /** The modules paused afterwards, and the hosts drained. */
  paused?: string[];
  drained?: string[];
  /** Each named module's held failures afterwards (`A1:P`). */
  held?: Record<string, string[]>;
  /** What resume would do now for each named module (the short action form). */
  wouldResume?: Record<string, string[]>;
  error?: string;
  field?: string;
}

interface Scenario {
  shows: string;
  source?: string;
  table: string | object;
  steps: Step[];
}

const SCENARIO_KEYS = ['shows', 'source', 'table', 'steps'];
const STEP_KEYS = [
  'event',
  'actions',
  'alerts',
  'statuses',
  'failures',
  'hosts',
  'underReplicated',
  'generations',
  'switchover',
  'paused',
  'drained',
  'held',
  'wouldResume',
  'error',
  'field',
];

/** The runner is strict: a misspelt key would otherwise be an expectation silently not checked. */
function strictKeys(o: object, accepted: readonly string[], where: string): void {
  const unknown = Object.keys(o).filter((k) => !accepted.includes(k));
  if (unknown.length > 0) {
    throw new Error(
      `${where}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')} (accepted: ${accepted.join(', ')})`,
    );
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

const UPDATE = process.env.RM_UPDATE_SCENARIOS === '1';

function actionText(a: Action): string {
  const what =
    a.kind === 'stop'
      ? `stop ${a.replica}@${a.host}`
      : `${a.kind} ${a.replica}@${a.host} ${a.role}${a.kind !== 'set-role' && a.delayMs ? ` after ${a.delayMs}ms` : ''}`;
  return a.reason ? `${what} — ${a.reason}` : what;
}

function alertText(a: Alert): string {
  return `${a.module} — ${a.reason}`;
}

function loadTable(s: Scenario, file: string): ReplicaTable {
  if (typeof s.table === 'string') {
    const path = resolve(dirname(file), s.table);
    return parseTableFile(readFileSync(path, 'utf8'), path);
  }
  return parseTableFile(stringify(s.table), file);
}

/** Turns a step's event into decide()'s input, the way rmctl simulate and the ReplicaManager do. */
function toEvent(step: Step, table: ReplicaTable): Event {
  const e = step.event;
  // The text form rmctl simulate reads (docs/TABLE-FORMAT.md).
  if (typeof e === 'string') return parseEvent(e, 1, table);
  if ('register' in e) {
    // Through the module file's reader, so that unknown keys and bad shapes are refused as rmctl refuses them.
    const spec = parseModuleSpec(stringify(e.register), 'module');
    checkRegistration(spec, table, 'module');
    return e.runningOn
      ? { kind: 'register', module: spec, runningOn: e.runningOn }
      : { kind: 'register', module: spec };
  }
  const running = (e.running ?? []).map((x) => {
    const [replica, role] = x.split(':') as [string, Role];
    return { replica, role };
  });
  return { kind: 'reconcile', host: e.reconcile, running };
}

describe('decision scenarios (test/scenarios)', () => {
  const all = files(DIR);
  it('has scenario files', () => expect(all.length).toBeGreaterThan(20));

  for (const file of all) {
    const name = relative(DIR, file);
    it(name, () => {
      const s = parse(readFileSync(file, 'utf8')) as Scenario;
      const doc = UPDATE ? parseDocument(readFileSync(file, 'utf8')) : null;
      let changed = false;
      expect(s.shows, `${name}: a scenario says what it shows`).toBeTruthy();
      strictKeys(s, SCENARIO_KEYS, name);
      for (const [i, step] of s.steps.entries()) strictKeys(step, STEP_KEYS, `${name}, step ${i + 1}`);
      let table = loadTable(s, file);
      s.steps.forEach((step, i) => {
        const where = `${name}, step ${i + 1} (${JSON.stringify(step.event)})`;
        const before = structuredClone(table);
        let decision: ReturnType<typeof decide> | undefined;
        let error: unknown;
        try {
          decision = decide(table, toEvent(step, table));
        } catch (err) {
          error = err;
        }
        if (step.error !== undefined) {
          expect(error, `${where}: expected a refusal`).toBeInstanceOf(SupervisorError);
          const err = error as SupervisorError & { field?: string };
          expect(err.message, where).toContain(step.error);
          if (step.field !== undefined) expect(err.field, `${where}: field`).toBe(step.field);
          expect(table, `${where}: a refusal changes nothing`).toEqual(before);
          return;
        }
        if (error) throw new Error(`${where}: ${(error as Error).message}`);
        const d = decision as NonNullable<typeof decision>;
        expect(table, `${where}: decide() must not change its input`).toEqual(before);
        if (doc) {
          const set = (key: 'actions' | 'alerts', lines: string[]) => {
            if (isDeepStrictEqual(lines, step[key] ?? [])) return;
            doc.setIn(['steps', i, key], doc.createNode(lines, { flow: false }));
            changed = true;
          };
          set('actions', d.actions.map(actionText));
          set('alerts', d.alerts.map(alertText));
        } else {
          expect(d.actions.map(actionText), `${where}: actions`).toEqual(step.actions ?? []);
          expect(d.alerts.map(alertText), `${where}: alerts`).toEqual(step.alerts ?? []);
        }
        table = d.table;
        const replicas = table.modules.flatMap((m) => m.replicas);
        for (const [id, status] of Object.entries(step.statuses ?? {})) {
          expect(replicas.find((r) => r.id === id)?.status, `${where}: status of ${id}`).toBe(status);
        }
        for (const [id, n] of Object.entries(step.failures ?? {})) {
          expect(replicas.find((r) => r.id === id)?.failures, `${where}: failures of ${id}`).toBe(n);
        }
        for (const [h, up] of Object.entries(step.hosts ?? {})) {
          expect(table.hosts.find((x) => x.name === h)?.up, `${where}: host ${h} up`).toBe(up);
        }
        for (const [m, g] of Object.entries(step.generations ?? {})) {
          expect(
            table.modules.find((x) => x.name === m)?.generation ?? 0,
            `${where}: generation of ${m}`,
          ).toBe(g);
        }
        for (const [m, sw] of Object.entries(step.switchover ?? {})) {
          const got = table.modules.find((x) => x.name === m)?.switchover;
          expect(got ? `${got.from}>${got.to}` : 'none', `${where}: switchover of ${m}`).toBe(sw);
        }
        if (step.paused) {
          expect(
            table.modules.filter((m) => m.paused).map((m) => m.name),
            `${where}: paused`,
          ).toEqual(step.paused);
        }
        if (step.drained) {
          expect(
            table.hosts.filter((h) => h.drained).map((h) => h.name),
            `${where}: drained`,
          ).toEqual(step.drained);
        }
        for (const [m, held] of Object.entries(step.held ?? {})) {
          const got = (table.modules.find((x) => x.name === m)?.held ?? []).map(
            (h) => `${h.replica}:${h.role}`,
          );
          expect(got, `${where}: held of ${m}`).toEqual(held);
        }
        for (const [m, would] of Object.entries(step.wouldResume ?? {})) {
          expect(wouldResume(table, m).map(shortText), `${where}: would resume ${m}`).toEqual(would);
        }
        if (step.underReplicated) {
          expect(
            table.modules.filter((m) => m.underReplicated).map((m) => m.name),
            `${where}: under-replicated`,
          ).toEqual(step.underReplicated);
        }
        const broken = checkInvariants(table);
        expect(broken, `${where}: invariants`).toEqual([]);
      });
      if (doc && changed) writeFileSync(file, doc.toString({ lineWidth: 102 }));
    });
  }

  it('a scenario with a misspelt key fails loudly instead of checking nothing', () => {
    expect(() => strictKeys({ event: 'host-down H1', statues: { A1: 'I' } }, STEP_KEYS, 'x')).toThrow(
      /x: unknown key "statues"/,
    );
  });

  it('a scenario that names an unknown event fails loudly', () => {
    expect(() => toEvent({ event: 'explode H1' }, { hosts: [], modules: [] })).toThrow(/unknown event/);
    expect(() => parseTableFile('hosts: [{ name: H1, colour: red }]', 'x.yaml')).toThrow(ConfigError);
  });
});
