// Original file: proto/replica_manager.proto


export interface Host {
  'name'?: (string);
  'up'?: (boolean);
  /**
   * Maintenance (rmctl drain): nothing is placed there and its copies leave it.
   */
  'drained'?: (boolean);
}

export interface Host__Output {
  'name': (string);
  'up': (boolean);
  /**
   * Maintenance (rmctl drain): nothing is placed there and its copies leave it.
   */
  'drained': (boolean);
}
