// Original file: proto/replica_manager.proto


export interface Replica {
  'id'?: (string);
  'host'?: (string);
  'path'?: (string);
  /**
   * P | B | I
   */
  'status'?: (string);
  'failures'?: (number);
}

export interface Replica__Output {
  'id': (string);
  'host': (string);
  'path': (string);
  /**
   * P | B | I
   */
  'status': (string);
  'failures': (number);
}
