// Regenerates the typed gRPC stubs under src/shared/generated from proto/*.proto (STYLE §5).
// `--check` regenerates into a temporary folder and fails if the committed files differ.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'src/shared/generated');
const check = process.argv.includes('--check');
const protos = readdirSync(join(root, 'proto'))
  .filter((f) => f.endsWith('.proto'))
  .sort();

function generate(dir) {
  execFileSync(
    join(root, 'node_modules/.bin/proto-loader-gen-types'),
    [
      '--keepCase',
      '--longs=String',
      '--enums=String',
      '--defaults',
      '--oneofs',
      '--includeComments',
      '--grpcLib=@grpc/grpc-js',
      '--importFileExtension=.js',
      '-I',
      join(root, 'proto'),
      '-O',
      dir,
      ...protos,
    ],
    { stdio: 'inherit' },
  );
  // The generator names each source by its absolute path; keep it relative so that the output does
  // not depend on where the project is checked out.
  for (const f of walk(dir)) {
    const text = readFileSync(f, 'utf8');
    const fixed = text.replaceAll(`// Original file: ${join(root, 'proto')}/`, '// Original file: proto/');
    if (fixed !== text) writeFileSync(f, fixed);
  }
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

if (!check) {
  rmSync(out, { recursive: true, force: true });
  generate(out);
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'rm-proto-'));
  try {
    generate(tmp);
    const fresh = walk(tmp)
      .map((f) => relative(tmp, f))
      .sort();
    const committed = existsSync(out)
      ? walk(out)
          .map((f) => relative(out, f))
          .sort()
      : [];
    const stale = [
      ...fresh.filter(
        (f) =>
          !committed.includes(f) || readFileSync(join(tmp, f), 'utf8') !== readFileSync(join(out, f), 'utf8'),
      ),
      ...committed.filter((f) => !fresh.includes(f)),
    ];
    if (stale.length > 0) {
      console.error(`generated gRPC types are stale (${stale.join(', ')}): run npm run gen:proto`);
      process.exit(1);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
