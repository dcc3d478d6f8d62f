// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface RingMember {
  'name'?: (string);
  'live'?: (boolean);
  'last_beat_ms'?: (number | string | Long);
}

export interface RingMember__Output {
  'name': (string);
  'live': (boolean);
  'last_beat_ms': (string);
}
