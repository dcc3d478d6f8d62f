// Original file: proto/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface SaveTableRequest {
  'epoch'?: (number | string | Long);
  /**
   * The replica table as JSON (TABLE-FORMAT.md).
   */
  'table_json'?: (string);
}

export interface SaveTableRequest__Output {
  'epoch': (string);
  /**
   * The replica table as JSON (TABLE-FORMAT.md).
   */
  'table_json': (string);
}
