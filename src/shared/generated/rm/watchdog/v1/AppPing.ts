// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface AppPing {
  'seq'?: (number | string | Long);
}

export interface AppPing__Output {
  'seq': (string);
}
