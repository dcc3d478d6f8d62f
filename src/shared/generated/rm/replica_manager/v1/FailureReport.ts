// Original file: proto/replica_manager.proto

import type { AppliedPosition as _rm_replica_manager_v1_AppliedPosition, AppliedPosition__Output as _rm_replica_manager_v1_AppliedPosition__Output } from '../../../rm/replica_manager/v1/AppliedPosition.js';
import type { Long } from '@grpc/proto-loader';

export interface FailureReport {
  'host'?: (string);
  'replica'?: (string);
  /**
   * exit | signal | hang | ping | missing | diverged (a copy-cat backup's replay differed)
   */
  'reason'?: (string);
  'detail'?: (string);
  'epoch_seen'?: (number | string | Long);
  /**
   * When the failed copy was started, on the WatchDog's clock (0: unknown). A report about a copy
   * older than what the manager already knows of that replica on that host is stale and ignored.
   */
  'started_at_ms'?: (number | string | Long);
  /**
   * Where the failed copy stood in its module's replication stream at its last beat (absent: it said
   * nothing). A failed primary's is the last message it wrote.
   */
  'applied'?: (_rm_replica_manager_v1_AppliedPosition | null);
}

export interface FailureReport__Output {
  'host': (string);
  'replica': (string);
  /**
   * exit | signal | hang | ping | missing | diverged (a copy-cat backup's replay differed)
   */
  'reason': (string);
  'detail': (string);
  'epoch_seen': (string);
  /**
   * When the failed copy was started, on the WatchDog's clock (0: unknown). A report about a copy
   * older than what the manager already knows of that replica on that host is stale and ignored.
   */
  'started_at_ms': (string);
  /**
   * Where the failed copy stood in its module's replication stream at its last beat (absent: it said
   * nothing). A failed primary's is the last message it wrote.
   */
  'applied': (_rm_replica_manager_v1_AppliedPosition__Output | null);
}
