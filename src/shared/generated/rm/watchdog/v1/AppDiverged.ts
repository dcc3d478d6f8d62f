// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A copy-cat backup's replay of input `seq` differed from the primary's run (DESIGN §11, seed 002):
 * the WatchDog stops the copy and reports it failed, reason diverged, for the ReplicaManager to
 * replace it and raise an alert naming the input.
 */
export interface AppDiverged {
  'seq'?: (number | string | Long);
  'detail'?: (string);
}

/**
 * A copy-cat backup's replay of input `seq` differed from the primary's run (DESIGN §11, seed 002):
 * the WatchDog stops the copy and reports it failed, reason diverged, for the ReplicaManager to
 * replace it and raise an alert naming the input.
 */
export interface AppDiverged__Output {
  'seq': (string);
  'detail': (string);
}
