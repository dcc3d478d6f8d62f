// Original file: proto/super_watchdog.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetHostsRequest as _rm_super_watchdog_v1_GetHostsRequest, GetHostsRequest__Output as _rm_super_watchdog_v1_GetHostsRequest__Output } from '../../../rm/super_watchdog/v1/GetHostsRequest.js';
import type { GetRingRequest as _rm_super_watchdog_v1_GetRingRequest, GetRingRequest__Output as _rm_super_watchdog_v1_GetRingRequest__Output } from '../../../rm/super_watchdog/v1/GetRingRequest.js';
import type { HostsView as _rm_super_watchdog_v1_HostsView, HostsView__Output as _rm_super_watchdog_v1_HostsView__Output } from '../../../rm/super_watchdog/v1/HostsView.js';
import type { ManagerBeatRequest as _rm_super_watchdog_v1_ManagerBeatRequest, ManagerBeatRequest__Output as _rm_super_watchdog_v1_ManagerBeatRequest__Output } from '../../../rm/super_watchdog/v1/ManagerBeatRequest.js';
import type { ManagerBeatResponse as _rm_super_watchdog_v1_ManagerBeatResponse, ManagerBeatResponse__Output as _rm_super_watchdog_v1_ManagerBeatResponse__Output } from '../../../rm/super_watchdog/v1/ManagerBeatResponse.js';
import type { RegisterPredecessorRequest as _rm_super_watchdog_v1_RegisterPredecessorRequest, RegisterPredecessorRequest__Output as _rm_super_watchdog_v1_RegisterPredecessorRequest__Output } from '../../../rm/super_watchdog/v1/RegisterPredecessorRequest.js';
import type { RingBeatRequest as _rm_super_watchdog_v1_RingBeatRequest, RingBeatRequest__Output as _rm_super_watchdog_v1_RingBeatRequest__Output } from '../../../rm/super_watchdog/v1/RingBeatRequest.js';
import type { RingView as _rm_super_watchdog_v1_RingView, RingView__Output as _rm_super_watchdog_v1_RingView__Output } from '../../../rm/super_watchdog/v1/RingView.js';
import type { WatchDogBeatRequest as _rm_super_watchdog_v1_WatchDogBeatRequest, WatchDogBeatRequest__Output as _rm_super_watchdog_v1_WatchDogBeatRequest__Output } from '../../../rm/super_watchdog/v1/WatchDogBeatRequest.js';
import type { WatchDogBeatResponse as _rm_super_watchdog_v1_WatchDogBeatResponse, WatchDogBeatResponse__Output as _rm_super_watchdog_v1_WatchDogBeatResponse__Output } from '../../../rm/super_watchdog/v1/WatchDogBeatResponse.js';

export interface SuperWatchDogClient extends grpc.Client {
  /**
   * For `rmctl hosts`: the primary's view of the WatchDogs.
   */
  GetHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  GetHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  GetHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  GetHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  /**
   * For `rmctl hosts`: the primary's view of the WatchDogs.
   */
  getHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  getHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  getHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  getHosts(argument: _rm_super_watchdog_v1_GetHostsRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_HostsView__Output>): grpc.ClientUnaryCall;
  
