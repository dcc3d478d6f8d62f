// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Answers every heartbeat, so that a copy can tell a live WatchDog from a silent one (self-fencing).
 */
export interface AppBeatAck {
  'seq'?: (number | string | Long);
  /**
   * How long from now the host's lease still runs (DESIGN §5, fence first): the copy stops itself
   * once it has passed without a newer one. 0 means the WatchDog holds no lease.
   */
  'lease_remaining_ms'?: (number);
}

/**
 * Answers every heartbeat, so that a copy can tell a live WatchDog from a silent one (self-fencing).
 */
export interface AppBeatAck__Output {
  'seq': (string);
  /**
   * How long from now the host's lease still runs (DESIGN §5, fence first): the copy stops itself
   * once it has passed without a newer one. 0 means the WatchDog holds no lease.
   */
  'lease_remaining_ms': (number);
}
