// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface SaveCheckpointResponse {
  'version'?: (number | string | Long);
}

export interface SaveCheckpointResponse__Output {
  'version': (string);
}
