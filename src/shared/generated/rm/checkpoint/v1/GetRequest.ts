// Original file: proto/checkpoint.proto


export interface GetRequest {
  'key'?: (string);
}

export interface GetRequest__Output {
  'key': (string);
}