  /**
   * For `rmctl ring`.
   */
  GetRing(argument: _rm_super_watchdog_v1_GetRingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  GetRing(argument: _rm_super_watchdog_v1_GetRingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  GetRing(argument: _rm_super_watchdog_v1_GetRingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  GetRing(argument: _rm_super_watchdog_v1_GetRingRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  /**
   * For `rmctl ring`.
   */
  getRing(argument: _rm_super_watchdog_v1_GetRingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  getRing(argument: _rm_super_watchdog_v1_GetRingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  getRing(argument: _rm_super_watchdog_v1_GetRingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  getRing(argument: _rm_super_watchdog_v1_GetRingRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  
  /**
   * The ReplicaManager on this host registers and beats (¶0026).
   */
  ManagerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  ManagerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  ManagerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  ManagerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The ReplicaManager on this host registers and beats (¶0026).
   */
  managerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  managerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  managerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  managerBeat(argument: _rm_super_watchdog_v1_ManagerBeatRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_ManagerBeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A member that skipped a dead successor registers with this one as its new predecessor (¶0025).
   */
  RegisterPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  RegisterPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  RegisterPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  RegisterPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  /**
   * A member that skipped a dead successor registers with this one as its new predecessor (¶0025).
   */
  registerPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  registerPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  registerPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  registerPredecessor(argument: _rm_super_watchdog_v1_RegisterPredecessorRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  
  /**
   * A ring beat from this member's predecessor; answers with this member's view.
   */
  RingBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  RingBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  RingBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  RingBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  /**
   * A ring beat from this member's predecessor; answers with this member's view.
   */
  ringBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  ringBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  ringBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  ringBeat(argument: _rm_super_watchdog_v1_RingBeatRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_RingView__Output>): grpc.ClientUnaryCall;
  
  /**
   * A WatchDog's beat (¶0024). A backup answers primary = false and names the primary it knows.
   */
  WatchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  WatchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  WatchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  WatchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A WatchDog's beat (¶0024). A backup answers primary = false and names the primary it knows.
   */
  watchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  watchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  watchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  watchDogBeat(argument: _rm_super_watchdog_v1_WatchDogBeatRequest, callback: grpc.requestCallback<_rm_super_watchdog_v1_WatchDogBeatResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface SuperWatchDogHandlers extends grpc.UntypedServiceImplementation {
  /**
   * For `rmctl hosts`: the primary's view of the WatchDogs.
   */
  GetHosts: grpc.handleUnaryCall<_rm_super_watchdog_v1_GetHostsRequest__Output, _rm_super_watchdog_v1_HostsView>;
  
  /**
   * For `rmctl ring`.
   */
  GetRing: grpc.handleUnaryCall<_rm_super_watchdog_v1_GetRingRequest__Output, _rm_super_watchdog_v1_RingView>;
  
  /**
   * The ReplicaManager on this host registers and beats (¶0026).
   */
  ManagerBeat: grpc.handleUnaryCall<_rm_super_watchdog_v1_ManagerBeatRequest__Output, _rm_super_watchdog_v1_ManagerBeatResponse>;
  
  /**
   * A member that skipped a dead successor registers with this one as its new predecessor (¶0025).
   */
  RegisterPredecessor: grpc.handleUnaryCall<_rm_super_watchdog_v1_RegisterPredecessorRequest__Output, _rm_super_watchdog_v1_RingView>;
  
  /**
   * A ring beat from this member's predecessor; answers with this member's view.
   */
  RingBeat: grpc.handleUnaryCall<_rm_super_watchdog_v1_RingBeatRequest__Output, _rm_super_watchdog_v1_RingView>;
  
  /**
   * A WatchDog's beat (¶0024). A backup answers primary = false and names the primary it knows.
   */
  WatchDogBeat: grpc.handleUnaryCall<_rm_super_watchdog_v1_WatchDogBeatRequest__Output, _rm_super_watchdog_v1_WatchDogBeatResponse>;
  
}

export interface SuperWatchDogDefinition extends grpc.ServiceDefinition {
  GetHosts: MethodDefinition<_rm_super_watchdog_v1_GetHostsRequest, _rm_super_watchdog_v1_HostsView, _rm_super_watchdog_v1_GetHostsRequest__Output, _rm_super_watchdog_v1_HostsView__Output>
  GetRing: MethodDefinition<_rm_super_watchdog_v1_GetRingRequest, _rm_super_watchdog_v1_RingView, _rm_super_watchdog_v1_GetRingRequest__Output, _rm_super_watchdog_v1_RingView__Output>
  ManagerBeat: MethodDefinition<_rm_super_watchdog_v1_ManagerBeatRequest, _rm_super_watchdog_v1_ManagerBeatResponse, _rm_super_watchdog_v1_ManagerBeatRequest__Output, _rm_super_watchdog_v1_ManagerBeatResponse__Output>
  RegisterPredecessor: MethodDefinition<_rm_super_watchdog_v1_RegisterPredecessorRequest, _rm_super_watchdog_v1_RingView, _rm_super_watchdog_v1_RegisterPredecessorRequest__Output, _rm_super_watchdog_v1_RingView__Output>
  RingBeat: MethodDefinition<_rm_super_watchdog_v1_RingBeatRequest, _rm_super_watchdog_v1_RingView, _rm_super_watchdog_v1_RingBeatRequest__Output, _rm_super_watchdog_v1_RingView__Output>
  WatchDogBeat: MethodDefinition<_rm_super_watchdog_v1_WatchDogBeatRequest, _rm_super_watchdog_v1_WatchDogBeatResponse, _rm_super_watchdog_v1_WatchDogBeatRequest__Output, _rm_super_watchdog_v1_WatchDogBeatResponse__Output>
}
