// Original file: proto/checkpoint.proto


export interface TableModule {
  'name'?: (string);
  /**
   * One module of the table as JSON (TABLE-FORMAT.md).
   */
  'module_json'?: (string);
}

export interface TableModule__Output {
  'name': (string);
  /**
   * One module of the table as JSON (TABLE-FORMAT.md).
   */
  'module_json': (string);
}
