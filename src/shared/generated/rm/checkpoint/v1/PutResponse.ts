// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface PutResponse {
  'version'?: (number | string | Long);
}

export interface PutResponse__Output {
  'version': (string);
}
