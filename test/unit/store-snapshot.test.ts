/**
 * The snapshot file of `rmctl store export` / `import`: what is written reads back the same, bytes
 * included, and a file that is not one is refused naming the file, the field and what is accepted.
 */
import { describe, expect, it } from 'vitest';
import {
  describeSnapshot,
  encodeSnapshot,
  parseSnapshot,
  type StoreSnapshot,
} from '../../src/checkpoint-server/snapshot.js';
import { ConfigError } from '../../src/shared/errors.js';

const SNAPSHOT: StoreSnapshot = {
  from: '/var/lib/rm/checkpoint.db',
  exportedAtMs: 1_700_000_000_000,
  revision: '',
  keys: [
    { key: 'k', value: Buffer.from([0, 255, 10, 13]), version: 3, epoch: 0 },
    { key: 'rm/replica-table', value: Buffer.from('{"hosts":[],"modules":[]}'), version: 1, epoch: 2 },
  ],
  roles: [{ role: 'manager', holder: 'H2', epoch: 2 }],
  checkpoints: [{ module: 'A', replica: 'A1', state: Buffer.alloc(0), version: 1, savedAtMs: 5 }],
};

function refusal(doc: unknown): string {
  try {
    parseSnapshot(typeof doc === 'string' ? doc : JSON.stringify(doc), '/tmp/store.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('the store snapshot file', () => {
  it('reads back what was written, bytes and empty states included', () => {
    const text = encodeSnapshot(SNAPSHOT);
    expect(parseSnapshot(text, 'f')).toEqual(SNAPSHOT);
    expect(describeSnapshot(SNAPSHOT)).toBe('2 keys, 1 checkpoints, manager epoch 2');
  });

  const good = JSON.parse(encodeSnapshot(SNAPSHOT)) as Record<string, unknown> & {
    keys: Record<string, unknown>[];
  };
  it.each([
    ['{', '/tmp/store.json: not JSON'],
    [{ ...good, format: 'x' }, '/tmp/store.json: format: expected "replica-manager store"'],
    [{ ...good, version: 2 }, 'version: this rmctl reads version 1, got 2'],
    [{ ...good, keys: {} }, 'keys: expected a list'],
    [
      { ...good, keys: [{ ...good.keys[0], version: 0 }] },
      'keys[0].version: expected a whole number ≥ 1, got 0',
    ],
    [{ ...good, keys: [{ ...good.keys[0], value: 'no base64!' }] }, 'keys[0].value: expected base64'],
    [{ ...good, keys: [good.keys[0], good.keys[0]] }, 'keys[1]: key "k" is listed twice'],
    [{ ...good, roles: [{ role: '', holder: '', epoch: 1 }] }, 'roles[0].role: expected a non-empty string'],
    [{ ...good, checkpoints: [null] }, 'checkpoints[0]: expected an object'],
  ])('refuses a file that is not a snapshot, naming the field (%#)', (doc, message) => {
    expect(refusal(doc)).toContain(message);
  });
});
