import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AcquireLeadershipRequest as _rm_checkpoint_v1_AcquireLeadershipRequest, AcquireLeadershipRequest__Output as _rm_checkpoint_v1_AcquireLeadershipRequest__Output } from './rm/checkpoint/v1/AcquireLeadershipRequest.js';
import type { Checkpoint as _rm_checkpoint_v1_Checkpoint, Checkpoint__Output as _rm_checkpoint_v1_Checkpoint__Output } from './rm/checkpoint/v1/Checkpoint.js';
import type { CheckpointServerClient as _rm_checkpoint_v1_CheckpointServerClient, CheckpointServerDefinition as _rm_checkpoint_v1_CheckpointServerDefinition } from './rm/checkpoint/v1/CheckpointServer.js';
import type { GetLeadershipRequest as _rm_checkpoint_v1_GetLeadershipRequest, GetLeadershipRequest__Output as _rm_checkpoint_v1_GetLeadershipRequest__Output } from './rm/checkpoint/v1/GetLeadershipRequest.js';
import type { GetRequest as _rm_checkpoint_v1_GetRequest, GetRequest__Output as _rm_checkpoint_v1_GetRequest__Output } from './rm/checkpoint/v1/GetRequest.js';
import type { GetResponse as _rm_checkpoint_v1_GetResponse, GetResponse__Output as _rm_checkpoint_v1_GetResponse__Output } from './rm/checkpoint/v1/GetResponse.js';
import type { KeyValue as _rm_checkpoint_v1_KeyValue, KeyValue__Output as _rm_checkpoint_v1_KeyValue__Output } from './rm/checkpoint/v1/KeyValue.js';
import type { Leadership as _rm_checkpoint_v1_Leadership, Leadership__Output as _rm_checkpoint_v1_Leadership__Output } from './rm/checkpoint/v1/Leadership.js';
import type { ListRequest as _rm_checkpoint_v1_ListRequest, ListRequest__Output as _rm_checkpoint_v1_ListRequest__Output } from './rm/checkpoint/v1/ListRequest.js';
import type { ListResponse as _rm_checkpoint_v1_ListResponse, ListResponse__Output as _rm_checkpoint_v1_ListResponse__Output } from './rm/checkpoint/v1/ListResponse.js';
import type { LoadCheckpointRequest as _rm_checkpoint_v1_LoadCheckpointRequest, LoadCheckpointRequest__Output as _rm_checkpoint_v1_LoadCheckpointRequest__Output } from './rm/checkpoint/v1/LoadCheckpointRequest.js';
import type { LoadCheckpointResponse as _rm_checkpoint_v1_LoadCheckpointResponse, LoadCheckpointResponse__Output as _rm_checkpoint_v1_LoadCheckpointResponse__Output } from './rm/checkpoint/v1/LoadCheckpointResponse.js';
import type { LoadTableRequest as _rm_checkpoint_v1_LoadTableRequest, LoadTableRequest__Output as _rm_checkpoint_v1_LoadTableRequest__Output } from './rm/checkpoint/v1/LoadTableRequest.js';
import type { LoadTableResponse as _rm_checkpoint_v1_LoadTableResponse, LoadTableResponse__Output as _rm_checkpoint_v1_LoadTableResponse__Output } from './rm/checkpoint/v1/LoadTableResponse.js';
import type { PutRequest as _rm_checkpoint_v1_PutRequest, PutRequest__Output as _rm_checkpoint_v1_PutRequest__Output } from './rm/checkpoint/v1/PutRequest.js';
import type { PutResponse as _rm_checkpoint_v1_PutResponse, PutResponse__Output as _rm_checkpoint_v1_PutResponse__Output } from './rm/checkpoint/v1/PutResponse.js';
import type { RenewLeadershipRequest as _rm_checkpoint_v1_RenewLeadershipRequest, RenewLeadershipRequest__Output as _rm_checkpoint_v1_RenewLeadershipRequest__Output } from './rm/checkpoint/v1/RenewLeadershipRequest.js';
import type { SaveCheckpointRequest as _rm_checkpoint_v1_SaveCheckpointRequest, SaveCheckpointRequest__Output as _rm_checkpoint_v1_SaveCheckpointRequest__Output } from './rm/checkpoint/v1/SaveCheckpointRequest.js';
import type { SaveCheckpointResponse as _rm_checkpoint_v1_SaveCheckpointResponse, SaveCheckpointResponse__Output as _rm_checkpoint_v1_SaveCheckpointResponse__Output } from './rm/checkpoint/v1/SaveCheckpointResponse.js';
import type { SaveTableChangeRequest as _rm_checkpoint_v1_SaveTableChangeRequest, SaveTableChangeRequest__Output as _rm_checkpoint_v1_SaveTableChangeRequest__Output } from './rm/checkpoint/v1/SaveTableChangeRequest.js';
import type { SaveTableRequest as _rm_checkpoint_v1_SaveTableRequest, SaveTableRequest__Output as _rm_checkpoint_v1_SaveTableRequest__Output } from './rm/checkpoint/v1/SaveTableRequest.js';
import type { SaveTableResponse as _rm_checkpoint_v1_SaveTableResponse, SaveTableResponse__Output as _rm_checkpoint_v1_SaveTableResponse__Output } from './rm/checkpoint/v1/SaveTableResponse.js';
import type { TableModule as _rm_checkpoint_v1_TableModule, TableModule__Output as _rm_checkpoint_v1_TableModule__Output } from './rm/checkpoint/v1/TableModule.js';
import type { TxnOp as _rm_checkpoint_v1_TxnOp, TxnOp__Output as _rm_checkpoint_v1_TxnOp__Output } from './rm/checkpoint/v1/TxnOp.js';
import type { TxnRequest as _rm_checkpoint_v1_TxnRequest, TxnRequest__Output as _rm_checkpoint_v1_TxnRequest__Output } from './rm/checkpoint/v1/TxnRequest.js';
import type { TxnResponse as _rm_checkpoint_v1_TxnResponse, TxnResponse__Output as _rm_checkpoint_v1_TxnResponse__Output } from './rm/checkpoint/v1/TxnResponse.js';
import type { WatchCheckpointRequest as _rm_checkpoint_v1_WatchCheckpointRequest, WatchCheckpointRequest__Output as _rm_checkpoint_v1_WatchCheckpointRequest__Output } from './rm/checkpoint/v1/WatchCheckpointRequest.js';
import type { WatchEvent as _rm_checkpoint_v1_WatchEvent, WatchEvent__Output as _rm_checkpoint_v1_WatchEvent__Output } from './rm/checkpoint/v1/WatchEvent.js';
import type { WatchRequest as _rm_checkpoint_v1_WatchRequest, WatchRequest__Output as _rm_checkpoint_v1_WatchRequest__Output } from './rm/checkpoint/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rm: {
    checkpoint: {
      v1: {
        AcquireLeadershipRequest: MessageTypeDefinition<_rm_checkpoint_v1_AcquireLeadershipRequest, _rm_checkpoint_v1_AcquireLeadershipRequest__Output>
        Checkpoint: MessageTypeDefinition<_rm_checkpoint_v1_Checkpoint, _rm_checkpoint_v1_Checkpoint__Output>
        CheckpointServer: SubtypeConstructor<typeof grpc.Client, _rm_checkpoint_v1_CheckpointServerClient> & { service: _rm_checkpoint_v1_CheckpointServerDefinition }
        GetLeadershipRequest: MessageTypeDefinition<_rm_checkpoint_v1_GetLeadershipRequest, _rm_checkpoint_v1_GetLeadershipRequest__Output>
        GetRequest: MessageTypeDefinition<_rm_checkpoint_v1_GetRequest, _rm_checkpoint_v1_GetRequest__Output>
        GetResponse: MessageTypeDefinition<_rm_checkpoint_v1_GetResponse, _rm_checkpoint_v1_GetResponse__Output>
        KeyValue: MessageTypeDefinition<_rm_checkpoint_v1_KeyValue, _rm_checkpoint_v1_KeyValue__Output>
        Leadership: MessageTypeDefinition<_rm_checkpoint_v1_Leadership, _rm_checkpoint_v1_Leadership__Output>
        ListRequest: MessageTypeDefinition<_rm_checkpoint_v1_ListRequest, _rm_checkpoint_v1_ListRequest__Output>
        ListResponse: MessageTypeDefinition<_rm_checkpoint_v1_ListResponse, _rm_checkpoint_v1_ListResponse__Output>
        LoadCheckpointRequest: MessageTypeDefinition<_rm_checkpoint_v1_LoadCheckpointRequest, _rm_checkpoint_v1_LoadCheckpointRequest__Output>
        LoadCheckpointResponse: MessageTypeDefinition<_rm_checkpoint_v1_LoadCheckpointResponse, _rm_checkpoint_v1_LoadCheckpointResponse__Output>
        LoadTableRequest: MessageTypeDefinition<_rm_checkpoint_v1_LoadTableRequest, _rm_checkpoint_v1_LoadTableRequest__Output>
        LoadTableResponse: MessageTypeDefinition<_rm_checkpoint_v1_LoadTableResponse, _rm_checkpoint_v1_LoadTableResponse__Output>
        PutRequest: MessageTypeDefinition<_rm_checkpoint_v1_PutRequest, _rm_checkpoint_v1_PutRequest__Output>
        PutResponse: MessageTypeDefinition<_rm_checkpoint_v1_PutResponse, _rm_checkpoint_v1_PutResponse__Output>
        RenewLeadershipRequest: MessageTypeDefinition<_rm_checkpoint_v1_RenewLeadershipRequest, _rm_checkpoint_v1_RenewLeadershipRequest__Output>
        SaveCheckpointRequest: MessageTypeDefinition<_rm_checkpoint_v1_SaveCheckpointRequest, _rm_checkpoint_v1_SaveCheckpointRequest__Output>
        SaveCheckpointResponse: MessageTypeDefinition<_rm_checkpoint_v1_SaveCheckpointResponse, _rm_checkpoint_v1_SaveCheckpointResponse__Output>
        SaveTableChangeRequest: MessageTypeDefinition<_rm_checkpoint_v1_SaveTableChangeRequest, _rm_checkpoint_v1_SaveTableChangeRequest__Output>
        SaveTableRequest: MessageTypeDefinition<_rm_checkpoint_v1_SaveTableRequest, _rm_checkpoint_v1_SaveTableRequest__Output>
        SaveTableResponse: MessageTypeDefinition<_rm_checkpoint_v1_SaveTableResponse, _rm_checkpoint_v1_SaveTableResponse__Output>
        TableModule: MessageTypeDefinition<_rm_checkpoint_v1_TableModule, _rm_checkpoint_v1_TableModule__Output>
        TxnOp: MessageTypeDefinition<_rm_checkpoint_v1_TxnOp, _rm_checkpoint_v1_TxnOp__Output>
        TxnRequest: MessageTypeDefinition<_rm_checkpoint_v1_TxnRequest, _rm_checkpoint_v1_TxnRequest__Output>
        TxnResponse: MessageTypeDefinition<_rm_checkpoint_v1_TxnResponse, _rm_checkpoint_v1_TxnResponse__Output>
        WatchCheckpointRequest: MessageTypeDefinition<_rm_checkpoint_v1_WatchCheckpointRequest, _rm_checkpoint_v1_WatchCheckpointRequest__Output>
        WatchEvent: MessageTypeDefinition<_rm_checkpoint_v1_WatchEvent, _rm_checkpoint_v1_WatchEvent__Output>
        WatchRequest: MessageTypeDefinition<_rm_checkpoint_v1_WatchRequest, _rm_checkpoint_v1_WatchRequest__Output>
      }
    }
  }
}

