/**
 * The event history against a real Checkpoint Server over gRPC (loopback, port 0), on both store
 * backends (etcd: a three-member cluster this file starts on 127.0.0.1:23820–23825, stopped by pid in
 * afterAll): records numbered in order, bounded, continued by the next manager, refused to a fenced
 * one, a burst larger than one transaction written whole, and read back by `rmctl events` with its
 * filters.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TXN_OPS } from '../../src/checkpoint-server/backend.js';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { type CheckpointServerDaemon, startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import { formatRecord, parseSince } from '../../src/cli/events.js';
import type { Event, ReplicaTable } from '../../src/model/table.js';
import { decide } from '../../src/replica-manager/decide.js';
import {
  EventHistory,
  HISTORY_HEAD,
  type HistoryRecord,
  readHistory,
} from '../../src/replica-manager/history.js';
import { silentLogger } from '../../src/shared/logging.js';
import { etcdForFile, hasEtcd } from '../helpers/etcd.js';
import { tempDir } from '../helpers/processes.js';

const TABLE: ReplicaTable = {
  hosts: ['H1', 'H2', 'H3'].map((name) => ({ name, up: true })),
  modules: [],
};

function register(name: string): Event {
  return {
    kind: 'register',
    module: {
      name,
      style: 'warm',
      degree: 2,
      policy: 'on-each-failure',
      replicas: ['H1', 'H2', 'H3'].map((host) => ({ host, path: `/opt/${name}` })),
    },
  };
}

const etcdCluster = etcdForFile(23820);
let prefixes = 0;

describe.each([
  { backend: 'sqlite', skip: false },
  { backend: 'etcd', skip: !hasEtcd() },
])('the event history in the Checkpoint Server ($backend)', ({ backend, skip }) => {
  let tmp: ReturnType<typeof tempDir>;
  let server: CheckpointServerDaemon;
  let cs: CheckpointClient;

  beforeEach(async () => {
    tmp = tempDir('rm-history-');
    if (skip) return;
    const etcd = backend === 'etcd' ? etcdCluster() : null;
    const onEtcd = etcd
      ? {
          endpoints: etcd.endpoints,
          prefix: `history-${process.pid}-${++prefixes}/`,
          tls: null,
          requestTimeoutMs: 1500,
        }
      : null;
    server = await startCheckpointServer({
      address: '127.0.0.1:0',
      dataDir: tmp.dir,
      etcd: onEtcd,
      logger: silentLogger(),
    });
    cs = new CheckpointClient(server.address, { deadlineMs: 2000 });
  });
  afterEach(async () => {
    cs?.close();
    await server?.stop();
    tmp.remove();
  });

  async function epoch(): Promise<number> {
    const cur = await cs.getLeadership('manager');
    const won = await cs.acquireLeadership({
      role: 'manager',
      holder: 'H1',
      expectedEpoch: cur.epoch,
      leaseMs: 1000,
    });
    return won.epoch;
  }

  it.skipIf(skip)(
    'numbers records in order, keeps the newest, and the next manager goes on from the last one',
    async () => {
      const first = await epoch();
      const h = new EventHistory({
        store: cs,
        epoch: first,
        manager: 'H1',
        logger: silentLogger(),
        keep: 10,
      });
      let table = TABLE;
      h.started(table);
      for (let i = 0; i < 12; i++) {
        const event = register(`M${i}`);
        const d = decide(table, event);
        table = d.table;
        h.decided(event, d, 1_000_000 + i);
        h.carriedOut(event, d, 4.25, 0);
      }
      await h.idle();
      h.stop();
      // 1 start + 12 decisions + 12 carried out = 25 records, the newest 10 kept.
      expect((await cs.get(HISTORY_HEAD))?.value.toString()).toBe('25');
      const kept = await readHistory(cs);
      expect(kept.map((r) => r.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
      const lastDecision = kept.find((r) => r.kind === 'decision' && r.modules.includes('M11'));
      expect(lastDecision).toMatchObject({
        kind: 'decision',
        event: { kind: 'register', module: 'M11' },
        epoch: first,
      });
      const done = kept.at(-1) as HistoryRecord & { kind: 'carried-out' };
      expect(done).toMatchObject({
        kind: 'carried-out',
        of: lastDecision?.seq,
        ms: 4.3,
        failed: 0,
        modules: ['M11'],
      });
      expect(formatRecord(lastDecision as HistoryRecord, done)).toMatch(
        /^1970-01-01T00:16:40\.011Z {2}#24 {2}M11 registered\n {4}start +M11\d on H\d as P — M11 registered: .*\n {4}start +M11\d on H\d as B — M11 registered: .*\n {4}carried out in 4\.3 ms$/,
      );

      // The next manager (a fail-over): a higher epoch, the numbering goes on; the old one is fenced.
      const second = await epoch();
      const next = new EventHistory({
        store: cs,
        epoch: second,
        manager: 'H2',
        logger: silentLogger(),
        keep: 10,
      });
      next.started(table);
      const unregister: Event = { kind: 'unregister', name: 'M0' };
      const d = decide(table, unregister);
      next.decided(unregister, d, Date.now());
      await next.idle();
      const stale = new EventHistory({
        store: cs,
        epoch: first,
        manager: 'H1',
        logger: silentLogger(),
        keep: 10,
      });
      stale.started(table);
      await stale.idle();
      const after = await readHistory(cs);
      expect(after.map((r) => r.seq)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);
      expect(after.at(-2)).toMatchObject({
        kind: 'manager-started',
        epoch: second,
        manager: 'H2',
        tableModules: 12,
      });
      expect(after.at(-1)).toMatchObject({
        kind: 'decision',
        event: { kind: 'unregister', module: 'M0' },
        modules: ['M0'],
      });
      expect(after.some((r) => r.manager === 'H9')).toBe(false);
      next.stop();
      stale.stop();
    },
  );

  it.skipIf(skip)('keeps a dropped failure report with its reason, under its module', async () => {
    const h = new EventHistory({ store: cs, epoch: await epoch(), manager: 'H1', logger: silentLogger() });
    const event = register('M');
    const d = decide(TABLE, event);
    h.started(TABLE);
    h.decided(event, d, 1000);
    const failed: Event = { kind: 'replica-failed', replica: 'M1', reason: 'exit' };
    const reason = 'M1 failed (exit): ignored, a report about a copy already accounted for';
    h.dropped(failed, { cause: 'stale-report', reason }, 2000);
    await h.idle();
    h.stop();
    const kept = await readHistory(cs, { module: 'M' });
    const dropped = kept.at(-1) as HistoryRecord;
    expect(dropped).toMatchObject({
      kind: 'dropped',
      at: 2000,
      event: { kind: 'replica-failed', replica: 'M1', reason: 'exit' },
      cause: 'stale-report',
      reason,
      modules: ['M'],
    });
    expect(formatRecord(dropped)).toBe(
      `1970-01-01T00:00:02.000Z  #${dropped.seq}  M1 failed (exit): dropped (stale-report)\n    ${reason}`,
    );
  });

  it.skipIf(skip)('writes a burst larger than one transaction whole, in order', async () => {
    const h = new EventHistory({ store: cs, epoch: await epoch(), manager: 'H1', logger: silentLogger() });
    const failed: Event = { kind: 'replica-failed', replica: 'M1', reason: 'exit' };
    // Queued before the first write ends: more records than one transaction of the store takes.
    for (let i = 0; i < 3 * MAX_TXN_OPS; i++)
      h.dropped(failed, { cause: 'stale-report', reason: `#${i}` }, i);
    // Bounded: a store that refused the batch would keep the writer retrying it for ever.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the burst was not written within 20 s')), 20_000);
    });
    await Promise.race([h.idle(), stuck]).finally(() => clearTimeout(timer));
    h.stop();
    const kept = await readHistory(cs);
    expect(kept.length).toBe(3 * MAX_TXN_OPS);
    expect(kept.map((r) => r.seq)).toEqual(Array.from({ length: 3 * MAX_TXN_OPS }, (_, i) => i + 1));
    expect((await cs.get(HISTORY_HEAD))?.value.toString()).toBe(String(3 * MAX_TXN_OPS));
  });

  it.skipIf(skip)('filters by module and time, as rmctl events --module and --since do', async () => {
    const h = new EventHistory({ store: cs, epoch: await epoch(), manager: 'H1', logger: silentLogger() });
    let table = TABLE;
    for (const [name, at] of [
      ['A', 1000],
      ['B', 2000],
      ['A', 3000],
    ] as const) {
      const event: Event = name === 'A' && at === 3000 ? { kind: 'unregister', name: 'A' } : register(name);
      const d = decide(table, event);
      table = d.table;
      h.decided(event, d, at);
    }
    await h.idle();
    h.stop();
    expect((await readHistory(cs, { module: 'A' })).map((r) => r.at)).toEqual([1000, 3000]);
    expect((await readHistory(cs, { sinceMs: 1500 })).map((r) => r.at)).toEqual([2000, 3000]);
    expect((await readHistory(cs, { module: 'B', sinceMs: 2500 })).length).toBe(0);
    expect(parseSince('10m', 1_000_000)).toBe(400_000);
    expect(parseSince('2026-12-01T10:00:00Z', 0)).toBe(Date.UTC(2026, 11, 1, 10));
    expect(() => parseSince('yesterday', 0)).toThrow(/--since: expected a time .* got "yesterday"/);
  });
});
