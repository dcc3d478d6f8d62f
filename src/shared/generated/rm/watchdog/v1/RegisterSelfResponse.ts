// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';

export interface RegisterSelfResponse {
  'replica'?: (string);
  'role'?: (_rm_watchdog_v1_Role);
}

export interface RegisterSelfResponse__Output {
  'replica': (string);
  'role': (_rm_watchdog_v1_Role__Output);
}
