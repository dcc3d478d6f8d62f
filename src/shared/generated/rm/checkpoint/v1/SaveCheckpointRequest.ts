// Original file: proto/checkpoint.proto


export interface SaveCheckpointRequest {
  'module'?: (string);
  'replica'?: (string);
  'state'?: (Buffer | Uint8Array | string);
}

export interface SaveCheckpointRequest__Output {
  'module': (string);
  'replica': (string);
  'state': (Buffer);
}
