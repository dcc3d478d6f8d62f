// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { AppliedPosition as _rm_watchdog_v1_AppliedPosition, AppliedPosition__Output as _rm_watchdog_v1_AppliedPosition__Output } from '../../../rm/watchdog/v1/AppliedPosition.js';
import type { Long } from '@grpc/proto-loader';

export interface RunningReplica {
  'replica'?: (string);
  'module'?: (string);
  'role'?: (_rm_watchdog_v1_Role);
  'pid'?: (number);
  'started_at_ms'?: (number | string | Long);
  /**
   * Where the copy stood in its module's replication stream at its last beat; absent when it has
   * said nothing (no stream, or not yet). Promotion prefers the backup that applied the most.
   */
  'applied'?: (_rm_watchdog_v1_AppliedPosition | null);
}

export interface RunningReplica__Output {
  'replica': (string);
  'module': (string);
  'role': (_rm_watchdog_v1_Role__Output);
  'pid': (number);
  'started_at_ms': (string);
  /**
   * Where the copy stood in its module's replication stream at its last beat; absent when it has
   * said nothing (no stream, or not yet). Promotion prefers the backup that applied the most.
   */
  'applied': (_rm_watchdog_v1_AppliedPosition__Output | null);
}
