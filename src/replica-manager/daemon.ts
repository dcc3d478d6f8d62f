import type { ClusterConfig } from '../shared/config.js';
import type { Daemon } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logging.js';

export async function startReplicaManagerDaemon(_cfg: ClusterConfig, _host: string, _logger: Logger): Promise<Daemon> {
  throw new Error('replica-manager daemon: not implemented yet');
}
