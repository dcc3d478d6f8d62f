import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _rm_replica_manager_v1_Ack, Ack__Output as _rm_replica_manager_v1_Ack__Output } from './rm/replica_manager/v1/Ack.js';
import type { Alert as _rm_replica_manager_v1_Alert, Alert__Output as _rm_replica_manager_v1_Alert__Output } from './rm/replica_manager/v1/Alert.js';
import type { AppliedPosition as _rm_replica_manager_v1_AppliedPosition, AppliedPosition__Output as _rm_replica_manager_v1_AppliedPosition__Output } from './rm/replica_manager/v1/AppliedPosition.js';
import type { DrainRequest as _rm_replica_manager_v1_DrainRequest, DrainRequest__Output as _rm_replica_manager_v1_DrainRequest__Output } from './rm/replica_manager/v1/DrainRequest.js';
import type { FailureReport as _rm_replica_manager_v1_FailureReport, FailureReport__Output as _rm_replica_manager_v1_FailureReport__Output } from './rm/replica_manager/v1/FailureReport.js';
import type { HealthCheck as _rm_replica_manager_v1_HealthCheck, HealthCheck__Output as _rm_replica_manager_v1_HealthCheck__Output } from './rm/replica_manager/v1/HealthCheck.js';
import type { HeldFailure as _rm_replica_manager_v1_HeldFailure, HeldFailure__Output as _rm_replica_manager_v1_HeldFailure__Output } from './rm/replica_manager/v1/HeldFailure.js';
import type { Host as _rm_replica_manager_v1_Host, Host__Output as _rm_replica_manager_v1_Host__Output } from './rm/replica_manager/v1/Host.js';
import type { HostReport as _rm_replica_manager_v1_HostReport, HostReport__Output as _rm_replica_manager_v1_HostReport__Output } from './rm/replica_manager/v1/HostReport.js';
import type { MaintenanceResponse as _rm_replica_manager_v1_MaintenanceResponse, MaintenanceResponse__Output as _rm_replica_manager_v1_MaintenanceResponse__Output } from './rm/replica_manager/v1/MaintenanceResponse.js';
import type { Module as _rm_replica_manager_v1_Module, Module__Output as _rm_replica_manager_v1_Module__Output } from './rm/replica_manager/v1/Module.js';
import type { PauseRequest as _rm_replica_manager_v1_PauseRequest, PauseRequest__Output as _rm_replica_manager_v1_PauseRequest__Output } from './rm/replica_manager/v1/PauseRequest.js';
import type { PlannedAction as _rm_replica_manager_v1_PlannedAction, PlannedAction__Output as _rm_replica_manager_v1_PlannedAction__Output } from './rm/replica_manager/v1/PlannedAction.js';
import type { RegisterRequest as _rm_replica_manager_v1_RegisterRequest, RegisterRequest__Output as _rm_replica_manager_v1_RegisterRequest__Output } from './rm/replica_manager/v1/RegisterRequest.js';
import type { RegisterResponse as _rm_replica_manager_v1_RegisterResponse, RegisterResponse__Output as _rm_replica_manager_v1_RegisterResponse__Output } from './rm/replica_manager/v1/RegisterResponse.js';
import type { Replica as _rm_replica_manager_v1_Replica, Replica__Output as _rm_replica_manager_v1_Replica__Output } from './rm/replica_manager/v1/Replica.js';
import type { ReplicaManagerClient as _rm_replica_manager_v1_ReplicaManagerClient, ReplicaManagerDefinition as _rm_replica_manager_v1_ReplicaManagerDefinition } from './rm/replica_manager/v1/ReplicaManager.js';
import type { RunningReport as _rm_replica_manager_v1_RunningReport, RunningReport__Output as _rm_replica_manager_v1_RunningReport__Output } from './rm/replica_manager/v1/RunningReport.js';
import type { StatusRequest as _rm_replica_manager_v1_StatusRequest, StatusRequest__Output as _rm_replica_manager_v1_StatusRequest__Output } from './rm/replica_manager/v1/StatusRequest.js';
import type { StatusResponse as _rm_replica_manager_v1_StatusResponse, StatusResponse__Output as _rm_replica_manager_v1_StatusResponse__Output } from './rm/replica_manager/v1/StatusResponse.js';
import type { Switchover as _rm_replica_manager_v1_Switchover, Switchover__Output as _rm_replica_manager_v1_Switchover__Output } from './rm/replica_manager/v1/Switchover.js';
import type { SwitchoverRequest as _rm_replica_manager_v1_SwitchoverRequest, SwitchoverRequest__Output as _rm_replica_manager_v1_SwitchoverRequest__Output } from './rm/replica_manager/v1/SwitchoverRequest.js';
import type { Table as _rm_replica_manager_v1_Table, Table__Output as _rm_replica_manager_v1_Table__Output } from './rm/replica_manager/v1/Table.js';
import type { UncheckedHost as _rm_replica_manager_v1_UncheckedHost, UncheckedHost__Output as _rm_replica_manager_v1_UncheckedHost__Output } from './rm/replica_manager/v1/UncheckedHost.js';
import type { UnregisterRequest as _rm_replica_manager_v1_UnregisterRequest, UnregisterRequest__Output as _rm_replica_manager_v1_UnregisterRequest__Output } from './rm/replica_manager/v1/UnregisterRequest.js';
import type { UnregisterResponse as _rm_replica_manager_v1_UnregisterResponse, UnregisterResponse__Output as _rm_replica_manager_v1_UnregisterResponse__Output } from './rm/replica_manager/v1/UnregisterResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rm: {
    replica_manager: {
      v1: {
        Ack: MessageTypeDefinition<_rm_replica_manager_v1_Ack, _rm_replica_manager_v1_Ack__Output>
        Alert: MessageTypeDefinition<_rm_replica_manager_v1_Alert, _rm_replica_manager_v1_Alert__Output>
        AppliedPosition: MessageTypeDefinition<_rm_replica_manager_v1_AppliedPosition, _rm_replica_manager_v1_AppliedPosition__Output>
        DrainRequest: MessageTypeDefinition<_rm_replica_manager_v1_DrainRequest, _rm_replica_manager_v1_DrainRequest__Output>
        FailureReport: MessageTypeDefinition<_rm_replica_manager_v1_FailureReport, _rm_replica_manager_v1_FailureReport__Output>
        HealthCheck: MessageTypeDefinition<_rm_replica_manager_v1_HealthCheck, _rm_replica_manager_v1_HealthCheck__Output>
        HeldFailure: MessageTypeDefinition<_rm_replica_manager_v1_HeldFailure, _rm_replica_manager_v1_HeldFailure__Output>
        Host: MessageTypeDefinition<_rm_replica_manager_v1_Host, _rm_replica_manager_v1_Host__Output>
        HostReport: MessageTypeDefinition<_rm_replica_manager_v1_HostReport, _rm_replica_manager_v1_HostReport__Output>
        MaintenanceResponse: MessageTypeDefinition<_rm_replica_manager_v1_MaintenanceResponse, _rm_replica_manager_v1_MaintenanceResponse__Output>
        Module: MessageTypeDefinition<_rm_replica_manager_v1_Module, _rm_replica_manager_v1_Module__Output>
        PauseRequest: MessageTypeDefinition<_rm_replica_manager_v1_PauseRequest, _rm_replica_manager_v1_PauseRequest__Output>
        PlannedAction: MessageTypeDefinition<_rm_replica_manager_v1_PlannedAction, _rm_replica_manager_v1_PlannedAction__Output>
        RegisterRequest: MessageTypeDefinition<_rm_replica_manager_v1_RegisterRequest, _rm_replica_manager_v1_RegisterRequest__Output>
        RegisterResponse: MessageTypeDefinition<_rm_replica_manager_v1_RegisterResponse, _rm_replica_manager_v1_RegisterResponse__Output>
        Replica: MessageTypeDefinition<_rm_replica_manager_v1_Replica, _rm_replica_manager_v1_Replica__Output>
        ReplicaManager: SubtypeConstructor<typeof grpc.Client, _rm_replica_manager_v1_ReplicaManagerClient> & { service: _rm_replica_manager_v1_ReplicaManagerDefinition }
        RunningReport: MessageTypeDefinition<_rm_replica_manager_v1_RunningReport, _rm_replica_manager_v1_RunningReport__Output>
        StatusRequest: MessageTypeDefinition<_rm_replica_manager_v1_StatusRequest, _rm_replica_manager_v1_StatusRequest__Output>
        StatusResponse: MessageTypeDefinition<_rm_replica_manager_v1_StatusResponse, _rm_replica_manager_v1_StatusResponse__Output>
        Switchover: MessageTypeDefinition<_rm_replica_manager_v1_Switchover, _rm_replica_manager_v1_Switchover__Output>
        SwitchoverRequest: MessageTypeDefinition<_rm_replica_manager_v1_SwitchoverRequest, _rm_replica_manager_v1_SwitchoverRequest__Output>
        Table: MessageTypeDefinition<_rm_replica_manager_v1_Table, _rm_replica_manager_v1_Table__Output>
        UncheckedHost: MessageTypeDefinition<_rm_replica_manager_v1_UncheckedHost, _rm_replica_manager_v1_UncheckedHost__Output>
        UnregisterRequest: MessageTypeDefinition<_rm_replica_manager_v1_UnregisterRequest, _rm_replica_manager_v1_UnregisterRequest__Output>
        UnregisterResponse: MessageTypeDefinition<_rm_replica_manager_v1_UnregisterResponse, _rm_replica_manager_v1_UnregisterResponse__Output>
      }
    }
  }
}

