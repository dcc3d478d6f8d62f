// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';

export interface ReplicaAck {
  'replica'?: (string);
  'pid'?: (number);
  'role'?: (_rm_watchdog_v1_Role);
}

export interface ReplicaAck__Output {
  'replica': (string);
  'pid': (number);
  'role': (_rm_watchdog_v1_Role__Output);
}
