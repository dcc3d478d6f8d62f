// Original file: proto/replica_manager.proto

import type { Host as _rm_replica_manager_v1_Host, Host__Output as _rm_replica_manager_v1_Host__Output } from '../../../rm/replica_manager/v1/Host.js';
import type { Module as _rm_replica_manager_v1_Module, Module__Output as _rm_replica_manager_v1_Module__Output } from '../../../rm/replica_manager/v1/Module.js';

export interface Table {
  'hosts'?: (_rm_replica_manager_v1_Host)[];
  'modules'?: (_rm_replica_manager_v1_Module)[];
}

export interface Table__Output {
  'hosts': (_rm_replica_manager_v1_Host__Output)[];
  'modules': (_rm_replica_manager_v1_Module__Output)[];
}
