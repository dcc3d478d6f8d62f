/**
 * The WatchDog's local socket for the copies it starts (DESIGN §9: a copy is known to its WatchDog
 * and acts only for its own module and replica). It serves, on `unix:<state dir>/app.sock`:
 *
 *   - WatchDogApp.Attach, for the SDK's stream (role, beats, pings);
 *   - CheckpointServer.SaveCheckpoint, LoadCheckpoint and WatchCheckpoint, forwarded to the
 *     Checkpoint Server with the WatchDog's own certificate.
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
import { PermissionError, UnauthenticatedError } from '../shared/errors.js';
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
  checkpointAddress: string;
  transport: Transport;
  deadlineMs: number;
  logger: Logger;
}): Promise<AppSocket> {
  const path = appSocketPath(opts.stateDir);
  if (existsSync(path)) rmSync(path);
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
  const pkg = protos();
  const cs: CheckpointServerClient = new pkg.checkpoint.rm.checkpoint.v1.CheckpointServer(
    opts.checkpointAddress,
    opts.transport.channelCredentials(),
    CLIENT_OPTIONS,
  );
  const wd = opts.watchdog;

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
      method: 'SaveCheckpoint' | 'LoadCheckpoint',
      check: (call: grpc.ServerUnaryCall<Req, unknown>) => void,
    ) =>
    (call: grpc.ServerUnaryCall<Req, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      try {
        check(call);
      } catch (err) {
        callback(toServiceError(err));
        return;
      }
      const fn = cs[method] as unknown as (
        req: Req,
        options: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: unknown) => void,
      ) => void;
      fn.call(cs, call.request, deadline(opts.deadlineMs), (err, res) => {
        // The Checkpoint Server's own status (FAILED_PRECONDITION for a fenced save…) goes back as is.
        if (err) callback(err);
        else callback(null, res);
      });
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
    WatchCheckpoint: (call: grpc.ServerWritableStream<{ module: string }, unknown>) => {
      try {
        copyOf(call, call.request.module);
      } catch (err) {
        call.emit('error', toServiceError(err));
        return;
      }
      const upstream = cs.WatchCheckpoint({ module: call.request.module });
      upstream.on('metadata', (md) => call.sendMetadata(md));
      upstream.on('data', (msg) => call.write(msg));
      upstream.on('end', () => call.end());
      upstream.on('error', (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) call.emit('error', err);
      });
      call.on('cancelled', () => upstream.cancel());
      call.on('close', () => upstream.cancel());
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
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      cs.close();
      rmSync(path, { force: true });
    },
  };
}
