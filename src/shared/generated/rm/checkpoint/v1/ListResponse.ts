// Original file: proto/checkpoint.proto

import type { KeyValue as _rm_checkpoint_v1_KeyValue, KeyValue__Output as _rm_checkpoint_v1_KeyValue__Output } from '../../../rm/checkpoint/v1/KeyValue.js';

export interface ListResponse {
  'kvs'?: (_rm_checkpoint_v1_KeyValue)[];
}

export interface ListResponse__Output {
  'kvs': (_rm_checkpoint_v1_KeyValue__Output)[];
}
