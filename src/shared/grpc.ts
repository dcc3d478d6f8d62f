/**
 * gRPC plumbing shared by every daemon: loading the typed packages, the credentials of both ends
 * (mutual TLS, DESIGN §9: the one place that builds them), a server with the standard
 * grpc.health.v1 service, per-method authorization and an orderly shutdown, clients with deadlines,
 * and the mapping between domain errors and gRPC statuses (STYLE §5).
 */

import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkServerIdentity, type PeerCertificate, type SecureContextOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { authorizeCaller, authorizeRequest } from './auth.js';
import {
  AccountError,
  ConflictError,
  ExecutableError,
  FencedError,
  MaintenanceError,
  NotFoundError,
  PermissionError,
  RegistrationError,
  StaleEpochError,
  StaleLeaseTermError,
  SupervisorError,
  UnauthenticatedError,
  UnavailableError,
} from './errors.js';
import type { ProtoGrpcType as CheckpointGrpc } from './generated/checkpoint.js';
import type { ProtoGrpcType as ReplicaManagerGrpc } from './generated/replica_manager.js';
import type { ProtoGrpcType as ReplicationGrpc } from './generated/replication.js';
import type { ProtoGrpcType as SuperWatchDogGrpc } from './generated/super_watchdog.js';
import type { ProtoGrpcType as WatchDogGrpc } from './generated/watchdog.js';
import {
  daemonName,
  describeIdentity,
  type Identity,
  type IdentityFiles,
  identitiesFromSan,
  identityFiles,
  type LoadedIdentity,
  loadIdentity,
  type Role,
} from './tls.js';

/** The same options as the generator's flags, so that runtime objects match the generated types. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

function findProtoDir(): string {
  // Works from src/shared (vitest) and from dist/src/shared (built).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'proto', 'watchdog.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('proto/ folder not found next to the package');
}

const PROTO_DIR = findProtoDir();

/** The project's proto/ folder (beside src/ or dist/). */
export function protoDir(): string {
  return PROTO_DIR;
}

