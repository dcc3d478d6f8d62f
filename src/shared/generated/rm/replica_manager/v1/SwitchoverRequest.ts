// Original file: proto/replica_manager.proto


export interface SwitchoverRequest {
  'module'?: (string);
  /**
   * The copy to hand over to (warm: a running backup; cold: an idle copy); empty: the first eligible.
   */
  'to'?: (string);
}

export interface SwitchoverRequest__Output {
  'module': (string);
  /**
   * The copy to hand over to (warm: a running backup; cold: an idle copy); empty: the first eligible.
   */
  'to': (string);
}
