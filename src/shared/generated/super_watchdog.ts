import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetHostsRequest as _rm_super_watchdog_v1_GetHostsRequest, GetHostsRequest__Output as _rm_super_watchdog_v1_GetHostsRequest__Output } from './rm/super_watchdog/v1/GetHostsRequest.js';
import type { GetRingRequest as _rm_super_watchdog_v1_GetRingRequest, GetRingRequest__Output as _rm_super_watchdog_v1_GetRingRequest__Output } from './rm/super_watchdog/v1/GetRingRequest.js';
import type { HostLoad as _rm_super_watchdog_v1_HostLoad, HostLoad__Output as _rm_super_watchdog_v1_HostLoad__Output } from './rm/super_watchdog/v1/HostLoad.js';
import type { HostState as _rm_super_watchdog_v1_HostState, HostState__Output as _rm_super_watchdog_v1_HostState__Output } from './rm/super_watchdog/v1/HostState.js';
import type { HostsView as _rm_super_watchdog_v1_HostsView, HostsView__Output as _rm_super_watchdog_v1_HostsView__Output } from './rm/super_watchdog/v1/HostsView.js';
import type { ManagerBeatRequest as _rm_super_watchdog_v1_ManagerBeatRequest, ManagerBeatRequest__Output as _rm_super_watchdog_v1_ManagerBeatRequest__Output } from './rm/super_watchdog/v1/ManagerBeatRequest.js';
import type { ManagerBeatResponse as _rm_super_watchdog_v1_ManagerBeatResponse, ManagerBeatResponse__Output as _rm_super_watchdog_v1_ManagerBeatResponse__Output } from './rm/super_watchdog/v1/ManagerBeatResponse.js';
import type { RegisterPredecessorRequest as _rm_super_watchdog_v1_RegisterPredecessorRequest, RegisterPredecessorRequest__Output as _rm_super_watchdog_v1_RegisterPredecessorRequest__Output } from './rm/super_watchdog/v1/RegisterPredecessorRequest.js';
import type { RingBeatRequest as _rm_super_watchdog_v1_RingBeatRequest, RingBeatRequest__Output as _rm_super_watchdog_v1_RingBeatRequest__Output } from './rm/super_watchdog/v1/RingBeatRequest.js';
import type { RingMember as _rm_super_watchdog_v1_RingMember, RingMember__Output as _rm_super_watchdog_v1_RingMember__Output } from './rm/super_watchdog/v1/RingMember.js';
import type { RingView as _rm_super_watchdog_v1_RingView, RingView__Output as _rm_super_watchdog_v1_RingView__Output } from './rm/super_watchdog/v1/RingView.js';
import type { SuperWatchDogClient as _rm_super_watchdog_v1_SuperWatchDogClient, SuperWatchDogDefinition as _rm_super_watchdog_v1_SuperWatchDogDefinition } from './rm/super_watchdog/v1/SuperWatchDog.js';
import type { WatchDogBeatRequest as _rm_super_watchdog_v1_WatchDogBeatRequest, WatchDogBeatRequest__Output as _rm_super_watchdog_v1_WatchDogBeatRequest__Output } from './rm/super_watchdog/v1/WatchDogBeatRequest.js';
import type { WatchDogBeatResponse as _rm_super_watchdog_v1_WatchDogBeatResponse, WatchDogBeatResponse__Output as _rm_super_watchdog_v1_WatchDogBeatResponse__Output } from './rm/super_watchdog/v1/WatchDogBeatResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rm: {
    super_watchdog: {
      v1: {
        GetHostsRequest: MessageTypeDefinition<_rm_super_watchdog_v1_GetHostsRequest, _rm_super_watchdog_v1_GetHostsRequest__Output>
        GetRingRequest: MessageTypeDefinition<_rm_super_watchdog_v1_GetRingRequest, _rm_super_watchdog_v1_GetRingRequest__Output>
        HostLoad: MessageTypeDefinition<_rm_super_watchdog_v1_HostLoad, _rm_super_watchdog_v1_HostLoad__Output>
        HostState: MessageTypeDefinition<_rm_super_watchdog_v1_HostState, _rm_super_watchdog_v1_HostState__Output>
        HostsView: MessageTypeDefinition<_rm_super_watchdog_v1_HostsView, _rm_super_watchdog_v1_HostsView__Output>
        ManagerBeatRequest: MessageTypeDefinition<_rm_super_watchdog_v1_ManagerBeatRequest, _rm_super_watchdog_v1_ManagerBeatRequest__Output>
        ManagerBeatResponse: MessageTypeDefinition<_rm_super_watchdog_v1_ManagerBeatResponse, _rm_super_watchdog_v1_ManagerBeatResponse__Output>
        RegisterPredecessorRequest: MessageTypeDefinition<_rm_super_watchdog_v1_RegisterPredecessorRequest, _rm_super_watchdog_v1_RegisterPredecessorRequest__Output>
        RingBeatRequest: MessageTypeDefinition<_rm_super_watchdog_v1_RingBeatRequest, _rm_super_watchdog_v1_RingBeatRequest__Output>
        RingMember: MessageTypeDefinition<_rm_super_watchdog_v1_RingMember, _rm_super_watchdog_v1_RingMember__Output>
        RingView: MessageTypeDefinition<_rm_super_watchdog_v1_RingView, _rm_super_watchdog_v1_RingView__Output>
        SuperWatchDog: SubtypeConstructor<typeof grpc.Client, _rm_super_watchdog_v1_SuperWatchDogClient> & { service: _rm_super_watchdog_v1_SuperWatchDogDefinition }
        WatchDogBeatRequest: MessageTypeDefinition<_rm_super_watchdog_v1_WatchDogBeatRequest, _rm_super_watchdog_v1_WatchDogBeatRequest__Output>
        WatchDogBeatResponse: MessageTypeDefinition<_rm_super_watchdog_v1_WatchDogBeatResponse, _rm_super_watchdog_v1_WatchDogBeatResponse__Output>
      }
    }
  }
}

