// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface SaveTableResponse {
  'version'?: (number | string | Long);
}

export interface SaveTableResponse__Output {
  'version': (string);
}
