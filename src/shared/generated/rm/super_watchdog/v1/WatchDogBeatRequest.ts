// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchDogBeatRequest {
  'host'?: (string);
  'epoch_seen'?: (number | string | Long);
}

export interface WatchDogBeatRequest__Output {
  'host': (string);
  'epoch_seen': (string);
}
