// Original file: proto/super_watchdog.proto

import type { HostLoad as _rm_super_watchdog_v1_HostLoad, HostLoad__Output as _rm_super_watchdog_v1_HostLoad__Output } from '../../../rm/super_watchdog/v1/HostLoad.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchDogBeatRequest {
  'host'?: (string);
  'epoch_seen'?: (number | string | Long);
  'load'?: (_rm_super_watchdog_v1_HostLoad | null);
}

export interface WatchDogBeatRequest__Output {
  'host': (string);
  'epoch_seen': (string);
  'load': (_rm_super_watchdog_v1_HostLoad__Output | null);
}
