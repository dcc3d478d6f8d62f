// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

export interface Ack {
  'received'?: (number | string | Long);
  'applied'?: (number | string | Long);
}

export interface Ack__Output {
  'received': (string);
  'applied': (string);
}
