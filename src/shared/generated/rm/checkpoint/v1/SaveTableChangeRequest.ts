// Original file: proto/checkpoint.proto

import type { TableModule as _rm_checkpoint_v1_TableModule, TableModule__Output as _rm_checkpoint_v1_TableModule__Output } from '../../../rm/checkpoint/v1/TableModule.js';
import type { Long } from '@grpc/proto-loader';

export interface SaveTableChangeRequest {
  'epoch'?: (number | string | Long);
  /**
   * The table's hosts as JSON (TABLE-FORMAT.md).
   */
  'hosts_json'?: (string);
  /**
   * Every module of the table, by name, in table order: a saved module not named is removed.
   */
  'module_names'?: (string)[];
  /**
   * The named modules that are new or changed; the others are kept as saved.
   */
  'changed_modules'?: (_rm_checkpoint_v1_TableModule)[];
}

export interface SaveTableChangeRequest__Output {
  'epoch': (string);
  /**
   * The table's hosts as JSON (TABLE-FORMAT.md).
   */
  'hosts_json': (string);
  /**
   * Every module of the table, by name, in table order: a saved module not named is removed.
   */
  'module_names': (string)[];
  /**
   * The named modules that are new or changed; the others are kept as saved.
   */
  'changed_modules': (_rm_checkpoint_v1_TableModule__Output)[];
}
