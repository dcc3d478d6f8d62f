// Original file: proto/checkpoint.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AcquireLeadershipRequest as _rm_checkpoint_v1_AcquireLeadershipRequest, AcquireLeadershipRequest__Output as _rm_checkpoint_v1_AcquireLeadershipRequest__Output } from '../../../rm/checkpoint/v1/AcquireLeadershipRequest.js';
import type { Checkpoint as _rm_checkpoint_v1_Checkpoint, Checkpoint__Output as _rm_checkpoint_v1_Checkpoint__Output } from '../../../rm/checkpoint/v1/Checkpoint.js';
import type { GetLeadershipRequest as _rm_checkpoint_v1_GetLeadershipRequest, GetLeadershipRequest__Output as _rm_checkpoint_v1_GetLeadershipRequest__Output } from '../../../rm/checkpoint/v1/GetLeadershipRequest.js';
import type { GetRequest as _rm_checkpoint_v1_GetRequest, GetRequest__Output as _rm_checkpoint_v1_GetRequest__Output } from '../../../rm/checkpoint/v1/GetRequest.js';
import type { GetResponse as _rm_checkpoint_v1_GetResponse, GetResponse__Output as _rm_checkpoint_v1_GetResponse__Output } from '../../../rm/checkpoint/v1/GetResponse.js';
import type { Leadership as _rm_checkpoint_v1_Leadership, Leadership__Output as _rm_checkpoint_v1_Leadership__Output } from '../../../rm/checkpoint/v1/Leadership.js';
import type { ListRequest as _rm_checkpoint_v1_ListRequest, ListRequest__Output as _rm_checkpoint_v1_ListRequest__Output } from '../../../rm/checkpoint/v1/ListRequest.js';
import type { ListResponse as _rm_checkpoint_v1_ListResponse, ListResponse__Output as _rm_checkpoint_v1_ListResponse__Output } from '../../../rm/checkpoint/v1/ListResponse.js';
import type { LoadCheckpointRequest as _rm_checkpoint_v1_LoadCheckpointRequest, LoadCheckpointRequest__Output as _rm_checkpoint_v1_LoadCheckpointRequest__Output } from '../../../rm/checkpoint/v1/LoadCheckpointRequest.js';
import type { LoadCheckpointResponse as _rm_checkpoint_v1_LoadCheckpointResponse, LoadCheckpointResponse__Output as _rm_checkpoint_v1_LoadCheckpointResponse__Output } from '../../../rm/checkpoint/v1/LoadCheckpointResponse.js';
import type { LoadTableRequest as _rm_checkpoint_v1_LoadTableRequest, LoadTableRequest__Output as _rm_checkpoint_v1_LoadTableRequest__Output } from '../../../rm/checkpoint/v1/LoadTableRequest.js';
import type { LoadTableResponse as _rm_checkpoint_v1_LoadTableResponse, LoadTableResponse__Output as _rm_checkpoint_v1_LoadTableResponse__Output } from '../../../rm/checkpoint/v1/LoadTableResponse.js';
import type { PutRequest as _rm_checkpoint_v1_PutRequest, PutRequest__Output as _rm_checkpoint_v1_PutRequest__Output } from '../../../rm/checkpoint/v1/PutRequest.js';
import type { PutResponse as _rm_checkpoint_v1_PutResponse, PutResponse__Output as _rm_checkpoint_v1_PutResponse__Output } from '../../../rm/checkpoint/v1/PutResponse.js';
import type { RenewLeadershipRequest as _rm_checkpoint_v1_RenewLeadershipRequest, RenewLeadershipRequest__Output as _rm_checkpoint_v1_RenewLeadershipRequest__Output } from '../../../rm/checkpoint/v1/RenewLeadershipRequest.js';
import type { SaveCheckpointRequest as _rm_checkpoint_v1_SaveCheckpointRequest, SaveCheckpointRequest__Output as _rm_checkpoint_v1_SaveCheckpointRequest__Output } from '../../../rm/checkpoint/v1/SaveCheckpointRequest.js';
import type { SaveCheckpointResponse as _rm_checkpoint_v1_SaveCheckpointResponse, SaveCheckpointResponse__Output as _rm_checkpoint_v1_SaveCheckpointResponse__Output } from '../../../rm/checkpoint/v1/SaveCheckpointResponse.js';
import type { SaveTableChangeRequest as _rm_checkpoint_v1_SaveTableChangeRequest, SaveTableChangeRequest__Output as _rm_checkpoint_v1_SaveTableChangeRequest__Output } from '../../../rm/checkpoint/v1/SaveTableChangeRequest.js';
import type { SaveTableRequest as _rm_checkpoint_v1_SaveTableRequest, SaveTableRequest__Output as _rm_checkpoint_v1_SaveTableRequest__Output } from '../../../rm/checkpoint/v1/SaveTableRequest.js';
import type { SaveTableResponse as _rm_checkpoint_v1_SaveTableResponse, SaveTableResponse__Output as _rm_checkpoint_v1_SaveTableResponse__Output } from '../../../rm/checkpoint/v1/SaveTableResponse.js';
import type { TxnRequest as _rm_checkpoint_v1_TxnRequest, TxnRequest__Output as _rm_checkpoint_v1_TxnRequest__Output } from '../../../rm/checkpoint/v1/TxnRequest.js';
import type { TxnResponse as _rm_checkpoint_v1_TxnResponse, TxnResponse__Output as _rm_checkpoint_v1_TxnResponse__Output } from '../../../rm/checkpoint/v1/TxnResponse.js';
import type { WatchCheckpointRequest as _rm_checkpoint_v1_WatchCheckpointRequest, WatchCheckpointRequest__Output as _rm_checkpoint_v1_WatchCheckpointRequest__Output } from '../../../rm/checkpoint/v1/WatchCheckpointRequest.js';
import type { WatchEvent as _rm_checkpoint_v1_WatchEvent, WatchEvent__Output as _rm_checkpoint_v1_WatchEvent__Output } from '../../../rm/checkpoint/v1/WatchEvent.js';
import type { WatchRequest as _rm_checkpoint_v1_WatchRequest, WatchRequest__Output as _rm_checkpoint_v1_WatchRequest__Output } from '../../../rm/checkpoint/v1/WatchRequest.js';

