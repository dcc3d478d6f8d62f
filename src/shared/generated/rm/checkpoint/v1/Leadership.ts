// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface Leadership {
  'role'?: (string);
  'holder'?: (string);
  'epoch'?: (number | string | Long);
  /**
   * Milliseconds since the Unix epoch on the Checkpoint Server's clock.
   */
  'lease_until_ms'?: (number | string | Long);
  /**
   * AcquireLeadership: whether this call won.
   */
  'won'?: (boolean);
  /**
   * How long the holder's lease still runs, measured on the Checkpoint Server's clock when it
   * answered (0 once it has run out): a challenger waits this long, never its own clock's idea.
   */
  'lease_remaining_ms'?: (number | string | Long);
}

export interface Leadership__Output {
  'role': (string);
  'holder': (string);
  'epoch': (string);
  /**
   * Milliseconds since the Unix epoch on the Checkpoint Server's clock.
   */
  'lease_until_ms': (string);
  /**
   * AcquireLeadership: whether this call won.
   */
  'won': (boolean);
  /**
   * How long the holder's lease still runs, measured on the Checkpoint Server's clock when it
   * answered (0 once it has run out): a challenger waits this long, never its own clock's idea.
   */
  'lease_remaining_ms': (string);
}
