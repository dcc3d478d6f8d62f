// Original file: proto/watchdog.proto

import type { ReplicaSpec as _rm_watchdog_v1_ReplicaSpec, ReplicaSpec__Output as _rm_watchdog_v1_ReplicaSpec__Output } from '../../../rm/watchdog/v1/ReplicaSpec.js';
import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface StartReplicaRequest {
  'epoch'?: (number | string | Long);
  'replica'?: (_rm_watchdog_v1_ReplicaSpec | null);
  'role'?: (_rm_watchdog_v1_Role);
  /**
   * The module's primary generation when the role is PRIMARY (DESIGN §5, fenced application state):
   * handed to the copy, which shows it with every save.
   */
  'generation'?: (number | string | Long);
  /**
   * The host lease's term the ReplicaManager last heard from this WatchDog (ListRunningResponse): a
   * start decided before the host's lease last ran out is refused (stale-lease-term). 0: not
   * stamped, not checked (a ReplicaManager always stamps, once it has heard the term).
   */
  'lease_term'?: (number | string | Long);
}

export interface StartReplicaRequest__Output {
  'epoch': (string);
  'replica': (_rm_watchdog_v1_ReplicaSpec__Output | null);
  'role': (_rm_watchdog_v1_Role__Output);
  /**
   * The module's primary generation when the role is PRIMARY (DESIGN §5, fenced application state):
   * handed to the copy, which shows it with every save.
   */
  'generation': (string);
  /**
   * The host lease's term the ReplicaManager last heard from this WatchDog (ListRunningResponse): a
   * start decided before the host's lease last ran out is refused (stale-lease-term). 0: not
   * stamped, not checked (a ReplicaManager always stamps, once it has heard the term).
   */
  'lease_term': (string);
}
