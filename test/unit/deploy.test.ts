import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadClusterConfig } from '../../src/shared/config.js';
import { ROOT } from '../helpers/processes.js';

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** A systemd unit as sections of key → values. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(l);
    if (s) {
      section = s[1]!;
      out[section] = {};
      continue;
    }
    const i = l.indexOf('=');
    const key = l.slice(0, i);
    const values = out[section]![key] ?? [];
    values.push(l.slice(i + 1));
    out[section]![key] = values;
  }
  return out;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const cluster = loadClusterConfig(join(ROOT, 'deploy/docker/cluster.yaml'));

  it('has one service per host of its cluster file, each at that host address, plus the Checkpoint Server', () => {
    for (const h of cluster.hosts) {
      const svc = compose.services[h.name.toLowerCase()];
      expect(svc, h.name).toBeDefined();
      expect(svc.environment.RM_HOST).toBe(h.name);
      expect(svc.networks.cluster.ipv4_address).toBe(h.address);
      expect(svc.build).toBe('.');
    }
    const cs = compose.services.checkpoint;
    expect(cs.command).toEqual(['checkpoint-server']);
    expect(`${cs.networks.cluster.ipv4_address}:7400`).toBe(cluster.checkpointServer.address);
  });

  it('registers the sample modules with a one-shot service from files rmctl accepts', () => {
    const reg = compose.services.register;
    expect(reg.restart).toBe('on-failure');
    const script = reg.command.join(' ');
    for (const m of ['a', 'b', 'c'])
      expect(existsSync(join(ROOT, 'deploy/docker/modules', `${m}.yaml`))).toBe(true);
    expect(script).toContain('rmctl.js register -f /app/deploy/docker/modules/');
  });

  it('builds from an official Node image, with npm ci, as an unprivileged user', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('RUN npm ci');
    expect(dockerfile).toMatch(/^USER rm$/m);
  });

  it.skipIf(!which('docker-compose'))('is accepted by docker-compose config', () => {
    execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
      stdio: 'pipe',
    });
  });
});

describe('systemd units', () => {
  const dir = join(ROOT, 'deploy/systemd');
  const units = readdirSync(dir).filter((f) => f.endsWith('.service'));

  it('one unit per daemon, each one line of rmd with the cluster file and the host', () => {
    expect(units.sort()).toEqual([
      'rm-checkpoint-server.service',
      'rm-super-watchdog.service',
      'rm-watchdog.service',
    ]);
    for (const u of units) {
      const unit = parseUnit(readFileSync(join(dir, u), 'utf8'));
      const svc = unit.Service!;
      const daemon = u.replace(/^rm-/, '').replace(/\.service$/, '');
      expect(svc.ExecStart?.[0]).toBe(
        `/usr/bin/node /opt/replica-manager/bin/rmd.js ${daemon} --config /etc/replica-manager/cluster.yaml --host \${RM_HOST}`,
      );
      expect(svc.Restart).toEqual(['always']);
      expect(svc.User).toEqual(['rm']);
      expect(svc.NoNewPrivileges).toEqual(['yes']);
      expect(svc.ProtectSystem).toEqual(['strict']);
      expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
    }
  });

  it('lets copies outlive a WatchDog restart (they are adopted, not started twice)', () => {
    const unit = parseUnit(readFileSync(join(dir, 'rm-watchdog.service'), 'utf8'));
    expect(unit.Service!.KillMode).toEqual(['process']);
  });

  it.skipIf(!which('systemd-analyze'))('passes systemd-analyze verify', () => {
    // verify wants the ExecStart binary to exist: check copies that point at this machine's node.
    const tmp = mkdtempSync(join(tmpdir(), 'rm-units-'));
    try {
      for (const u of units) {
        const text = readFileSync(join(dir, u), 'utf8')
          .replace('/usr/bin/node', process.execPath)
          .replace(
            'Documentation=file:///opt/replica-manager/README.md',
            `Documentation=file://${ROOT}/README.md`,
          );
        writeFileSync(join(tmp, u), text);
      }
      const res = spawnSync('systemd-analyze', ['verify', ...units.map((u) => join(tmp, u))], {
        encoding: 'utf8',
      });
      expect(`${res.stdout}${res.stderr}`.trim()).toBe('');
      expect(res.status).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
