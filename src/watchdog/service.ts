/**
 * The WatchDog's gRPC handlers (proto/watchdog.proto): each converts the request, calls the
 * WatchDog, and maps domain errors to a gRPC status (STYLE §5).
 */
import type * as grpc from '@grpc/grpc-js';
import type { AppMessage__Output } from '../shared/generated/rm/watchdog/v1/AppMessage.js';
import type { WatchDogHandlers } from '../shared/generated/rm/watchdog/v1/WatchDog.js';
import type { WatchDogAppHandlers } from '../shared/generated/rm/watchdog/v1/WatchDogApp.js';
import type { WatchDogMessage } from '../shared/generated/rm/watchdog/v1/WatchDogMessage.js';
import { handle, toServiceError } from '../shared/grpc.js';
import type { Logger } from '../shared/logging.js';
import { positionFromWire } from '../shared/wire.js';
import type { AppLink, WatchDog } from './supervisor.js';

/** The metadata key a copy sends its RM_COPY_TOKEN under. */
export const COPY_TOKEN_KEY = 'rm-copy-token';

export function copyToken(metadata: grpc.Metadata): string {
  const v = metadata.get(COPY_TOKEN_KEY)[0];
  return typeof v === 'string' ? v.slice(0, 256) : '';
}

export function watchDogHandlers(wd: WatchDog): WatchDogHandlers {
  return {
    StartReplica: handle((req) =>
      wd.startReplica(
        Number(req.epoch),
        req.replica,
        req.role,
        Number(req.generation),
        Number(req.lease_term),
      ),
    ),
    StopReplica: handle((req) => wd.stopReplica(Number(req.epoch), req.replica, req.wait_exit)),
    SetRole: handle((req) =>
      wd.setRole(Number(req.epoch), req.replica, req.role, Number(req.generation), Number(req.lease_term)),
    ),
    ListRunning: handle((req) => wd.listRunning(Number(req.epoch))),
    CheckReplica: handle((req) => wd.checkReplica(req.replica)),
  };
}

export function watchDogAppHandlers(wd: WatchDog, logger: Logger): WatchDogAppHandlers {
  return {
    RegisterSelf: handle((req) => wd.registerSelf(req.module_json, req.pid)),
    Attach: (call: grpc.ServerDuplexStream<AppMessage__Output, WatchDogMessage>) => {
      let replica: string | null = null;
      let ended = false;
      let count = 0;
      const link: AppLink = {
        send: (msg) => {
          if (!ended) call.write(msg);
        },
        end: () => {
          if (ended) return;
          ended = true;
          call.end();
        },
      };
      const finish = () => {
        if (replica) wd.detach(replica, link);
        link.end();
      };
      call.on('data', (msg: AppMessage__Output) => {
        // A stream that has not said who it is after a few messages is not a copy.
        if (!replica && ++count > 4) {
          ended = true;
          call.emit('error', toServiceError(new Error('the first message on Attach must be hello')));
          return;
        }
        try {
          if (msg.msg === 'hello' && msg.hello) {
            if (replica) return;
            const welcome = wd.attach(
              { replica: msg.hello.replica, module: msg.hello.module, pid: msg.hello.pid },
              link,
              copyToken(call.metadata),
            );
            replica = msg.hello.replica;
            link.send(welcome);
          } else if (!replica) {
            throw new Error('the first message on Attach must be hello');
          } else if (msg.msg === 'heartbeat' && msg.heartbeat) {
            wd.heartbeat(replica, link, msg.heartbeat.seq, positionFromWire(msg.heartbeat.applied));
          } else if (msg.msg === 'pong' && msg.pong) {
            wd.pong(replica, link, Number(msg.pong.seq), msg.pong.healthy, msg.pong.detail);
          } else if (msg.msg === 'diverged' && msg.diverged) {
            wd.diverged(replica, link, Number(msg.diverged.seq), msg.diverged.detail);
          }
        } catch (err) {
          logger.warn(
            { replica: replica ?? msg.hello?.replica, err: (err as Error).message },
            'Attach refused',
          );
          ended = true;
          call.emit('error', toServiceError(err));
        }
      });
      call.on('end', finish);
      call.on('cancelled', finish);
      call.on('error', finish);
    },
  };
}
