// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchDogBeatResponse {
  'primary'?: (boolean);
  'primary_host'?: (string);
  'epoch'?: (number | string | Long);
  'manager_address'?: (string);
}

export interface WatchDogBeatResponse__Output {
  'primary': (boolean);
  'primary_host': (string);
  'epoch': (string);
  'manager_address': (string);
}
