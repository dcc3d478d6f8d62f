// Original file: proto/watchdog.proto

import type { HealthCheck as _rm_watchdog_v1_HealthCheck, HealthCheck__Output as _rm_watchdog_v1_HealthCheck__Output } from '../../../rm/watchdog/v1/HealthCheck.js';

export interface ReplicaSpec {
  'replica'?: (string);
  'module'?: (string);
  'path'?: (string);
  'args'?: (string)[];
  'env'?: ({[key: string]: string});
  /**
   * poll | heartbeat
   */
  'detect'?: (string);
  'interval_ms'?: (number);
  'timeout_ms'?: (number);
  'check'?: (_rm_watchdog_v1_HealthCheck | null);
  /**
   * cold | warm | hot
   */
  'style'?: (string);
  /**
   * The account the copy runs as (empty: the WatchDog's own); the WatchDog drops to it.
   */
  'user'?: (string);
  'group'?: (string);
}

export interface ReplicaSpec__Output {
  'replica': (string);
  'module': (string);
  'path': (string);
  'args': (string)[];
  'env': ({[key: string]: string});
  /**
   * poll | heartbeat
   */
  'detect': (string);
  'interval_ms': (number);
  'timeout_ms': (number);
  'check': (_rm_watchdog_v1_HealthCheck__Output | null);
  /**
   * cold | warm | hot
   */
  'style': (string);
  /**
   * The account the copy runs as (empty: the WatchDog's own); the WatchDog drops to it.
   */
  'user': (string);
  'group': (string);
}
