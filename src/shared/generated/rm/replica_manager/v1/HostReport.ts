// Original file: proto/replica_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface HostReport {
  'host'?: (string);
  'up'?: (boolean);
  'epoch'?: (number | string | Long);
}

export interface HostReport__Output {
  'host': (string);
  'up': (boolean);
  'epoch': (string);
}
