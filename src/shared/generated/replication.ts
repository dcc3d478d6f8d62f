import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _rm_replication_v1_Ack, Ack__Output as _rm_replication_v1_Ack__Output } from './rm/replication/v1/Ack.js';
import type { Follow as _rm_replication_v1_Follow, Follow__Output as _rm_replication_v1_Follow__Output } from './rm/replication/v1/Follow.js';
import type { FollowerMessage as _rm_replication_v1_FollowerMessage, FollowerMessage__Output as _rm_replication_v1_FollowerMessage__Output } from './rm/replication/v1/FollowerMessage.js';
import type { Head as _rm_replication_v1_Head, Head__Output as _rm_replication_v1_Head__Output } from './rm/replication/v1/Head.js';
import type { LeaderMessage as _rm_replication_v1_LeaderMessage, LeaderMessage__Output as _rm_replication_v1_LeaderMessage__Output } from './rm/replication/v1/LeaderMessage.js';
import type { LineageEntry as _rm_replication_v1_LineageEntry, LineageEntry__Output as _rm_replication_v1_LineageEntry__Output } from './rm/replication/v1/LineageEntry.js';
import type { Refused as _rm_replication_v1_Refused, Refused__Output as _rm_replication_v1_Refused__Output } from './rm/replication/v1/Refused.js';
import type { ReplicationClient as _rm_replication_v1_ReplicationClient, ReplicationDefinition as _rm_replication_v1_ReplicationDefinition } from './rm/replication/v1/Replication.js';
import type { Resend as _rm_replication_v1_Resend, Resend__Output as _rm_replication_v1_Resend__Output } from './rm/replication/v1/Resend.js';
import type { Snapshot as _rm_replication_v1_Snapshot, Snapshot__Output as _rm_replication_v1_Snapshot__Output } from './rm/replication/v1/Snapshot.js';
import type { StreamMessage as _rm_replication_v1_StreamMessage, StreamMessage__Output as _rm_replication_v1_StreamMessage__Output } from './rm/replication/v1/StreamMessage.js';
import type { Welcome as _rm_replication_v1_Welcome, Welcome__Output as _rm_replication_v1_Welcome__Output } from './rm/replication/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rm: {
    replication: {
      v1: {
        Ack: MessageTypeDefinition<_rm_replication_v1_Ack, _rm_replication_v1_Ack__Output>
        Follow: MessageTypeDefinition<_rm_replication_v1_Follow, _rm_replication_v1_Follow__Output>
        FollowerMessage: MessageTypeDefinition<_rm_replication_v1_FollowerMessage, _rm_replication_v1_FollowerMessage__Output>
        Head: MessageTypeDefinition<_rm_replication_v1_Head, _rm_replication_v1_Head__Output>
        LeaderMessage: MessageTypeDefinition<_rm_replication_v1_LeaderMessage, _rm_replication_v1_LeaderMessage__Output>
        LineageEntry: MessageTypeDefinition<_rm_replication_v1_LineageEntry, _rm_replication_v1_LineageEntry__Output>
        Refused: MessageTypeDefinition<_rm_replication_v1_Refused, _rm_replication_v1_Refused__Output>
        Replication: SubtypeConstructor<typeof grpc.Client, _rm_replication_v1_ReplicationClient> & { service: _rm_replication_v1_ReplicationDefinition }
        Resend: MessageTypeDefinition<_rm_replication_v1_Resend, _rm_replication_v1_Resend__Output>
        Snapshot: MessageTypeDefinition<_rm_replication_v1_Snapshot, _rm_replication_v1_Snapshot__Output>
        StreamMessage: MessageTypeDefinition<_rm_replication_v1_StreamMessage, _rm_replication_v1_StreamMessage__Output>
        Welcome: MessageTypeDefinition<_rm_replication_v1_Welcome, _rm_replication_v1_Welcome__Output>
      }
    }
  }
}

