// `npm run pack:sdk [-- --out DIR]`: the application SDK as a package of its own (packages/sdk), so an
// application installs the client alone, with its types, and none of the daemons' dependencies (no
// better-sqlite3 build). Needs `npm run build` first. It copies the compiled files the SDK's entry
// point reaches (followed import by import from dist/src/client/index.js), their .d.ts files and the
// .proto files they load, takes the versions of the packages they import from the root package.json,
// refuses a package the root does not declare, then runs `npm pack` into DIR (default: packages/sdk).
// Prints the tarball's path.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const pkgDir = join(root, 'packages/sdk');
const entry = join(root, 'dist/src/client/index.js');
const outAt = process.argv.indexOf('--out');
const outDir = resolve(outAt > 0 ? (process.argv[outAt + 1] ?? '') : pkgDir);

function fail(message) {
  process.stderr.write(`pack-sdk: ${message}\n`);
  process.exit(2);
}
if (!existsSync(entry)) fail(`${relative(root, entry)} is missing: run npm run build first`);

/** Every compiled file the entry reaches, and the packages they import. */
function closure(start) {
  const files = new Set();
  const packages = new Set();
  const todo = [start];
  const builtins = new Set(builtinModules);
  while (todo.length > 0) {
    const file = todo.pop();
    if (files.has(file)) continue;
    files.add(file);
    // The declarations' imports count too (types-only modules), and comments never do (usage examples).
    const dts = file.replace(/\.js$/, '.d.ts');
    const both = readFileSync(file, 'utf8') + (existsSync(dts) ? `\n${readFileSync(dts, 'utf8')}` : '');
    const text = both.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(
      /(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm,
    )) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) fail(`${relative(root, file)} imports ${spec}, which was not built`);
        todo.push(target);
      } else if (!spec.startsWith('node:') && !builtins.has(spec)) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

const { files, packages } = closure(entry);
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dependencies = {};
for (const p of packages) {
  const range = rootPkg.dependencies?.[p];
  if (!range) fail(`the SDK imports "${p}", which the root package.json does not list in dependencies`);
  dependencies[p] = range;
}

// A clean staging copy: the package's own files, then what the build gives it.
const stage = join(pkgDir, '.stage');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const f of ['README.md']) copyFileSync(join(pkgDir, f), join(stage, f));
for (const js of files) {
  const rel = relative(join(root, 'dist'), js);
  for (const f of [js, js.replace(/\.js$/, '.d.ts')]) {
    if (!existsSync(f)) continue;
    mkdirSync(dirname(join(stage, 'dist', rel)), { recursive: true });
    copyFileSync(f, join(stage, 'dist', relative(join(root, 'dist'), f)));
  }
}
mkdirSync(join(stage, 'proto'));
for (const f of readdirSync(join(root, 'proto')).filter((n) => n.endsWith('.proto'))) {
  copyFileSync(join(root, 'proto', f), join(stage, 'proto', f));
}
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
manifest.version = rootPkg.version;
manifest.dependencies = dependencies;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

mkdirSync(outDir, { recursive: true });
const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], {
  cwd: stage,
  encoding: 'utf8',
}).trim();
rmSync(stage, { recursive: true, force: true });
process.stdout.write(`${join(outDir, packed.split('\n').pop())}\n`);
