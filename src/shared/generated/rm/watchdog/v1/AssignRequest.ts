// Original file: proto/watchdog.proto

import type { ReplicaSpec as _rm_watchdog_v1_ReplicaSpec, ReplicaSpec__Output as _rm_watchdog_v1_ReplicaSpec__Output } from '../../../rm/watchdog/v1/ReplicaSpec.js';
import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface AssignRequest {
  'epoch'?: (number | string | Long);
  'replicas'?: (_rm_watchdog_v1_ReplicaSpec)[];
  'roles'?: (_rm_watchdog_v1_Role)[];
}

export interface AssignRequest__Output {
  'epoch': (string);
  'replicas': (_rm_watchdog_v1_ReplicaSpec__Output)[];
  'roles': (_rm_watchdog_v1_Role__Output)[];
}
