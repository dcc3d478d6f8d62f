import { describe, expect, it } from 'vitest';
import { CopyCatModeError, copyCatMode, Replica } from '../../src/client/index.js';

const state = { snapshot: () => '', restore: () => undefined };
const env = (extra: Record<string, string>) => ({
  RM_MODULE: 'M',
  RM_REPLICA: 'M1',
  RM_ROLE: 'backup',
  ...extra,
});

describe('the SDK takes copy-cat mode from the registration', () => {
  it('turns it on from RM_COPY_CAT without code asking', () => {
    const app = new Replica({ env: env({ RM_COPY_CAT: '1' }) });
    expect(app.copyCat).toBe(true);
    expect(() => app.replication({ ...state, onMessage: () => undefined })).toThrow(CopyCatModeError);
    expect(() => app.replication({ ...state, onMessage: () => undefined })).toThrow(
      'M runs as an active copy-cat (registered with copyCat: true): its backups replay each input, so open its stream with copycat({ handle })',
    );
    app.close();
  });

  it('without a registered mode, code decides (default off)', () => {
    expect(new Replica({ env: env({}) }).copyCat).toBe(false);
    expect(new Replica({ env: env({}), copyCat: true }).copyCat).toBe(true);
    expect(copyCatMode('M', undefined, undefined)).toBe(false);
  });

  it('refuses code that asks for another mode than the registration, saying both', () => {
    expect(() => new Replica({ env: env({ RM_COPY_CAT: '1' }), copyCat: false })).toThrow(
      'M is registered with copyCat: true but the connect options say copyCat: false',
    );
    expect(() => copyCatMode('M', '0', true)).toThrow(
      'M is registered without copyCat but the connect options say copyCat: true',
    );
    expect(() => copyCatMode('M', 'yes', undefined)).toThrow('RM_COPY_CAT is "yes"; accepted: 1 or 0');
    expect(copyCatMode('M', '1', true)).toBe(true);
  });

  it('refuses copycat() when the connect options turned the mode off', () => {
    const app = new Replica({ env: env({}), copyCat: false });
    expect(() => app.copycat({ ...state, handle: () => '' })).toThrow(CopyCatModeError);
    app.close();
  });
});
