// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface SetRoleRequest {
  'epoch'?: (number | string | Long);
  'replica'?: (string);
  'role'?: (_rm_watchdog_v1_Role);
  /**
   * As in StartReplicaRequest.
   */
  'generation'?: (number | string | Long);
  /**
   * As in StartReplicaRequest: a promotion decided before the host's lease last ran out is refused.
   */
  'lease_term'?: (number | string | Long);
}

export interface SetRoleRequest__Output {
  'epoch': (string);
  'replica': (string);
  'role': (_rm_watchdog_v1_Role__Output);
  /**
   * As in StartReplicaRequest.
   */
  'generation': (string);
  /**
   * As in StartReplicaRequest: a promotion decided before the host's lease last ran out is refused.
   */
  'lease_term': (string);
}
