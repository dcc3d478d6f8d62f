// Original file: proto/replica_manager.proto

import type { PlannedAction as _rm_replica_manager_v1_PlannedAction, PlannedAction__Output as _rm_replica_manager_v1_PlannedAction__Output } from '../../../rm/replica_manager/v1/PlannedAction.js';
import type { Alert as _rm_replica_manager_v1_Alert, Alert__Output as _rm_replica_manager_v1_Alert__Output } from '../../../rm/replica_manager/v1/Alert.js';
import type { Table as _rm_replica_manager_v1_Table, Table__Output as _rm_replica_manager_v1_Table__Output } from '../../../rm/replica_manager/v1/Table.js';
import type { Long } from '@grpc/proto-loader';

export interface MaintenanceResponse {
  /**
   * What the decision does now, in order; a switchover's promotion follows once confirmed.
   */
  'actions'?: (_rm_replica_manager_v1_PlannedAction)[];
  'alerts'?: (_rm_replica_manager_v1_Alert)[];
  'epoch'?: (number | string | Long);
  /**
   * The table as persisted by the decision.
   */
  'table'?: (_rm_replica_manager_v1_Table | null);
}

export interface MaintenanceResponse__Output {
  /**
   * What the decision does now, in order; a switchover's promotion follows once confirmed.
   */
  'actions': (_rm_replica_manager_v1_PlannedAction__Output)[];
  'alerts': (_rm_replica_manager_v1_Alert__Output)[];
  'epoch': (string);
  /**
   * The table as persisted by the decision.
   */
  'table': (_rm_replica_manager_v1_Table__Output | null);
}
