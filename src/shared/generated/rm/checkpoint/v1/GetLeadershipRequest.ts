// Original file: /work/main/proto/checkpoint.proto


export interface GetLeadershipRequest {
  'role'?: (string);
}

export interface GetLeadershipRequest__Output {
  'role': (string);
}
