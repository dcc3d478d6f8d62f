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
  /**
   * Its WatchDog refused to start it (the executable missing or not executable there): why. Such a
   * copy is I and is not placed until its WatchDog finds it startable again or its host returns.
   */
  'unusable'?: (string);
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
  /**
   * Its WatchDog refused to start it (the executable missing or not executable there): why. Such a
   * copy is I and is not placed until its WatchDog finds it startable again or its host returns.
   */
  'unusable': (string);
}
