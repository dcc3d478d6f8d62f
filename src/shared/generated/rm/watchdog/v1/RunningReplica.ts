// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface RunningReplica {
  'replica'?: (string);
  'module'?: (string);
  'role'?: (_rm_watchdog_v1_Role);
  'pid'?: (number);
  'started_at_ms'?: (number | string | Long);
}

export interface RunningReplica__Output {
  'replica': (string);
  'module': (string);
  'role': (_rm_watchdog_v1_Role__Output);
  'pid': (number);
  'started_at_ms': (string);
}
