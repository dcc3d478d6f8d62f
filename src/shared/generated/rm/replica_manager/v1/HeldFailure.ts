// Original file: proto/replica_manager.proto


export interface HeldFailure {
  'replica'?: (string);
  /**
   * P | B: the role it had when it failed.
   */
  'role'?: (string);
}

export interface HeldFailure__Output {
  'replica': (string);
  /**
   * P | B: the role it had when it failed.
   */
  'role': (string);
}
