// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface KeyValue {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  /**
   * Starts at 1 and grows by one on every write of that key.
   */
  'version'?: (number | string | Long);
}

export interface KeyValue__Output {
  'key': (string);
  'value': (Buffer);
  /**
   * Starts at 1 and grows by one on every write of that key.
   */
  'version': (string);
}
