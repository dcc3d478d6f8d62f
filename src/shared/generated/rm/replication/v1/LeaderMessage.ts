// Original file: proto/replication.proto

import type { Welcome as _rm_replication_v1_Welcome, Welcome__Output as _rm_replication_v1_Welcome__Output } from '../../../rm/replication/v1/Welcome.js';
import type { StreamMessage as _rm_replication_v1_StreamMessage, StreamMessage__Output as _rm_replication_v1_StreamMessage__Output } from '../../../rm/replication/v1/StreamMessage.js';
import type { Snapshot as _rm_replication_v1_Snapshot, Snapshot__Output as _rm_replication_v1_Snapshot__Output } from '../../../rm/replication/v1/Snapshot.js';
import type { Head as _rm_replication_v1_Head, Head__Output as _rm_replication_v1_Head__Output } from '../../../rm/replication/v1/Head.js';
import type { Refused as _rm_replication_v1_Refused, Refused__Output as _rm_replication_v1_Refused__Output } from '../../../rm/replication/v1/Refused.js';

export interface LeaderMessage {
  'welcome'?: (_rm_replication_v1_Welcome | null);
  'message'?: (_rm_replication_v1_StreamMessage | null);
  'snapshot'?: (_rm_replication_v1_Snapshot | null);
  'head'?: (_rm_replication_v1_Head | null);
  'refused'?: (_rm_replication_v1_Refused | null);
  'msg'?: "welcome"|"message"|"snapshot"|"head"|"refused";
}

export interface LeaderMessage__Output {
  'welcome'?: (_rm_replication_v1_Welcome__Output | null);
  'message'?: (_rm_replication_v1_StreamMessage__Output | null);
  'snapshot'?: (_rm_replication_v1_Snapshot__Output | null);
  'head'?: (_rm_replication_v1_Head__Output | null);
  'refused'?: (_rm_replication_v1_Refused__Output | null);
  'msg'?: "welcome"|"message"|"snapshot"|"head"|"refused";
}
