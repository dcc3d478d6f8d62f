// Original file: proto/watchdog.proto

import type { AppHello as _rm_watchdog_v1_AppHello, AppHello__Output as _rm_watchdog_v1_AppHello__Output } from '../../../rm/watchdog/v1/AppHello.js';
import type { AppHeartbeat as _rm_watchdog_v1_AppHeartbeat, AppHeartbeat__Output as _rm_watchdog_v1_AppHeartbeat__Output } from '../../../rm/watchdog/v1/AppHeartbeat.js';
import type { AppPong as _rm_watchdog_v1_AppPong, AppPong__Output as _rm_watchdog_v1_AppPong__Output } from '../../../rm/watchdog/v1/AppPong.js';
import type { AppDiverged as _rm_watchdog_v1_AppDiverged, AppDiverged__Output as _rm_watchdog_v1_AppDiverged__Output } from '../../../rm/watchdog/v1/AppDiverged.js';

export interface AppMessage {
  'hello'?: (_rm_watchdog_v1_AppHello | null);
  'heartbeat'?: (_rm_watchdog_v1_AppHeartbeat | null);
  'pong'?: (_rm_watchdog_v1_AppPong | null);
  'diverged'?: (_rm_watchdog_v1_AppDiverged | null);
  'msg'?: "hello"|"heartbeat"|"pong"|"diverged";
}

export interface AppMessage__Output {
  'hello'?: (_rm_watchdog_v1_AppHello__Output | null);
  'heartbeat'?: (_rm_watchdog_v1_AppHeartbeat__Output | null);
  'pong'?: (_rm_watchdog_v1_AppPong__Output | null);
  'diverged'?: (_rm_watchdog_v1_AppDiverged__Output | null);
  'msg'?: "hello"|"heartbeat"|"pong"|"diverged";
}
