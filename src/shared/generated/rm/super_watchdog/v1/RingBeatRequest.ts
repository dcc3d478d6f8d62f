// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface RingBeatRequest {
  'from'?: (string);
  'primary'?: (string);
  'epoch'?: (number | string | Long);
}

export interface RingBeatRequest__Output {
  'from': (string);
  'primary': (string);
  'epoch': (string);
}
