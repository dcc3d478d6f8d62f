/**
 * The README's commands name files, users, services and subcommands that exist, and its FIG. 2
 * sample is what rmctl prints. A newcomer copies these blocks as they are.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildRmctl } from '../../src/cli/rmctl.js';
import { simulateCommand } from '../../src/cli/simulate.js';
import { loadClusterConfig } from '../../src/shared/config.js';
import { parseUnit } from '../helpers/deploy.js';
import { ROOT } from '../helpers/processes.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...README.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1],
  text: m[2] as string,
}));
const shell = blocks.filter((b) => b.lang === 'sh').map((b) => b.text);
const shellLines = shell.flatMap((t) => t.split('\n')).filter((l) => l.trim() && !l.trim().startsWith('#'));
const blockWith = (needle: string) => {
  const b = shell.find((t) => t.includes(needle));
  if (!b) throw new Error(`no sh block in the README contains "${needle}"`);
  return b.split('\n').filter((l) => l.trim());
};

describe('the README', () => {
  it('names project files that exist (commands and links)', () => {
    const paths = new Set<string>();
    for (const l of shellLines)
      for (const m of l.matchAll(/(?:^|[\s=:])((?:bin|examples|deploy|docs)\/[\w./*-]+)/g))
        paths.add(m[1] as string);
    for (const m of README.matchAll(/\]\(((?!https?:)[^)#]+)\)/g)) paths.add(m[1] as string);
    expect(paths.size).toBeGreaterThan(10);
    for (const p of paths) {
      if (p.includes('*')) {
        const [dir, pattern] = [p.slice(0, p.lastIndexOf('/')), p.slice(p.lastIndexOf('/') + 1)];
        const re = new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
        expect(readdirSync(join(ROOT, dir)).filter((f) => re.test(f)).length, p).toBeGreaterThan(0);
      } else expect(existsSync(join(ROOT, p)), p).toBe(true);
    }
  });

  it('runs rmctl subcommands and npm scripts that exist', () => {
    const commands = buildRmctl().commands.map((c) => c.name());
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    let seen = 0;
    for (const l of shellLines) {
      for (const m of l.matchAll(/bin\/rmctl\.js (?:--?\S+ (?:\S+ )?)*?([a-z]+)/g)) {
        expect(commands, l).toContain(m[1]);
        seen++;
      }
      for (const m of l.matchAll(/npm run (\S+)/g)) expect(scripts, l).toContain(m[1]);
    }
    expect(seen).toBeGreaterThan(5);
  });

  it('systemd: the user it creates is the units’ user, and it enables units that exist, the Checkpoint Server first', () => {
    const lines = blockWith('useradd');
    const useradd = lines
      .find((l) => l.includes('useradd'))!
      .replace(/#.*/, '')
      .trim()
      .split(/\s+/);
    const user = useradd.at(-1) as string;
    expect(useradd).toContain('--user-group'); // the units' Group= exists too
    const dir = join(ROOT, 'deploy/systemd');
    for (const u of readdirSync(dir).filter((f) => f.endsWith('.service'))) {
      const svc = parseUnit(readFileSync(join(dir, u), 'utf8')).Service!;
      expect(svc.User, u).toEqual([user]);
      expect(svc.Group, u).toEqual([user]);
      // What the units read is what the README installs.
      expect(svc.EnvironmentFile, u).toEqual(['-/etc/replica-manager/host.env']);
      expect(svc.ExecStart?.[0], u).toContain('/opt/replica-manager/bin/rmd.js');
      expect(svc.ExecStart?.[0], u).toContain('--config /etc/replica-manager/cluster.yaml');
    }
    const installs = lines.join('\n');
    expect(installs).toContain('/etc/replica-manager/cluster.yaml');
    expect(installs).toContain('/etc/replica-manager/host.env');
    expect(installs).toContain('cp -r . /opt/replica-manager');
    expect(readFileSync(join(ROOT, 'deploy/systemd/host.env.example'), 'utf8')).toMatch(/^RM_HOST=H1$/m);
    loadClusterConfig(join(ROOT, 'deploy/cluster.example.yaml'));
    const enabled = lines.flatMap((l) =>
      [...l.matchAll(/systemctl enable --now (\S+)/g)].map((m) => m[1] as string),
    );
    expect(enabled[0]).toBe('rm-checkpoint-server');
    expect(enabled.sort()).toEqual(['rm-checkpoint-server', 'rm-router', 'rm-super-watchdog', 'rm-watchdog']);
    for (const u of enabled) expect(existsSync(join(dir, `${u}.service`)), u).toBe(true);
  });

  it('docker: the services it names exist and the commands it runs in them are on the image’s PATH', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, unknown>;
    };
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const onPath = [...dockerfile.matchAll(/ln -s \S+ \/usr\/local\/bin\/(\S+)/g)].map((m) => m[1]);
    let checked = 0;
    for (const l of blockWith('docker compose')) {
      const exec = /docker compose exec (\S+) (\S+)/.exec(l);
      if (exec) {
        expect(Object.keys(compose.services)).toContain(exec[1]);
        expect(onPath, l).toContain(exec[2]);
        checked++;
      }
      const kill = /docker compose kill (\S+)/.exec(l);
      if (kill) expect(Object.keys(compose.services)).toContain(kill[1]);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('shows the FIG. 2 table exactly as the command it names prints it', () => {
    const at = README.indexOf(
      'The table (FIG. 2) as `node bin/rmctl.js simulate -f examples/fig2.yaml` prints it',
    );
    expect(at).toBeGreaterThan(0);
    const sample = /```\n([\s\S]*?)```/.exec(README.slice(at))?.[1];
    const out: string[] = [];
    const code = simulateCommand(
      { file: join(ROOT, 'examples/fig2.yaml') },
      { out: (t) => out.push(t), err: () => {} },
    );
    expect(code).toBe(0);
    expect(sample?.trimEnd()).toBe(out.join('\n').trimEnd());
  });
});
