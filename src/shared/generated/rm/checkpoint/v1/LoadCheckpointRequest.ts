// Original file: proto/checkpoint.proto


export interface LoadCheckpointRequest {
  'module'?: (string);
}

export interface LoadCheckpointRequest__Output {
  'module': (string);
}
