// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Answers every heartbeat, so that a copy can tell a live WatchDog from a silent one (self-fencing).
 */
export interface AppBeatAck {
  'seq'?: (number | string | Long);
}

/**
 * Answers every heartbeat, so that a copy can tell a live WatchDog from a silent one (self-fencing).
 */
export interface AppBeatAck__Output {
  'seq': (string);
}
