// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface PutRequest {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  /**
   * Compare-and-set: -1 (default when has_expected_version is false) means unconditional.
   */
  'has_expected_version'?: (boolean);
  'expected_version'?: (number | string | Long);
  /**
   * Fencing: 0 means not fenced.
   */
  'epoch'?: (number | string | Long);
}

export interface PutRequest__Output {
  'key': (string);
  'value': (Buffer);
  /**
   * Compare-and-set: -1 (default when has_expected_version is false) means unconditional.
   */
  'has_expected_version': (boolean);
  'expected_version': (string);
  /**
   * Fencing: 0 means not fenced.
   */
  'epoch': (string);
}
