// Original file: proto/watchdog.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CheckReplicaRequest as _rm_watchdog_v1_CheckReplicaRequest, CheckReplicaRequest__Output as _rm_watchdog_v1_CheckReplicaRequest__Output } from '../../../rm/watchdog/v1/CheckReplicaRequest.js';
import type { CheckReplicaResponse as _rm_watchdog_v1_CheckReplicaResponse, CheckReplicaResponse__Output as _rm_watchdog_v1_CheckReplicaResponse__Output } from '../../../rm/watchdog/v1/CheckReplicaResponse.js';
import type { ListRunningRequest as _rm_watchdog_v1_ListRunningRequest, ListRunningRequest__Output as _rm_watchdog_v1_ListRunningRequest__Output } from '../../../rm/watchdog/v1/ListRunningRequest.js';
import type { ListRunningResponse as _rm_watchdog_v1_ListRunningResponse, ListRunningResponse__Output as _rm_watchdog_v1_ListRunningResponse__Output } from '../../../rm/watchdog/v1/ListRunningResponse.js';
import type { ReplicaAck as _rm_watchdog_v1_ReplicaAck, ReplicaAck__Output as _rm_watchdog_v1_ReplicaAck__Output } from '../../../rm/watchdog/v1/ReplicaAck.js';
import type { SetRoleRequest as _rm_watchdog_v1_SetRoleRequest, SetRoleRequest__Output as _rm_watchdog_v1_SetRoleRequest__Output } from '../../../rm/watchdog/v1/SetRoleRequest.js';
import type { StartReplicaRequest as _rm_watchdog_v1_StartReplicaRequest, StartReplicaRequest__Output as _rm_watchdog_v1_StartReplicaRequest__Output } from '../../../rm/watchdog/v1/StartReplicaRequest.js';
import type { StopReplicaRequest as _rm_watchdog_v1_StopReplicaRequest, StopReplicaRequest__Output as _rm_watchdog_v1_StopReplicaRequest__Output } from '../../../rm/watchdog/v1/StopReplicaRequest.js';

