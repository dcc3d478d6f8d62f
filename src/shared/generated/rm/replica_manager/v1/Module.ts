// Original file: proto/replica_manager.proto

import type { HealthCheck as _rm_replica_manager_v1_HealthCheck, HealthCheck__Output as _rm_replica_manager_v1_HealthCheck__Output } from '../../../rm/replica_manager/v1/HealthCheck.js';
import type { Replica as _rm_replica_manager_v1_Replica, Replica__Output as _rm_replica_manager_v1_Replica__Output } from '../../../rm/replica_manager/v1/Replica.js';
import type { HeldFailure as _rm_replica_manager_v1_HeldFailure, HeldFailure__Output as _rm_replica_manager_v1_HeldFailure__Output } from '../../../rm/replica_manager/v1/HeldFailure.js';
import type { Switchover as _rm_replica_manager_v1_Switchover, Switchover__Output as _rm_replica_manager_v1_Switchover__Output } from '../../../rm/replica_manager/v1/Switchover.js';
import type { AppliedPosition as _rm_replica_manager_v1_AppliedPosition, AppliedPosition__Output as _rm_replica_manager_v1_AppliedPosition__Output } from '../../../rm/replica_manager/v1/AppliedPosition.js';
import type { Long } from '@grpc/proto-loader';

export interface Module {
  'name'?: (string);
  'style'?: (string);
  'degree'?: (number);
  'policy'?: (string);
  'has_threshold'?: (boolean);
  'threshold'?: (number);
  'detect'?: (string);
  'interval_ms'?: (number);
  'timeout_ms'?: (number);
  'check'?: (_rm_replica_manager_v1_HealthCheck | null);
  'args'?: (string)[];
  'env'?: ({[key: string]: string});
  'replicas'?: (_rm_replica_manager_v1_Replica)[];
  'under_replicated'?: (boolean);
  /**
   * Warm and cold: the primary generation, the current primary's fencing token (DESIGN §5).
   */
  'generation'?: (number | string | Long);
  /**
   * The router's port for the module on every host; 0 = none (DESIGN §12).
   */
  'service_port'?: (number);
  /**
   * Maintenance mode (rmctl pause), and the copies that failed meanwhile (DESIGN §12).
   */
  'paused'?: (boolean);
  'held'?: (_rm_replica_manager_v1_HeldFailure)[];
  /**
   * A switchover under way; absent when none.
   */
  'switchover'?: (_rm_replica_manager_v1_Switchover | null);
  /**
   * The account its copies run as on every host (empty: the WatchDog's own): a user name or uid,
   * and a group name or gid (empty: the user's primary group).
   */
  'user'?: (string);
  'group'?: (string);
  /**
   * Warm: the most messages a backup may lag the most advanced known position and still be
   * promoted at fail-over (DESIGN §11); has_max_lag_on_failover false: no limit.
   */
  'has_max_lag_on_failover'?: (boolean);
  'max_lag_on_failover'?: (number);
  /**
   * A fail-over held because no backup was within that limit of this position; absent: none.
   */
  'lag_hold'?: (_rm_replica_manager_v1_AppliedPosition | null);
  /**
   * Active copy-cat mode (DESIGN §11, seed 002), and its guideline: the longest time (ms) the
   * primary may run without an in-sync backup; has_max_out_of_sync_ms false: none demanded.
   */
  'copy_cat'?: (boolean);
  'has_max_out_of_sync_ms'?: (boolean);
  'max_out_of_sync_ms'?: (number);
}

export interface Module__Output {
  'name': (string);
  'style': (string);
  'degree': (number);
  'policy': (string);
  'has_threshold': (boolean);
  'threshold': (number);
  'detect': (string);
  'interval_ms': (number);
  'timeout_ms': (number);
  'check': (_rm_replica_manager_v1_HealthCheck__Output | null);
  'args': (string)[];
  'env': ({[key: string]: string});
  'replicas': (_rm_replica_manager_v1_Replica__Output)[];
  'under_replicated': (boolean);
  /**
   * Warm and cold: the primary generation, the current primary's fencing token (DESIGN §5).
   */
  'generation': (string);
  /**
   * The router's port for the module on every host; 0 = none (DESIGN §12).
   */
  'service_port': (number);
  /**
   * Maintenance mode (rmctl pause), and the copies that failed meanwhile (DESIGN §12).
   */
  'paused': (boolean);
  'held': (_rm_replica_manager_v1_HeldFailure__Output)[];
  /**
   * A switchover under way; absent when none.
   */
  'switchover': (_rm_replica_manager_v1_Switchover__Output | null);
  /**
   * The account its copies run as on every host (empty: the WatchDog's own): a user name or uid,
   * and a group name or gid (empty: the user's primary group).
   */
  'user': (string);
  'group': (string);
  /**
   * Warm: the most messages a backup may lag the most advanced known position and still be
   * promoted at fail-over (DESIGN §11); has_max_lag_on_failover false: no limit.
   */
  'has_max_lag_on_failover': (boolean);
  'max_lag_on_failover': (number);
  /**
   * A fail-over held because no backup was within that limit of this position; absent: none.
   */
  'lag_hold': (_rm_replica_manager_v1_AppliedPosition__Output | null);
  /**
   * Active copy-cat mode (DESIGN §11, seed 002), and its guideline: the longest time (ms) the
   * primary may run without an in-sync backup; has_max_out_of_sync_ms false: none demanded.
   */
  'copy_cat': (boolean);
  'has_max_out_of_sync_ms': (boolean);
  'max_out_of_sync_ms': (number);
}
