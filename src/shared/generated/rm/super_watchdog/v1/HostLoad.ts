// Original file: proto/super_watchdog.proto


/**
 * A host's load as its WatchDog sees it, sent with every beat.
 */
export interface HostLoad {
  /**
   * The 1-minute load average divided by the number of CPUs.
   */
  'load_per_cpu'?: (number | string);
  /**
   * The fraction of memory in use, 0..1.
   */
  'memory_used'?: (number | string);
  /**
   * The copies the WatchDog runs.
   */
  'copies'?: (number);
}

/**
 * A host's load as its WatchDog sees it, sent with every beat.
 */
export interface HostLoad__Output {
  /**
   * The 1-minute load average divided by the number of CPUs.
   */
  'load_per_cpu': (number);
  /**
   * The fraction of memory in use, 0..1.
   */
  'memory_used': (number);
  /**
   * The copies the WatchDog runs.
   */
  'copies': (number);
}
