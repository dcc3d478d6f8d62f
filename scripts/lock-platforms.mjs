#!/usr/bin/env node
// Adds lockfile entries for platform-specific optional binaries (other OSes and CPUs) that
// `npm install` leaves out when the registry it talks to does not carry them. Without them,
// `npm ci` refuses the lockfile as out of sync; with them, npm skips those packages by os/cpu/libc.
// Run after `npm install` changes package-lock.json.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;

const OS = [
  'android',
  'darwin',
  'freebsd',
  'linux',
  'openbsd',
  'openharmony',
  'win32',
  'netbsd',
  'sunos',
  'aix',
];
const CPU = {
  arm: 'arm',
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
};

function platformOf(name) {
  const base = name
    .split('/')
    .pop()
    .replace(/^(cli|rollup)-/, '');
  const parts = base.split('-');
  const os = parts[0];
  const cpu = CPU[parts[1]];
  if (!OS.includes(os) || !cpu) return null;
  const rest = parts.slice(2).join('-');
  const entry = { os: [os], cpu: [cpu] };
  if (os === 'linux') entry.libc = [/musl/.test(rest) ? 'musl' : 'glibc'];
  return entry;
}

let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pkgs[key]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    pkgs[key] = {
      version: String(range).replace(/^[\^~=]/, ''),
      cpu: platform.cpu,
      ...(meta.dev ? { dev: true } : {}),
      ...(platform.libc ? { libc: platform.libc } : {}),
      optional: true,
      os: platform.os,
    };
    added++;
    void path;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform entries`);
