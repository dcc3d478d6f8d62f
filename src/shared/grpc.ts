/**
 * gRPC plumbing shared by every daemon: loading the typed packages, a server with the standard
 * grpc.health.v1 service and an orderly shutdown, clients with deadlines, and the mapping between
 * domain errors and gRPC statuses (STYLE §5).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import {
  ConflictError,
  ExecutableError,
  FencedError,
  MaintenanceError,
  NotFoundError,
  RegistrationError,
  StaleEpochError,
  SupervisorError,
  UnavailableError,
} from './errors.js';
import type { ProtoGrpcType as CheckpointGrpc } from './generated/checkpoint.js';
import type { ProtoGrpcType as ReplicaManagerGrpc } from './generated/replica_manager.js';
import type { ProtoGrpcType as SuperWatchDogGrpc } from './generated/super_watchdog.js';
import type { ProtoGrpcType as WatchDogGrpc } from './generated/watchdog.js';

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
} | null = null;

/** The four packages, loaded once per process. */
export function protos() {
  cache ??= {
    checkpoint: load<CheckpointGrpc>('checkpoint.proto'),
    replicaManager: load<ReplicaManagerGrpc>('replica_manager.proto'),
    watchdog: load<WatchDogGrpc>('watchdog.proto'),
    superWatchdog: load<SuperWatchDogGrpc>('super_watchdog.proto'),
  };
  return cache;
}

const ERROR_CODE_KEY = 'rm-error-code';
const EPOCH_KEY = 'rm-current-epoch';
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
    } else if (err instanceof FencedError || err instanceof MaintenanceError)
      code = grpc.status.FAILED_PRECONDITION;
    else if (err instanceof ConflictError) code = grpc.status.ABORTED;
    else if (err instanceof ExecutableError) code = grpc.status.PERMISSION_DENIED;
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
    case 'fenced':
      return new FencedError(details);
    case 'conflict':
      return new ConflictError(details);
    case 'executable-refused':
      return new ExecutableError(details);
    case 'maintenance-refused':
      return new MaintenanceError(details);
  }
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

/** A gRPC server with health, bound to one address, with an orderly stop (STYLE §6). */
export class DaemonServer {
  readonly server: grpc.Server;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private boundPort = 0;

  /** `interceptors`: e.g. the daemon's metrics (DaemonMetrics.grpcInterceptor). */
  constructor(
    readonly host: string,
    interceptors: grpc.ServerInterceptor[] = [],
  ) {
    this.server = new grpc.Server({ interceptors });
    this.health.addToServer(this.server);
  }

  /** Binds `host:port` (port 0 picks a free one) and returns the port bound. */
  async listen(port: number): Promise<number> {
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${this.host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
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
