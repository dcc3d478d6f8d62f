// Original file: proto/replica_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface Ack {
  'epoch'?: (number | string | Long);
}

export interface Ack__Output {
  'epoch': (string);
}
