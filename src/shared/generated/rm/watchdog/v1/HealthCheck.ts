// Original file: proto/watchdog.proto


export interface HealthCheck {
  /**
   * sdk | tcp | http | grpc | exec
   */
  'kind'?: (string);
  'port'?: (number);
  'path'?: (string);
  'command'?: (string)[];
}

export interface HealthCheck__Output {
  /**
   * sdk | tcp | http | grpc | exec
   */
  'kind': (string);
  'port': (number);
  'path': (string);
  'command': (string)[];
}
