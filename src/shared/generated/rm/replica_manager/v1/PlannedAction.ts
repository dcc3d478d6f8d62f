// Original file: proto/replica_manager.proto


/**
 * One action the decision took, with its reason (start | stop | restart | set-role).
 */
export interface PlannedAction {
  'kind'?: (string);
  'replica'?: (string);
  'host'?: (string);
  /**
   * P | B; empty for a stop.
   */
  'role'?: (string);
  'reason'?: (string);
}

/**
 * One action the decision took, with its reason (start | stop | restart | set-role).
 */
export interface PlannedAction__Output {
  'kind': (string);
  'replica': (string);
  'host': (string);
  /**
   * P | B; empty for a stop.
   */
  'role': (string);
  'reason': (string);
}
