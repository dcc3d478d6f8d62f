import { describe, expect, it } from 'vitest';
import { specFromFlags } from '../../src/cli/commands.js';
import { copyCatEnv, type Module } from '../../src/model/table.js';
import { replicaSpec } from '../../src/replica-manager/daemon.js';
import { moduleToProto, specFromProto } from '../../src/replica-manager/proto-convert.js';
import { validateRegistration } from '../../src/replica-manager/validate.js';
import { RegistrationError } from '../../src/shared/errors.js';
import type { Module__Output } from '../../src/shared/generated/rm/replica_manager/v1/Module.js';

const module: Module = {
  name: 'M',
  style: 'warm',
  degree: 2,
  policy: 'on-each-failure',
  detect: 'poll',
  copyCat: true,
  maxOutOfSyncMs: 1500,
  env: { RM_COPY_CAT: '0' },
  replicas: [
    { id: 'M1', host: 'H1', path: '/opt/m', status: 'P', failures: 0 },
    { id: 'M2', host: 'H2', path: '/opt/m', status: 'B', failures: 0 },
  ],
  underReplicated: false,
};

describe('copy-cat as a registration option', () => {
  it('tells each copy the mode and the guideline, over whatever the module env says', () => {
    expect(replicaSpec(module, 'M2').env).toMatchObject({
      RM_COPY_CAT: '1',
      RM_REPLICATION_MIN_IN_SYNC: '1',
      RM_REPLICATION_MAX_OUT_OF_SYNC_MS: '1500',
    });
    expect(copyCatEnv({ copyCat: true })).toEqual({ RM_COPY_CAT: '1' });
    expect(copyCatEnv({})).toEqual({});
  });

  it('crosses the wire unchanged', () => {
    const spec = specFromProto(moduleToProto(module) as Module__Output);
    expect(spec.copyCat).toBe(true);
    expect(spec.maxOutOfSyncMs).toBe(1500);
    const plain = specFromProto(
      moduleToProto({ ...module, copyCat: undefined, maxOutOfSyncMs: undefined }) as Module__Output,
    );
    expect(plain.copyCat).toBeUndefined();
    expect(plain.maxOutOfSyncMs).toBeUndefined();
  });

  it('refuses a copyCat that is not true or false, naming the field', () => {
    const table = {
      hosts: [
        { name: 'H1', up: true },
        { name: 'H2', up: true },
      ],
      modules: [],
    };
    const spec = {
      name: 'N',
      style: 'hot' as const,
      degree: 2,
      policy: 'on-each-failure' as const,
      copyCat: 'yes' as unknown as boolean,
      replicas: [
        { host: 'H1', path: '/opt/n' },
        { host: 'H2', path: '/opt/n' },
      ],
    };
    expect(() => validateRegistration(spec, table)).toThrow(RegistrationError);
    expect(() => validateRegistration(spec, table)).toThrow('copyCat: must be true or false, got "yes"');
    expect(() => validateRegistration({ ...spec, copyCat: true, maxOutOfSyncMs: 0 }, table)).not.toThrow();
  });

  it('rmctl register --copy-cat --max-out-of-sync MS', () => {
    const spec = specFromFlags('N', {
      style: 'hot',
      degree: '2',
      policy: 'on-each-failure',
      replica: ['H1:/opt/n', 'H2:/opt/n'],
      copyCat: true,
      maxOutOfSync: '2000',
    });
    expect(spec).toMatchObject({ copyCat: true, maxOutOfSyncMs: 2000 });
    expect(() =>
      specFromFlags('N', {
        style: 'hot',
        degree: '2',
        policy: 'on-each-failure',
        replica: ['H1:/a'],
        maxOutOfSync: 'x',
      }),
    ).toThrow('--max-out-of-sync: expected a whole number, got "x"');
  });
});
