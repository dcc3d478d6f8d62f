// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The first message of a stream: which backup, where it stands.
 */
export interface Follow {
  'module'?: (string);
  'replica'?: (string);
  'delivered'?: (number | string | Long);
  'delivered_generation'?: (number | string | Long);
  /**
   * The newest primary generation this backup has followed.
   */
  'generation_seen'?: (number | string | Long);
  /**
   * The primary's stream token, as its announcement gave it: only a copy that could read the
   * announcement (a copy of the module, through its WatchDog) follows, and so acknowledges.
   */
  'token'?: (string);
}

/**
 * The first message of a stream: which backup, where it stands.
 */
export interface Follow__Output {
  'module': (string);
  'replica': (string);
  'delivered': (string);
  'delivered_generation': (string);
  /**
   * The newest primary generation this backup has followed.
   */
  'generation_seen': (string);
  /**
   * The primary's stream token, as its announcement gave it: only a copy that could read the
   * announcement (a copy of the module, through its WatchDog) follows, and so acknowledges.
   */
  'token': (string);
}
