/**
 * The replication stream end to end (DESIGN §11): real copies as processes on loopback, a real
 * Checkpoint Server as their directory. In the style of Jepsen's set checker: a primary adds 10,000
 * elements to a replicated set, each acknowledged with ack=applied by every in-sync backup (at least
 * one); the primary is killed with kill -9 three times during the run, the backup that applied the
 * most is promoted each time and a fresh copy takes the dead one's place (it resynchronises from a
 * snapshot). Afterwards the last primary holds every acknowledged element, and every backup holds
 * exactly the primary's set. Needs `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import { type CheckpointServerDaemon, startCheckpointServer } from '../../src/checkpoint-server/daemon.js';
import { CLIENT_OPTIONS, protos } from '../../src/shared/grpc.js';
import { ROOT, tempDir, waitFor } from '../helpers/processes.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'replicated-set.mjs');

interface Copy {
  id: string;
  child: ChildProcess;
  lines: Record<string, unknown>[];
  send: (line: string) => void;
}

const copies: Copy[] = [];

function start(id: string, role: 'primary' | 'backup', generation: number, checkpoint: string): Copy {
  const child = spawn(process.execPath, [FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, REPLICA: id, ROLE: role, GENERATION: String(generation), CHECKPOINT: checkpoint },
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const c: Copy = { id, child, lines: [], send: (l) => child.stdin?.write(`${l}\n`) };
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      c.lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // Not one of the fixture's lines.
    }
  });
  copies.push(c);
  return c;
}

function kill(c: Copy): void {
  try {
    if (c.child.pid) process.kill(-c.child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function ask<T extends Record<string, unknown>>(c: Copy, cmd: string, event: string): Promise<T> {
  const before = c.lines.length;
  c.send(cmd);
  return (await waitFor(
    `${c.id} answering ${cmd}`,
    () => c.lines.slice(before).find((l) => l.event === event),
    { timeoutMs: 10_000 },
  )) as T;
}

/** The first answer of the primary at `address` to a Follow that shows `token`. */
function followAnswer(address: string, token: string): Promise<Record<string, unknown>> {
  const Ctor = protos().replication.rm.replication.v1.Replication;
  const c = new Ctor(address, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as {
    Follow(): grpc.ClientDuplexStream<unknown, Record<string, unknown>>;
    close(): void;
  };
  const call = c.Follow();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from ${address}`)), 10_000);
    call.on('data', (msg) => {
      clearTimeout(timer);
      call.cancel();
      c.close();
      resolve(msg);
    });
    call.on('error', () => undefined);
    call.write({
      follow: {
        module: 'S',
        replica: 'X9',
        delivered: '0',
        delivered_generation: '0',
        generation_seen: '0',
        token,
      },
    });
  });
}

function at<T>(xs: readonly T[], i: number): T {
  return xs[i] as T;
}

function acked(c: Copy): number[] {
  return c.lines.filter((l) => l.event === 'acked').flatMap((l) => l.elements as number[]);
}

describe('replication stream over real processes', () => {
  let server: CheckpointServerDaemon;
  const tmp = tempDir('rm-repl-');
  let address = '';

  beforeAll(async () => {
    server = await startCheckpointServer({
      address: '127.0.0.1:0',
      dataDir: tmp.dir,
      logger: pino({ level: 'silent' }),
    });
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    for (const c of copies) kill(c);
    await server?.stop();
    tmp.remove();
  });

  it('no acknowledged element is lost across three kill -9 of the primary (10,000 elements)', async () => {
    const TOTAL = 10_000;
    let gen = 1;
    let primary = start('S1', 'primary', gen, address);
    let backups = [start('S2', 'backup', 0, address), start('S3', 'backup', 0, address)];
    await waitFor('S1 leading', () => primary.lines.find((l) => l.event === 'leading'), {
      timeoutMs: 10_000,
    });
    // Only a copy that read the announcement follows: a Follow without its stream token is refused.
    const store = new CheckpointClient(address, { deadlineMs: 5000 });
    const announced = await store.get('replication/S');
    store.close();
    const a = JSON.parse(Buffer.from(announced?.value ?? []).toString()) as {
      address: string;
      token: string;
    };
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(await followAnswer(a.address, '')).toMatchObject({
      refused: { reason: expect.stringContaining('stream token') },
    });
    expect(await followAnswer(a.address, a.token)).toHaveProperty('welcome');
    const allAcked = new Set<number>();
    let next = 1;
    for (let round = 0; round < 4; round++) {
      const to = round === 3 ? TOTAL : Math.min(TOTAL, next + 2499);
      const from = next;
      primary.send(`add ${from} ${to}`);
      if (round < 3) {
        // Kill the primary in the middle of its run, once a good part is acknowledged.
        await waitFor('acks', () => acked(primary).length >= Math.floor((to - from) / 3) || undefined, {
          timeoutMs: 30_000,
        });
        kill(primary);
        for (const x of acked(primary)) allAcked.add(x);
        next = to + 1;
        // Promote the backup that applied the most (ties by id, the registration order here).
        const positions = await Promise.all(
          backups.map((b) => ask<{ applied: number }>(b, 'position', 'position')),
        );
        let best = 0;
        for (let i = 1; i < backups.length; i++)
          if (at(positions, i).applied > at(positions, best).applied) best = i;
        const promoted = at(backups, best);
        gen++;
        promoted.send(`promote ${gen} ${gen}`);
        await waitFor(`${promoted.id} leading`, () => promoted.lines.find((l) => l.event === 'leading'), {
          timeoutMs: 10_000,
        });
        const fresh = start(primary.id, 'backup', 0, address);
        backups = [...backups.filter((b) => b !== promoted), fresh];
        primary = promoted;
      } else {
        await waitFor('the last run', () => primary.lines.find((l) => l.event === 'added'), {
          timeoutMs: 60_000,
        });
        for (const x of acked(primary)) allAcked.add(x);
      }
    }
    expect(allAcked.size).toBeGreaterThan(TOTAL / 2);
    const dump = await ask<{ elements: number[] }>(primary, 'dump', 'dump');
    const held = new Set(dump.elements);
    const lost = [...allAcked].filter((x) => !held.has(x));
    expect(lost).toEqual([]);
    // Every backup converges on exactly the primary's set (the stream never forks).
    for (const b of backups) {
      await waitFor(
        `${b.id} converging`,
        async () => {
          const d = await ask<{ elements: number[] }>(b, 'dump', 'dump');
          return d.elements.length === dump.elements.length || undefined;
        },
        { timeoutMs: 20_000 },
      );
      const d = await ask<{ elements: number[] }>(b, 'dump', 'dump');
      expect(d.elements).toEqual(dump.elements);
    }
  }, 180_000);
});
