// Original file: proto/replica_manager.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Ack as _rm_replica_manager_v1_Ack, Ack__Output as _rm_replica_manager_v1_Ack__Output } from '../../../rm/replica_manager/v1/Ack.js';
import type { DrainRequest as _rm_replica_manager_v1_DrainRequest, DrainRequest__Output as _rm_replica_manager_v1_DrainRequest__Output } from '../../../rm/replica_manager/v1/DrainRequest.js';
import type { FailureReport as _rm_replica_manager_v1_FailureReport, FailureReport__Output as _rm_replica_manager_v1_FailureReport__Output } from '../../../rm/replica_manager/v1/FailureReport.js';
import type { HostReport as _rm_replica_manager_v1_HostReport, HostReport__Output as _rm_replica_manager_v1_HostReport__Output } from '../../../rm/replica_manager/v1/HostReport.js';
import type { MaintenanceResponse as _rm_replica_manager_v1_MaintenanceResponse, MaintenanceResponse__Output as _rm_replica_manager_v1_MaintenanceResponse__Output } from '../../../rm/replica_manager/v1/MaintenanceResponse.js';
import type { PauseRequest as _rm_replica_manager_v1_PauseRequest, PauseRequest__Output as _rm_replica_manager_v1_PauseRequest__Output } from '../../../rm/replica_manager/v1/PauseRequest.js';
import type { RegisterRequest as _rm_replica_manager_v1_RegisterRequest, RegisterRequest__Output as _rm_replica_manager_v1_RegisterRequest__Output } from '../../../rm/replica_manager/v1/RegisterRequest.js';
import type { RegisterResponse as _rm_replica_manager_v1_RegisterResponse, RegisterResponse__Output as _rm_replica_manager_v1_RegisterResponse__Output } from '../../../rm/replica_manager/v1/RegisterResponse.js';
import type { RunningReport as _rm_replica_manager_v1_RunningReport, RunningReport__Output as _rm_replica_manager_v1_RunningReport__Output } from '../../../rm/replica_manager/v1/RunningReport.js';
import type { StatusRequest as _rm_replica_manager_v1_StatusRequest, StatusRequest__Output as _rm_replica_manager_v1_StatusRequest__Output } from '../../../rm/replica_manager/v1/StatusRequest.js';
import type { StatusResponse as _rm_replica_manager_v1_StatusResponse, StatusResponse__Output as _rm_replica_manager_v1_StatusResponse__Output } from '../../../rm/replica_manager/v1/StatusResponse.js';
import type { SwitchoverRequest as _rm_replica_manager_v1_SwitchoverRequest, SwitchoverRequest__Output as _rm_replica_manager_v1_SwitchoverRequest__Output } from '../../../rm/replica_manager/v1/SwitchoverRequest.js';
import type { UnregisterRequest as _rm_replica_manager_v1_UnregisterRequest, UnregisterRequest__Output as _rm_replica_manager_v1_UnregisterRequest__Output } from '../../../rm/replica_manager/v1/UnregisterRequest.js';
import type { UnregisterResponse as _rm_replica_manager_v1_UnregisterResponse, UnregisterResponse__Output as _rm_replica_manager_v1_UnregisterResponse__Output } from '../../../rm/replica_manager/v1/UnregisterResponse.js';

