// Original file: proto/checkpoint.proto

import type { KeyValue as _rm_checkpoint_v1_KeyValue, KeyValue__Output as _rm_checkpoint_v1_KeyValue__Output } from '../../../rm/checkpoint/v1/KeyValue.js';

export interface GetResponse {
  'found'?: (boolean);
  'kv'?: (_rm_checkpoint_v1_KeyValue | null);
}

export interface GetResponse__Output {
  'found': (boolean);
  'kv': (_rm_checkpoint_v1_KeyValue__Output | null);
}
