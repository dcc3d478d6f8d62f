/** The fault-injection suite's auditor on made-up samples: what it reports, and what it must not. */
import { describe, expect, it } from 'vitest';
import type { ReplicaTable } from '../../src/model/table.js';
import { Auditor, settleProblems } from '../cts/audit.js';
import type { CopyProcess } from '../cts/probe.js';

const copy = (pid: number, replica: string, host: string, role: string | null, state = 'S'): CopyProcess => ({
  pid,
  start: String(pid * 10),
  host,
  replica,
  module: replica.replace(/\d+$/, ''),
  state,
  role,
  roleAtMs: 0,
});
const modules = [
  { name: 'W', style: 'warm' as const },
  { name: 'T', style: 'hot' as const },
];

describe('Auditor', () => {
  it('reports two live primaries of a warm module once per episode, with both pids', () => {
    const a = new Auditor(modules);
    a.round = 3;
    const two = [copy(1, 'W1', 'H1', 'primary'), copy(2, 'W2', 'H2', 'primary')];
    a.processes({ atMs: 100, copies: two }, { atMs: 101, copies: two });
    a.processes({ atMs: 150, copies: two }, { atMs: 151, copies: two });
    a.processes({ atMs: 200, copies: [two[1] as CopyProcess] }, null);
    const v = a.endRound(300);
    expect(v.map((x) => x.invariant)).toEqual(['single-primary']);
    expect(v[0]?.round).toBe(3);
    expect(v[0]?.evidence).toMatchObject({ module: 'W', overMs: 100, samples: 2 });
    expect(((v[0]?.evidence.primaries ?? []) as Array<{ pid: number }>).map((p) => p.pid).sort()).toEqual([
      1, 2,
    ]);
  });

  it('does not count a stopped copy, a hot module, or a primary the confirming sample no longer shows', () => {
    const a = new Auditor(modules);
    a.processes(
      { atMs: 0, copies: [copy(1, 'W1', 'H1', 'primary', 'T'), copy(2, 'W2', 'H2', 'primary')] },
      null,
    );
    const hot = [copy(3, 'T1', 'H1', 'primary'), copy(4, 'T2', 'H2', 'primary')];
    a.processes({ atMs: 50, copies: hot }, null);
    const racing = [copy(1, 'W1', 'H1', 'primary'), copy(2, 'W2', 'H2', 'primary')];
    a.processes(
      { atMs: 100, copies: racing },
      { atMs: 101, copies: [copy(1, 'W1', 'H1', 'backup'), racing[1] as CopyProcess] },
    );
    expect(a.endRound(200)).toEqual([]);
  });

  it('reports a copy live on a host the table marks down only when it was live before and after the call', () => {
    const a = new Auditor(modules);
    const table: ReplicaTable = { hosts: [{ name: 'H1', up: false }], modules: [] };
    a.table(table, 1, 'H2', { atMs: 0, copies: [copy(5, 'W1', 'H1', 'primary')] }, { atMs: 10, copies: [] });
    expect(a.endRound(20)).toEqual([]);
    a.table(
      table,
      1,
      'H2',
      { atMs: 30, copies: [copy(5, 'W1', 'H1', 'primary')] },
      { atMs: 40, copies: [copy(5, 'W1', 'H1', 'primary')] },
    );
    expect(a.endRound(50).map((v) => v.invariant)).toEqual(['no-copy-on-down-host']);
  });

  it('reports an epoch that goes back, a counter that goes back and an acknowledged save that is gone', () => {
    const a = new Auditor([{ name: 'W', style: 'warm' }]);
    a.epoch('store', 3, 0, 'store');
    a.epoch('store', 2, 10, 'store');
    const ack = { module: 'W', replica: 'W1', pid: 1, counter: 100, version: 20, atMs: 5 };
    a.checkpoint('W', { counter: 100, version: 20, replica: 'W1' }, [ack], 10);
    a.checkpoint('W', { counter: 75, version: 21, replica: 'W2' }, [ack], 20);
    expect(a.endRound(30).map((v) => v.invariant)).toEqual([
      'epoch-monotonic',
      'state-monotonic',
      'no-lost-save',
    ]);
  });
});

describe('settleProblems', () => {
  const table: ReplicaTable = {
    hosts: [
      { name: 'H1', up: true },
      { name: 'H2', up: true },
    ],
    modules: [
      {
        name: 'W',
        style: 'warm',
        degree: 2,
        policy: 'on-each-failure',
        detect: 'heartbeat',
        underReplicated: false,
        replicas: [
          { id: 'W1', host: 'H1', path: '/a', status: 'P', failures: 0 },
          { id: 'W2', host: 'H2', path: '/a', status: 'B', failures: 0 },
        ],
      },
    ],
  };
  const base = {
    table,
    managerHost: 'H2',
    ringJoined: true,
    managers: [{ pid: 9, host: 'H2', state: 'S' }],
    alerted: new Set<string>(),
  };

  it('is empty when the processes run what the table says, with the roles they announced', () => {
    expect(
      settleProblems({ ...base, copies: [copy(1, 'W1', 'H1', 'primary'), copy(2, 'W2', 'H2', 'backup')] }),
    ).toEqual([]);
  });

  it('names a wrong role, a missing copy, a copy the table does not run and a second manager', () => {
    const p = settleProblems({
      ...base,
      copies: [copy(1, 'W1', 'H1', 'backup'), copy(3, 'W3', 'H1', 'backup')],
      managers: [...base.managers, { pid: 10, host: 'H5', state: 'S' }],
    });
    expect([...new Set(p.map((x) => x.invariant))].sort()).toEqual([
      'degree-or-short',
      'no-stray-process',
      'table-matches-processes',
    ]);
    expect(p.filter((x) => x.invariant === 'table-matches-processes')).toHaveLength(3);
  });
});
