// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface RegisterPredecessorRequest {
  'from'?: (string);
  'primary'?: (string);
  'epoch'?: (number | string | Long);
}

export interface RegisterPredecessorRequest__Output {
  'from': (string);
  'primary': (string);
  'epoch': (string);
}
