// Original file: proto/checkpoint.proto


export interface GetLeadershipRequest {
  'role'?: (string);
}

export interface GetLeadershipRequest__Output {
  'role': (string);
}
