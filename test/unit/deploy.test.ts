import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadClusterConfig } from '../../src/shared/config.js';
import { parseUnit } from '../helpers/deploy.js';
import { ROOT } from '../helpers/processes.js';

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** `ln -s TARGET /usr/local/bin/NAME` in a Dockerfile's RUN lines: NAME → TARGET. */
function pathLinks(dockerfile: string): Record<string, string> {
  const links: Record<string, string> = {};
  for (const m of dockerfile.matchAll(/ln -s (\S+) \/usr\/local\/bin\/(\S+)/g)) links[m[2]!] = m[1]!;
  return links;
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
    expect(script).toContain('rmctl register -f /app/deploy/docker/modules/');
  });

  it('builds from an official Node image, with npm ci, as the unprivileged user of the systemd units', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('RUN npm ci');
    expect(dockerfile).toMatch(/^USER replica-manager$/m);
    expect(dockerfile).toMatch(/useradd --system --gid replica-manager .*replica-manager$/m);
  });

  it('puts rmctl and rmd on the PATH of the image, linked to the bin files it copies', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^COPY --from=build \/app\/bin \.\/bin$/m);
    for (const [name, file] of Object.entries(pathLinks(runtime))) {
      expect(['rmctl', 'rmd']).toContain(name);
      expect(file).toMatch(/^\/app\/bin\//);
      const local = join(ROOT, file.replace(/^\/app\//, ''));
      expect(statSync(local).mode & 0o111, `${local} is executable`).not.toBe(0);
      expect(readFileSync(local, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    }
    expect(Object.keys(pathLinks(runtime)).sort()).toEqual(['rmctl', 'rmd']);
    // The entry point and the register service call them by name.
    const entry = readFileSync(join(ROOT, 'deploy/docker/host-entrypoint.sh'), 'utf8');
    expect(entry).toMatch(/exec rmd checkpoint-server/);
    expect(entry).toMatch(/exec rmctl "\$@"/);
  });

  it('a bin file reached through a link on the PATH runs from any folder (as the image links them)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rm-path-'));
    try {
      for (const name of ['rmctl', 'rmd']) symlinkSync(join(ROOT, 'bin', `${name}.js`), join(tmp, name));
      for (const name of ['rmctl', 'rmd']) {
        const r = spawnSync(name, ['--version'], {
          cwd: tmp,
          encoding: 'utf8',
          env: { ...process.env, PATH: `${tmp}:${dirname(process.execPath)}:/usr/bin:/bin` },
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.skipIf(!which('docker-compose'))('is accepted by docker-compose config', () => {
    execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
      stdio: 'pipe',
    });
  });
});

describe('docker-compose.etcd.yml (the same cluster, its store on etcd)', () => {
  const base = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const over = parse(readFileSync(join(ROOT, 'docker-compose.etcd.yml'), 'utf8'), { merge: true });
  const cluster = loadClusterConfig(join(ROOT, 'deploy/docker/cluster-etcd.yaml'));
  const entrypoint = join(ROOT, 'deploy/docker/host-entrypoint.sh');

  it('runs a three-member etcd at the endpoints of its cluster file, on the cluster network', () => {
    expect(cluster.checkpointServer.backend).toBe('etcd');
    const members = ['etcd1', 'etcd2', 'etcd3'].map((n) => over.services[n]);
    const initial = members[0].environment.ETCD_INITIAL_CLUSTER as string;
    for (const [i, m] of members.entries()) {
      const ip = m.networks.cluster.ipv4_address as string;
      expect(m.environment.ETCD_ADVERTISE_CLIENT_URLS).toBe(`http://${ip}:2379`);
      expect(initial).toContain(`${m.environment.ETCD_NAME}=http://${ip}:2380`);
      expect(cluster.checkpointServer.etcd?.endpoints[i]).toBe(`${ip}:2379`);
      expect(ip.startsWith('172.28.0.')).toBe(true);
    }
  });

  it('points every service of the cluster at the etcd cluster file, which keeps the hosts and ring of the SQLite one', () => {
    const sqlite = loadClusterConfig(join(ROOT, 'deploy/docker/cluster.yaml'));
    expect(cluster.hosts).toEqual(sqlite.hosts);
    expect(cluster.ring).toEqual(sqlite.ring);
    for (const name of Object.keys(base.services).filter((n) => n !== 'certs')) {
      expect(over.services[name]?.environment?.RM_CONFIG, name).toBe('/app/deploy/docker/cluster-etcd.yaml');
    }
    // A Checkpoint Server on each ring host.
    const onHosts = cluster.checkpointServer.addresses.map(
      (a) => cluster.hosts.find((h) => a.startsWith(`${h.address}:`))?.name,
    );
    expect(onHosts).toEqual(cluster.ring);
  });

  /** Runs the entry point with a stand-in rmd that records its arguments. */
  function runEntrypoint(env: Record<string, string>, args: string[] = []): { log: string; stdout: string } {
    const tmp = mkdtempSync(join(tmpdir(), 'rm-entry-'));
    try {
      const log = join(tmp, 'calls');
      writeFileSync(join(tmp, 'rmd'), `#!/bin/sh\necho "$*" >> ${log}\n`, { mode: 0o755 });
      const r = spawnSync('sh', [entrypoint, ...args], {
        encoding: 'utf8',
        timeout: 10_000,
        env: { PATH: `${tmp}:/usr/bin:/bin`, ...env },
      });
      expect(r.status, r.stderr).toBe(0);
      return { log: existsSync(log) ? readFileSync(log, 'utf8') : '', stdout: r.stdout };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  it('starts a Checkpoint Server beside the WatchDog on a host listed in addresses, and not elsewhere', () => {
    const RM_CONFIG = join(ROOT, 'deploy/docker/cluster-etcd.yaml');
    const h2 = runEntrypoint({ RM_CONFIG, RM_HOST: 'H2' }).log;
    expect(h2).toContain(`checkpoint-server --config ${RM_CONFIG} --host H2`);
    expect(h2).toContain(`watchdog --config ${RM_CONFIG} --host H2`);
    expect(h2).toContain(`super-watchdog --config ${RM_CONFIG} --host H2`);
    const h3 = runEntrypoint({ RM_CONFIG, RM_HOST: 'H3' }).log;
    expect(h3).toContain('watchdog --config');
    expect(h3).not.toContain('checkpoint-server');
    const cs = runEntrypoint({ RM_CONFIG }, ['checkpoint-server']);
    expect(cs.log).toBe('');
    expect(cs.stdout).toContain('nothing to run here');
  });

  it('keeps the SQLite cluster as it was: one Checkpoint Server, none on the hosts', () => {
    const RM_CONFIG = join(ROOT, 'deploy/docker/cluster.yaml');
    expect(runEntrypoint({ RM_CONFIG }, ['checkpoint-server']).log).toContain(
      `checkpoint-server --config ${RM_CONFIG} --host CS`,
    );
    expect(runEntrypoint({ RM_CONFIG, RM_HOST: 'H2' }).log).not.toContain('checkpoint-server');
  });
});

describe('systemd units', () => {
  const dir = join(ROOT, 'deploy/systemd');
  const units = readdirSync(dir).filter((f) => f.endsWith('.service'));

  it('one unit per daemon, each one line of rmd with the cluster file and the host', () => {
    expect(units.sort()).toEqual([
      'rm-checkpoint-server.service',
      'rm-router.service',
      'rm-super-watchdog.service',
      'rm-watchdog.service',
    ]);
    for (const u of units) {
      const unit = parseUnit(readFileSync(join(dir, u), 'utf8'));
      const svc = unit.Service!;
      const daemon = u.replace(/^rm-/, '').replace(/\.service$/, '');
      expect(svc.ExecStart?.[0]).toBe(
        `/usr/bin/env node /opt/replica-manager/bin/rmd.js ${daemon} --config /etc/replica-manager/cluster.yaml --host \${RM_HOST}`,
      );
      expect(svc.Restart).toEqual(['always']);
      expect(svc.User).toEqual(['replica-manager']);
      expect(svc.Group).toEqual(['replica-manager']);
      expect(svc.NoNewPrivileges).toEqual(['yes']);
      expect(svc.ProtectSystem).toEqual(['strict']);
      expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
    }
  });

  it('lets copies outlive a WatchDog restart (they are adopted, not started twice)', () => {
    const unit = parseUnit(readFileSync(join(dir, 'rm-watchdog.service'), 'utf8'));
    expect(unit.Service!.KillMode).toEqual(['process']);
  });

  it('starts the Checkpoint Server first where it shares a host with the other daemons', () => {
    const cs = parseUnit(readFileSync(join(dir, 'rm-checkpoint-server.service'), 'utf8'));
    expect(cs.Unit!.Before?.join(' ').split(/\s+/).sort()).toEqual([
      'rm-router.service',
      'rm-super-watchdog.service',
      'rm-watchdog.service',
    ]);
    for (const u of ['rm-watchdog.service', 'rm-super-watchdog.service', 'rm-router.service']) {
      const unit = parseUnit(readFileSync(join(dir, u), 'utf8'));
      expect(unit.Unit!.After?.join(' ').split(/\s+/), u).toContain('rm-checkpoint-server.service');
    }
  });

  it('gives the copies, which inherit the WatchDog unit, a sandbox they can run in', () => {
    const svc = parseUnit(readFileSync(join(dir, 'rm-watchdog.service'), 'utf8')).Service!;
    const cluster = loadClusterConfig(join(ROOT, 'deploy/cluster.example.yaml'));
    // A copy works in its host's state directory: it must be writable under the sandbox.
    expect(svc.ReadWritePaths).toEqual(['/var/lib/replica-manager']);
    expect(cluster.stateDir.startsWith('/var/lib/replica-manager/')).toBe(true);
    expect(cluster.checkpointServer.dataDir.startsWith('/var/lib/replica-manager/')).toBe(true);
    // Executables are read from the allowed directories: not hidden by the sandbox.
    expect(svc.ProtectHome).toEqual(['read-only']);
    for (const d of cluster.allowedExecutableDirs) {
      expect(d.startsWith('/home') || d.startsWith('/root') || d.startsWith('/tmp'), d).toBe(false);
      expect(svc.InaccessiblePaths ?? []).not.toContain(d);
    }
    // node and other JIT runtimes need writable-executable memory; copies need /dev.
    expect(svc.MemoryDenyWriteExecute ?? ['no']).toEqual(['no']);
    expect(svc.PrivateDevices ?? ['no']).toEqual(['no']);
  });

  it.skipIf(!which('systemd-analyze'))('passes systemd-analyze verify', () => {
    // The units as shipped (ExecStart is /usr/bin/env, which exists); only the README they document
    // is pointed at this checkout's.
    const tmp = mkdtempSync(join(tmpdir(), 'rm-units-'));
    try {
      for (const u of units) {
        const text = readFileSync(join(dir, u), 'utf8').replace(
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
