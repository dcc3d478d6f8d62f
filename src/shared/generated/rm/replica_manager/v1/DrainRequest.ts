// Original file: proto/replica_manager.proto


export interface DrainRequest {
  'host'?: (string);
}

export interface DrainRequest__Output {
  'host': (string);
}
