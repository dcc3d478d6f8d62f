// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnResponse {
  'versions'?: (number | string | Long)[];
}

export interface TxnResponse__Output {
  'versions': (string)[];
}
