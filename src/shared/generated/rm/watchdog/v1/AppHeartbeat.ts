// Original file: proto/watchdog.proto

import type { AppliedPosition as _rm_watchdog_v1_AppliedPosition, AppliedPosition__Output as _rm_watchdog_v1_AppliedPosition__Output } from '../../../rm/watchdog/v1/AppliedPosition.js';
import type { Long } from '@grpc/proto-loader';

export interface AppHeartbeat {
  'seq'?: (number | string | Long);
  /**
   * Where the copy stands in its module's replication stream, when it has one open.
   */
  'applied'?: (_rm_watchdog_v1_AppliedPosition | null);
}

export interface AppHeartbeat__Output {
  'seq': (string);
  /**
   * Where the copy stands in its module's replication stream, when it has one open.
   */
  'applied': (_rm_watchdog_v1_AppliedPosition__Output | null);
}
