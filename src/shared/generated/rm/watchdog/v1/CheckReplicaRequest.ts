// Original file: proto/watchdog.proto

import type { ReplicaSpec as _rm_watchdog_v1_ReplicaSpec, ReplicaSpec__Output as _rm_watchdog_v1_ReplicaSpec__Output } from '../../../rm/watchdog/v1/ReplicaSpec.js';

export interface CheckReplicaRequest {
  'replica'?: (_rm_watchdog_v1_ReplicaSpec | null);
}

export interface CheckReplicaRequest__Output {
  'replica': (_rm_watchdog_v1_ReplicaSpec__Output | null);
}
