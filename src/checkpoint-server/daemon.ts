import type { ClusterConfig } from '../shared/config.js';
import type { Daemon } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';

export async function startCheckpointServerDaemon(_cfg: ClusterConfig, _host: string, _logger: Logger): Promise<Daemon> {
  throw new Error('checkpoint-server daemon: not implemented yet');
}
