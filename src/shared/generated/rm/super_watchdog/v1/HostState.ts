// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface HostState {
  'name'?: (string);
  'up'?: (boolean);
  'since_ms'?: (number | string | Long);
  'last_beat_ms'?: (number | string | Long);
}

export interface HostState__Output {
  'name': (string);
  'up': (boolean);
  'since_ms': (string);
  'last_beat_ms': (string);
}
