// Original file: proto/checkpoint.proto


export interface WatchCheckpointRequest {
  'module'?: (string);
}

export interface WatchCheckpointRequest__Output {
  'module': (string);
}
