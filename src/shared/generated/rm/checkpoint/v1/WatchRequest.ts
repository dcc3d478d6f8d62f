// Original file: proto/checkpoint.proto


export interface WatchRequest {
  'prefix'?: (string);
}

export interface WatchRequest__Output {
  'prefix': (string);
}
