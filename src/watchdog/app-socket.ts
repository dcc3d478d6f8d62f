/**
 * The WatchDog's local socket for the copies it starts (DESIGN §9: a copy is known to its WatchDog
 * and acts only for its own module and replica). It serves, on `unix:<state dir>/app.sock`:
 *
 *   - WatchDogApp.Attach, for the SDK's stream (role, beats, pings);
 *   - CheckpointServer.SaveCheckpoint, LoadCheckpoint and WatchCheckpoint, forwarded to the
 *     Checkpoint Servers with the WatchDog's own certificate (failing over between them as the
 *     daemons' client does, shared/failover.ts);
 *   - CheckpointServer.Get, Put and Watch of one key only, the copy's module's replication
 *     announcement (`replication/MODULE`, DESIGN §11), forwarded the same way.
 *
 * Each call shows the copy token the WatchDog put in the copy's environment (RM_COPY_TOKEN, 256 bits,
 * kept only in the WatchDog's 0600 state file and the copy's environment); a call without a token of
 * a running copy is refused, and one for another module or replica than the token's is refused. The
 * socket is local, so nobody on the network reaches it; the token is what tells one local process
 * from another (a socket cannot name its peer's pid portably, and a copy's children inherit the
 * token with its environment, as they inherit the copy's other rights).
 *
 * Copies thereby need no certificate: the CA's trust stays with the daemons.
 */

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../shared/clock.js';
import { PermissionError, UnauthenticatedError, UnavailableError } from '../shared/errors.js';
import { Failover } from '../shared/failover.js';
import type { CheckpointServerClient } from '../shared/generated/rm/checkpoint/v1/CheckpointServer.js';
import {
  CLIENT_OPTIONS,
  deadline,
  MAX_REQUEST_BYTES,
  protos,
  type Transport,
  toServiceError,
} from '../shared/grpc.js';
import { LIMITS, quote } from '../shared/limits.js';
import type { Logger } from '../shared/logging.js';
import { ANNOUNCEMENT_PREFIX, announcementModule } from '../shared/wire.js';
import { copyToken, watchDogAppHandlers } from './service.js';
import type { WatchDog } from './supervisor.js';

/** The socket's path: in the state folder, or under the temporary folder when that path is too long for a socket. */
export function appSocketPath(stateDir: string): string {
  const inState = join(stateDir, 'app.sock');
  if (Buffer.byteLength(inState) <= 100) return inState;
  return join(tmpdir(), `rm-wd-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}.sock`);
}

export interface AppSocket {
  readonly address: string;
  stop(): Promise<void>;
}

