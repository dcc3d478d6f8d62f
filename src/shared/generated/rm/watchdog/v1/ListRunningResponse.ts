// Original file: proto/watchdog.proto

import type { RunningReplica as _rm_watchdog_v1_RunningReplica, RunningReplica__Output as _rm_watchdog_v1_RunningReplica__Output } from '../../../rm/watchdog/v1/RunningReplica.js';
import type { Long } from '@grpc/proto-loader';

export interface ListRunningResponse {
  'host'?: (string);
  'running'?: (_rm_watchdog_v1_RunningReplica)[];
  /**
   * The highest epoch this WatchDog has seen.
   */
  'epoch'?: (number | string | Long);
  /**
   * When the list was taken, on this WatchDog's clock.
   */
  'as_of_ms'?: (number | string | Long);
  /**
   * The term of the host's lease: when its current unbroken run of renewals began (WatchDog clock,
   * ms; 0: it holds none). Commands carry it back; one with an older term is refused.
   */
  'lease_term'?: (number | string | Long);
}

export interface ListRunningResponse__Output {
  'host': (string);
  'running': (_rm_watchdog_v1_RunningReplica__Output)[];
  /**
   * The highest epoch this WatchDog has seen.
   */
  'epoch': (string);
  /**
   * When the list was taken, on this WatchDog's clock.
   */
  'as_of_ms': (string);
  /**
   * The term of the host's lease: when its current unbroken run of renewals began (WatchDog clock,
   * ms; 0: it holds none). Commands carry it back; one with an older term is refused.
   */
  'lease_term': (string);
}
