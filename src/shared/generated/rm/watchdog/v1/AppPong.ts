// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface AppPong {
  'seq'?: (number | string | Long);
  /**
   * The application's sanity check (source ¶0019).
   */
  'healthy'?: (boolean);
  'detail'?: (string);
}

export interface AppPong__Output {
  'seq': (string);
  /**
   * The application's sanity check (source ¶0019).
   */
  'healthy': (boolean);
  'detail': (string);
}
