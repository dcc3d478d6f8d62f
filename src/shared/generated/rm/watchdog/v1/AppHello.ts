// Original file: proto/watchdog.proto


export interface AppHello {
  'replica'?: (string);
  'module'?: (string);
  'pid'?: (number);
}

export interface AppHello__Output {
  'replica': (string);
  'module': (string);
  'pid': (number);
}
