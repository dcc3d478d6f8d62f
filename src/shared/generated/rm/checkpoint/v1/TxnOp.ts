// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnOp {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  'delete'?: (boolean);
  'has_expected_version'?: (boolean);
  'expected_version'?: (number | string | Long);
}

export interface TxnOp__Output {
  'key': (string);
  'value': (Buffer);
  'delete': (boolean);
  'has_expected_version': (boolean);
  'expected_version': (string);
}
