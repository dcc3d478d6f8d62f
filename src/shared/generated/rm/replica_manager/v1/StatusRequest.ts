// Original file: proto/replica_manager.proto


export interface StatusRequest {
  'module'?: (string);
}

export interface StatusRequest__Output {
  'module': (string);
}
