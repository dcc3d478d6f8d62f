// Original file: proto/checkpoint.proto


export interface ListRequest {
  'prefix'?: (string);
}

export interface ListRequest__Output {
  'prefix': (string);
}
