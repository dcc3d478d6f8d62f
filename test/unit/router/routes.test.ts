import { describe, expect, it } from 'vitest';
import type { ModuleSpec, ReplicaTable } from '../../../src/model/table.js';
import { decide } from '../../../src/replica-manager/decide.js';
import { parseModuleSpec, parseTableFile } from '../../../src/replica-manager/table-file.js';
import { validateRegistration } from '../../../src/replica-manager/validate.js';
import { changeFor, pickTarget, routesFor } from '../../../src/router/routes.js';

const hosts = ['H1', 'H2', 'H3'].map((name) => ({ name, up: true }));
const spec = (name: string, style: ModuleSpec['style'], servicePort?: number): ModuleSpec => ({
  name,
  style,
  degree: style === 'cold' ? 3 : 2,
  policy: 'on-each-failure',
  ...(servicePort === undefined ? {} : { servicePort }),
  replicas: ['H1', 'H2', 'H3'].map((host) => ({ host, path: `/opt/${name}` })),
});
function registered(...specs: ModuleSpec[]): ReplicaTable {
  let t: ReplicaTable = { hosts, modules: [] };
  for (const s of specs) t = decide(t, { kind: 'register', module: s }).table;
  return t;
}

describe('service ports', () => {
  it('each copy has its own port after the router port', () => {
    const routes = routesFor(registered(spec('A', 'warm', 9000), spec('N', 'warm')));
    expect([...routes.keys()]).toEqual(['A']);
    expect(routes.get('A')).toEqual({
      module: 'A',
      port: 9000,
      mode: 'primary',
      targets: [{ replica: 'A1', host: 'H1', port: 9001 }],
    });
  });
  it('refuses overlapping ranges, low ports and ranges past 65535, naming the field', () => {
    const t = registered(spec('A', 'warm', 9000));
    expect(() => validateRegistration(spec('B', 'warm', 9003), t)).toThrow(
      /servicePort.*overlap module "A"'s 9000–9003/,
    );
    expect(() => validateRegistration(spec('B', 'warm', 9004), t)).not.toThrow();
    expect(() => validateRegistration(spec('B', 'warm', 80), t)).toThrow(/a port number from 1024/);
    expect(() => validateRegistration(spec('B', 'warm', 65534), t)).toThrow(/up to 65532/);
  });
  it('is a key of module files and table files', () => {
    const m = parseModuleSpec(
      'name: A\nstyle: hot\ndegree: 1\npolicy: on-each-failure\nservicePort: 9100\nreplicas: [{host: H1, path: /a}]\n',
    );
    expect(m.servicePort).toBe(9100);
    expect(() =>
      parseTableFile(
        'hosts: [{name: H1}]\nmodules:\n- {name: A, style: hot, degree: 1, policy: on-each-failure, servicePort: 9100, replicas: [{id: A1, host: H1, path: /a, status: P}]}\n- {name: B, style: hot, degree: 1, policy: on-each-failure, servicePort: 9101, replicas: [{id: B1, host: H1, path: /b, status: P}]}\n',
      ),
    ).toThrow(/modules\[1\]\.servicePort/);
  });
});

describe('routes across events', () => {
  it('a crashed warm primary is cut; the promoted backup is the new target', () => {
    const t0 = registered(spec('A', 'warm', 9000));
    const before = routesFor(t0).get('A');
    const t1 = decide(t0, { kind: 'replica-failed', replica: 'A1' }).table;
    const after = routesFor(t1).get('A');
    expect(after?.targets.map((x) => x.replica)).toEqual(['A2']);
    expect(changeFor(before, after, t1)).toEqual({ cut: ['A1'], drain: [] });
  });
  it('a host down cuts every copy on it; a copy still running but demoted drains', () => {
    const t0 = registered(spec('H', 'hot', 9000));
    const t1 = decide(t0, { kind: 'host-down', host: 'H1' }).table;
    expect(changeFor(routesFor(t0).get('H'), routesFor(t1).get('H'), t1)).toEqual({ cut: ['H1'], drain: [] });
    // A planned switchover: A1 becomes a backup and still runs.
    const w = registered(spec('A', 'warm', 9100));
    const demoted: ReplicaTable = {
      ...w,
      modules: w.modules.map((m) => ({
        ...m,
        replicas: m.replicas.map((r) => ({
          ...r,
          status: r.id === 'A1' ? 'B' : r.id === 'A2' ? 'P' : r.status,
        })),
      })),
    };
    expect(changeFor(routesFor(w).get('A'), routesFor(demoted).get('A'), demoted)).toEqual({
      cut: [],
      drain: ['A1'],
    });
  });
  it('a switchover decided by the core: new connections are held while A1 steps down, its own drain, then A2 serves', () => {
    const t0 = registered(spec('A', 'warm', 9200));
    const t1 = decide(t0, { kind: 'switchover', module: 'A' }).table;
    const held = routesFor(t1).get('A');
    expect(held?.targets).toEqual([]);
    expect(changeFor(routesFor(t0).get('A'), held, t1)).toEqual({ cut: [], drain: ['A1'] });
    const t2 = decide(t1, { kind: 'demoted', replica: 'A1' }).table;
    expect(routesFor(t2).get('A')?.targets).toEqual([{ replica: 'A2', host: 'H2', port: 9202 }]);
    expect(changeFor(held, routesFor(t2).get('A'), t2)).toEqual({ cut: [], drain: [] });
  });
  it('hot connections go to the copy with the fewest open, skipping one that refused', () => {
    const route = routesFor(registered(spec('H', 'hot', 9000))).get('H');
    if (!route) throw new Error('no route');
    expect(route.mode).toBe('spread');
    expect(pickTarget(route, new Map())?.replica).toBe('H1');
    expect(
      pickTarget(
        route,
        new Map([
          ['H1', 2],
          ['H2', 1],
        ]),
      )?.replica,
    ).toBe('H2');
    expect(pickTarget(route, new Map(), new Set(['H1']))?.replica).toBe('H2');
    expect(pickTarget(route, new Map(), new Set(['H1', 'H2']))).toBeNull();
  });
});
