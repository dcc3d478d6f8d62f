// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

export interface LineageEntry {
  'generation'?: (number | string | Long);
  'first_seq'?: (number | string | Long);
}

export interface LineageEntry__Output {
  'generation': (string);
  'first_seq': (string);
}
