// Original file: proto/replica_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface FailureReport {
  'host'?: (string);
  'replica'?: (string);
  /**
   * exit | signal | hang | ping | missing
   */
  'reason'?: (string);
  'detail'?: (string);
  'epoch_seen'?: (number | string | Long);
}

export interface FailureReport__Output {
  'host': (string);
  'replica': (string);
  /**
   * exit | signal | hang | ping | missing
   */
  'reason': (string);
  'detail': (string);
  'epoch_seen': (string);
}
