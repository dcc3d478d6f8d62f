// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface AppRoleChange {
  'role'?: (_rm_watchdog_v1_Role);
  'epoch'?: (number | string | Long);
  'generation'?: (number | string | Long);
}

export interface AppRoleChange__Output {
  'role': (_rm_watchdog_v1_Role__Output);
  'epoch': (string);
  'generation': (string);
}
