/**
 * `rmctl certs`: the cluster's private CA and one certificate per identity (DESIGN §9), in the way
 * operators know from `consul tls` and etcd's guides. ECDSA P-256 keys; X.509 through @peculiar/x509
 * (node's crypto parses certificates but does not make them).
 *
 * Rotation without stopping the cluster: `init --rotate` puts a new CA in front of the old one in
 * ca.crt (daemons trust both within tls.reloadMs), `issue` re-issues each identity under the new CA
 * (daemons pick up their renewed files within tls.reloadMs), and `retire` drops the old CA from
 * ca.crt once nothing uses it.
 */
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { ClusterConfig } from '../shared/config.js';
import { TlsError } from '../shared/errors.js';
import {
  daemonName,
  HOST_ROLES,
  identitiesFromSan,
  identityFiles,
  identityUri,
  isRole,
  ROLES,
  type Role,
  splitPem,
} from '../shared/tls.js';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

function serial(): string {
  // A positive 128-bit serial.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x10;
  return Buffer.from(b).toString('hex');
}

function writePrivate(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function writePublic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`.replace(
    /\n\n/g,
    '\n',
  );
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, true, ['sign']);
}

export interface CaFiles {
  crt: string;
  key: string;
}

export function caFiles(dir: string): CaFiles {
  return { crt: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
}

async function makeCa(cluster: string, days: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${cluster} cluster CA ${new Date(now).toISOString().slice(0, 10)}, O=replica-manager`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY),
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKey(keys.privateKey) };
}

/**
 * Creates the cluster's CA (ca.crt, ca.key) in `dir`. Refused when one exists, unless `rotate`: then
 * the new CA goes in front of the old ones in ca.crt and the old key is kept as ca.key.old.
 */
export async function initCa(
  dir: string,
  cluster: string,
  options: { rotate?: boolean; days?: number } = {},
) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = caFiles(dir);
  const exists = existsSync(files.crt) || existsSync(files.key);
  if (exists && !options.rotate) {
    throw new TlsError(
      `${dir} already holds a CA; use --rotate to add a new one beside it, or another --dir`,
    );
  }
  const { certPem, keyPem } = await makeCa(cluster, options.days ?? 3650);
  const old = existsSync(files.crt) ? readFileSync(files.crt, 'utf8') : '';
  if (existsSync(files.key)) renameSync(files.key, `${files.key}.old`);
  writePrivate(files.key, keyPem);
  writePublic(files.crt, [certPem.trim(), ...splitPem(old)].join('\n') + '\n');
  return { ...files, bundle: 1 + splitPem(old).length };
}

/** Keeps only the CA whose key is ca.key in ca.crt (the last step of a rotation). */
export function retireOldCas(dir: string): { kept: number; dropped: number } {
  const files = caFiles(dir);
  const pems = splitPem(readFileSync(files.crt, 'utf8'));
  const key = readFileSync(files.key, 'utf8');
  const pub = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
  const kept = pems.filter((p) =>
    Buffer.from(new NodeX509(p).publicKey.export({ type: 'spki', format: 'der' })).equals(pub),
  );
  if (kept.length === 0) throw new TlsError(`no CA in ${files.crt} matches ${files.key}`);
  writePublic(files.crt, kept.join('\n') + '\n');
  return { kept: kept.length, dropped: pems.length - kept.length };
}

export interface IssueRequest {
  role: Role;
  /** The host of a daemon, the name of an operator or viewer; '' for the Checkpoint Server. */
  name: string;
  /** The addresses a server answers on (IP or DNS SANs); none for operators and viewers. */
  addresses: string[];
  days?: number;
  /** An explicit validity (tests of expired certificates); default from now for `days`. */
  notBefore?: Date;
  notAfter?: Date;
}

