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
  /**
   * When the failed copy was started, on the WatchDog's clock (0: unknown). A report about a copy
   * older than what the manager already knows of that replica on that host is stale and ignored.
   */
  'started_at_ms'?: (number | string | Long);
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
  /**
   * When the failed copy was started, on the WatchDog's clock (0: unknown). A report about a copy
   * older than what the manager already knows of that replica on that host is stale and ignored.
   */
  'started_at_ms': (string);
}
