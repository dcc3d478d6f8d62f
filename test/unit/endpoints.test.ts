/** `rmctl endpoints`: the router's core on a table, the errors it names, and its help. */
import { describe, expect, it } from 'vitest';
import { endpointsOf, renderEndpoints } from '../../src/cli/endpoints.js';
import { buildRmctl } from '../../src/cli/rmctl.js';
import type { ReplicaTable } from '../../src/model/table.js';
import { NotFoundError, RegistrationError } from '../../src/shared/errors.js';

const hosts = [
  { name: 'H1', address: '10.0.0.1' },
  { name: 'H2', address: '10.0.0.2' },
];

const table = {
  hosts: [
    { name: 'H1', up: true },
    { name: 'H2', up: true },
  ],
  modules: [
    {
      name: 'A',
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      servicePort: 7000,
      replicas: [
        { id: 'A1', host: 'H1', path: '/a', status: 'B', failures: 0 },
        { id: 'A2', host: 'H2', path: '/a', status: 'P', failures: 0 },
      ],
    },
    {
      name: 'C',
      style: 'hot',
      degree: 2,
      policy: 'on-each-failure',
      servicePort: 8000,
      replicas: [
        { id: 'C1', host: 'H1', path: '/c', status: 'P', failures: 0 },
        { id: 'C2', host: 'H2', path: '/c', status: 'P', failures: 0 },
      ],
    },
    {
      name: 'N',
      style: 'warm',
      degree: 1,
      policy: 'on-each-failure',
      replicas: [{ id: 'N1', host: 'H1', path: '/n', status: 'P', failures: 0 }],
    },
  ],
} as unknown as ReplicaTable;

describe('rmctl endpoints', () => {
  it('names the stable address on every host and the current targets, as the router computes them', () => {
    const views = endpointsOf(table, hosts);
    expect(views.map((v) => v.module)).toEqual(['A', 'C']);
    expect(views[0]).toEqual({
      module: 'A',
      port: 7000,
      mode: 'primary',
      endpoints: [
        { host: 'H1', address: '10.0.0.1:7000' },
        { host: 'H2', address: '10.0.0.2:7000' },
      ],
      // The primary A2 is the second copy: servicePort + 1 + 1.
      targets: [{ replica: 'A2', host: 'H2', address: '10.0.0.2:7002' }],
    });
    expect(views[1]?.targets.map((t) => t.address)).toEqual(['10.0.0.1:8001', '10.0.0.2:8002']);
    expect(endpointsOf(table, hosts, 'C').map((v) => v.module)).toEqual(['C']);
    expect(renderEndpoints(views, false)).toContain('A2 H2 10.0.0.2:7002');
    expect(JSON.parse(renderEndpoints(views, true))).toEqual(views);
  });

  it('refuses an unknown module, naming the known ones, and a module without servicePort', () => {
    expect(() => endpointsOf(table, hosts, 'Z')).toThrow(NotFoundError);
    expect(() => endpointsOf(table, hosts, 'Z')).toThrow('known: A, C, N');
    expect(() => endpointsOf(table, hosts, 'N')).toThrow(RegistrationError);
    expect(() => endpointsOf(table, hosts, 'N')).toThrow('declares no servicePort');
  });

  it('has help text', () => {
    const cmd = buildRmctl().commands.find((c) => c.name() === 'endpoints');
    expect(cmd?.helpInformation()).toContain('--json');
    expect(cmd?.description()).toContain('stable address');
  });
});
