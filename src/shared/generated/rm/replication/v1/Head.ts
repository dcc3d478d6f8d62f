// Original file: proto/replication.proto

import type { Long } from '@grpc/proto-loader';

export interface Head {
  'head'?: (number | string | Long);
}

export interface Head__Output {
  'head': (string);
}
