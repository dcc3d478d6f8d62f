// Original file: proto/replica_manager.proto


export interface RunningCopy {
  'replica'?: (string);
  /**
   * P | B
   */
  'role'?: (string);
}

export interface RunningCopy__Output {
  'replica': (string);
  /**
   * P | B
   */
  'role': (string);
}
