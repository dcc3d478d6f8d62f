// Original file: proto/super_watchdog.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchDogBeatResponse {
  'primary'?: (boolean);
  'primary_host'?: (string);
  'epoch'?: (number | string | Long);
  'manager_address'?: (string);
  /**
   * A primary's own lower bound of its manager lease in the Checkpoint Server, from now (negative
   * once it has run out unrenewed). A WatchDog's copies live on a beat only as long as no other
   * primary could have declared their host dead (DESIGN §5, fence first).
   */
  'lease_remaining_ms'?: (number | string | Long);
  /**
   * The host was declared dead and the ReplicaManager has not yet heard it: no lease on this beat,
   * so that nothing the manager decided before it heard can start there meanwhile (DESIGN §5).
   */
  'lease_withheld'?: (boolean);
}

export interface WatchDogBeatResponse__Output {
  'primary': (boolean);
  'primary_host': (string);
  'epoch': (string);
  'manager_address': (string);
  /**
   * A primary's own lower bound of its manager lease in the Checkpoint Server, from now (negative
   * once it has run out unrenewed). A WatchDog's copies live on a beat only as long as no other
   * primary could have declared their host dead (DESIGN §5, fence first).
   */
  'lease_remaining_ms': (string);
  /**
   * The host was declared dead and the ReplicaManager has not yet heard it: no lease on this beat,
   * so that nothing the manager decided before it heard can start there meanwhile (DESIGN §5).
   */
  'lease_withheld': (boolean);
}
