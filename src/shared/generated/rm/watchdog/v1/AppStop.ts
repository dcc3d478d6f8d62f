// Original file: proto/watchdog.proto


export interface AppStop {
  'reason'?: (string);
}

export interface AppStop__Output {
  'reason': (string);
}
