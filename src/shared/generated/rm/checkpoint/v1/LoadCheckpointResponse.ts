// Original file: proto/checkpoint.proto

import type { Checkpoint as _rm_checkpoint_v1_Checkpoint, Checkpoint__Output as _rm_checkpoint_v1_Checkpoint__Output } from '../../../rm/checkpoint/v1/Checkpoint.js';

export interface LoadCheckpointResponse {
  'found'?: (boolean);
  'checkpoint'?: (_rm_checkpoint_v1_Checkpoint | null);
}

export interface LoadCheckpointResponse__Output {
  'found': (boolean);
  'checkpoint': (_rm_checkpoint_v1_Checkpoint__Output | null);
}
