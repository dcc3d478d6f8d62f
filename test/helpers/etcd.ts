/** The three-member loopback etcd the etcd backend's tests start (shared with the bench). */
import { afterAll, beforeAll } from 'vitest';
import { EtcdCluster, hasEtcd } from '../../src/cli/etcd-cluster.js';
import { tempDir } from './processes.js';

export { ETCD_BIN, EtcdCluster, hasEtcd } from '../../src/cli/etcd-cluster.js';

/**
 * A three-member etcd for the calling file on 127.0.0.1:basePort–basePort+5, started before its
 * tests and stopped by pid after them; without etcd-server none (the getter answers null).
 */
export function etcdForFile(basePort: number): () => EtcdCluster | null {
  let etcd: EtcdCluster | null = null;
  let dir: ReturnType<typeof tempDir> | null = null;
  beforeAll(async () => {
    if (!hasEtcd()) return;
    dir = tempDir(`rm-etcd-${basePort}-`);
    etcd = await EtcdCluster.start({ dir: dir.dir, basePort });
  }, 60_000);
  afterAll(() => {
    etcd?.stop();
    dir?.remove();
  });
  return () => etcd;
}
