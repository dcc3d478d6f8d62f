// Original file: proto/replica_manager.proto

import type { RunningCopy as _rm_replica_manager_v1_RunningCopy, RunningCopy__Output as _rm_replica_manager_v1_RunningCopy__Output } from '../../../rm/replica_manager/v1/RunningCopy.js';
import type { Long } from '@grpc/proto-loader';

export interface RunningReport {
  'host'?: (string);
  'running'?: (_rm_replica_manager_v1_RunningCopy)[];
  'epoch_seen'?: (number | string | Long);
}

export interface RunningReport__Output {
  'host': (string);
  'running': (_rm_replica_manager_v1_RunningCopy__Output)[];
  'epoch_seen': (string);
}
