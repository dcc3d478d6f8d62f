// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface SaveCheckpointRequest {
  'module'?: (string);
  'replica'?: (string);
  'state'?: (Buffer | Uint8Array | string);
  /**
   * The saving copy's fencing token (DESIGN §5): while the module is in the replica table, a save is
   * accepted only from its primary with the module's current primary generation (warm, cold) or
   * from a running copy of a hot module; others are refused with FAILED_PRECONDITION.
   */
  'epoch'?: (number | string | Long);
  'generation'?: (number | string | Long);
  /**
   * Compare-and-set on the checkpoint's version (0 = none saved yet): the rule for hot modules.
   */
  'has_expected_version'?: (boolean);
  'expected_version'?: (number | string | Long);
  /**
   * The saving process's session (any string unique to it) and this save's number in it, raised by
   * one with each save: a save that arrives after a later one of its session is refused (ABORTED),
   * the same save delivered twice is answered with the version it made. Empty: no order is kept.
   */
  'session'?: (string);
  'sequence'?: (number | string | Long);
  /**
   * When the saving process was started, on its WatchDog's clock (RM_INCARNATION; 0: unknown): a
   * save of an older process of the same copy, arriving after one of a later process, is refused.
   */
  'incarnation'?: (number | string | Long);
}

export interface SaveCheckpointRequest__Output {
  'module': (string);
  'replica': (string);
  'state': (Buffer);
  /**
   * The saving copy's fencing token (DESIGN §5): while the module is in the replica table, a save is
   * accepted only from its primary with the module's current primary generation (warm, cold) or
   * from a running copy of a hot module; others are refused with FAILED_PRECONDITION.
   */
  'epoch': (string);
  'generation': (string);
  /**
   * Compare-and-set on the checkpoint's version (0 = none saved yet): the rule for hot modules.
   */
  'has_expected_version': (boolean);
  'expected_version': (string);
  /**
   * The saving process's session (any string unique to it) and this save's number in it, raised by
   * one with each save: a save that arrives after a later one of its session is refused (ABORTED),
   * the same save delivered twice is answered with the version it made. Empty: no order is kept.
   */
  'session': (string);
  'sequence': (string);
  /**
   * When the saving process was started, on its WatchDog's clock (RM_INCARNATION; 0: unknown): a
   * save of an older process of the same copy, arriving after one of a later process, is refused.
   */
  'incarnation': (string);
}
