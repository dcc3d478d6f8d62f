// Original file: proto/replica_manager.proto


export interface HealthCheck {
  'kind'?: (string);
  'port'?: (number);
  'path'?: (string);
  'command'?: (string)[];
}

export interface HealthCheck__Output {
  'kind': (string);
  'port': (number);
  'path': (string);
  'command': (string)[];
}
