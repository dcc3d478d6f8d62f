// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface StopReplicaRequest {
  'epoch'?: (number | string | Long);
  'replica'?: (string);
  /**
   * Answer only once the copy has ended (TERM, or KILL after the grace), not when TERM is sent: a
   * switchover's first step, after which its successor may start (DESIGN §12).
   */
  'wait_exit'?: (boolean);
}

export interface StopReplicaRequest__Output {
  'epoch': (string);
  'replica': (string);
  /**
   * Answer only once the copy has ended (TERM, or KILL after the grace), not when TERM is sent: a
   * switchover's first step, after which its successor may start (DESIGN §12).
   */
  'wait_exit': (boolean);
}
