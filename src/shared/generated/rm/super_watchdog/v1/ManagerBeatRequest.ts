// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface ManagerBeatRequest {
  'host'?: (string);
  'epoch'?: (number | string | Long);
  'address'?: (string);
}

export interface ManagerBeatRequest__Output {
  'host': (string);
  'epoch': (string);
  'address': (string);
}
