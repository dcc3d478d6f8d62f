/** The committed gRPC stubs (src/shared/generated) are what proto/*.proto generate today. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';

describe('generated gRPC types', () => {
  it('are current: regenerating from proto/ changes nothing', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'gen-proto.mjs'), '--check'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}\n(run \`npm run gen:proto\` and commit the result)`).toBe(0);
  });
});
