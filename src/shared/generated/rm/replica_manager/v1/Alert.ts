// Original file: proto/replica_manager.proto


export interface Alert {
  'module'?: (string);
  'reason'?: (string);
}

export interface Alert__Output {
  'module': (string);
  'reason': (string);
}
