/**
 * 8. The Checkpoint Server's two backends in one run (DESIGN §10): durable write latency (p50, p95,
 * p99) and throughput through the gRPC service as the ReplicaManager calls it, on SQLite (one file,
 * fsync) and on a three-member etcd on loopback (127.0.0.1:23810–23815, quorum writes with fsync);
 * then the etcd leader killed, a few times: etcd's own election, and the time until the next write
 * is acknowledged (goal: within 1.5 × the election). Needs Debian's etcd-server for the etcd part.
 */
import { pino } from 'pino';
import { CheckpointClient } from '../src/checkpoint-server/client.js';
import { startCheckpointServer } from '../src/checkpoint-server/daemon.js';
import { EtcdClient } from '../src/checkpoint-server/etcd-client.js';
import { EtcdStore } from '../src/checkpoint-server/etcd-store.js';
import { EtcdCluster, hasEtcd } from '../src/cli/etcd-cluster.js';
import {
  type Bench,
  type BenchResult,
  type Figure,
  latencyFigure,
  sleep,
  valueFigure,
} from './lib/common.js';

const WRITES = Number(process.env.BENCH_STORE_WRITES) > 0 ? Number(process.env.BENCH_STORE_WRITES) : 400;
const IN_FLIGHT = 16;
const KILLS = 3;

async function writeFigures(name: string, client: CheckpointClient, figures: Figure[]): Promise<void> {
  for (let i = 0; i < 20; i++) await client.put('bench/warm', String(i)); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const t = performance.now();
    await client.put(`bench/k${i % 50}`, `value ${i}`);
    samples.push(performance.now() - t);
  }
  figures.push(latencyFigure(`${name}: durable write (put), one at a time`, samples));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < WRITES) {
        const i = next++;
        await client.put(`bench/p${i % 50}`, `value ${i}`);
      }
    }),
  );
  const perS = WRITES / ((performance.now() - started) / 1000);
  figures.push(valueFigure(`${name}: durable writes, ${IN_FLIGHT} in flight`, Math.round(perS), 'writes/s'));
}

export const storeBench: Bench = {
  name: 'store',
  title:
    'Checkpoint Server backends: write latency and throughput on SQLite and on etcd; writes after an etcd leader is killed',
  estimateS: 60,
  needsRing: false,
  async run(ctx): Promise<BenchResult> {
    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    const figures: Figure[] = [];
    const notes: string[] = [
      'Through the gRPC service on 127.0.0.1 (an in-process Checkpoint Server per backend), with the client a ReplicaManager uses.',
      'etcd: three members on loopback, --heartbeat-interval 100 --election-timeout 1000 (etcd defaults); every write is read-then-Txn (two round trips to the etcd leader, one quorum write).',
    ];
    const logger = pino({ level: 'silent' });

    const sqliteServer = await startCheckpointServer({
      address: '127.0.0.1:0',
      dataDir: `${ctx.dir}/sqlite`,
      logger,
    });
    const sqliteClient = new CheckpointClient(sqliteServer.address, { deadlineMs: 10_000 });
    try {
      ctx.log(`sqlite: ${WRITES} writes`);
      await writeFigures('sqlite', sqliteClient, figures);
    } finally {
      sqliteClient.close();
      await sqliteServer.stop();
    }

    if (!hasEtcd()) {
      notes.push('etcd not installed (apt-get install etcd-server): the etcd figures are missing.');
      return {
        name: 'store',
        title: this.title,
        startedAt,
        durationS: (Date.now() - t0) / 1000,
        trials: `${WRITES} writes`,
        figures,
        notes,
      };
    }
    const etcd = await EtcdCluster.start({ dir: `${ctx.dir}/etcd`, basePort: 23810 });
    try {
      const etcdServer = await startCheckpointServer({
        address: '127.0.0.1:0',
        dataDir: ctx.dir,
        etcd: { endpoints: etcd.endpoints, prefix: 'bench/', tls: null, requestTimeoutMs: 5000 },
        logger,
      });
      const etcdClient = new CheckpointClient(etcdServer.address, { deadlineMs: 10_000 });
      try {
        ctx.log(`etcd: ${WRITES} writes`);
        await writeFigures('etcd', etcdClient, figures);
      } finally {
        etcdClient.close();
        await etcdServer.stop();
      }

      const elections: number[] = [];
      const outages: number[] = [];
      for (let k = 0; k < KILLS; k++) {
        const store = new EtcdStore({
          client: new EtcdClient({ endpoints: etcd.endpoints, deadlineMs: 5000, attemptTimeoutMs: 500 }),
          prefix: 'bench-kill/',
        });
        try {
          await store.put('w', 'start');
          const leader = await etcd.leader();
          let stop = false;
          const acked: number[] = [];
          const writer = (async () => {
            for (let i = 0; i < 1_000_000 && !stop; i++) {
              await store.put('w', String(i)).then(
                () => acked.push(Date.now()),
                () => undefined,
              );
            }
          })();
          await sleep(300);
          const killedAt = Date.now();
          etcd.kill(leader);
          let elected = 0;
          for (let i = 0; i < 500 && elected === 0; i++) {
            const l = await etcd.leader().catch(() => leader);
            if (l !== leader) elected = Date.now();
            else await sleep(10);
          }
          for (let i = 0; i < 500 && !acked.some((x) => x > killedAt); i++) await sleep(10);
          stop = true;
          await writer;
          const resumed = acked.find((x) => x > killedAt);
          if (elected && resumed) {
            elections.push(elected - killedAt);
            outages.push(resumed - killedAt);
            ctx.log(`kill ${k + 1}: election ${elected - killedAt} ms, first write ${resumed - killedAt} ms`);
          }
          etcd.restart(leader);
          await sleep(2000);
        } finally {
          await store.close();
        }
      }
      figures.push(
        latencyFigure('etcd leader killed: until a surviving member names a new leader', elections),
      );
      const ratio = outages.map((o, i) => o / Math.max(1, elections[i] as number));
      figures.push(
        latencyFigure('etcd leader killed: until the next write is acknowledged', outages, {
          aim: '≤ 1.5 × the election',
          met: () => ratio.every((r) => r <= 1.5),
          why: () => `ratios ${ratio.map((r) => r.toFixed(2)).join(', ')}`,
        }),
      );
    } finally {
      etcd.stop();
    }
    return {
      name: 'store',
      title: this.title,
      startedAt,
      durationS: (Date.now() - t0) / 1000,
      trials: `${WRITES} writes one at a time and ${WRITES} with ${IN_FLIGHT} in flight per backend; ${KILLS} leader kills`,
      figures,
      notes,
    };
  },
};
