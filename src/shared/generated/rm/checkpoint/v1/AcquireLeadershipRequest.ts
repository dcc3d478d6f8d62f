// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface AcquireLeadershipRequest {
  'role'?: (string);
  'holder'?: (string);
  'expected_epoch'?: (number | string | Long);
  'lease_ms'?: (number | string | Long);
}

export interface AcquireLeadershipRequest__Output {
  'role': (string);
  'holder': (string);
  'expected_epoch': (string);
  'lease_ms': (string);
}
