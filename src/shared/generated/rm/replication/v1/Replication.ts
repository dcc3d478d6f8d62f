// Original file: proto/replication.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { FollowerMessage as _rm_replication_v1_FollowerMessage, FollowerMessage__Output as _rm_replication_v1_FollowerMessage__Output } from '../../../rm/replication/v1/FollowerMessage.js';
import type { LeaderMessage as _rm_replication_v1_LeaderMessage, LeaderMessage__Output as _rm_replication_v1_LeaderMessage__Output } from '../../../rm/replication/v1/LeaderMessage.js';

export interface ReplicationClient extends grpc.Client {
  Follow(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_replication_v1_FollowerMessage, _rm_replication_v1_LeaderMessage__Output>;
  Follow(options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_replication_v1_FollowerMessage, _rm_replication_v1_LeaderMessage__Output>;
  follow(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_replication_v1_FollowerMessage, _rm_replication_v1_LeaderMessage__Output>;
  follow(options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_replication_v1_FollowerMessage, _rm_replication_v1_LeaderMessage__Output>;
  
}

export interface ReplicationHandlers extends grpc.UntypedServiceImplementation {
  Follow: grpc.handleBidiStreamingCall<_rm_replication_v1_FollowerMessage__Output, _rm_replication_v1_LeaderMessage>;
  
}

export interface ReplicationDefinition extends grpc.ServiceDefinition {
  Follow: MethodDefinition<_rm_replication_v1_FollowerMessage, _rm_replication_v1_LeaderMessage, _rm_replication_v1_FollowerMessage__Output, _rm_replication_v1_LeaderMessage__Output>
}
