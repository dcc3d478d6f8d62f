/** `rmctl simulate` exactly as TABLE-FORMAT.md specifies it: events, --json, exit 2 with one line, file untouched. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simulateCommand } from '../../src/cli/simulate.js';
import { RMCTL, ROOT, tempDir } from '../helpers/processes.js';

const FIG2 = join(ROOT, 'examples', 'fig2.yaml');

function run(opts: Parameters<typeof simulateCommand>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = simulateCommand(opts, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('rmctl simulate', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('rm-sim-');
  });
  afterEach(() => tmp?.remove());

  it('prints { table, actions, alerts } with --json: ¶0023 then ¶0024', () => {
    const r = run({ file: FIG2, event: ['replica-failed A1', 'host-down H1'], json: true });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['table', 'actions', 'alerts']);
    expect(j.actions).toEqual([
      {
        kind: 'set-role',
        replica: 'A2',
        host: 'H2',
        role: 'P',
        reason: 'A1 failed: A has no primary: A2 is its first live backup',
      },
      {
        kind: 'start',
        replica: 'A4',
        host: 'H4',
        role: 'B',
        reason: 'A1 failed: A runs 2 of 3 (warm, degree 3): A4 is the first live idle copy',
      },
      {
        kind: 'start',
        replica: 'B3',
        host: 'H5',
        role: 'P',
        reason: 'H1 down: B runs 1 of 2 (hot, degree 2): B3 is the first live idle copy',
      },
    ]);
    expect(j.alerts).toEqual([]);
    const b = j.table.modules.find((m: { name: string }) => m.name === 'B');
    expect(b.replicas.map((x: { id: string; status: string }) => `${x.id}:${x.status}`)).toEqual([
      'B2:I',
      'B1:P',
      'B3:P',
    ]);
    expect(b.underReplicated).toBe(false);
    expect(j.table.hosts.find((h: { name: string }) => h.name === 'H1').up).toBe(false);
  });

  it('without --json prints the FIG. 2 table, then what each event did', () => {
    const r = run({ file: FIG2, event: ['replica-failed A1'] });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Module.*Style.*Degree.*Switching.*Replica.*Host.*Path.*Status/);
    expect(r.out).toMatch(/│ A\s+│ warm\s+│ 3\s+│ OnEachFailure/);
    expect(r.out).toMatch(/OnOverThreshold\(2\)/);
    expect(r.out).toContain(
      'set-role A2 on H2 to P — A1 failed: A has no primary: A2 is its first live backup',
    );
    expect(r.out).toContain(
      'start    A4 on H4 as B — A1 failed: A runs 2 of 3 (warm, degree 3): A4 is the first live idle copy',
    );
  });

  it('registers a module from a file and reports under-replication as an alert', () => {
    const mod = join(tmp.dir, 'd.yaml');
    writeFileSync(
      mod,
      'name: D\nstyle: hot\ndegree: 2\npolicy: on-each-failure\nreplicas:\n  - { host: H5, path: /opt/d }\n  - { host: H6, path: /opt/d }\n',
    );
    const r = run({ file: FIG2, event: [`register ${mod}`, 'host-down H6'], json: true });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.actions.slice(0, 2)).toEqual([
      {
        kind: 'start',
        replica: 'D1',
        host: 'H5',
        role: 'P',
        reason: 'D registered: D runs 0 of 2 (hot, degree 2): D1 is the first live idle copy',
      },
      {
        kind: 'start',
        replica: 'D2',
        host: 'H6',
        role: 'P',
        reason: 'D registered: D runs 1 of 2 (hot, degree 2): D2 is the first live idle copy',
      },
    ]);
    expect(j.alerts).toContainEqual({
      module: 'D',
      reason:
        'H6 down: under-replicated: 1 of 2 copies running, no live idle copy left (down: H6); the degree is restored when a host returns',
    });
    expect(j.table.modules.find((m: { name: string }) => m.name === 'D').underReplicated).toBe(true);
  });

  it.each([
    [['host-down H9'], /--event #1 "host-down H9": unknown host "H9"/],
    [['replica-failed Z1'], /unknown replica "Z1"/],
    [['explode H1'], /unknown event "explode"; accepted: replica-failed ID/],
    [['host-down'], /expected KIND ARG/],
    [['host-up H1', 'unregister Q'], /--event #2 "unregister Q": unknown module "Q"/],
    [['register /nonexistent.yaml'], /cannot read: ENOENT/],
  ])('a bad event %j exits 2 with one line', (events, message) => {
    const r = run({ file: FIG2, event: events });
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it.each([
    [
      'hosts: [{ name: H1 }]\nmodules:\n  - { name: A, style: warm, degree: 1, policy: on-each-failure, replicas: [{ id: A1, host: H1, path: /a, status: X }] }\n',
      /modules\[0\]\.replicas\[0\]\.status: unknown value "X"; accepted: P, B, I/,
    ],
    ['hosts: [{ name: H1, colour: red }]\n', /hosts\[0\]\.colour: unknown key "colour"/],
    [
      'hosts: [{ name: H1 }]\nmodules:\n  - { name: A, style: warm, degree: 1, policy: on-each-failure, replicas: [{ id: A1, host: H2, path: /a, status: P }] }\n',
      /replicas\[0\]\.host: unknown host "H2"/,
    ],
    [
      'hosts: [{ name: H1 }, { name: H2 }]\nmodules:\n  - { name: A, style: warm, degree: 2, policy: on-each-failure, replicas: [{ id: A1, host: H1, path: /a, status: P }, { id: A2, host: H2, path: /a, status: P }] }\n',
      /at most one primary/,
    ],
    ['hosts: [\n', /not valid YAML or JSON/],
    ['{"hosts": [{"name": "H1", "up": "yes"}]}', /hosts\[0\]\.up: expected true or false/],
  ])('a bad table file exits 2 naming the file and the field (%#)', (text, message) => {
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, text);
    const r = run({ file, event: ['host-down H1'] });
    expect(r.code).toBe(2);
    expect(r.err).toContain(file);
    expect(r.err).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('as a real command: exit codes, JSON on stdout, the file never changed', () => {
    const copy = join(tmp.dir, 'fig2.yaml');
    const text = readFileSync(FIG2, 'utf8');
    writeFileSync(copy, text);
    const out = execFileSync(
      process.execPath,
      [RMCTL, 'simulate', '-f', copy, '--event', 'host-down H1', '--json'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out).actions).toHaveLength(3);
    const bad = spawnSync(process.execPath, [RMCTL, 'simulate', '-f', copy, '--event', 'host-down H7'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const usage = spawnSync(process.execPath, [RMCTL, 'simulate'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("required option '-f, --file <FILE>'");
    expect(readFileSync(copy, 'utf8')).toBe(text);
  });
});
