// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface Checkpoint {
  'module'?: (string);
  'replica'?: (string);
  'state'?: (Buffer | Uint8Array | string);
  'version'?: (number | string | Long);
  'saved_at_ms'?: (number | string | Long);
}

export interface Checkpoint__Output {
  'module': (string);
  'replica': (string);
  'state': (Buffer);
  'version': (string);
  'saved_at_ms': (string);
}
