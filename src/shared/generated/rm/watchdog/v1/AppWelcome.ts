// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';

export interface AppWelcome {
  'replica'?: (string);
  'module'?: (string);
  'role'?: (_rm_watchdog_v1_Role);
  'host'?: (string);
  /**
   * How long the copy may live without its WatchDog before it stops itself.
   */
  'lease_ms'?: (number);
  'heartbeat_interval_ms'?: (number);
  'checkpoint_address'?: (string);
}

export interface AppWelcome__Output {
  'replica': (string);
  'module': (string);
  'role': (_rm_watchdog_v1_Role__Output);
  'host': (string);
  /**
   * How long the copy may live without its WatchDog before it stops itself.
   */
  'lease_ms': (number);
  'heartbeat_interval_ms': (number);
  'checkpoint_address': (string);
}
