// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

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
  /**
   * The fencing token of the copy's role: the epoch and the module's primary generation.
   */
  'epoch'?: (number | string | Long);
  'generation'?: (number | string | Long);
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
  /**
   * The fencing token of the copy's role: the epoch and the module's primary generation.
   */
  'epoch': (string);
  'generation': (string);
}
