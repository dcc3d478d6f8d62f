// Original file: proto/watchdog.proto


export interface RegisterSelfRequest {
  /**
   * The module as TABLE-FORMAT.md describes it for `rmctl register -f`, as JSON.
   */
  'module_json'?: (string);
  'pid'?: (number);
}

export interface RegisterSelfRequest__Output {
  /**
   * The module as TABLE-FORMAT.md describes it for `rmctl register -f`, as JSON.
   */
  'module_json': (string);
  'pid': (number);
}
