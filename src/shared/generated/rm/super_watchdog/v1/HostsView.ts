// Original file: proto/super_watchdog.proto

import type { HostState as _rm_super_watchdog_v1_HostState, HostState__Output as _rm_super_watchdog_v1_HostState__Output } from '../../../rm/super_watchdog/v1/HostState.js';

export interface HostsView {
  'primary'?: (boolean);
  'hosts'?: (_rm_super_watchdog_v1_HostState)[];
}

export interface HostsView__Output {
  'primary': (boolean);
  'hosts': (_rm_super_watchdog_v1_HostState__Output)[];
}
