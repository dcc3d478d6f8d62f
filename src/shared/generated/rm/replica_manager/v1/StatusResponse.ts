// Original file: proto/replica_manager.proto

import type { Table as _rm_replica_manager_v1_Table, Table__Output as _rm_replica_manager_v1_Table__Output } from '../../../rm/replica_manager/v1/Table.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'table'?: (_rm_replica_manager_v1_Table | null);
  'epoch'?: (number | string | Long);
  'manager_host'?: (string);
}

export interface StatusResponse__Output {
  'table': (_rm_replica_manager_v1_Table__Output | null);
  'epoch': (string);
  'manager_host': (string);
}
