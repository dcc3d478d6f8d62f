/**
 * Cluster identities (DESIGN §9): who a certificate says its holder is, and where each identity's
 * files live. One private CA per cluster signs every certificate; a certificate names its holder in
 * a SAN URI `rm://CLUSTER/ROLE[/NAME]`, NAME being the host for a daemon (`rm://local/watchdog/H3`)
 * and a person or tool for an operator or viewer. Certificates are made by `rmctl certs`.
 *
 * Files of a cluster, in its certificate folder (`tls.dir` in the cluster file, default `certs/`):
 *   ca.crt          the CA bundle every daemon trusts (during a rotation: the new CA and the old)
 *   ca.key          the CA's key: only where certificates are issued, never on a daemon host
 *   ROLE-NAME.crt   one identity's certificate, e.g. watchdog-H3.crt, operator.crt, checkpoint-server.crt
 *   ROLE-NAME.key   its key (0600)
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TlsError } from './errors.js';

/** The roles a certificate can carry; each gRPC method names the ones it accepts (auth.ts). */
export const ROLES = [
  'checkpoint-server',
  'replica-manager',
  'watchdog',
  'super-watchdog',
  'router',
  'operator',
  'viewer',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles whose certificate names the host the daemon runs on. */
export const HOST_ROLES: readonly Role[] = ['replica-manager', 'watchdog', 'super-watchdog', 'router'];

/** Who holds a certificate: its cluster, role and (for a daemon) host. */
export interface Identity {
  cluster: string;
  role: Role;
  /** The host of a daemon, the name of an operator or viewer, '' for the Checkpoint Server. */
  name: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

/** The SAN URI of an identity. */
export function identityUri(id: Identity): string {
  return `rm://${id.cluster}/${id.role}${id.name ? `/${id.name}` : ''}`;
}

/** An identity from a SAN URI, or null when the URI is not one of ours. */
export function parseIdentityUri(uri: string): Identity | null {
  const m = /^rm:\/\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(uri);
  if (!m) return null;
  const [, cluster = '', role = '', name = ''] = m;
  if (!SEGMENT.test(cluster) || !isRole(role) || (name && !SEGMENT.test(name))) return null;
  return { cluster, role, name };
}

/**
 * The identities in a certificate's subjectAltName as node prints it (`URI:rm://…, IP Address:…`).
 * A certificate carries exactly one; any other count is refused by the caller.
 */
export function identitiesFromSan(subjectaltname: string | undefined): Identity[] {
  if (!subjectaltname) return [];
  return subjectaltname
    .split(/,\s*/)
    .filter((part) => part.startsWith('URI:'))
    .map((part) => parseIdentityUri(part.slice(4)))
    .filter((x): x is Identity => x !== null);
}

/** A short description for messages and logs: `watchdog H3 of cluster local`. */
export function describeIdentity(id: Identity): string {
  return `${id.role}${id.name ? ` ${id.name}` : ''} of cluster ${id.cluster}`;
}

/** The base name of an identity's files: `watchdog-H3`, `operator`, `checkpoint-server`. */
export function identityFileBase(role: Role, name = ''): string {
  return name ? `${role}-${name}` : role;
}

export interface IdentityFiles {
  ca: string;
  cert: string;
  key: string;
}

/** The files of one identity in a certificate folder. */
export function identityFiles(dir: string, role: Role, name = ''): IdentityFiles {
  const base = identityFileBase(role, name);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
}

/** The name a daemon's certificate carries: the host for host daemons, '' for the Checkpoint Server. */
export function daemonName(role: Role, host: string): string {
  return HOST_ROLES.includes(role) ? host : '';
}

export interface LoadedIdentity {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  identity: Identity;
  /** When the certificate stops being valid. */
  notAfter: Date;
}

function readOrExplain(file: string, what: string, hint: string): Buffer {
  if (!existsSync(file)) throw new TlsError(`${what} ${file} does not exist; ${hint}`);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/**
 * Reads one identity's CA bundle, certificate and key, and checks that the certificate is of this
 * cluster and role (and name, when given), signed by a CA of the bundle, and valid now. Raises
 * TlsError with what to run when something is missing or wrong.
 */
export function loadIdentity(
  files: IdentityFiles,
  expect: { cluster: string; role?: Role; name?: string },
  now = new Date(),
): LoadedIdentity {
  const issue = `create it with \`rmctl certs issue --role ${expect.role ?? 'ROLE'}${
    expect.name ? ` --host ${expect.name}` : ''
  }\` (after \`rmctl certs init\`), or set insecure: true in the cluster file to run without TLS`;
  const ca = readOrExplain(files.ca, 'the CA bundle', 'create it with `rmctl certs init`');
  const cert = readOrExplain(files.cert, 'the certificate', issue);
  const key = readOrExplain(files.key, 'the key', issue);
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(`${files.cert} is not a PEM certificate: ${(err as Error).message}`);
  }
  const ids = identitiesFromSan(x.subjectAltName);
  if (ids.length !== 1) {
    throw new TlsError(
      `${files.cert} carries ${ids.length} rm:// identities in its SAN; exactly one is needed`,
    );
  }
  const id = ids[0]!;
  if (id.cluster !== expect.cluster) {
    throw new TlsError(
      `${files.cert} is for cluster "${id.cluster}", not for "${expect.cluster}" (the cluster file's name)`,
    );
  }
  if (expect.role && id.role !== expect.role) {
    throw new TlsError(`${files.cert} is a ${id.role} certificate; this process needs a ${expect.role} one`);
  }
  if (expect.name !== undefined && id.name !== expect.name) {
    throw new TlsError(`${files.cert} names "${id.name}"; this process runs as "${expect.name}"`);
  }
  const cas = splitPem(ca.toString('utf8')).map((pem) => new X509Certificate(pem));
  if (!cas.some((c) => x.checkIssued(c) && x.verify(c.publicKey))) {
    throw new TlsError(`${files.cert} is not signed by any CA in ${files.ca}`);
  }
  const notAfter = new Date(x.validTo);
  if (now < new Date(x.validFrom) || now > notAfter) {
    throw new TlsError(
      `${files.cert} is valid from ${x.validFrom} to ${x.validTo}, not now; issue a new one with \`rmctl certs issue\``,
    );
  }
  return { ca, cert, key, identity: id, notAfter };
}

/** The PEM blocks of a bundle, in order. */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
