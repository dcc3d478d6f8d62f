/**
 * Properties of the replication stream's rules (DESIGN §11, seed 003) over random schedules: the
 * network reorders, duplicates and loses frames, backups tick and ask for gaps, the primary's backlog
 * is small, primaries fail and a backup is promoted (frames of the old one still in flight). After the
 * network settles every backup holds exactly the last primary's state, and between two
 * resynchronisations it was handed messages only in order, each once (never a gap, never a duplicate,
 * never a message of a generation the stream no longer has).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acknowledged,
  type FollowerState,
  followerHead,
  followerReceive,
  followerRestored,
  followerTick,
  followerWelcome,
  followRequest,
  generationAt,
  inSync,
  type LeaderState,
  leaderAppend,
  leaderOnAck,
  leaderOnFollow,
  leaderResend,
  newFollower,
  newLeader,
  promote,
  type StreamMessage,
} from '../../src/client/replication-core.js';

const LIMITS = { backlog: 6, maxLag: 1000, minInSync: 0 };
const FOLLOWER_LIMITS = { maxBuffer: 8 };
const dec = new TextDecoder();

/** The element at `i` of a non-empty array. */
function at<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length] as T;
}
const enc = new TextEncoder();

interface Copy {
  id: string;
  follower: FollowerState;
  /** The application's state: the payloads applied, in order. */
  app: string[];
  /** Violations seen while applying. */
  errors: string[];
  /** Whether its stream to the current primary is up. */
  connected: boolean;
}

interface World {
  leaderId: string;
  leader: LeaderState;
  leaderApp: string[];
  copies: Map<string, Copy>;
  /** Frames in flight: to, the sender's generation, the message. */
  net: { to: string; sender: number; m: StreamMessage }[];
}

