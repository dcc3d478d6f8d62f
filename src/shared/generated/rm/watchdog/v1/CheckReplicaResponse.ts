// Original file: proto/watchdog.proto


export interface CheckReplicaResponse {
  'host'?: (string);
  /**
   * Whether StartReplica would start it.
   */
  'startable'?: (boolean);
  /**
   * When not: why, in the words a refused StartReplica would use (the path, what is wrong, what is accepted).
   */
  'reason'?: (string);
}

export interface CheckReplicaResponse__Output {
  'host': (string);
  /**
   * Whether StartReplica would start it.
   */
  'startable': (boolean);
  /**
   * When not: why, in the words a refused StartReplica would use (the path, what is wrong, what is accepted).
   */
  'reason': (string);
}
