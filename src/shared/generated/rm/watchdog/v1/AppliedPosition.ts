// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The last message a copy applied from its module's replication stream (DESIGN §11): its sequence
 * number and the primary generation that wrote it. A primary's is the last message it wrote.
 */
export interface AppliedPosition {
  'seq'?: (number | string | Long);
  'generation'?: (number | string | Long);
}

/**
 * The last message a copy applied from its module's replication stream (DESIGN §11): its sequence
 * number and the primary generation that wrote it. A primary's is the last message it wrote.
 */
export interface AppliedPosition__Output {
  'seq': (string);
  'generation': (string);
}
