// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Ask again for messages from..to (inclusive).
 */
export interface Resend {
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
}

/**
 * Ask again for messages from..to (inclusive).
 */
export interface Resend__Output {
  'from': (string);
  'to': (string);
}
