// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface LoadTableResponse {
  'found'?: (boolean);
  'table_json'?: (string);
  'version'?: (number | string | Long);
  /**
   * The epoch of the manager that wrote it.
   */
  'epoch'?: (number | string | Long);
}

export interface LoadTableResponse__Output {
  'found': (boolean);
  'table_json': (string);
  'version': (string);
  /**
   * The epoch of the manager that wrote it.
   */
  'epoch': (string);
}