export interface CheckpointServerClient extends grpc.Client {
  /**
   * Compare-and-set on the leadership record: wins epoch + 1 only if the epoch is still expected_epoch
   * and the holder's lease has run out on this server's clock (or the caller is the holder).
   */
  AcquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  AcquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  AcquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  AcquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  /**
   * Compare-and-set on the leadership record: wins epoch + 1 only if the epoch is still expected_epoch
   * and the holder's lease has run out on this server's clock (or the caller is the holder).
   */
  acquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  acquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  acquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  acquireLeadership(argument: _rm_checkpoint_v1_AcquireLeadershipRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads one key. A missing key answers found = false.
   */
  Get(argument: _rm_checkpoint_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _rm_checkpoint_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _rm_checkpoint_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _rm_checkpoint_v1_GetRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reads one key. A missing key answers found = false.
   */
  get(argument: _rm_checkpoint_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rm_checkpoint_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rm_checkpoint_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rm_checkpoint_v1_GetRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  GetLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  GetLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  GetLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  GetLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  getLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  getLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  getLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  getLeadership(argument: _rm_checkpoint_v1_GetLeadershipRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists the keys under a prefix, in key order.
   */
  List(argument: _rm_checkpoint_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _rm_checkpoint_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _rm_checkpoint_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _rm_checkpoint_v1_ListRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists the keys under a prefix, in key order.
   */
  list(argument: _rm_checkpoint_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _rm_checkpoint_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _rm_checkpoint_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _rm_checkpoint_v1_ListRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  
  LoadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  LoadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  LoadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  LoadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  loadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  loadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  loadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  loadCheckpoint(argument: _rm_checkpoint_v1_LoadCheckpointRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadCheckpointResponse__Output>): grpc.ClientUnaryCall;
  
  LoadTable(argument: _rm_checkpoint_v1_LoadTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  LoadTable(argument: _rm_checkpoint_v1_LoadTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  LoadTable(argument: _rm_checkpoint_v1_LoadTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  LoadTable(argument: _rm_checkpoint_v1_LoadTableRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  loadTable(argument: _rm_checkpoint_v1_LoadTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  loadTable(argument: _rm_checkpoint_v1_LoadTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  loadTable(argument: _rm_checkpoint_v1_LoadTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  loadTable(argument: _rm_checkpoint_v1_LoadTableRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_LoadTableResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Writes one key; with expected_version set, only if the key is still at that version (0 = absent).
   * With epoch set, refused (FAILED_PRECONDITION, stale epoch) if a higher epoch has been handed out.
   */
  Put(argument: _rm_checkpoint_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _rm_checkpoint_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _rm_checkpoint_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _rm_checkpoint_v1_PutRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Writes one key; with expected_version set, only if the key is still at that version (0 = absent).
   * With epoch set, refused (FAILED_PRECONDITION, stale epoch) if a higher epoch has been handed out.
   */
  put(argument: _rm_checkpoint_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rm_checkpoint_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rm_checkpoint_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rm_checkpoint_v1_PutRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Extends the lease of the current holder; refused if the epoch is no longer the holder's.
   */
  RenewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  RenewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  RenewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  RenewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  /**
   * Extends the lease of the current holder; refused if the epoch is no longer the holder's.
   */
  renewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  renewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  renewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  renewLeadership(argument: _rm_checkpoint_v1_RenewLeadershipRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_Leadership__Output>): grpc.ClientUnaryCall;
  
  /**
   * A module's own last saved state (source ¶0014), per module; replica says who saved it.
   */
  SaveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  SaveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  SaveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  SaveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A module's own last saved state (source ¶0014), per module; replica says who saved it.
   */
  saveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  saveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  saveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  saveCheckpoint(argument: _rm_checkpoint_v1_SaveCheckpointRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The ReplicaManager's table (source ¶0021), fenced by epoch: the whole of it, or only what changed
   * (its hosts, the order of its modules, and the modules that are new or changed) in one transaction.
   */
  SaveTable(argument: _rm_checkpoint_v1_SaveTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  SaveTable(argument: _rm_checkpoint_v1_SaveTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  SaveTable(argument: _rm_checkpoint_v1_SaveTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  SaveTable(argument: _rm_checkpoint_v1_SaveTableRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The ReplicaManager's table (source ¶0021), fenced by epoch: the whole of it, or only what changed
   * (its hosts, the order of its modules, and the modules that are new or changed) in one transaction.
   */
  saveTable(argument: _rm_checkpoint_v1_SaveTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTable(argument: _rm_checkpoint_v1_SaveTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTable(argument: _rm_checkpoint_v1_SaveTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTable(argument: _rm_checkpoint_v1_SaveTableRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  
  SaveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  SaveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  SaveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  SaveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  saveTableChange(argument: _rm_checkpoint_v1_SaveTableChangeRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_SaveTableResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Several puts and deletes in one immediate transaction: all or nothing.
   */
  Txn(argument: _rm_checkpoint_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _rm_checkpoint_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _rm_checkpoint_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _rm_checkpoint_v1_TxnRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Several puts and deletes in one immediate transaction: all or nothing.
   */
  txn(argument: _rm_checkpoint_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _rm_checkpoint_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _rm_checkpoint_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _rm_checkpoint_v1_TxnRequest, callback: grpc.requestCallback<_rm_checkpoint_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams every change under a prefix, starting with the current values.
   */
  Watch(argument: _rm_checkpoint_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_WatchEvent__Output>;
  Watch(argument: _rm_checkpoint_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_WatchEvent__Output>;
  /**
   * Streams every change under a prefix, starting with the current values.
   */
  watch(argument: _rm_checkpoint_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_WatchEvent__Output>;
  watch(argument: _rm_checkpoint_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_WatchEvent__Output>;
  
  /**
   * Streams a module's checkpoints as they are saved: how a warm backup receives the primary's state.
   */
  WatchCheckpoint(argument: _rm_checkpoint_v1_WatchCheckpointRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_Checkpoint__Output>;
  WatchCheckpoint(argument: _rm_checkpoint_v1_WatchCheckpointRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_Checkpoint__Output>;
  /**
   * Streams a module's checkpoints as they are saved: how a warm backup receives the primary's state.
   */
  watchCheckpoint(argument: _rm_checkpoint_v1_WatchCheckpointRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_Checkpoint__Output>;
  watchCheckpoint(argument: _rm_checkpoint_v1_WatchCheckpointRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_checkpoint_v1_Checkpoint__Output>;
  
}

export interface CheckpointServerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Compare-and-set on the leadership record: wins epoch + 1 only if the epoch is still expected_epoch
   * and the holder's lease has run out on this server's clock (or the caller is the holder).
   */
  AcquireLeadership: grpc.handleUnaryCall<_rm_checkpoint_v1_AcquireLeadershipRequest__Output, _rm_checkpoint_v1_Leadership>;
  
  /**
   * Reads one key. A missing key answers found = false.
   */
  Get: grpc.handleUnaryCall<_rm_checkpoint_v1_GetRequest__Output, _rm_checkpoint_v1_GetResponse>;
  
  GetLeadership: grpc.handleUnaryCall<_rm_checkpoint_v1_GetLeadershipRequest__Output, _rm_checkpoint_v1_Leadership>;
  
  /**
   * Lists the keys under a prefix, in key order.
   */
  List: grpc.handleUnaryCall<_rm_checkpoint_v1_ListRequest__Output, _rm_checkpoint_v1_ListResponse>;
  
  LoadCheckpoint: grpc.handleUnaryCall<_rm_checkpoint_v1_LoadCheckpointRequest__Output, _rm_checkpoint_v1_LoadCheckpointResponse>;
  
  LoadTable: grpc.handleUnaryCall<_rm_checkpoint_v1_LoadTableRequest__Output, _rm_checkpoint_v1_LoadTableResponse>;
  
  /**
   * Writes one key; with expected_version set, only if the key is still at that version (0 = absent).
   * With epoch set, refused (FAILED_PRECONDITION, stale epoch) if a higher epoch has been handed out.
   */
  Put: grpc.handleUnaryCall<_rm_checkpoint_v1_PutRequest__Output, _rm_checkpoint_v1_PutResponse>;
  
  /**
   * Extends the lease of the current holder; refused if the epoch is no longer the holder's.
   */
  RenewLeadership: grpc.handleUnaryCall<_rm_checkpoint_v1_RenewLeadershipRequest__Output, _rm_checkpoint_v1_Leadership>;
  
  /**
   * A module's own last saved state (source ¶0014), per module; replica says who saved it.
   */
  SaveCheckpoint: grpc.handleUnaryCall<_rm_checkpoint_v1_SaveCheckpointRequest__Output, _rm_checkpoint_v1_SaveCheckpointResponse>;
  
  /**
   * The ReplicaManager's table (source ¶0021), fenced by epoch: the whole of it, or only what changed
   * (its hosts, the order of its modules, and the modules that are new or changed) in one transaction.
   */
  SaveTable: grpc.handleUnaryCall<_rm_checkpoint_v1_SaveTableRequest__Output, _rm_checkpoint_v1_SaveTableResponse>;
  
  SaveTableChange: grpc.handleUnaryCall<_rm_checkpoint_v1_SaveTableChangeRequest__Output, _rm_checkpoint_v1_SaveTableResponse>;
  
  /**
   * Several puts and deletes in one immediate transaction: all or nothing.
   */
  Txn: grpc.handleUnaryCall<_rm_checkpoint_v1_TxnRequest__Output, _rm_checkpoint_v1_TxnResponse>;
  
  /**
   * Streams every change under a prefix, starting with the current values.
   */
  Watch: grpc.handleServerStreamingCall<_rm_checkpoint_v1_WatchRequest__Output, _rm_checkpoint_v1_WatchEvent>;
  
  /**
   * Streams a module's checkpoints as they are saved: how a warm backup receives the primary's state.
   */
  WatchCheckpoint: grpc.handleServerStreamingCall<_rm_checkpoint_v1_WatchCheckpointRequest__Output, _rm_checkpoint_v1_Checkpoint>;
  
}

export interface CheckpointServerDefinition extends grpc.ServiceDefinition {
  AcquireLeadership: MethodDefinition<_rm_checkpoint_v1_AcquireLeadershipRequest, _rm_checkpoint_v1_Leadership, _rm_checkpoint_v1_AcquireLeadershipRequest__Output, _rm_checkpoint_v1_Leadership__Output>
  Get: MethodDefinition<_rm_checkpoint_v1_GetRequest, _rm_checkpoint_v1_GetResponse, _rm_checkpoint_v1_GetRequest__Output, _rm_checkpoint_v1_GetResponse__Output>
  GetLeadership: MethodDefinition<_rm_checkpoint_v1_GetLeadershipRequest, _rm_checkpoint_v1_Leadership, _rm_checkpoint_v1_GetLeadershipRequest__Output, _rm_checkpoint_v1_Leadership__Output>
  List: MethodDefinition<_rm_checkpoint_v1_ListRequest, _rm_checkpoint_v1_ListResponse, _rm_checkpoint_v1_ListRequest__Output, _rm_checkpoint_v1_ListResponse__Output>
  LoadCheckpoint: MethodDefinition<_rm_checkpoint_v1_LoadCheckpointRequest, _rm_checkpoint_v1_LoadCheckpointResponse, _rm_checkpoint_v1_LoadCheckpointRequest__Output, _rm_checkpoint_v1_LoadCheckpointResponse__Output>
  LoadTable: MethodDefinition<_rm_checkpoint_v1_LoadTableRequest, _rm_checkpoint_v1_LoadTableResponse, _rm_checkpoint_v1_LoadTableRequest__Output, _rm_checkpoint_v1_LoadTableResponse__Output>
  Put: MethodDefinition<_rm_checkpoint_v1_PutRequest, _rm_checkpoint_v1_PutResponse, _rm_checkpoint_v1_PutRequest__Output, _rm_checkpoint_v1_PutResponse__Output>
  RenewLeadership: MethodDefinition<_rm_checkpoint_v1_RenewLeadershipRequest, _rm_checkpoint_v1_Leadership, _rm_checkpoint_v1_RenewLeadershipRequest__Output, _rm_checkpoint_v1_Leadership__Output>
  SaveCheckpoint: MethodDefinition<_rm_checkpoint_v1_SaveCheckpointRequest, _rm_checkpoint_v1_SaveCheckpointResponse, _rm_checkpoint_v1_SaveCheckpointRequest__Output, _rm_checkpoint_v1_SaveCheckpointResponse__Output>
  SaveTable: MethodDefinition<_rm_checkpoint_v1_SaveTableRequest, _rm_checkpoint_v1_SaveTableResponse, _rm_checkpoint_v1_SaveTableRequest__Output, _rm_checkpoint_v1_SaveTableResponse__Output>
  SaveTableChange: MethodDefinition<_rm_checkpoint_v1_SaveTableChangeRequest, _rm_checkpoint_v1_SaveTableResponse, _rm_checkpoint_v1_SaveTableChangeRequest__Output, _rm_checkpoint_v1_SaveTableResponse__Output>
  Txn: MethodDefinition<_rm_checkpoint_v1_TxnRequest, _rm_checkpoint_v1_TxnResponse, _rm_checkpoint_v1_TxnRequest__Output, _rm_checkpoint_v1_TxnResponse__Output>
  Watch: MethodDefinition<_rm_checkpoint_v1_WatchRequest, _rm_checkpoint_v1_WatchEvent, _rm_checkpoint_v1_WatchRequest__Output, _rm_checkpoint_v1_WatchEvent__Output>
  WatchCheckpoint: MethodDefinition<_rm_checkpoint_v1_WatchCheckpointRequest, _rm_checkpoint_v1_Checkpoint, _rm_checkpoint_v1_WatchCheckpointRequest__Output, _rm_checkpoint_v1_Checkpoint__Output>
}
