// Original file: proto/replica_manager.proto


export interface Host {
  'name'?: (string);
  'up'?: (boolean);
}

export interface Host__Output {
  'name': (string);
  'up': (boolean);
}
