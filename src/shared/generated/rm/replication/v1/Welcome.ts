// Original file: proto/replication.proto

import type { LineageEntry as _rm_replication_v1_LineageEntry, LineageEntry__Output as _rm_replication_v1_LineageEntry__Output } from '../../../rm/replication/v1/LineageEntry.js';
import type { Long } from '@grpc/proto-loader';

export interface Welcome {
  'replica'?: (string);
  'generation'?: (number | string | Long);
  'epoch'?: (number | string | Long);
  'lineage'?: (_rm_replication_v1_LineageEntry)[];
  'head'?: (number | string | Long);
}

export interface Welcome__Output {
  'replica': (string);
  'generation': (string);
  'epoch': (string);
  'lineage': (_rm_replication_v1_LineageEntry__Output)[];
  'head': (string);
}