type Cmd =
  | { k: 'append'; n: number }
  | { k: 'deliver' | 'dup' | 'drop'; i: number }
  | { k: 'tick' | 'head' | 'reconnect' | 'disconnect'; f: number }
  | { k: 'failover'; f: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('append' as const), n: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('deliver' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dup' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('drop' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('tick' as const), f: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('head' as const), f: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('reconnect' as const), f: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('disconnect' as const), f: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('failover' as const), f: fc.nat() }) },
);

function apply(c: Copy, deliver: StreamMessage[]): void {
  for (const m of deliver) {
    if (m.seq !== c.app.length + 1) c.errors.push(`${c.id} handed ${m.seq} after ${c.app.length}`);
    c.app.push(dec.decode(m.payload));
  }
}

function restore(w: World, c: Copy): void {
  c.app = w.leaderApp.slice(0, w.leader.head);
  const r = followerRestored(c.follower, w.leader.head, generationAt(w.leader.lineage, w.leader.head));
  c.follower = r.state;
  apply(c, r.deliver);
  if (r.resend) answerResend(w, c, r.resend);
}

function send(w: World, to: string, messages: StreamMessage[]): void {
  if (!w.copies.get(to)?.connected) return;
  for (const m of messages) w.net.push({ to, sender: w.leader.generation, m });
}

function answerResend(w: World, c: Copy, range: { from: number; to: number }): void {
  const a = leaderResend(w.leader, range.from, range.to);
  if (a.kind === 'snapshot') restore(w, c);
  else send(w, c.id, a.messages);
}

function connect(w: World, c: Copy): void {
  const welcome = followerWelcome(c.follower, {
    generation: w.leader.generation,
    epoch: w.leader.epoch,
    lineage: w.leader.lineage,
    head: w.leader.head,
  });
  expect(welcome.accepted).toBe(true);
  c.follower = welcome.state;
  c.connected = true;
  const { state, answer } = leaderOnFollow(w.leader, followRequest(c.follower, c.id));
  w.leader = state;
  if (answer.kind === 'stale') throw new Error(answer.reason);
  if (answer.kind === 'snapshot') restore(w, c);
  else send(w, c.id, answer.messages);
}

function step(w: World, c: Cmd, gen: { next: number }): void {
  const copies = [...w.copies.values()];
  switch (c.k) {
    case 'append':
      for (let i = 0; i < c.n; i++) {
        const payload = `g${w.leader.generation}-${w.leader.head + 1}`;
        const r = leaderAppend(w.leader, enc.encode(payload), { pid: 1, threadId: 0 }, LIMITS);
        w.leader = r.state;
        w.leaderApp.push(payload);
        for (const f of copies) if (f.connected) send(w, f.id, [r.message]);
      }
      return;
    case 'deliver': {
      if (w.net.length === 0) return;
      const frame = at(w.net.splice(c.i % w.net.length, 1), 0);
      const f = w.copies.get(frame.to);
      if (!f?.connected) return;
      const r = followerReceive(f.follower, frame.sender, frame.m, FOLLOWER_LIMITS);
      f.follower = r.state;
      apply(f, r.deliver);
      w.leader = leaderOnAck(w.leader, f.id, f.follower.delivered, f.follower.delivered);
      if (r.resend) answerResend(w, f, r.resend);
      return;
    }
    case 'dup':
      if (w.net.length > 0) w.net.push(at(w.net, c.i));
      return;
    case 'drop':
      if (w.net.length > 0) w.net.splice(c.i % w.net.length, 1);
      return;
    case 'tick': {
      const f = at(copies, c.f);
      if (!f.connected) return;
      const r = followerTick(f.follower);
      f.follower = r.state;
      if (r.resend) answerResend(w, f, r.resend);
      return;
    }
    case 'reconnect': {
      const f = at(copies, c.f);
      if (!f.connected) connect(w, f);
      return;
    }
    case 'disconnect': {
      at(copies, c.f).connected = false;
      return;
    }
    case 'head': {
      const f = at(copies, c.f);
      if (!f.connected) return;
      const r = followerHead(f.follower, w.leader.generation, w.leader.head);
      f.follower = r.state;
      if (r.resend) answerResend(w, f, r.resend);
      return;
    }
    case 'failover': {
      // The primary dies; one backup is promoted; a new copy replaces the old primary as a backup.
      const f = at(copies, c.f);
      if (f.errors.length > 0) return;
      w.copies.delete(f.id);
      w.leader = promote(f.follower, gen.next++, w.leader.epoch + 1);
      w.leaderApp = [...f.app];
      const fresh: Copy = { id: w.leaderId, follower: newFollower(), app: [], errors: [], connected: false };
      w.leaderId = f.id;
      w.copies.set(fresh.id, fresh);
      // Backups find the new primary each in its own time (reconnect).
      for (const other of w.copies.values()) other.connected = false;
      return;
    }
  }
}

function settle(w: World): void {
  for (const c of w.copies.values()) if (!c.connected) connect(w, c);
  for (let round = 0; round < 200; round++) {
    while (w.net.length > 0) step(w, { k: 'deliver', i: 0 }, { next: 0 });
    let asked = false;
    for (const c of w.copies.values()) {
      // The primary's periodic head, then the backup's own tick.
      const h = followerHead(c.follower, w.leader.generation, w.leader.head);
      c.follower = h.state;
      if (h.resend) answerResend(w, c, h.resend);
      const r = followerTick(c.follower);
      c.follower = r.state;
      if (r.resend) {
        asked = true;
        answerResend(w, c, r.resend);
      }
    }
    if (!asked && w.net.length === 0) return;
  }
  throw new Error('the network did not settle in 200 rounds');
}

describe('replication stream (seed 003)', () => {
  it('any reordering, duplication and loss, and fail-overs: every backup ends with the primary order', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 120 }), (cmds) => {
        const w: World = {
          leaderId: 'A1',
          leader: newLeader(1, 1),
          leaderApp: [],
          copies: new Map(),
          net: [],
        };
        for (const id of ['A2', 'A3']) {
          const c: Copy = { id, follower: newFollower(), app: [], errors: [], connected: false };
          w.copies.set(id, c);
          connect(w, c);
        }
        const gen = { next: 2 };
        for (const c of cmds) step(w, c, gen);
        settle(w);
        for (const c of w.copies.values()) {
          expect(c.errors).toEqual([]);
          expect(c.app).toEqual(w.leaderApp);
          expect(c.follower.delivered).toBe(w.leader.head);
        }
        // The primary's own order: 1..head, each message once.
        expect(w.leaderApp.map((p) => Number(p.split('-')[1]))).toEqual(
          Array.from({ length: w.leader.head }, (_, i) => i + 1),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('a backup that applied what the new primary never had resynchronises (the stream never forks)', () => {
    let leader = newLeader(1, 1);
    const a = { f: newFollower() };
    const b = { f: newFollower() };
    for (const x of [a, b]) {
      x.f = followerWelcome(x.f, { generation: 1, epoch: 1, lineage: leader.lineage, head: 0 }).state;
      leader = leaderOnFollow(leader, followRequest(x.f, 'X')).state;
    }
    const msgs: StreamMessage[] = [];
    for (let i = 0; i < 5; i++) {
      const r = leaderAppend(leader, enc.encode(String(i)), { pid: 1, threadId: 0 }, LIMITS);
      leader = r.state;
      msgs.push(r.message);
    }
    for (const m of msgs) a.f = followerReceive(a.f, 1, m, FOLLOWER_LIMITS).state;
    for (const m of msgs.slice(0, 3)) b.f = followerReceive(b.f, 1, m, FOLLOWER_LIMITS).state;
    expect([a.f.delivered, b.f.delivered]).toEqual([5, 3]);
    // B is promoted (generation 2) and writes message 4 of its own.
    let l2 = promote(b.f, 2, 2);
    l2 = leaderAppend(l2, enc.encode('other'), { pid: 2, threadId: 0 }, LIMITS).state;
    expect(l2.lineage).toEqual([
      { generation: 1, firstSeq: 1 },
      { generation: 2, firstSeq: 4 },
    ]);
    // A2 (at 5 of generation 1) is beyond the new primary's head 4: it resynchronises.
    const beyond = followerWelcome(a.f, { generation: 2, epoch: 2, lineage: l2.lineage, head: l2.head });
    expect(leaderOnFollow(l2, followRequest(beyond.state, 'A2')).answer.kind).toBe('snapshot');
    // Later, with the new primary at 6: A2's 5 is not the stream's 5 (generation 2's), it still does.
    for (const p of ['other 5', 'other 6'])
      l2 = leaderAppend(l2, enc.encode(p), { pid: 2, threadId: 0 }, LIMITS).state;
    const w = followerWelcome(a.f, { generation: 2, epoch: 2, lineage: l2.lineage, head: l2.head });
    expect(w.accepted).toBe(true);
    const ans = leaderOnFollow(l2, followRequest(w.state, 'A2')).answer;
    expect(ans).toMatchObject({
      kind: 'snapshot',
      reason: expect.stringMatching(/generation 1, the stream's is 2/),
    });
    // The old primary's frames are refused once the new one is followed.
    const late = followerReceive(w.state, 1, at(msgs, 4), FOLLOWER_LIMITS);
    expect(late.deliver).toEqual([]);
    expect(late.dropped).toMatch(/generation 1/);
    // And a welcome from the old generation is refused.
    expect(
      followerWelcome(w.state, { generation: 1, epoch: 1, lineage: leader.lineage, head: 5 }).accepted,
    ).toBe(false);
    // The old primary, told of generation 2 by a backup, learns it is stale.
    expect(leaderOnFollow(leader, followRequest(w.state, 'A2')).answer.kind).toBe('stale');
  });

  it('acknowledgements: all in-sync backups, a lagging one left out, minInSync and a quorum', () => {
    let l = newLeader(1, 1);
    for (const r of ['A2', 'A3'])
      l = leaderOnFollow(l, { replica: r, delivered: 0, deliveredGeneration: 0, generationSeen: 1 }).state;
    for (let i = 0; i < 10; i++) l = leaderAppend(l, enc.encode('x'), { pid: 1, threadId: 0 }, LIMITS).state;
    const lim = { maxLag: 5, minInSync: 1 };
    l = leaderOnAck(l, 'A2', 10, 8);
    expect(acknowledged(l, 8, 'applied', { ...lim, maxLag: 100 })).toBe(false); // A3 in sync, at 0
    // A3 lags 10 > 5: out of sync, it no longer holds up acknowledgements.
    expect(inSync(l, lim)).toEqual(['A2']);
    expect(acknowledged(l, 8, 'applied', lim)).toBe(true);
    expect(acknowledged(l, 9, 'applied', lim)).toBe(false);
    expect(acknowledged(l, 10, 'received', lim)).toBe(true);
    expect(acknowledged(l, 10, 'none', lim)).toBe(true);
    expect(acknowledged(l, 8, 'applied', { maxLag: 1, minInSync: 1 })).toBe(false); // nobody in sync
    expect(acknowledged(l, 8, 'applied', lim, 2)).toBe(false);
    l = leaderOnAck(l, 'A3', 9, 9);
    expect(acknowledged(l, 8, 'applied', lim, 2)).toBe(true);
  });
});