export interface WatchDogClient extends grpc.Client {
  /**
   * Whether StartReplica would start this copy here, without starting anything: the same check of
   * its executable (absolute, under an allowed directory, a regular file, executable by the account
   * the copy runs as) and of an exec check's command. The ReplicaManager asks it at registration and
   * for a copy whose start was refused. Read-only: it carries no epoch and changes nothing; its
   * verdict is in the answer, never a gRPC error, so that an error only ever means "not asked"
   * (unreachable, not allowed, an older WatchDog) and is never taken for a missing file.
   */
  CheckReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  CheckReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  CheckReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  CheckReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Whether StartReplica would start this copy here, without starting anything: the same check of
   * its executable (absolute, under an allowed directory, a regular file, executable by the account
   * the copy runs as) and of an exec check's command. The ReplicaManager asks it at registration and
   * for a copy whose start was refused. Read-only: it carries no epoch and changes nothing; its
   * verdict is in the answer, never a gRPC error, so that an error only ever means "not asked"
   * (unreachable, not allowed, an older WatchDog) and is never taken for a missing file.
   */
  checkReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  checkReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  checkReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  checkReplica(argument: _rm_watchdog_v1_CheckReplicaRequest, callback: grpc.requestCallback<_rm_watchdog_v1_CheckReplicaResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * What runs on this host, for the ReplicaManager's reconcile (the one reconcile path: the manager
   * lists, decide() compares with the table, and single commands carry out the difference).
   */
  ListRunning(argument: _rm_watchdog_v1_ListRunningRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  ListRunning(argument: _rm_watchdog_v1_ListRunningRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  ListRunning(argument: _rm_watchdog_v1_ListRunningRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  ListRunning(argument: _rm_watchdog_v1_ListRunningRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What runs on this host, for the ReplicaManager's reconcile (the one reconcile path: the manager
   * lists, decide() compares with the table, and single commands carry out the difference).
   */
  listRunning(argument: _rm_watchdog_v1_ListRunningRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  listRunning(argument: _rm_watchdog_v1_ListRunningRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  listRunning(argument: _rm_watchdog_v1_ListRunningRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  listRunning(argument: _rm_watchdog_v1_ListRunningRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ListRunningResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Tells a running copy its new role (a backup promoted to primary is told at once).
   */
  SetRole(argument: _rm_watchdog_v1_SetRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  SetRole(argument: _rm_watchdog_v1_SetRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  SetRole(argument: _rm_watchdog_v1_SetRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  SetRole(argument: _rm_watchdog_v1_SetRoleRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  /**
   * Tells a running copy its new role (a backup promoted to primary is told at once).
   */
  setRole(argument: _rm_watchdog_v1_SetRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  setRole(argument: _rm_watchdog_v1_SetRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  setRole(argument: _rm_watchdog_v1_SetRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  setRole(argument: _rm_watchdog_v1_SetRoleRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Starts a copy with a role. Starting a copy that already runs with that role is a no-op.
   */
  StartReplica(argument: _rm_watchdog_v1_StartReplicaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  StartReplica(argument: _rm_watchdog_v1_StartReplicaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  StartReplica(argument: _rm_watchdog_v1_StartReplicaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  StartReplica(argument: _rm_watchdog_v1_StartReplicaRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  /**
   * Starts a copy with a role. Starting a copy that already runs with that role is a no-op.
   */
  startReplica(argument: _rm_watchdog_v1_StartReplicaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  startReplica(argument: _rm_watchdog_v1_StartReplicaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  startReplica(argument: _rm_watchdog_v1_StartReplicaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  startReplica(argument: _rm_watchdog_v1_StartReplicaRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stops a copy (TERM, then KILL after the grace). Stopping a copy that does not run is a no-op;
   * with wait_exit, stopping one already on its way out waits for its end too.
   */
  StopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  StopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  StopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  StopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  /**
   * Stops a copy (TERM, then KILL after the grace). Stopping a copy that does not run is a no-op;
   * with wait_exit, stopping one already on its way out waits for its end too.
   */
  stopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  stopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  stopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  stopReplica(argument: _rm_watchdog_v1_StopReplicaRequest, callback: grpc.requestCallback<_rm_watchdog_v1_ReplicaAck__Output>): grpc.ClientUnaryCall;
  
}

export interface WatchDogHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Whether StartReplica would start this copy here, without starting anything: the same check of
   * its executable (absolute, under an allowed directory, a regular file, executable by the account
   * the copy runs as) and of an exec check's command. The ReplicaManager asks it at registration and
   * for a copy whose start was refused. Read-only: it carries no epoch and changes nothing; its
   * verdict is in the answer, never a gRPC error, so that an error only ever means "not asked"
   * (unreachable, not allowed, an older WatchDog) and is never taken for a missing file.
   */
  CheckReplica: grpc.handleUnaryCall<_rm_watchdog_v1_CheckReplicaRequest__Output, _rm_watchdog_v1_CheckReplicaResponse>;
  
  /**
   * What runs on this host, for the ReplicaManager's reconcile (the one reconcile path: the manager
   * lists, decide() compares with the table, and single commands carry out the difference).
   */
  ListRunning: grpc.handleUnaryCall<_rm_watchdog_v1_ListRunningRequest__Output, _rm_watchdog_v1_ListRunningResponse>;
  
  /**
   * Tells a running copy its new role (a backup promoted to primary is told at once).
   */
  SetRole: grpc.handleUnaryCall<_rm_watchdog_v1_SetRoleRequest__Output, _rm_watchdog_v1_ReplicaAck>;
  
  /**
   * Starts a copy with a role. Starting a copy that already runs with that role is a no-op.
   */
  StartReplica: grpc.handleUnaryCall<_rm_watchdog_v1_StartReplicaRequest__Output, _rm_watchdog_v1_ReplicaAck>;
  
  /**
   * Stops a copy (TERM, then KILL after the grace). Stopping a copy that does not run is a no-op;
   * with wait_exit, stopping one already on its way out waits for its end too.
   */
  StopReplica: grpc.handleUnaryCall<_rm_watchdog_v1_StopReplicaRequest__Output, _rm_watchdog_v1_ReplicaAck>;
  
}

export interface WatchDogDefinition extends grpc.ServiceDefinition {
  CheckReplica: MethodDefinition<_rm_watchdog_v1_CheckReplicaRequest, _rm_watchdog_v1_CheckReplicaResponse, _rm_watchdog_v1_CheckReplicaRequest__Output, _rm_watchdog_v1_CheckReplicaResponse__Output>
  ListRunning: MethodDefinition<_rm_watchdog_v1_ListRunningRequest, _rm_watchdog_v1_ListRunningResponse, _rm_watchdog_v1_ListRunningRequest__Output, _rm_watchdog_v1_ListRunningResponse__Output>
  SetRole: MethodDefinition<_rm_watchdog_v1_SetRoleRequest, _rm_watchdog_v1_ReplicaAck, _rm_watchdog_v1_SetRoleRequest__Output, _rm_watchdog_v1_ReplicaAck__Output>
  StartReplica: MethodDefinition<_rm_watchdog_v1_StartReplicaRequest, _rm_watchdog_v1_ReplicaAck, _rm_watchdog_v1_StartReplicaRequest__Output, _rm_watchdog_v1_ReplicaAck__Output>
  StopReplica: MethodDefinition<_rm_watchdog_v1_StopReplicaRequest, _rm_watchdog_v1_ReplicaAck, _rm_watchdog_v1_StopReplicaRequest__Output, _rm_watchdog_v1_ReplicaAck__Output>
}
