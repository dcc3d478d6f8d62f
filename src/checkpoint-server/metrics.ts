/**
 * The Checkpoint Server's Prometheus metrics, read from the store at each scrape: the leadership
 * record (the manager's epoch, its holder, the lease left), whether the store answers, the watches
 * open, and with SQLite the size of the database and its WAL. Its calls and their latencies are the
 * gRPC server's (DaemonMetrics).
 */
import { statSync } from 'node:fs';
import { Gauge, type Registry, setGaugeRows } from '../shared/metrics.js';
import { SqliteBackend, type StoreBackend } from './backend.js';
import { type Leadership, MANAGER_ROLE } from './store.js';

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** How long one leadership read serves the gauges of a scrape (etcd: one read, not one per gauge). */
const READ_REUSE_MS = 250;

export function checkpointServerMetrics(
  registry: Registry,
  backend: StoreBackend,
  now: () => number = Date.now,
): void {
  const registers = [registry];
  let last: { atMs: number; read: Promise<Leadership | null> } | null = null;
  /** The manager's record, or null while the store does not answer (closed, etcd unreachable). */
  const leadership = (): Promise<Leadership | null> => {
    const t = now();
    if (!last || t - last.atMs > READ_REUSE_MS || t < last.atMs) {
      last = { atMs: t, read: backend.getLeadership(MANAGER_ROLE).catch(() => null) };
    }
    return last.read;
  };
  new Gauge({
    name: 'rm_store_manager_epoch',
    help: 'The highest manager epoch the store has handed out.',
    registers,
    async collect() {
      this.set((await leadership())?.epoch ?? 0);
    },
  });
  new Gauge({
    name: 'rm_store_manager_holder',
    help: 'Always 1, labelled with the current holder of the manager role (the primary SuperWatchDog).',
    labelNames: ['holder'],
    registers,
    async collect() {
      const l = await leadership();
      setGaugeRows(this, l?.holder ? [[{ holder: l.holder }, 1]] : []);
    },
  });
  new Gauge({
    name: 'rm_store_manager_lease_remaining_seconds',
    help: "Time left on the manager role's lease (negative once it ran out unrenewed).",
    registers,
    async collect() {
      const l = await leadership();
      this.set(l && l.leaseUntilMs > 0 ? (l.leaseUntilMs - now()) / 1000 : 0);
    },
  });
  if (backend instanceof SqliteBackend) {
    const file = backend.store.file;
    new Gauge({
      name: 'rm_store_database_bytes',
      help: 'Size on disk of the SQLite database, by file (db, wal).',
      labelNames: ['file'],
      registers,
      collect() {
        setGaugeRows(this, [
          [{ file: 'db' }, sizeOf(file)],
          [{ file: 'wal' }, sizeOf(`${file}-wal`)],
        ]);
      },
    });
  }
  new Gauge({
    name: 'rm_store_up',
    help: 'Whether the store answers (1: open, and with etcd reachable) or not (0).',
    registers,
    async collect() {
      this.set((await leadership()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'rm_store_watchers',
    help: 'Watches open on the store: watch streams (keys and checkpoints).',
    registers,
    collect() {
      this.set(backend.watchCount);
    },
  });
}
