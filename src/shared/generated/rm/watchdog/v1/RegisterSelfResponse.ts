// Original file: proto/watchdog.proto

import type { Role as _rm_watchdog_v1_Role, Role__Output as _rm_watchdog_v1_Role__Output } from '../../../rm/watchdog/v1/Role.js';

export interface RegisterSelfResponse {
  'replica'?: (string);
  'role'?: (_rm_watchdog_v1_Role);
  /**
   * What the program shows from now on (DESIGN §9): its copy token and the WatchDog's local socket,
   * where it attaches and reaches its checkpoints, as a copy the WatchDog started does.
   */
  'copy_token'?: (string);
  'app_address'?: (string);
}

export interface RegisterSelfResponse__Output {
  'replica': (string);
  'role': (_rm_watchdog_v1_Role__Output);
  /**
   * What the program shows from now on (DESIGN §9): its copy token and the WatchDog's local socket,
   * where it attaches and reaches its checkpoints, as a copy the WatchDog started does.
   */
  'copy_token': (string);
  'app_address': (string);
}
