// Original file: proto/replica_manager.proto

import type { Module as _rm_replica_manager_v1_Module, Module__Output as _rm_replica_manager_v1_Module__Output } from '../../../rm/replica_manager/v1/Module.js';
import type { UncheckedHost as _rm_replica_manager_v1_UncheckedHost, UncheckedHost__Output as _rm_replica_manager_v1_UncheckedHost__Output } from '../../../rm/replica_manager/v1/UncheckedHost.js';
import type { Long } from '@grpc/proto-loader';

export interface RegisterResponse {
  'module'?: (_rm_replica_manager_v1_Module | null);
  'epoch'?: (number | string | Long);
  /**
   * The hosts whose WatchDog could not be asked whether it can start its copy (down, or no answer
   * within the check's deadline): registered anyway; a copy that cannot start there is a failed start.
   */
  'unchecked'?: (_rm_replica_manager_v1_UncheckedHost)[];
}

export interface RegisterResponse__Output {
  'module': (_rm_replica_manager_v1_Module__Output | null);
  'epoch': (string);
  /**
   * The hosts whose WatchDog could not be asked whether it can start its copy (down, or no answer
   * within the check's deadline): registered anyway; a copy that cannot start there is a failed start.
   */
  'unchecked': (_rm_replica_manager_v1_UncheckedHost__Output)[];
}
