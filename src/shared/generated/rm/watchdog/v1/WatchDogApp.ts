// Original file: proto/watchdog.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AppMessage as _rm_watchdog_v1_AppMessage, AppMessage__Output as _rm_watchdog_v1_AppMessage__Output } from '../../../rm/watchdog/v1/AppMessage.js';
import type { RegisterSelfRequest as _rm_watchdog_v1_RegisterSelfRequest, RegisterSelfRequest__Output as _rm_watchdog_v1_RegisterSelfRequest__Output } from '../../../rm/watchdog/v1/RegisterSelfRequest.js';
import type { RegisterSelfResponse as _rm_watchdog_v1_RegisterSelfResponse, RegisterSelfResponse__Output as _rm_watchdog_v1_RegisterSelfResponse__Output } from '../../../rm/watchdog/v1/RegisterSelfResponse.js';
import type { WatchDogMessage as _rm_watchdog_v1_WatchDogMessage, WatchDogMessage__Output as _rm_watchdog_v1_WatchDogMessage__Output } from '../../../rm/watchdog/v1/WatchDogMessage.js';

/**
 * Served by the same WatchDog on the same address, for the application SDK.
 */
export interface WatchDogAppClient extends grpc.Client {
  /**
   * One stream per running copy: the copy says who it is, then beats and answers pings; the WatchDog
   * sends its role at once and every role change, pings, and a stop request.
   */
  Attach(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_watchdog_v1_AppMessage, _rm_watchdog_v1_WatchDogMessage__Output>;
  Attach(options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_watchdog_v1_AppMessage, _rm_watchdog_v1_WatchDogMessage__Output>;
  /**
   * One stream per running copy: the copy says who it is, then beats and answers pings; the WatchDog
   * sends its role at once and every role change, pings, and a stop request.
   */
  attach(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_watchdog_v1_AppMessage, _rm_watchdog_v1_WatchDogMessage__Output>;
  attach(options?: grpc.CallOptions): grpc.ClientDuplexStream<_rm_watchdog_v1_AppMessage, _rm_watchdog_v1_WatchDogMessage__Output>;
  
  /**
   * A running program registers its module (source ¶0010, ¶0015): it becomes the primary on this host.
   */
  RegisterSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  RegisterSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  RegisterSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  RegisterSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A running program registers its module (source ¶0010, ¶0015): it becomes the primary on this host.
   */
  registerSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  registerSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  registerSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  registerSelf(argument: _rm_watchdog_v1_RegisterSelfRequest, callback: grpc.requestCallback<_rm_watchdog_v1_RegisterSelfResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Served by the same WatchDog on the same address, for the application SDK.
 */
export interface WatchDogAppHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One stream per running copy: the copy says who it is, then beats and answers pings; the WatchDog
   * sends its role at once and every role change, pings, and a stop request.
   */
  Attach: grpc.handleBidiStreamingCall<_rm_watchdog_v1_AppMessage__Output, _rm_watchdog_v1_WatchDogMessage>;
  
  /**
   * A running program registers its module (source ¶0010, ¶0015): it becomes the primary on this host.
   */
  RegisterSelf: grpc.handleUnaryCall<_rm_watchdog_v1_RegisterSelfRequest__Output, _rm_watchdog_v1_RegisterSelfResponse>;
  
}

export interface WatchDogAppDefinition extends grpc.ServiceDefinition {
  Attach: MethodDefinition<_rm_watchdog_v1_AppMessage, _rm_watchdog_v1_WatchDogMessage, _rm_watchdog_v1_AppMessage__Output, _rm_watchdog_v1_WatchDogMessage__Output>
  RegisterSelf: MethodDefinition<_rm_watchdog_v1_RegisterSelfRequest, _rm_watchdog_v1_RegisterSelfResponse, _rm_watchdog_v1_RegisterSelfRequest__Output, _rm_watchdog_v1_RegisterSelfResponse__Output>
}
