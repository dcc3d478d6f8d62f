import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AppBeatAck as _rm_watchdog_v1_AppBeatAck, AppBeatAck__Output as _rm_watchdog_v1_AppBeatAck__Output } from './rm/watchdog/v1/AppBeatAck.js';
import type { AppDiverged as _rm_watchdog_v1_AppDiverged, AppDiverged__Output as _rm_watchdog_v1_AppDiverged__Output } from './rm/watchdog/v1/AppDiverged.js';
import type { AppHeartbeat as _rm_watchdog_v1_AppHeartbeat, AppHeartbeat__Output as _rm_watchdog_v1_AppHeartbeat__Output } from './rm/watchdog/v1/AppHeartbeat.js';
import type { AppHello as _rm_watchdog_v1_AppHello, AppHello__Output as _rm_watchdog_v1_AppHello__Output } from './rm/watchdog/v1/AppHello.js';
import type { AppMessage as _rm_watchdog_v1_AppMessage, AppMessage__Output as _rm_watchdog_v1_AppMessage__Output } from './rm/watchdog/v1/AppMessage.js';
import type { AppPing as _rm_watchdog_v1_AppPing, AppPing__Output as _rm_watchdog_v1_AppPing__Output } from './rm/watchdog/v1/AppPing.js';
import type { AppPong as _rm_watchdog_v1_AppPong, AppPong__Output as _rm_watchdog_v1_AppPong__Output } from './rm/watchdog/v1/AppPong.js';
import type { AppRoleChange as _rm_watchdog_v1_AppRoleChange, AppRoleChange__Output as _rm_watchdog_v1_AppRoleChange__Output } from './rm/watchdog/v1/AppRoleChange.js';
import type { AppStop as _rm_watchdog_v1_AppStop, AppStop__Output as _rm_watchdog_v1_AppStop__Output } from './rm/watchdog/v1/AppStop.js';
import type { AppWelcome as _rm_watchdog_v1_AppWelcome, AppWelcome__Output as _rm_watchdog_v1_AppWelcome__Output } from './rm/watchdog/v1/AppWelcome.js';
import type { AppliedPosition as _rm_watchdog_v1_AppliedPosition, AppliedPosition__Output as _rm_watchdog_v1_AppliedPosition__Output } from './rm/watchdog/v1/AppliedPosition.js';
import type { CheckReplicaRequest as _rm_watchdog_v1_CheckReplicaRequest, CheckReplicaRequest__Output as _rm_watchdog_v1_CheckReplicaRequest__Output } from './rm/watchdog/v1/CheckReplicaRequest.js';
import type { CheckReplicaResponse as _rm_watchdog_v1_CheckReplicaResponse, CheckReplicaResponse__Output as _rm_watchdog_v1_CheckReplicaResponse__Output } from './rm/watchdog/v1/CheckReplicaResponse.js';
import type { HealthCheck as _rm_watchdog_v1_HealthCheck, HealthCheck__Output as _rm_watchdog_v1_HealthCheck__Output } from './rm/watchdog/v1/HealthCheck.js';
import type { ListRunningRequest as _rm_watchdog_v1_ListRunningRequest, ListRunningRequest__Output as _rm_watchdog_v1_ListRunningRequest__Output } from './rm/watchdog/v1/ListRunningRequest.js';
import type { ListRunningResponse as _rm_watchdog_v1_ListRunningResponse, ListRunningResponse__Output as _rm_watchdog_v1_ListRunningResponse__Output } from './rm/watchdog/v1/ListRunningResponse.js';
import type { RegisterSelfRequest as _rm_watchdog_v1_RegisterSelfRequest, RegisterSelfRequest__Output as _rm_watchdog_v1_RegisterSelfRequest__Output } from './rm/watchdog/v1/RegisterSelfRequest.js';
import type { RegisterSelfResponse as _rm_watchdog_v1_RegisterSelfResponse, RegisterSelfResponse__Output as _rm_watchdog_v1_RegisterSelfResponse__Output } from './rm/watchdog/v1/RegisterSelfResponse.js';
import type { ReplicaAck as _rm_watchdog_v1_ReplicaAck, ReplicaAck__Output as _rm_watchdog_v1_ReplicaAck__Output } from './rm/watchdog/v1/ReplicaAck.js';
import type { ReplicaSpec as _rm_watchdog_v1_ReplicaSpec, ReplicaSpec__Output as _rm_watchdog_v1_ReplicaSpec__Output } from './rm/watchdog/v1/ReplicaSpec.js';
import type { RunningReplica as _rm_watchdog_v1_RunningReplica, RunningReplica__Output as _rm_watchdog_v1_RunningReplica__Output } from './rm/watchdog/v1/RunningReplica.js';
import type { SetRoleRequest as _rm_watchdog_v1_SetRoleRequest, SetRoleRequest__Output as _rm_watchdog_v1_SetRoleRequest__Output } from './rm/watchdog/v1/SetRoleRequest.js';
import type { StartReplicaRequest as _rm_watchdog_v1_StartReplicaRequest, StartReplicaRequest__Output as _rm_watchdog_v1_StartReplicaRequest__Output } from './rm/watchdog/v1/StartReplicaRequest.js';
import type { StopReplicaRequest as _rm_watchdog_v1_StopReplicaRequest, StopReplicaRequest__Output as _rm_watchdog_v1_StopReplicaRequest__Output } from './rm/watchdog/v1/StopReplicaRequest.js';
import type { WatchDogClient as _rm_watchdog_v1_WatchDogClient, WatchDogDefinition as _rm_watchdog_v1_WatchDogDefinition } from './rm/watchdog/v1/WatchDog.js';
import type { WatchDogAppClient as _rm_watchdog_v1_WatchDogAppClient, WatchDogAppDefinition as _rm_watchdog_v1_WatchDogAppDefinition } from './rm/watchdog/v1/WatchDogApp.js';
import type { WatchDogMessage as _rm_watchdog_v1_WatchDogMessage, WatchDogMessage__Output as _rm_watchdog_v1_WatchDogMessage__Output } from './rm/watchdog/v1/WatchDogMessage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rm: {
    watchdog: {
      v1: {
        AppBeatAck: MessageTypeDefinition<_rm_watchdog_v1_AppBeatAck, _rm_watchdog_v1_AppBeatAck__Output>
        AppDiverged: MessageTypeDefinition<_rm_watchdog_v1_AppDiverged, _rm_watchdog_v1_AppDiverged__Output>
        AppHeartbeat: MessageTypeDefinition<_rm_watchdog_v1_AppHeartbeat, _rm_watchdog_v1_AppHeartbeat__Output>
        AppHello: MessageTypeDefinition<_rm_watchdog_v1_AppHello, _rm_watchdog_v1_AppHello__Output>
        AppMessage: MessageTypeDefinition<_rm_watchdog_v1_AppMessage, _rm_watchdog_v1_AppMessage__Output>
        AppPing: MessageTypeDefinition<_rm_watchdog_v1_AppPing, _rm_watchdog_v1_AppPing__Output>
        AppPong: MessageTypeDefinition<_rm_watchdog_v1_AppPong, _rm_watchdog_v1_AppPong__Output>
        AppRoleChange: MessageTypeDefinition<_rm_watchdog_v1_AppRoleChange, _rm_watchdog_v1_AppRoleChange__Output>
        AppStop: MessageTypeDefinition<_rm_watchdog_v1_AppStop, _rm_watchdog_v1_AppStop__Output>
        AppWelcome: MessageTypeDefinition<_rm_watchdog_v1_AppWelcome, _rm_watchdog_v1_AppWelcome__Output>
        AppliedPosition: MessageTypeDefinition<_rm_watchdog_v1_AppliedPosition, _rm_watchdog_v1_AppliedPosition__Output>
        CheckReplicaRequest: MessageTypeDefinition<_rm_watchdog_v1_CheckReplicaRequest, _rm_watchdog_v1_CheckReplicaRequest__Output>
        CheckReplicaResponse: MessageTypeDefinition<_rm_watchdog_v1_CheckReplicaResponse, _rm_watchdog_v1_CheckReplicaResponse__Output>
        HealthCheck: MessageTypeDefinition<_rm_watchdog_v1_HealthCheck, _rm_watchdog_v1_HealthCheck__Output>
        ListRunningRequest: MessageTypeDefinition<_rm_watchdog_v1_ListRunningRequest, _rm_watchdog_v1_ListRunningRequest__Output>
        ListRunningResponse: MessageTypeDefinition<_rm_watchdog_v1_ListRunningResponse, _rm_watchdog_v1_ListRunningResponse__Output>
        RegisterSelfRequest: MessageTypeDefinition<_rm_watchdog_v1_RegisterSelfRequest, _rm_watchdog_v1_RegisterSelfRequest__Output>
        RegisterSelfResponse: MessageTypeDefinition<_rm_watchdog_v1_RegisterSelfResponse, _rm_watchdog_v1_RegisterSelfResponse__Output>
        ReplicaAck: MessageTypeDefinition<_rm_watchdog_v1_ReplicaAck, _rm_watchdog_v1_ReplicaAck__Output>
        ReplicaSpec: MessageTypeDefinition<_rm_watchdog_v1_ReplicaSpec, _rm_watchdog_v1_ReplicaSpec__Output>
        Role: EnumTypeDefinition
        RunningReplica: MessageTypeDefinition<_rm_watchdog_v1_RunningReplica, _rm_watchdog_v1_RunningReplica__Output>
        SetRoleRequest: MessageTypeDefinition<_rm_watchdog_v1_SetRoleRequest, _rm_watchdog_v1_SetRoleRequest__Output>
        StartReplicaRequest: MessageTypeDefinition<_rm_watchdog_v1_StartReplicaRequest, _rm_watchdog_v1_StartReplicaRequest__Output>
        StopReplicaRequest: MessageTypeDefinition<_rm_watchdog_v1_StopReplicaRequest, _rm_watchdog_v1_StopReplicaRequest__Output>
        WatchDog: SubtypeConstructor<typeof grpc.Client, _rm_watchdog_v1_WatchDogClient> & { service: _rm_watchdog_v1_WatchDogDefinition }
        /**
         * Served by the same WatchDog on the same address, for the application SDK.
         */
        WatchDogApp: SubtypeConstructor<typeof grpc.Client, _rm_watchdog_v1_WatchDogAppClient> & { service: _rm_watchdog_v1_WatchDogAppDefinition }
        WatchDogMessage: MessageTypeDefinition<_rm_watchdog_v1_WatchDogMessage, _rm_watchdog_v1_WatchDogMessage__Output>
      }
    }
  }
}