function load<T>(file: string): T {
  const def = protoLoader.loadSync(join(PROTO_DIR, file), { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  return grpc.loadPackageDefinition(def) as unknown as T;
}

let cache: {
  checkpoint: CheckpointGrpc;
  replicaManager: ReplicaManagerGrpc;
  watchdog: WatchDogGrpc;
  superWatchdog: SuperWatchDogGrpc;
  replication: ReplicationGrpc;
} | null = null;

/** The packages, loaded once per process. */
export function protos() {
  cache ??= {
    checkpoint: load<CheckpointGrpc>('checkpoint.proto'),
    replicaManager: load<ReplicaManagerGrpc>('replica_manager.proto'),
    watchdog: load<WatchDogGrpc>('watchdog.proto'),
    superWatchdog: load<SuperWatchDogGrpc>('super_watchdog.proto'),
    replication: load<ReplicationGrpc>('replication.proto'),
  };
  return cache;
}

const ERROR_CODE_KEY = 'rm-error-code';
const EPOCH_KEY = 'rm-current-epoch';
const LEASE_TERM_KEY = 'rm-lease-term';
const FIELD_KEY = 'rm-field';

/** Maps a domain error to a gRPC status carrying the stable code in metadata, for the handler's callback. */
export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (err instanceof SupervisorError) {
    metadata.set(ERROR_CODE_KEY, err.code);
    let code = grpc.status.UNKNOWN;
    if (err instanceof RegistrationError) {
      code = grpc.status.INVALID_ARGUMENT;
      if (err.field) metadata.set(FIELD_KEY, err.field);
    } else if (err instanceof NotFoundError) code = grpc.status.NOT_FOUND;
    else if (err instanceof StaleEpochError) {
      code = grpc.status.FAILED_PRECONDITION;
      metadata.set(EPOCH_KEY, String(err.current));
    } else if (err instanceof StaleLeaseTermError) {
      code = grpc.status.FAILED_PRECONDITION;
      metadata.set(LEASE_TERM_KEY, `${err.got}/${err.current}`);
    } else if (err instanceof FencedError || err instanceof MaintenanceError)
      code = grpc.status.FAILED_PRECONDITION;
    else if (err instanceof ConflictError) code = grpc.status.ABORTED;
    else if (err instanceof ExecutableError) code = grpc.status.PERMISSION_DENIED;
    else if (err instanceof AccountError) code = grpc.status.PERMISSION_DENIED;
    else if (err instanceof PermissionError) code = grpc.status.PERMISSION_DENIED;
    else if (err instanceof UnauthenticatedError) code = grpc.status.UNAUTHENTICATED;
    else if (err instanceof UnavailableError) code = grpc.status.UNAVAILABLE;
    else code = grpc.status.INVALID_ARGUMENT;
    return { code, details: err.message, metadata };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: message, metadata };
}

/** Turns a gRPC error from a peer back into the domain error it stands for. */
export function fromServiceError(err: grpc.ServiceError, peer: string): Error {
  const code = err.metadata?.get(ERROR_CODE_KEY)[0]?.toString();
  const details = err.details || err.message;
  switch (code) {
    case 'invalid-registration':
      return new RegistrationError(details);
    case 'not-found':
      return new NotFoundError(details);
    case 'stale-epoch': {
      const current = Number(err.metadata.get(EPOCH_KEY)[0]?.toString() ?? 0);
      const got = Number(/stale epoch (\d+)/.exec(details)?.[1] ?? 0);
      return new StaleEpochError(got, current);
    }
    case 'stale-lease-term': {
      const [got, current] = (err.metadata.get(LEASE_TERM_KEY)[0]?.toString() ?? '0/0').split('/');
      return new StaleLeaseTermError(Number(got), Number(current), { message: details });
    }
    case 'fenced':
      return new FencedError(details);
    case 'conflict':
      return new ConflictError(details);
    case 'executable-refused':
      return new ExecutableError(details);
    case 'account-refused':
      return new AccountError(details);
    case 'permission-denied':
      return new PermissionError(details);
    case 'unauthenticated':
      return new UnauthenticatedError(details);
    case 'maintenance-refused':
      return new MaintenanceError(details);
  }
  if (err.code === grpc.status.PERMISSION_DENIED) return new PermissionError(`${peer}: ${details}`);
  if (err.code === grpc.status.UNAUTHENTICATED) return new UnauthenticatedError(`${peer}: ${details}`);
  if (
    err.code === grpc.status.UNAVAILABLE ||
    err.code === grpc.status.DEADLINE_EXCEEDED ||
    err.code === grpc.status.CANCELLED
  ) {
    return new UnavailableError(`${peer} did not answer: ${details}`);
  }
  return new Error(`${peer}: ${details}`);
}

/** A deadline `ms` from now, for a client call's options. */
export function deadline(ms: number): grpc.CallOptions {
  return { deadline: Date.now() + ms };
}

/**
 * A generated unary method. Typed by its last overload, `(argument, callback)`, which is the one
 * TypeScript infers from; it is called with `(argument, options, callback)`.
 */
type UnaryMethod<Req, Res> = (req: Req, callback: grpc.requestCallback<Res>) => unknown;
type UnaryWithOptions<Req, Res> = (
  req: Req,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => unknown;

/** Calls a unary method with a deadline and resolves with the response or rejects with a domain error. */
export function unary<Req, Res>(
  client: grpc.Client,
  method: UnaryMethod<Req, Res>,
  req: Req,
  deadlineMs: number,
  peer: string,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    (method as unknown as UnaryWithOptions<Req, Res>).call(client, req, deadline(deadlineMs), (err, res) => {
      if (err) reject(fromServiceError(err, peer));
      else resolve(res as Res);
    });
  });
}

/** Wraps an async handler: converts its result or its error for the callback, and returns right after. */
export function handle<Req, Res>(fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res) {
  return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>): void => {
    Promise.resolve()
      .then(() => fn(call.request, call))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}

/** Client options shared by every peer: fast reconnects, so that a restarted daemon is found again quickly. */
export const CLIENT_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.enable_retries': 0,
};