export interface ReplicaManagerClient extends grpc.Client {
  /**
   * A host leaves service in a planned way (nothing is placed there, its copies leave), or returns.
   */
  Drain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Drain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Drain(argument: _rm_replica_manager_v1_DrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Drain(argument: _rm_replica_manager_v1_DrainRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A host leaves service in a planned way (nothing is placed there, its copies leave), or returns.
   */
  drain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  drain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  drain(argument: _rm_replica_manager_v1_DrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  drain(argument: _rm_replica_manager_v1_DrainRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Maintenance mode for a module (every module when `module` is empty): copies keep running and are
   * watched, nothing is failed over; Resume applies what is still needed.
   */
  Pause(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Pause(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Pause(argument: _rm_replica_manager_v1_PauseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Pause(argument: _rm_replica_manager_v1_PauseRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Maintenance mode for a module (every module when `module` is empty): copies keep running and are
   * watched, nothing is failed over; Resume applies what is still needed.
   */
  pause(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  pause(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  pause(argument: _rm_replica_manager_v1_PauseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  pause(argument: _rm_replica_manager_v1_PauseRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Registers a module (source ¶0015). Refused (INVALID_ARGUMENT) with the reason; never half-applied.
   */
  Register(argument: _rm_replica_manager_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _rm_replica_manager_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _rm_replica_manager_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _rm_replica_manager_v1_RegisterRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Registers a module (source ¶0015). Refused (INVALID_ARGUMENT) with the reason; never half-applied.
   */
  register(argument: _rm_replica_manager_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _rm_replica_manager_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _rm_replica_manager_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _rm_replica_manager_v1_RegisterRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A WatchDog reports a copy's failure (source ¶0020).
   */
  ReportFailure(argument: _rm_replica_manager_v1_FailureReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportFailure(argument: _rm_replica_manager_v1_FailureReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportFailure(argument: _rm_replica_manager_v1_FailureReport, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportFailure(argument: _rm_replica_manager_v1_FailureReport, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  /**
   * A WatchDog reports a copy's failure (source ¶0020).
   */
  reportFailure(argument: _rm_replica_manager_v1_FailureReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportFailure(argument: _rm_replica_manager_v1_FailureReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportFailure(argument: _rm_replica_manager_v1_FailureReport, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportFailure(argument: _rm_replica_manager_v1_FailureReport, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  
  /**
   * The primary SuperWatchDog reports a host dead (source ¶0024) or back.
   */
  ReportHost(argument: _rm_replica_manager_v1_HostReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportHost(argument: _rm_replica_manager_v1_HostReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportHost(argument: _rm_replica_manager_v1_HostReport, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportHost(argument: _rm_replica_manager_v1_HostReport, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  /**
   * The primary SuperWatchDog reports a host dead (source ¶0024) or back.
   */
  reportHost(argument: _rm_replica_manager_v1_HostReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportHost(argument: _rm_replica_manager_v1_HostReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportHost(argument: _rm_replica_manager_v1_HostReport, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportHost(argument: _rm_replica_manager_v1_HostReport, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  
  /**
   * A WatchDog (re)started or reconnected asks to be reconciled: the ReplicaManager asks it what it
   * runs itself (ListRunning), in order with the commands it sends there (one reconcile path).
   */
  ReportRunning(argument: _rm_replica_manager_v1_RunningReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportRunning(argument: _rm_replica_manager_v1_RunningReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportRunning(argument: _rm_replica_manager_v1_RunningReport, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  ReportRunning(argument: _rm_replica_manager_v1_RunningReport, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  /**
   * A WatchDog (re)started or reconnected asks to be reconciled: the ReplicaManager asks it what it
   * runs itself (ListRunning), in order with the commands it sends there (one reconcile path).
   */
  reportRunning(argument: _rm_replica_manager_v1_RunningReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportRunning(argument: _rm_replica_manager_v1_RunningReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportRunning(argument: _rm_replica_manager_v1_RunningReport, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  reportRunning(argument: _rm_replica_manager_v1_RunningReport, callback: grpc.requestCallback<_rm_replica_manager_v1_Ack__Output>): grpc.ClientUnaryCall;
  
  Resume(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Resume(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Resume(argument: _rm_replica_manager_v1_PauseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Resume(argument: _rm_replica_manager_v1_PauseRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  resume(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  resume(argument: _rm_replica_manager_v1_PauseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  resume(argument: _rm_replica_manager_v1_PauseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  resume(argument: _rm_replica_manager_v1_PauseRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The FIG. 2 table, whole or for one module.
   */
  Status(argument: _rm_replica_manager_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _rm_replica_manager_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _rm_replica_manager_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _rm_replica_manager_v1_StatusRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The FIG. 2 table, whole or for one module.
   */
  status(argument: _rm_replica_manager_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rm_replica_manager_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rm_replica_manager_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rm_replica_manager_v1_StatusRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Maintenance (DESIGN §12): each is an event of the decision core, persisted before it acts. A
   * request the table cannot carry out as asked is refused (FAILED_PRECONDITION) with what to ask.
   * A planned change of a warm or cold module's primary: the old one steps down first, the new one
   * is named once its WatchDog confirmed it (never two primaries).
   */
  Switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Maintenance (DESIGN §12): each is an event of the decision core, persisted before it acts. A
   * request the table cannot carry out as asked is refused (FAILED_PRECONDITION) with what to ask.
   * A planned change of a warm or cold module's primary: the old one steps down first, the new one
   * is named once its WatchDog confirmed it (never two primaries).
   */
  switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  switchover(argument: _rm_replica_manager_v1_SwitchoverRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  
  Undrain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Undrain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Undrain(argument: _rm_replica_manager_v1_DrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  Undrain(argument: _rm_replica_manager_v1_DrainRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  undrain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  undrain(argument: _rm_replica_manager_v1_DrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  undrain(argument: _rm_replica_manager_v1_DrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  undrain(argument: _rm_replica_manager_v1_DrainRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_MaintenanceResponse__Output>): grpc.ClientUnaryCall;
  
  Unregister(argument: _rm_replica_manager_v1_UnregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  Unregister(argument: _rm_replica_manager_v1_UnregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  Unregister(argument: _rm_replica_manager_v1_UnregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  Unregister(argument: _rm_replica_manager_v1_UnregisterRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  unregister(argument: _rm_replica_manager_v1_UnregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  unregister(argument: _rm_replica_manager_v1_UnregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  unregister(argument: _rm_replica_manager_v1_UnregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  unregister(argument: _rm_replica_manager_v1_UnregisterRequest, callback: grpc.requestCallback<_rm_replica_manager_v1_UnregisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The table now and after every change.
   */
  WatchStatus(argument: _rm_replica_manager_v1_StatusRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_replica_manager_v1_StatusResponse__Output>;
  WatchStatus(argument: _rm_replica_manager_v1_StatusRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_replica_manager_v1_StatusResponse__Output>;
  /**
   * The table now and after every change.
   */
  watchStatus(argument: _rm_replica_manager_v1_StatusRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_replica_manager_v1_StatusResponse__Output>;
  watchStatus(argument: _rm_replica_manager_v1_StatusRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_rm_replica_manager_v1_StatusResponse__Output>;
  
}

export interface ReplicaManagerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * A host leaves service in a planned way (nothing is placed there, its copies leave), or returns.
   */
  Drain: grpc.handleUnaryCall<_rm_replica_manager_v1_DrainRequest__Output, _rm_replica_manager_v1_MaintenanceResponse>;
  
  /**
   * Maintenance mode for a module (every module when `module` is empty): copies keep running and are
   * watched, nothing is failed over; Resume applies what is still needed.
   */
  Pause: grpc.handleUnaryCall<_rm_replica_manager_v1_PauseRequest__Output, _rm_replica_manager_v1_MaintenanceResponse>;
  
  /**
   * Registers a module (source ¶0015). Refused (INVALID_ARGUMENT) with the reason; never half-applied.
   */
  Register: grpc.handleUnaryCall<_rm_replica_manager_v1_RegisterRequest__Output, _rm_replica_manager_v1_RegisterResponse>;
  
  /**
   * A WatchDog reports a copy's failure (source ¶0020).
   */
  ReportFailure: grpc.handleUnaryCall<_rm_replica_manager_v1_FailureReport__Output, _rm_replica_manager_v1_Ack>;
  
  /**
   * The primary SuperWatchDog reports a host dead (source ¶0024) or back.
   */
  ReportHost: grpc.handleUnaryCall<_rm_replica_manager_v1_HostReport__Output, _rm_replica_manager_v1_Ack>;
  
  /**
   * A WatchDog (re)started or reconnected asks to be reconciled: the ReplicaManager asks it what it
   * runs itself (ListRunning), in order with the commands it sends there (one reconcile path).
   */
  ReportRunning: grpc.handleUnaryCall<_rm_replica_manager_v1_RunningReport__Output, _rm_replica_manager_v1_Ack>;
  
  Resume: grpc.handleUnaryCall<_rm_replica_manager_v1_PauseRequest__Output, _rm_replica_manager_v1_MaintenanceResponse>;
  
  /**
   * The FIG. 2 table, whole or for one module.
   */
  Status: grpc.handleUnaryCall<_rm_replica_manager_v1_StatusRequest__Output, _rm_replica_manager_v1_StatusResponse>;
  
  /**
   * Maintenance (DESIGN §12): each is an event of the decision core, persisted before it acts. A
   * request the table cannot carry out as asked is refused (FAILED_PRECONDITION) with what to ask.
   * A planned change of a warm or cold module's primary: the old one steps down first, the new one
   * is named once its WatchDog confirmed it (never two primaries).
   */
  Switchover: grpc.handleUnaryCall<_rm_replica_manager_v1_SwitchoverRequest__Output, _rm_replica_manager_v1_MaintenanceResponse>;
  
  Undrain: grpc.handleUnaryCall<_rm_replica_manager_v1_DrainRequest__Output, _rm_replica_manager_v1_MaintenanceResponse>;
  
  Unregister: grpc.handleUnaryCall<_rm_replica_manager_v1_UnregisterRequest__Output, _rm_replica_manager_v1_UnregisterResponse>;
  
  /**
   * The table now and after every change.
   */
  WatchStatus: grpc.handleServerStreamingCall<_rm_replica_manager_v1_StatusRequest__Output, _rm_replica_manager_v1_StatusResponse>;
  
}

export interface ReplicaManagerDefinition extends grpc.ServiceDefinition {
  Drain: MethodDefinition<_rm_replica_manager_v1_DrainRequest, _rm_replica_manager_v1_MaintenanceResponse, _rm_replica_manager_v1_DrainRequest__Output, _rm_replica_manager_v1_MaintenanceResponse__Output>
  Pause: MethodDefinition<_rm_replica_manager_v1_PauseRequest, _rm_replica_manager_v1_MaintenanceResponse, _rm_replica_manager_v1_PauseRequest__Output, _rm_replica_manager_v1_MaintenanceResponse__Output>
  Register: MethodDefinition<_rm_replica_manager_v1_RegisterRequest, _rm_replica_manager_v1_RegisterResponse, _rm_replica_manager_v1_RegisterRequest__Output, _rm_replica_manager_v1_RegisterResponse__Output>
  ReportFailure: MethodDefinition<_rm_replica_manager_v1_FailureReport, _rm_replica_manager_v1_Ack, _rm_replica_manager_v1_FailureReport__Output, _rm_replica_manager_v1_Ack__Output>
  ReportHost: MethodDefinition<_rm_replica_manager_v1_HostReport, _rm_replica_manager_v1_Ack, _rm_replica_manager_v1_HostReport__Output, _rm_replica_manager_v1_Ack__Output>
  ReportRunning: MethodDefinition<_rm_replica_manager_v1_RunningReport, _rm_replica_manager_v1_Ack, _rm_replica_manager_v1_RunningReport__Output, _rm_replica_manager_v1_Ack__Output>
  Resume: MethodDefinition<_rm_replica_manager_v1_PauseRequest, _rm_replica_manager_v1_MaintenanceResponse, _rm_replica_manager_v1_PauseRequest__Output, _rm_replica_manager_v1_MaintenanceResponse__Output>
  Status: MethodDefinition<_rm_replica_manager_v1_StatusRequest, _rm_replica_manager_v1_StatusResponse, _rm_replica_manager_v1_StatusRequest__Output, _rm_replica_manager_v1_StatusResponse__Output>
  Switchover: MethodDefinition<_rm_replica_manager_v1_SwitchoverRequest, _rm_replica_manager_v1_MaintenanceResponse, _rm_replica_manager_v1_SwitchoverRequest__Output, _rm_replica_manager_v1_MaintenanceResponse__Output>
  Undrain: MethodDefinition<_rm_replica_manager_v1_DrainRequest, _rm_replica_manager_v1_MaintenanceResponse, _rm_replica_manager_v1_DrainRequest__Output, _rm_replica_manager_v1_MaintenanceResponse__Output>
  Unregister: MethodDefinition<_rm_replica_manager_v1_UnregisterRequest, _rm_replica_manager_v1_UnregisterResponse, _rm_replica_manager_v1_UnregisterRequest__Output, _rm_replica_manager_v1_UnregisterResponse__Output>
  WatchStatus: MethodDefinition<_rm_replica_manager_v1_StatusRequest, _rm_replica_manager_v1_StatusResponse, _rm_replica_manager_v1_StatusRequest__Output, _rm_replica_manager_v1_StatusResponse__Output>
}
