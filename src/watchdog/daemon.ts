import type { ClusterConfig } from '../shared/config.js';
import type { Daemon } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';

export async function startWatchDogDaemon(_cfg: ClusterConfig, _host: string, _logger: Logger): Promise<Daemon> {
  throw new Error('watchdog daemon: not implemented yet');
}
