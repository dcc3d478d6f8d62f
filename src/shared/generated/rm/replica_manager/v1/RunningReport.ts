// Original file: proto/replica_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface RunningReport {
  'host'?: (string);
  'epoch_seen'?: (number | string | Long);
}

export interface RunningReport__Output {
  'host': (string);
  'epoch_seen': (string);
}
