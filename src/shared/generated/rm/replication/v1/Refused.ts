// Original file: proto/replication.proto


export interface Refused {
  'reason'?: (string);
}

export interface Refused__Output {
  'reason': (string);
}
