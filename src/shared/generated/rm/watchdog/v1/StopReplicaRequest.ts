// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface StopReplicaRequest {
  'epoch'?: (number | string | Long);
  'replica'?: (string);
}

export interface StopReplicaRequest__Output {
  'epoch': (string);
  'replica': (string);
}
