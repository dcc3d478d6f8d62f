// Original file: proto/watchdog.proto

import type { AppWelcome as _rm_watchdog_v1_AppWelcome, AppWelcome__Output as _rm_watchdog_v1_AppWelcome__Output } from '../../../rm/watchdog/v1/AppWelcome.js';
import type { AppRoleChange as _rm_watchdog_v1_AppRoleChange, AppRoleChange__Output as _rm_watchdog_v1_AppRoleChange__Output } from '../../../rm/watchdog/v1/AppRoleChange.js';
import type { AppPing as _rm_watchdog_v1_AppPing, AppPing__Output as _rm_watchdog_v1_AppPing__Output } from '../../../rm/watchdog/v1/AppPing.js';
import type { AppStop as _rm_watchdog_v1_AppStop, AppStop__Output as _rm_watchdog_v1_AppStop__Output } from '../../../rm/watchdog/v1/AppStop.js';
import type { AppBeatAck as _rm_watchdog_v1_AppBeatAck, AppBeatAck__Output as _rm_watchdog_v1_AppBeatAck__Output } from '../../../rm/watchdog/v1/AppBeatAck.js';

export interface WatchDogMessage {
  'welcome'?: (_rm_watchdog_v1_AppWelcome | null);
  'role_change'?: (_rm_watchdog_v1_AppRoleChange | null);
  'ping'?: (_rm_watchdog_v1_AppPing | null);
  'stop'?: (_rm_watchdog_v1_AppStop | null);
  'beat_ack'?: (_rm_watchdog_v1_AppBeatAck | null);
  'msg'?: "welcome"|"role_change"|"ping"|"stop"|"beat_ack";
}

export interface WatchDogMessage__Output {
  'welcome'?: (_rm_watchdog_v1_AppWelcome__Output | null);
  'role_change'?: (_rm_watchdog_v1_AppRoleChange__Output | null);
  'ping'?: (_rm_watchdog_v1_AppPing__Output | null);
  'stop'?: (_rm_watchdog_v1_AppStop__Output | null);
  'beat_ack'?: (_rm_watchdog_v1_AppBeatAck__Output | null);
  'msg'?: "welcome"|"role_change"|"ping"|"stop"|"beat_ack";
}