/** Issues one certificate under the CA in `dir`: ROLE[-NAME].crt and .key. */
export async function issue(
  dir: string,
  cluster: string,
  req: IssueRequest,
): Promise<{ cert: string; key: string; uri: string }> {
  const ca = caFiles(dir);
  if (!existsSync(ca.key)) {
    throw new TlsError(
      `${ca.key} does not exist: run \`rmctl certs init\` first (certificates are issued where the CA key is)`,
    );
  }
  const caPem = splitPem(readFileSync(ca.crt, 'utf8'))[0];
  if (!caPem) throw new TlsError(`${ca.crt} holds no certificate`);
  const caCert = new x509.X509Certificate(caPem);
  const caKey = await importKey(readFileSync(ca.key, 'utf8'));
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const uri = identityUri({ cluster, role: req.role, name: req.name });
  const san: x509.JsonGeneralName[] = [{ type: 'url', value: uri }];
  for (const a of req.addresses) san.push(isIP(a) ? { type: 'ip', value: a } : { type: 'dns', value: a });
  const client = req.role === 'operator' || req.role === 'viewer';
  const now = Date.now();
  const days = req.days ?? 365;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${req.role}${req.name ? ` ${req.name}` : ''}, O=${cluster}`,
    issuer: caCert.subject,
    notBefore: req.notBefore ?? new Date(now - 60_000),
    notAfter: req.notAfter ?? new Date(Math.min(now + days * DAY, caCert.notAfter.getTime())),
    publicKey: keys.publicKey as never,
    signingKey: caKey as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        client
          ? [x509.ExtendedKeyUsage.clientAuth]
          : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
      ),
      new x509.SubjectAlternativeNameExtension(san, false),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  const f = identityFiles(dir, req.role, req.name);
  writePrivate(f.key, await exportKey(keys.privateKey));
  writePublic(f.cert, cert.toString('pem') + '\n');
  return { cert: f.cert, key: f.key, uri };
}

function hostOf(address: string): string {
  const at = address.lastIndexOf(':');
  return at > 0 && /^\d+$/.test(address.slice(at + 1)) ? address.slice(0, at) : address;
}

/** Where the Checkpoint Servers listen (one with sqlite, each one over etcd): one certificate names them all. */
function checkpointServerHosts(cfg: ClusterConfig): string[] {
  return [...new Set(cfg.checkpointServer.addresses.map(hostOf))];
}

/** Every identity a cluster file needs: each host's WatchDog and router, the ring's SuperWatchDogs and ReplicaManagers, the Checkpoint Server, an operator and a viewer. */
export function clusterIdentities(cfg: ClusterConfig): IssueRequest[] {
  const out: IssueRequest[] = [
    { role: 'checkpoint-server', name: '', addresses: checkpointServerHosts(cfg) },
  ];
  for (const h of cfg.hosts) {
    out.push({ role: 'watchdog', name: h.name, addresses: [h.address] });
    out.push({ role: 'router', name: h.name, addresses: [h.address] });
    if (cfg.ring.includes(h.name)) {
      out.push({ role: 'super-watchdog', name: h.name, addresses: [h.address] });
      out.push({ role: 'replica-manager', name: h.name, addresses: [h.address] });
    }
  }
  out.push({ role: 'operator', name: '', addresses: [] }, { role: 'viewer', name: '', addresses: [] });
  return out;
}

/** The request for one `issue --role R [--host H]`, with the addresses the cluster file gives it. */
export function identityRequest(cfg: ClusterConfig, role: string, host = '', name = ''): IssueRequest {
  if (!isRole(role))
    throw new TlsError(`unknown role "${role.slice(0, 32)}" (accepted: ${ROLES.join(', ')})`);
  if (HOST_ROLES.includes(role)) {
    const h = cfg.hosts.find((x) => x.name === host);
    if (!h)
      throw new TlsError(
        `--host: a ${role} certificate needs one of the cluster's hosts (${cfg.hosts.map((x) => x.name).join(', ')})`,
      );
    return { role, name: daemonName(role, host), addresses: [h.address] };
  }
  if (role === 'checkpoint-server') return { role, name: '', addresses: checkpointServerHosts(cfg) };
  if (name && !/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    throw new TlsError(`--name: "${name.slice(0, 64)}" may use only letters, digits, _ . -`);
  return { role, name, addresses: [] };
}

/** Creates the CA when missing and every certificate of the cluster (used by `rmd local` and `certs issue --all`). */
export async function issueCluster(cfg: ClusterConfig, options: { days?: number } = {}): Promise<string[]> {
  if (!existsSync(caFiles(cfg.tls.dir).key)) await initCa(cfg.tls.dir, cfg.name);
  const made: string[] = [];
  for (const req of clusterIdentities(cfg)) {
    const r = await issue(cfg.tls.dir, cfg.name, { ...req, ...(options.days ? { days: options.days } : {}) });
    made.push(r.cert);
  }
  return made;
}

export interface CertSummary {
  file: string;
  subject: string;
  identities: string[];
  addresses: string[];
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint: string;
  ca: boolean;
}

/** What the certificates of a folder (or one file) say. */
export function show(path: string): CertSummary[] {
  const files =
    existsSync(path) && !path.endsWith('.crt')
      ? readdirSync(path)
          .filter((f) => f.endsWith('.crt'))
          .sort()
          .map((f) => join(path, f))
      : [path];
  const out: CertSummary[] = [];
  for (const file of files) {
    for (const pem of splitPem(readFileSync(file, 'utf8'))) {
      const c = new NodeX509(pem);
      const san = c.subjectAltName ?? '';
      out.push({
        file,
        subject: c.subject.replace(/\n/g, ', '),
        identities: identitiesFromSan(san).map((id) => identityUri(id)),
        addresses: san.split(/,\s*/).filter((p) => p.startsWith('IP Address:') || p.startsWith('DNS:')),
        issuer: c.issuer.replace(/\n/g, ', '),
        notBefore: new Date(c.validFrom).toISOString(),
        notAfter: new Date(c.validTo).toISOString(),
        fingerprint: c.fingerprint256,
        ca: c.ca,
      });
    }
  }
  return out;
}
