// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface ReplicaAck {
  'replica'?: (string);
  'pid'?: (number);
  'role'?: (_rm_watchdog_v1_Role);
  /**
   * When the copy that now runs was started, on this WatchDog's clock (0 when none runs).
   */
  'started_at_ms'?: (number | string | Long);
}

export interface ReplicaAck__Output {
  'replica': (string);
  'pid': (number);
  'role': (_rm_watchdog_v1_Role__Output);
  /**
   * When the copy that now runs was started, on this WatchDog's clock (0 when none runs).
   */
  'started_at_ms': (string);
}