/** The identity a caller's verified certificate carries, or null (plaintext, no certificate, not ours). */
export function callerIdentity(call: {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}): Identity | null {
  const cert = call.getAuthContext()?.sslPeerCertificate;
  const ids = identitiesFromSan(cert?.subjectaltname);
  return ids.length === 1 ? ids[0]! : null;
}

/** The certificate of one identity as a source of credentials, re-read when its files change (rotation). */
class IdentitySource {
  private current: LoadedIdentity;
  private stamp: string;
  private readonly listeners = new Set<(id: LoadedIdentity) => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly files: IdentityFiles,
    private readonly expect: { cluster: string; role: Role; name: string },
    private readonly reloadMs: number,
    private readonly onReload: (err: Error | null, id: LoadedIdentity) => void,
  ) {
    this.current = loadIdentity(files, expect);
    this.stamp = this.mtimes();
  }

  get loaded(): LoadedIdentity {
    return this.current;
  }

  private mtimes(): string {
    return [this.files.ca, this.files.cert, this.files.key]
      .map((f) => {
        try {
          return String(statSync(f).mtimeMs);
        } catch {
          return '-';
        }
      })
      .join('/');
  }

  /** Calls `fn` with every newly loaded certificate; the files are watched while anyone listens. */
  listen(fn: (id: LoadedIdentity) => void): () => void {
    this.listeners.add(fn);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.reloadMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** Re-reads the files when they changed; a bad new set is reported and the old one kept. */
  check(): void {
    const stamp = this.mtimes();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.current = loadIdentity(this.files, this.expect);
    } catch (err) {
      this.onReload(err as Error, this.current);
      return;
    }
    this.onReload(null, this.current);
    for (const fn of this.listeners) fn(this.current);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }
}

/** Server credentials whose certificate and CA bundle can be replaced while the server runs. */
class ReloadableServerCredentials extends grpc.ServerCredentials {
  constructor(context: SecureContextOptions) {
    // Client certificates are required and verified against the cluster's CA bundle only.
    super({ requestCert: true, rejectUnauthorized: true }, context);
  }

  replace(context: SecureContextOptions): void {
    this.updateSecureContextOptions(context);
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/** A certificate provider for grpc-js's channel credentials, fed by an IdentitySource. */
class SourceProvider implements grpc.experimental.CertificateProvider {
  private ca = new Set<grpc.experimental.CaCertificateUpdateListener>();
  private ids = new Set<grpc.experimental.IdentityCertificateUpdateListener>();
  private unlisten: (() => void) | null = null;

  constructor(private readonly source: IdentitySource) {}

  private watch(): void {
    this.unlisten ??= this.source.listen((id) => {
      for (const l of this.ca) l({ caCertificate: id.ca });
      for (const l of this.ids) l({ certificate: id.cert, privateKey: id.key });
    });
  }

  private unwatch(): void {
    if (this.ca.size === 0 && this.ids.size === 0 && this.unlisten) {
      this.unlisten();
      this.unlisten = null;
    }
  }

  addCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.ca.add(l);
    this.watch();
    l({ caCertificate: this.source.loaded.ca });
  }
  removeCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.ca.delete(l);
    this.unwatch();
  }
  addIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.ids.add(l);
    this.watch();
    l({ certificate: this.source.loaded.cert, privateKey: this.source.loaded.key });
  }
  removeIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.ids.delete(l);
    this.unwatch();
  }
}

/** What Transport.forIdentity needs of the cluster file. */
export interface TransportSettings {
  name: string;
  tls: { insecure: boolean; dir: string; reloadMs: number };
}

/**
 * The credentials of one process identity, for its server and every client it opens: mutual TLS with
 * the cluster's CA, or plaintext when the cluster file says `insecure: true`. Constructors of clients
 * take one; without it they speak plaintext (and a TLS server refuses them).
 */
export class Transport {
  private readonly servers = new Set<ReloadableServerCredentials>();
  private channel: grpc.ChannelCredentials | null = null;
  private unlisten: (() => void) | null = null;

  private constructor(
    readonly cluster: string,
    private readonly source: IdentitySource | null,
  ) {}

  /** Plaintext, no authentication (insecure clusters, and programs' own probes). */
  static insecure(cluster = ''): Transport {
    return new Transport(cluster, null);
  }

