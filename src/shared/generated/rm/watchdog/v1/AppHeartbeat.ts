// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface AppHeartbeat {
  'seq'?: (number | string | Long);
}

export interface AppHeartbeat__Output {
  'seq': (string);
}
