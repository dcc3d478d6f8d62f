// Original file: proto/replica_manager.proto


export interface UnregisterRequest {
  'name'?: (string);
}

export interface UnregisterRequest__Output {
  'name': (string);
}
