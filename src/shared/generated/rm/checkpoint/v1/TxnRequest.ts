// Original file: proto/checkpoint.proto

import type { TxnOp as _rm_checkpoint_v1_TxnOp, TxnOp__Output as _rm_checkpoint_v1_TxnOp__Output } from '../../../rm/checkpoint/v1/TxnOp.js';
import type { Long } from '@grpc/proto-loader';

export interface TxnRequest {
  'ops'?: (_rm_checkpoint_v1_TxnOp)[];
  'epoch'?: (number | string | Long);
}

export interface TxnRequest__Output {
  'ops': (_rm_checkpoint_v1_TxnOp__Output)[];
  'epoch': (string);
}
