// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The primary's state as of message seq (written up to there by generation).
 */
export interface Snapshot {
  'seq'?: (number | string | Long);
  'generation'?: (number | string | Long);
  'state'?: (Buffer | Uint8Array | string);
}

/**
 * The primary's state as of message seq (written up to there by generation).
 */
export interface Snapshot__Output {
  'seq': (string);
  'generation': (string);
  'state': (Buffer);
}
