// Original file: proto/super_watchdog.proto

import type { HostLoad as _rm_super_watchdog_v1_HostLoad, HostLoad__Output as _rm_super_watchdog_v1_HostLoad__Output } from '../../../rm/super_watchdog/v1/HostLoad.js';
import type { Long } from '@grpc/proto-loader';

export interface HostState {
  'name'?: (string);
  'up'?: (boolean);
  'since_ms'?: (number | string | Long);
  'last_beat_ms'?: (number | string | Long);
  /**
   * The load of the host's last beat (absent before its first beat to this primary).
   */
  'load'?: (_rm_super_watchdog_v1_HostLoad | null);
}

export interface HostState__Output {
  'name': (string);
  'up': (boolean);
  'since_ms': (string);
  'last_beat_ms': (string);
  /**
   * The load of the host's last beat (absent before its first beat to this primary).
   */
  'load': (_rm_super_watchdog_v1_HostLoad__Output | null);
}
