// Original file: proto/replica_manager.proto

import type { Module as _rm_replica_manager_v1_Module, Module__Output as _rm_replica_manager_v1_Module__Output } from '../../../rm/replica_manager/v1/Module.js';

export interface RegisterRequest {
  /**
   * Replicas may leave id and status empty: the ReplicaManager assigns them.
   */
  'module'?: (_rm_replica_manager_v1_Module | null);
  /**
   * SDK self-registration: the copy on this host already runs and becomes its primary.
   */
  'running_on'?: (string);
}

export interface RegisterRequest__Output {
  /**
   * Replicas may leave id and status empty: the ReplicaManager assigns them.
   */
  'module': (_rm_replica_manager_v1_Module__Output | null);
  /**
   * SDK self-registration: the copy on this host already runs and becomes its primary.
   */
  'running_on': (string);
}
