// Original file: proto/watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface ListRunningRequest {
  'epoch'?: (number | string | Long);
}

export interface ListRunningRequest__Output {
  'epoch': (string);
}
