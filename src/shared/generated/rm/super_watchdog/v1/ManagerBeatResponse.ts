// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface ManagerBeatResponse {
  'primary'?: (boolean);
  'epoch'?: (number | string | Long);
}

export interface ManagerBeatResponse__Output {
  'primary': (boolean);
  'epoch': (string);
}
