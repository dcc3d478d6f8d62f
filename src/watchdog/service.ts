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
import type { AppLink, WatchDog } from './supervisor.js';

export function watchDogHandlers(wd: WatchDog): WatchDogHandlers {
  return {
    StartReplica: handle((req) =>
      wd.startReplica(Number(req.epoch), req.replica, req.role, Number(req.generation)),
    ),
    StopReplica: handle((req) => wd.stopReplica(Number(req.epoch), req.replica, req.wait_exit)),
    SetRole: handle((req) => wd.setRole(Number(req.epoch), req.replica, req.role, Number(req.generation))),
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
        try {
          if (msg.msg === 'hello' && msg.hello) {
            if (replica) return;
            const welcome = wd.attach(
              { replica: msg.hello.replica, module: msg.hello.module, pid: msg.hello.pid },
              link,
            );
            replica = msg.hello.replica;
            link.send(welcome);
          } else if (!replica) {
            throw new Error('the first message on Attach must be hello');
          } else if (msg.msg === 'heartbeat' && msg.heartbeat) {
            wd.heartbeat(replica, link, msg.heartbeat.seq);
          } else if (msg.msg === 'pong' && msg.pong) {
            wd.pong(replica, link, Number(msg.pong.seq), msg.pong.healthy, msg.pong.detail);
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
