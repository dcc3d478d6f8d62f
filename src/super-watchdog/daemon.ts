import type { ClusterConfig } from '../shared/config.js';
import type { Daemon } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';

export async function startSuperWatchDogDaemon(_cfg: ClusterConfig, _host: string, _logger: Logger): Promise<Daemon> {
  throw new Error('super-watchdog daemon: not implemented yet');
}
