// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamMessage {
  'seq'?: (number | string | Long);
  /**
   * The primary generation of the copy that created the message.
   */
  'generation'?: (number | string | Long);
  'epoch'?: (number | string | Long);
  'pid'?: (number);
  'thread_id'?: (number);
  'payload'?: (Buffer | Uint8Array | string);
}

export interface StreamMessage__Output {
  'seq': (string);
  /**
   * The primary generation of the copy that created the message.
   */
  'generation': (string);
  'epoch': (string);
  'pid': (number);
  'thread_id': (number);
  'payload': (Buffer);
}
