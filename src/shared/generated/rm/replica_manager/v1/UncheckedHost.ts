// Original file: proto/replica_manager.proto


export interface UncheckedHost {
  'host'?: (string);
  'reason'?: (string);
}

export interface UncheckedHost__Output {
  'host': (string);
  'reason': (string);
}
