// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface RenewLeadershipRequest {
  'role'?: (string);
  'holder'?: (string);
  'epoch'?: (number | string | Long);
  'lease_ms'?: (number | string | Long);
}

export interface RenewLeadershipRequest__Output {
  'role': (string);
  'holder': (string);
  'epoch': (string);
  'lease_ms': (string);
}
