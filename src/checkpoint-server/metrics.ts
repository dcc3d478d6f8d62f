/**
 * The Checkpoint Server's Prometheus metrics, read from the store at each scrape: the leadership
 * record (the manager's epoch, its holder, the lease left), the size of the database and its WAL,
 * and the watch streams open. Its calls and their latencies are the gRPC server's (DaemonMetrics).
 */
import { statSync } from 'node:fs';
import { Gauge, type Registry, setGaugeRows } from '../shared/metrics.js';
import { type CheckpointStore, MANAGER_ROLE } from './store.js';

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function checkpointServerMetrics(
  registry: Registry,
  store: CheckpointStore,
  now: () => number = Date.now,
): void {
  const registers = [registry];
  const leadership = () => (store.isOpen ? store.getLeadership(MANAGER_ROLE) : null);
  new Gauge({
    name: 'rm_store_manager_epoch',
    help: 'The highest manager epoch the store has handed out.',
    registers,
    collect() {
      this.set(leadership()?.epoch ?? 0);
    },
  });
  new Gauge({
    name: 'rm_store_manager_holder',
    help: 'Always 1, labelled with the current holder of the manager role (the primary SuperWatchDog).',
    labelNames: ['holder'],
    registers,
    collect() {
      const l = leadership();
      setGaugeRows(this, l?.holder ? [[{ holder: l.holder }, 1]] : []);
    },
  });
  new Gauge({
    name: 'rm_store_manager_lease_remaining_seconds',
    help: "Time left on the manager role's lease (negative once it ran out unrenewed).",
    registers,
    collect() {
      const l = leadership();
      this.set(l && l.leaseUntilMs > 0 ? (l.leaseUntilMs - now()) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'rm_store_database_bytes',
    help: 'Size on disk of the SQLite database, by file (db, wal).',
    labelNames: ['file'],
    registers,
    collect() {
      setGaugeRows(this, [
        [{ file: 'db' }, sizeOf(store.file)],
        [{ file: 'wal' }, sizeOf(`${store.file}-wal`)],
      ]);
    },
  });
  new Gauge({
    name: 'rm_store_up',
    help: 'Whether the store is open and serving (1) or closed (0).',
    registers,
    collect() {
      this.set(store.isOpen ? 1 : 0);
    },
  });
  new Gauge({
    name: 'rm_store_watchers',
    help: 'Listeners on the store: open watch streams (keys and checkpoints).',
    registers,
    collect() {
      this.set(store.isOpen ? store.listenerCount : 0);
    },
  });
}
