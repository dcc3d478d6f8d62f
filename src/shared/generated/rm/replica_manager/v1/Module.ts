// Original file: proto/replica_manager.proto

import type { HealthCheck as _rm_replica_manager_v1_HealthCheck, HealthCheck__Output as _rm_replica_manager_v1_HealthCheck__Output } from '../../../rm/replica_manager/v1/HealthCheck.js';
import type { Replica as _rm_replica_manager_v1_Replica, Replica__Output as _rm_replica_manager_v1_Replica__Output } from '../../../rm/replica_manager/v1/Replica.js';
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
}
