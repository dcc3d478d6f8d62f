// Original file: proto/replica_manager.proto


export interface Switchover {
  /**
   * The old primary, asked to step down; the copy made primary once it has.
   */
  'from'?: (string);
  'to'?: (string);
}

export interface Switchover__Output {
  /**
   * The old primary, asked to step down; the copy made primary once it has.
   */
  'from': (string);
  'to': (string);
}
