// Original file: proto/replica_manager.proto

import type { Module as _rm_replica_manager_v1_Module, Module__Output as _rm_replica_manager_v1_Module__Output } from '../../../rm/replica_manager/v1/Module.js';
import type { Long } from '@grpc/proto-loader';

export interface RegisterResponse {
  'module'?: (_rm_replica_manager_v1_Module | null);
  'epoch'?: (number | string | Long);
}

export interface RegisterResponse__Output {
  'module': (_rm_replica_manager_v1_Module__Output | null);
  'epoch': (string);
}