  /**
   * The credentials of a daemon, operator or viewer of a cluster: `ROLE-NAME.crt/.key` and `ca.crt`
   * in the cluster's certificate folder, re-read when they change. Raises TlsError when they are
   * missing or do not fit. `onReload` hears of every renewal (and of a renewal that was refused).
   */
  static forIdentity(
    settings: TransportSettings,
    role: Role,
    name: string,
    onReload: (err: Error | null, id: LoadedIdentity) => void = () => undefined,
  ): Transport {
    if (settings.tls.insecure) return Transport.insecure(settings.name);
    const files = identityFiles(settings.tls.dir, role, name);
    return Transport.fromFiles(settings, files, { role, name }, onReload);
  }

  /** As forIdentity, from explicit files (rmctl --cert, the SDK's RM_TLS_* variables). */
  static fromFiles(
    settings: Pick<TransportSettings, 'name'> & { tls?: { reloadMs: number } },
    files: IdentityFiles,
    expect: { role?: Role; name?: string } = {},
    onReload: (err: Error | null, id: LoadedIdentity) => void = () => undefined,
  ): Transport {
    // The role and name are read from the certificate when the caller does not insist on them.
    const first = loadIdentity(files, { cluster: settings.name, ...expect });
    const source = new IdentitySource(
      files,
      { cluster: settings.name, role: first.identity.role, name: first.identity.name },
      settings.tls?.reloadMs ?? 5000,
      onReload,
    );
    return new Transport(settings.name, source);
  }

  /** The credentials of a daemon of a host: `daemonName` decides whether its certificate names the host. */
  static forDaemon(
    settings: TransportSettings,
    role: Role,
    host: string,
    logger?: { warn: (o: object, m: string) => void; info: (o: object, m: string) => void },
  ): Transport {
    return Transport.forIdentity(settings, role, daemonName(role, host), (err, id) => {
      if (err)
        logger?.warn({ err: err.message }, 'renewed certificate files refused; keeping the ones loaded');
      else logger?.info({ notAfter: id.notAfter.toISOString() }, 'certificate files renewed');
    });
  }

  get secure(): boolean {
    return this.source !== null;
  }

  /** Whose credentials these are (null for plaintext). */
  get identity(): Identity | null {
    return this.source?.loaded.identity ?? null;
  }

  describe(): string {
    const id = this.identity;
    return id ? `mutual TLS as ${describeIdentity(id)}` : 'plaintext (insecure: true)';
  }

  /** For a server: requires and verifies client certificates of the cluster's CA. */
  serverCredentials(): grpc.ServerCredentials {
    const source = this.source;
    if (!source) return grpc.ServerCredentials.createInsecure();
    const contextOf = (id: LoadedIdentity): SecureContextOptions => ({
      ca: id.ca,
      cert: id.cert,
      key: id.key,
    });
    const creds = new ReloadableServerCredentials(contextOf(source.loaded));
    this.servers.add(creds);
    this.unlisten ??= source.listen((id) => {
      for (const c of this.servers) c.replace(contextOf(id));
    });
    return creds;
  }

  /**
   * grpc-js names the server's address as the TLS server name; for an IP address Node ignores it and
   * warns once per process (DEP0123). The certificate is checked against the address all the same
   * (checkServerIdentity), so that one warning says nothing to an operator and is left out.
   */
  private static quietIpServerNames(): void {
    if (Transport.quiet) return;
    Transport.quiet = true;
    const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
    process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
      const code = typeof rest[0] === 'object' && rest[0] ? (rest[0] as { code?: string }).code : rest[1];
      if (code === 'DEP0123') return;
      emit(warning, ...rest);
    }) as typeof process.emitWarning;
  }
  private static quiet = false;

  /**
   * For a client: presents this identity's certificate and verifies the server's against the cluster's
   * CA bundle (never the public roots), its address, and that it is of the same cluster.
   */
  channelCredentials(): grpc.ChannelCredentials {
    const source = this.source;
    if (!source) return grpc.credentials.createInsecure();
    const cluster = this.cluster;
    Transport.quietIpServerNames();
    const provider = new SourceProvider(source);
    this.channel ??= grpc.experimental.createCertificateProviderChannelCredentials(provider, provider, {
      checkServerIdentity: (hostname, cert) => {
        const err = checkServerIdentity(hostname, cert);
        if (err) return err;
        const ids = identitiesFromSan(cert.subjectaltname);
        if (ids.length !== 1 || ids[0]!.cluster !== cluster) {
          return new Error(`the server at ${hostname} does not hold a certificate of cluster ${cluster}`);
        }
        return undefined;
      },
    });
    return this.channel;
  }

  /** Re-reads the certificate files now when they changed (the timer does it every tls.reloadMs). */
  reload(): void {
    this.source?.check();
  }

  close(): void {
    this.unlisten?.();
    this.unlisten = null;
    this.source?.close();
  }
}

