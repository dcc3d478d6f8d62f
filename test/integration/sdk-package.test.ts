/**
 * The application SDK as a package of its own (`npm run pack:sdk`): an application that installs it
 * gets the client with its types and none of the daemons' dependencies. The package is installed
 * here into an empty application folder with only the dependencies its manifest declares (linked
 * from this project's node_modules, so nothing is downloaded): a file it needs but does not carry,
 * or a package it imports but does not declare, fails the import or the type check below.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/processes.js';

const tmp = tempDir('rm-sdk-package-');
const app = join(tmp.dir, 'app');
let manifest: { name: string; dependencies: Record<string, string>; types: string };

beforeAll(() => {
  const tarball = execFileSync('node', [join(ROOT, 'scripts/pack-sdk.mjs'), '--out', tmp.dir], {
    encoding: 'utf8',
  }).trim();
  const into = join(app, 'node_modules/replica-manager-sdk');
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', into, '--strip-components=1']);
  manifest = JSON.parse(readFileSync(join(into, 'package.json'), 'utf8'));
  for (const dep of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', type: 'module', private: true }));
}, 60_000);

afterAll(() => tmp.remove());

describe('the SDK package', () => {
  it('depends on the gRPC client alone: nothing native, no daemon dependency', () => {
    expect(manifest.name).toBe('replica-manager-sdk');
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const [dep, range] of Object.entries(manifest.dependencies))
      expect(root.dependencies[dep]).toBe(range);
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      '@grpc/grpc-js',
      '@grpc/proto-loader',
      'grpc-health-check',
    ]);
    const files = readdirSync(join(app, 'node_modules/replica-manager-sdk/dist/src'), { recursive: true });
    expect(files.some((f) => String(f).startsWith('replica-manager'))).toBe(false);
    expect(files.some((f) => String(f).startsWith('checkpoint-server'))).toBe(false);
  });

  it('is imported by an application and answers as the SDK', () => {
    writeFileSync(
      join(app, 'main.mjs'),
      [
        "import { connect, FENCED_EXIT_CODE, ReplicationStream } from 'replica-manager-sdk';",
        // Without RM_REPLICA connect() gives an unattached handle, to be registered with registerSelf().
        'const r = await connect({ env: {} });',
        'console.log(JSON.stringify({ connect: typeof connect, fenced: FENCED_EXIT_CODE, stream: typeof ReplicationStream, replica: r.replica }));',
        'r.close();',
      ].join('\n'),
    );
    const out = execFileSync('node', ['main.mjs'], { cwd: app, encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(out)).toEqual({ connect: 'function', fenced: 75, stream: 'function', replica: '' });
  });

  it("carries its types: an application's type check passes against them and catches a misuse", () => {
    writeFileSync(
      join(app, 'app.ts'),
      [
        "import { connect, type Replica } from 'replica-manager-sdk';",
        'const r: Replica = await connect();',
        "r.on('role', (role) => console.log(role));",
        '// @ts-expect-error: not a method of the SDK',
        'r.noSuchMethod();',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
        },
        files: ['app.ts'],
      }),
    );
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', app], { encoding: 'utf8', timeout: 60_000 });
  }, 90_000);
});
