// Original file: proto/replica_manager.proto


export interface PauseRequest {
  /**
   * Empty: every module registered.
   */
  'module'?: (string);
}

export interface PauseRequest__Output {
  /**
   * Empty: every module registered.
   */
  'module': (string);
}
