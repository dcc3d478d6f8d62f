// Original file: proto/super_watchdog.proto

import type { RingMember as _rm_super_watchdog_v1_RingMember, RingMember__Output as _rm_super_watchdog_v1_RingMember__Output } from '../../../rm/super_watchdog/v1/RingMember.js';
import type { Long } from '@grpc/proto-loader';

export interface RingView {
  'self'?: (string);
  'primary'?: (string);
  'epoch'?: (number | string | Long);
  'members'?: (_rm_super_watchdog_v1_RingMember)[];
  /**
   * Where the ReplicaManager answers, when this member knows.
   */
  'manager_address'?: (string);
}

export interface RingView__Output {
  'self': (string);
  'primary': (string);
  'epoch': (string);
  'members': (_rm_super_watchdog_v1_RingMember__Output)[];
  /**
   * Where the ReplicaManager answers, when this member knows.
   */
  'manager_address': (string);
}