/**
 * A daemon's transport, announced in its log at every start: the identity it serves as, or a
 * warning that the cluster runs without TLS (DESIGN §9: plaintext only when the cluster file says so).
 */
export function daemonTransport(
  settings: TransportSettings,
  role: Role,
  host: string,
  logger: { warn: (o: object, m: string) => void; info: (o: object, m: string) => void },
): Transport {
  const transport = Transport.forDaemon(settings, role, host, logger);
  if (transport.secure) logger.info({ tls: transport.describe() }, 'mutual TLS');
  else {
    logger.warn(
      { insecure: true },
      'INSECURE: the cluster file says insecure: true; this daemon speaks plaintext and serves every caller that reaches its port, without authentication or authorization',
    );
  }
  return transport;
}

/**
 * A server interceptor that runs the method's rule (auth.ts) against the caller's certificate before
 * the handler: UNAUTHENTICATED or PERMISSION_DENIED with one line saying who may call it.
 */
function authorization(server: { cluster: string; name: string }): grpc.ServerInterceptor {
  return (method, call) => {
    let caller: Identity | null = null;
    let refused = false;
    const refuse = (kind: 'unauthenticated' | 'permission-denied', message: string) => {
      refused = true;
      call.sendStatus({
        code: kind === 'unauthenticated' ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED,
        details: message,
        metadata: new grpc.Metadata(),
      });
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, mdNext) => {
            caller = callerIdentity(call);
            const r = authorizeCaller(method.path, caller, server);
            if (r) return refuse(r.kind, r.message);
            mdNext(metadata);
          },
          onReceiveMessage: (message, msgNext) => {
            if (refused) return;
            const r = caller ? authorizeRequest(method.path, caller, message) : null;
            if (r) return refuse(r.kind, r.message);
            msgNext(message);
          },
          onReceiveHalfClose: (halfNext) => {
            if (!refused) halfNext();
          },
        });
      },
    });
  };
}

/** Largest request a daemon accepts (every input has a size limit, DESIGN §9). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * A gRPC server with health, bound to one address, with an orderly stop (STYLE §6). With a secure
 * transport every call is authorized by the caller's certificate (auth.ts); without one (tests'
 * application servers, insecure clusters) it serves anyone.
 */
export class DaemonServer {
  readonly server: grpc.Server;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private boundPort = 0;

  /**
   * `transport`: the daemon's certificate and the cluster's CA (authorization by certificate, auth.ts);
   * `interceptors`: e.g. the daemon's metrics (DaemonMetrics.grpcInterceptor), outside the
   * authorization so that refused calls are counted too.
   */
  constructor(
    readonly host: string,
    readonly transport: Transport = Transport.insecure(),
    interceptors: grpc.ServerInterceptor[] = [],
  ) {
    const id = transport.identity;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
      interceptors: [
        ...interceptors,
        ...(id ? [authorization({ cluster: transport.cluster, name: id.name })] : []),
      ],
    });
    this.health.addToServer(this.server);
  }

  /** Binds `host:port` (port 0 picks a free one) and returns the port bound. */
  async listen(port: number): Promise<number> {
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${this.host}:${port}`, this.transport.serverCredentials(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    return this.boundPort;
  }

  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  serving(): void {
    this.health.setStatus('', 'SERVING');
  }

  /** Health NOT_SERVING, stop accepting, let calls drain, force after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
