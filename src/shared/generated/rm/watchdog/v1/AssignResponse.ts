// Original file: proto/watchdog.proto


export interface AssignResponse {
  'started'?: (string)[];
  'stopped'?: (string)[];
}

export interface AssignResponse__Output {
  'started': (string)[];
  'stopped': (string)[];
}
