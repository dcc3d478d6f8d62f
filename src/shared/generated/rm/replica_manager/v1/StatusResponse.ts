// Original file: proto/replica_manager.proto

import type { Table as _rm_replica_manager_v1_Table, Table__Output as _rm_replica_manager_v1_Table__Output } from '../../../rm/replica_manager/v1/Table.js';
import type { AppliedPosition as _rm_replica_manager_v1_AppliedPosition, AppliedPosition__Output as _rm_replica_manager_v1_AppliedPosition__Output } from '../../../rm/replica_manager/v1/AppliedPosition.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'table'?: (_rm_replica_manager_v1_Table | null);
  'epoch'?: (number | string | Long);
  'manager_host'?: (string);
  /**
   * Where each running copy of a warm module stands in its module's replication stream, by replica
   * id, as its WatchDog said when asked for this answer (a copy not named: not known). Status only;
   * WatchStatus leaves it empty.
   */
  'applied'?: ({[key: string]: _rm_replica_manager_v1_AppliedPosition});
}

export interface StatusResponse__Output {
  'table': (_rm_replica_manager_v1_Table__Output | null);
  'epoch': (string);
  'manager_host': (string);
  /**
   * Where each running copy of a warm module stands in its module's replication stream, by replica
   * id, as its WatchDog said when asked for this answer (a copy not named: not known). Status only;
   * WatchStatus leaves it empty.
   */
  'applied': ({[key: string]: _rm_replica_manager_v1_AppliedPosition__Output});
}
