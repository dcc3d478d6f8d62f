// Original file: /work/main/proto/watchdog.proto


export interface AppStop {
  'reason'?: (string);
}

export interface AppStop__Output {
  'reason': (string);
}
