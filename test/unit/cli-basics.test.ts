/**
 * What a newcomer meets first with rmctl and rmd, as processes: --version, the files --help points
 * to, and one clear line when no cluster runs. Nothing here binds an address; the cluster file names
 * ports nothing listens on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localClusterYaml } from '../../src/cli/local.js';
import { RMCTL, RMD, ROOT, tempDir } from '../helpers/processes.js';

const tmp = tempDir('rm-cli-');
afterAll(() => tmp.remove());

function run(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rmctl and rmd', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;

  it('a closed stdout ends rmctl quietly (rmctl simulate … --json | head)', () => {
    // A table large enough that its JSON overflows the pipe after the reader has gone.
    const modules = Array.from(
      { length: 300 },
      (_, m) =>
        `  - { name: M${m}, style: warm, degree: 2, policy: on-each-failure, replicas: [` +
        `{ id: M${m}a, host: H1, path: /opt/m, status: P }, { id: M${m}b, host: H2, path: /opt/m, status: B }, ` +
        `{ id: M${m}c, host: H3, path: /opt/m, status: I }] }`,
    );
    const file = join(tmp.dir, 'big.yaml');
    writeFileSync(
      file,
      `hosts: [{ name: H1 }, { name: H2 }, { name: H3 }]\nmodules:\n${modules.join('\n')}\n`,
    );
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        `"${process.execPath}" "${RMCTL}" simulate -f "${file}" --event "host-down H1" --json | head -c 10`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.stdout).toHaveLength(10);
    expect(r.stderr).toBe('');
  });

  it.each([RMCTL, RMD])('%s --version prints the package version', (bin) => {
    const r = run(bin, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--help of register, status and simulate points to a table format document the project has', () => {
    for (const cmd of ['register', 'status', 'simulate']) {
      const r = run(RMCTL, [cmd, '--help']);
      expect(r.code).toBe(0);
      const docs = [...r.stdout.replace(/\s+/g, ' ').matchAll(/([\w./-]*TABLE-FORMAT\.md)/g)].map(
        (m) => m[1],
      );
      expect(docs.length, `${cmd} --help`).toBeGreaterThan(0);
      for (const d of docs)
        expect(existsSync(join(ROOT, d as string)), `${cmd} --help names ${d}`).toBe(true);
    }
  });

  it('with no cluster running: ring, status and hosts say so in one line and exit 4', () => {
    const dir = join(tmp.dir, 'stopped');
    const cfg = join(tmp.dir, 'cluster.yaml');
    writeFileSync(cfg, `insecure: true\n${localClusterYaml(dir, ROOT, 7960).replace('name: local\n', '')}`);
    for (const cmd of [['ring'], ['status'], ['hosts'], ['status', '--watch', '--retry-for', '1']]) {
      const r = run(RMCTL, ['--config', cfg, ...cmd]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/is the cluster running\?/);
      expect(r.stderr).not.toMatch(/Last error|LB pick|UNAVAILABLE:/);
    }
  });
});