/** Starts the local socket of a WatchDog; `transport` is the WatchDog's own, for the Checkpoint Server. */
export async function startAppSocket(opts: {
  stateDir: string;
  watchdog: WatchDog;
  /** Every Checkpoint Server, in the cluster file's order. */
  checkpointAddresses: readonly string[];
  transport: Transport;
  deadlineMs: number;
  logger: Logger;
  /** Bounds the graceful shutdown. */
  clock: Clock;
}): Promise<AppSocket> {
  const path = appSocketPath(opts.stateDir);
  if (existsSync(path)) rmSync(path);
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
  const pkg = protos();
  const Ctor = pkg.checkpoint.rm.checkpoint.v1.CheckpointServer;
  const credentials = opts.transport.channelCredentials();
  const servers = new Failover<CheckpointServerClient>(
    opts.checkpointAddresses,
    (address) => new Ctor(address, credentials, CLIENT_OPTIONS),
    'Checkpoint Server',
  );
  const wd = opts.watchdog;

  /** The module whose replication announcement `key` is; PermissionError for any other key. */
  const announcedModule = (key: string): string => {
    const module = announcementModule(key);
    if (module === null)
      throw new PermissionError(
        `a copy reaches only its module's replication announcement (${ANNOUNCEMENT_PREFIX}MODULE) on this socket, not ${quote(key)}`,
      );
    return module;
  };

  /** The copy a call comes from, allowed to act for `module` (and `replica`, when the call names one). */
  const copyOf = (call: { metadata: grpc.Metadata }, module: string, replica?: string) => {
    const copy = wd.copyByToken(copyToken(call.metadata));
    if (!copy)
      throw new UnauthenticatedError('no copy of this host holds that token: a copy shows its RM_COPY_TOKEN');
    if (module !== copy.module || (replica !== undefined && replica !== copy.replica)) {
      throw new PermissionError(
        `copy ${copy.replica} acts only for module ${copy.module} and replica ${copy.replica}, not for ${quote(module)}${
          replica !== undefined ? `/${quote(replica)}` : ''
        }`,
      );
    }
    return copy;
  };

  const forward =
    <Req>(
      method: 'SaveCheckpoint' | 'LoadCheckpoint' | 'Get' | 'Put',
      check: (call: grpc.ServerUnaryCall<Req, unknown>) => void,
    ) =>
    (call: grpc.ServerUnaryCall<Req, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      try {
        check(call);
      } catch (err) {
        callback(toServiceError(err));
        return;
      }
      // The next Checkpoint Server is tried only when one does not answer (a save only when it
      // surely never arrived); any other answer, a refusal included, goes back to the copy as is.
      const answered = new Map<unknown, grpc.ServiceError>();
      servers
        .call(
          opts.deadlineMs,
          method === 'SaveCheckpoint' || method === 'Put' ? 'write' : 'read',
          (cs, attemptMs, peer) => {
            const fn = cs[method] as unknown as (
              req: Req,
              options: grpc.CallOptions,
              cb: (err: grpc.ServiceError | null, res?: unknown) => void,
            ) => void;
            return new Promise<unknown>((resolve, reject) =>
              fn.call(cs, call.request, deadline(attemptMs), (err, res) => {
                if (!err) resolve(res);
                else if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)
                  reject(new UnavailableError(`${peer} did not answer: ${err.details || err.message}`));
                else {
                  const refusal = new Error(err.details);
                  answered.set(refusal, err);
                  reject(refusal);
                }
              }),
            );
          },
        )
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(answered.get(err) ?? toServiceError(err)),
        );
    };

  /**
   * Relays a watch from the Checkpoint Server to the copy once `check` lets it, passing on what
   * `keep` accepts; a watch that fails moves the copy's next one to the next Checkpoint Server.
   */
  const relayWatch = (
    call: grpc.ServerWritableStream<unknown, unknown>,
    check: () => void,
    open: (client: CheckpointServerClient) => grpc.ClientReadableStream<unknown>,
    keep: (msg: unknown) => boolean,
  ): void => {
    try {
      check();
    } catch (err) {
      call.emit('error', toServiceError(err));
      return;
    }
    const { client, index } = servers.current();
    const upstream = open(client);
    upstream.on('metadata', (md) => call.sendMetadata(md));
    upstream.on('data', (msg) => {
      if (keep(msg)) call.write(msg);
    });
    upstream.on('end', () => call.end());
    upstream.on('error', (err: grpc.ServiceError) => {
      // The copy watches again; its next watch opens on the next Checkpoint Server.
      if (err.code === grpc.status.UNAVAILABLE) servers.failed(index);
      if (err.code !== grpc.status.CANCELLED) call.emit('error', err);
    });
    call.on('cancelled', () => upstream.cancel());
    call.on('close', () => upstream.cancel());
  };

  server.addService(pkg.watchdog.rm.watchdog.v1.WatchDogApp.service, {
    ...watchDogAppHandlers(wd, opts.logger),
    RegisterSelf: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback(
        toServiceError(
          new PermissionError(
            "RegisterSelf is not served on the copies' socket: a program registers itself on the WatchDog's port with an operator certificate",
          ),
        ),
      ),
  });
  server.addService(pkg.checkpoint.rm.checkpoint.v1.CheckpointServer.service, {
    SaveCheckpoint: forward<{ module: string; replica: string; state: Buffer }>('SaveCheckpoint', (call) => {
      copyOf(call, call.request.module, call.request.replica);
      if (call.request.state.length > LIMITS.checkpointBytes) {
        throw new PermissionError(
          `a checkpoint of ${call.request.state.length} bytes is over the ${LIMITS.checkpointBytes} accepted`,
        );
      }
    }),
    LoadCheckpoint: forward<{ module: string }>('LoadCheckpoint', (call) => {
      copyOf(call, call.request.module);
    }),
    // The replication stream's rendezvous: a copy reads and writes its own module's announcement.
    Get: forward<{ key: string }>('Get', (call) => {
      copyOf(call, announcedModule(call.request.key));
    }),
    Put: forward<{ key: string; value: Buffer; epoch: string }>('Put', (call) => {
      copyOf(call, announcedModule(call.request.key));
      if (call.request.value.length > LIMITS.valueBytes) {
        throw new PermissionError(
          `an announcement of ${call.request.value.length} bytes is over the ${LIMITS.valueBytes} accepted`,
        );
      }
    }),
    Watch: (call: grpc.ServerWritableStream<{ prefix: string }, unknown>) => {
      const key = call.request.prefix;
      // A prefix also matches longer keys (replication/A matches replication/A2): only the copy's own goes on.
      relayWatch(
        call,
        () => copyOf(call, announcedModule(key)),
        (client) => client.Watch({ prefix: key }),
        (ev) => (ev as { kv?: { key: string } | null }).kv?.key === key,
      );
    },
    WatchCheckpoint: (call: grpc.ServerWritableStream<{ module: string }, unknown>) => {
      relayWatch(
        call,
        () => copyOf(call, call.request.module),
        (client) => client.WatchCheckpoint({ module: call.request.module }),
        () => true,
      );
    },
  } as unknown as grpc.UntypedServiceImplementation);

  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  // Copies run as the WatchDog's user or as their module's own: any of them may connect, and each
  // call is held to the copy its RM_COPY_TOKEN names (copyOf); a call without one is refused.
  chmodSync(path, 0o666);
  opts.logger.info({ socket: path }, "copies' local socket serving");
  return {
    address: `unix:${path}`,
    async stop() {
      await new Promise<void>((resolve) => {
        const timer = opts.clock.setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          opts.clock.clearTimeout(timer);
          resolve();
        });
      });
      servers.close();
      rmSync(path, { force: true });
    },
  };
}
