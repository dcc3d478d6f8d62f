/** `rmctl certs init | issue | show | retire`: the cluster's CA and certificates (certs.ts). */
import { resolve } from 'node:path';
import { type ClusterConfig, findClusterFile, loadClusterConfig } from '../shared/config.js';
import { TlsError } from '../shared/errors.js';
import { failure, type Io, stdio } from './commands.js';
import { ExitCode } from './exit-codes.js';

export interface CertsFlags {
  config?: string | undefined;
  dir?: string;
  rotate?: boolean;
  days?: string;
  role?: string;
  host?: string;
  name?: string;
  all?: boolean;
  json?: boolean;
}

function cluster(flags: CertsFlags): ClusterConfig {
  return loadClusterConfig(findClusterFile(flags.config));
}

function days(flags: CertsFlags): number | undefined {
  if (flags.days === undefined) return undefined;
  const n = Number(flags.days);
  if (!Number.isInteger(n) || n < 1 || n > 36500)
    throw new TlsError(`--days: expected 1 to 36500, got "${flags.days.slice(0, 16)}"`);
  return n;
}

/** Control characters are never printed raw (a certificate's subject is anyone's text). */
function clean(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += (code < 0x20 && code !== 0x0a) || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

export async function certsCommand(
  what: 'init' | 'issue' | 'show' | 'retire',
  flags: CertsFlags,
  io: Io = stdio,
): Promise<number> {
  try {
    const certs = await import('./certs.js');
    if (what === 'init') {
      const cfg = cluster(flags);
      const dir = flags.dir ? resolve(flags.dir) : cfg.tls.dir;
      const d = days(flags);
      const r = await certs.initCa(dir, cfg.name, {
        ...(flags.rotate ? { rotate: true } : {}),
        ...(d ? { days: d } : {}),
      });
      io.out(`CA of cluster ${cfg.name}: ${r.crt} (key ${r.key}, 0600; keep it off the daemon hosts)`);
      if (r.bundle > 1)
        io.out(
          `ca.crt holds ${r.bundle} CAs (new first): re-issue every certificate, then run rmctl certs retire`,
        );
      return ExitCode.ok;
    }
    if (what === 'issue') {
      const cfg = cluster(flags);
      const dir = flags.dir ? resolve(flags.dir) : cfg.tls.dir;
      const d = days(flags);
      if (flags.all) {
        const made = await certs.issueCluster({ ...cfg, tls: { ...cfg.tls, dir } }, d ? { days: d } : {});
        io.out(`${made.length} certificates in ${dir}`);
        return ExitCode.ok;
      }
      if (!flags.role)
        throw new TlsError('--role is needed (or --all for every identity of the cluster file)');
      const req = certs.identityRequest(cfg, flags.role, flags.host ?? '', flags.name ?? '');
      const r = await certs.issue(dir, cfg.name, { ...req, ...(d ? { days: d } : {}) });
      io.out(`${r.uri}: ${r.cert} (key ${r.key})`);
      return ExitCode.ok;
    }
    if (what === 'retire') {
      const cfg = cluster(flags);
      const r = certs.retireOldCas(flags.dir ? resolve(flags.dir) : cfg.tls.dir);
      io.out(`ca.crt: kept ${r.kept} CA, dropped ${r.dropped}`);
      return ExitCode.ok;
    }
    let path = flags.dir;
    if (!path) {
      try {
        path = cluster(flags).tls.dir;
      } catch {
        path = resolve('certs');
      }
    }
    const list = certs.show(path);
    if (flags.json) io.out(JSON.stringify(list, null, 2));
    else {
      for (const c of list) {
        io.out(
          clean(
            `${c.file}: ${c.ca ? 'CA ' : ''}${c.identities.join(' ') || c.subject}${c.addresses.length ? ` [${c.addresses.join(', ')}]` : ''} valid to ${c.notAfter} sha256 ${c.fingerprint.slice(0, 23)}…`,
          ),
        );
      }
    }
    return ExitCode.ok;
  } catch (err) {
    return failure(io, `certs ${what}`, err);
  }
}
