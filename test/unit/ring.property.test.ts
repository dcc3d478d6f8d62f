/**
 * Properties of the SuperWatchDog ring core (src/super-watchdog/ring.ts) on a simulated cluster: 1–6
 * members exchanging beats over a network that can be split, and a simulated arbiter — a
 * compare-and-set epoch counter, the single source of truth (DESIGN §5). Members are killed (their
 * state is lost) and revived (they start afresh), the arbiter goes away and comes back, time passes.
 *
 * - After every single step: at most one live member believes itself primary at the highest epoch
 *   the arbiter granted, and anyone who believes itself primary was granted its epoch; no member's
 *   epoch ever goes down.
 * - After the network heals and time passes with no kills: exactly one live member is primary, every
 *   live member agrees on it and on the epoch, and every live member's successor is the next live
 *   member in ring order.
 * - step() is deterministic and never changes its input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  initRing,
  isPrimary,
  type RingEffect,
  type RingMsg,
  type RingState,
  step,
  successorOf,
} from '../../src/super-watchdog/ring.js';

const BEAT = 100;
const TIMEOUT = 400;
/** The daemon ticks at half the beat interval. */
const TICK = 50;
/** Long enough for every back-off (8 timeouts) and every forgiveness (8 timeouts) to run out. */
const SETTLE_MS = 40 * TIMEOUT;

type SimEvent =
  | { kind: 'advance'; ms: number }
  | { kind: 'kill'; member: number }
  | { kind: 'revive'; member: number }
  | { kind: 'partition'; side: boolean[] }
  | { kind: 'heal' }
  | { kind: 'arbiter'; up: boolean };

interface SimMember {
  readonly name: string;
  state: RingState | null;
  /** Bumped at every restart, so that answers meant for a previous life are dropped. */
  incarnation: number;
}

interface Call {
  from: string;
  incarnation: number;
  to: string;
  what: 'beat' | 'register';
}

/**
 * Several SuperWatchDogs, each a RingState, carried out the way the daemon carries out effects:
 * a beat or registration is a call that is answered with the receiver's view, or fails when the
 * receiver is dead or on the other side of a split; the arbiter answers at the next tick (one request
 * stays in flight across a tick); a primary renews every tick and hears `stale-epoch` when replaced.
 */
class RingSim {
  now = 0;
  readonly members: SimMember[];
  /** Which side of a split each member is on; members talk only within a side. */
  private readonly side = new Map<string, number>();
  /** The arbiter; `grants` says which life of which member won each epoch (`H2#0`). */
  readonly arbiter = { epoch: 0, holder: '', up: true, grants: new Map<number, string>() };
  private calls: Call[] = [];
  private requests: Array<{ from: string; incarnation: number; expected: number }> = [];
  private answers: Array<{ to: string; incarnation: number; at: number; msg: RingMsg }> = [];
  private round = 0;
  steps = 0;
  readonly trace: string[] = [];

  private readonly names: string[];

  constructor(
    n: number,
    private readonly opts: { checkPurity?: boolean } = {},
  ) {
    this.names = Array.from({ length: n }, (_, i) => `H${i + 1}`);
    this.members = this.names.map((name) => ({ name, state: this.fresh(name), incarnation: 0 }));
  }

  private fresh(name: string): RingState {
    return initRing(
      { self: name, members: this.names, beatIntervalMs: BEAT, ringTimeoutMs: TIMEOUT },
      this.now,
    );
  }

  get live(): SimMember[] {
    return this.members.filter((m) => m.state !== null);
  }

  member(name: string): SimMember {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  apply(e: SimEvent): void {
    this.trace.push(`@${this.now} ${JSON.stringify(e)}`);
    const m = 'member' in e ? this.members[e.member % this.members.length] : undefined;
    switch (e.kind) {
      case 'advance':
        this.advance(e.ms);
        return;
      case 'kill':
        if (m) m.state = null;
        return;
      case 'revive':
        if (m && m.state === null) {
          m.incarnation++;
          m.state = this.fresh(m.name);
        }
        return;
      case 'partition':
        this.members.forEach((x, i) => {
          this.side.set(x.name, e.side[i] ? 1 : 0);
        });
        return;
      case 'heal':
        this.side.clear();
        return;
      case 'arbiter':
        this.arbiter.up = e.up;
        return;
    }
  }

  advance(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) this.tickAll();
  }

  private reachable(a: string, b: string): boolean {
    return (this.side.get(a) ?? 0) === (this.side.get(b) ?? 0);
  }

  /** One turn of every daemon's clock. */
  private tickAll(): void {
    this.now += TICK;
    this.round++;
    this.answerArbiter();
    for (const m of this.live) {
      // The daemon's lease renewal: a replaced primary is told the epoch has moved on.
      const s = m.state;
      if (s && isPrimary(s) && this.arbiter.up && this.arbiter.epoch !== s.epoch) {
        this.feed(m.name, { kind: 'stale-epoch', epoch: this.arbiter.epoch, now: this.now });
      }
    }
    this.drain();
    const n = this.members.length;
    for (let k = 0; k < n; k++) {
      const m = this.members[(this.round + k) % n];
      if (m?.state) this.feed(m.name, { kind: 'tick', now: this.now });
      this.drain();
    }
  }

  /**
   * The arbiter decides each request at the tick after it was sent, and its answer arrives 0–2 ticks
   * later (deterministically varied): others may learn of the new epoch before the winner does.
   */
  private answerArbiter(): void {
    const due = this.answers.filter((x) => x.at <= this.round);
    this.answers = this.answers.filter((x) => x.at > this.round);
    for (const x of due) {
      const m = this.member(x.to);
      if (m.state && m.incarnation === x.incarnation) this.feed(x.to, { ...x.msg, now: this.now });
      this.drain();
    }
    const requests = this.requests;
    this.requests = [];
    for (const r of requests) {
      const a = this.arbiter;
      let msg: RingMsg;
      if (!a.up) {
        msg = { kind: 'epoch-unavailable', now: 0 };
      } else if (a.epoch === r.expected) {
        a.epoch++;
        a.holder = r.from;
        a.grants.set(a.epoch, `${r.from}#${r.incarnation}`);
        msg = { kind: 'epoch-won', epoch: a.epoch, now: 0 };
      } else {
        msg = { kind: 'epoch-lost', primary: a.holder, epoch: a.epoch, now: 0 };
      }
      this.answers.push({
        to: r.from,
        incarnation: r.incarnation,
        at: this.round + (this.decided++ % 3),
        msg,
      });
    }
  }
  private decided = 0;

  private drain(): void {
    let budget = 10_000;
    while (this.calls.length > 0) {
      if (--budget === 0)
        throw new Error(`message storm at ${this.now}:\n${this.trace.slice(-20).join('\n')}`);
      this.deliver(this.calls.shift() as Call);
    }
  }

  private deliver(c: Call): void {
    const sender = this.member(c.from);
    if (!sender.state || sender.incarnation !== c.incarnation) return;
    const receiver = this.member(c.to);
    if (!receiver.state || !this.reachable(c.from, c.to)) {
      this.feed(c.from, { kind: 'send-failed', to: c.to, now: this.now });
      return;
    }
    const view = { primary: sender.state.primary, epoch: sender.state.epoch };
    if (c.what === 'register') this.feed(c.to, { kind: 'registered', from: c.from, now: this.now });
    this.feed(c.to, { kind: 'beat-received', from: c.from, now: this.now, view });
    const answer = this.member(c.to).state;
    if (!answer) return;
    this.feed(c.from, {
      kind: 'beat-received',
      from: c.to,
      now: this.now,
      view: { primary: answer.primary, epoch: answer.epoch },
    });
  }

  /** Runs one member's core on one message, checks it, and carries out its effects. */
  private feed(name: string, msg: RingMsg): void {
    const m = this.member(name);
    const before = m.state;
    if (!before) return;
    this.steps++;
    let res: { state: RingState; effects: RingEffect[] };
    if (this.opts.checkPurity) {
      const copy = structuredClone(before);
      res = step(before, msg);
      if (!equal(before, copy)) this.fail(`step() changed its input (${name}, ${JSON.stringify(msg)})`);
      if (!equal(step(copy, msg), res)) this.fail(`step() answered differently twice (${name})`);
    } else {
      res = step(before, msg);
    }
    if (res.state.epoch < before.epoch) {
      this.fail(
        `${name}'s epoch went down from ${before.epoch} to ${res.state.epoch} on ${JSON.stringify(msg)}`,
      );
    }
    m.state = res.state;
    for (const e of res.effects) this.carryOut(m, e);
    this.checkSafety(`${name} after ${JSON.stringify(msg)}`);
  }

  private carryOut(m: SimMember, e: RingEffect): void {
    if (e.kind === 'beat')
      this.calls.push({ from: m.name, incarnation: m.incarnation, to: e.to, what: 'beat' });
    if (e.kind === 'register-with') {
      this.calls.push({ from: m.name, incarnation: m.incarnation, to: e.member, what: 'register' });
    }
    if (e.kind === 'acquire-epoch') {
      const mine = (x: { incarnation: number }) => x.incarnation === m.incarnation;
      const pending = [
        ...this.requests.filter((r) => r.from === m.name),
        ...this.answers.filter((x) => x.to === m.name),
      ];
      if (pending.some(mine)) this.fail(`${m.name} asked the arbiter again with a request in flight`);
      this.requests.push({ from: m.name, incarnation: m.incarnation, expected: e.expectedEpoch });
    }
  }

  /** At most one live member believes itself primary at the highest epoch, and only one that won it. */
  checkSafety(where: string): void {
    const top = this.arbiter.epoch;
    const atTop: string[] = [];
    for (const m of this.live) {
      const s = m.state as RingState;
      if (s.epoch > top) this.fail(`${m.name} knows epoch ${s.epoch}, above the arbiter's ${top} (${where})`);
      if (!isPrimary(s)) continue;
      const grantee = this.arbiter.grants.get(s.epoch);
      if (grantee !== `${m.name}#${m.incarnation}`) {
        this.fail(
          `${m.name}#${m.incarnation} believes itself primary at epoch ${s.epoch}, granted to ${grantee} (${where})`,
        );
      }
      if (s.epoch === top) atTop.push(m.name);
    }
    if (atTop.length > 1)
      this.fail(`${atTop.join(' and ')} all believe themselves primary at epoch ${top} (${where})`);
  }

  private fail(message: string): never {
    throw new Error(`${message}\nat ${this.now}; last events:\n${this.trace.slice(-12).join('\n')}`);
  }

  /** The next live member after `name` in ring order; `name` itself when it is alone. */
  nextLive(name: string): string {
    const n = this.members.length;
    const i = this.members.findIndex((m) => m.name === name);
    for (let k = 1; k < n; k++) {
      const m = this.members[(i + k) % n];
      if (m?.state) return m.name;
    }
    return name;
  }

  /** Everyone's belief, for comparing two runs. */
  snapshot(): unknown {
    return this.members.map((m) =>
      m.state ? { primary: m.state.primary, epoch: m.state.epoch, state: m.state } : null,
    );
  }
}

function equal(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

/** The cluster after the network heals, the arbiter is back and time passes with no kills. */
function checkSettled(sim: RingSim): void {
  const live = sim.live;
  const primaries = live.filter((m) => isPrimary(m.state as RingState)).map((m) => m.name);
  const where = `after settling; last events:\n${sim.trace.slice(-12).join('\n')}`;
  expect(primaries, `exactly one live primary ${where}`).toHaveLength(1);
  const primary = primaries[0];
  for (const m of live) {
    const s = m.state as RingState;
    expect(s.primary, `${m.name} agrees on the primary ${where}`).toBe(primary);
    expect(s.epoch, `${m.name} agrees on the epoch ${where}`).toBe(sim.arbiter.epoch);
    expect(successorOf(s), `${m.name}'s successor ${where}`).toBe(sim.nextLive(m.name));
  }
}

function settle(sim: RingSim): void {
  sim.apply({ kind: 'heal' });
  sim.apply({ kind: 'arbiter', up: true });
  if (sim.live.length === 0) sim.apply({ kind: 'revive', member: 0 });
  sim.apply({ kind: 'advance', ms: SETTLE_MS });
}

const events = (n: number): fc.Arbitrary<SimEvent> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.integer({ min: 10, max: 1500 }).map((ms): SimEvent => ({ kind: 'advance', ms })),
    },
    { weight: 2, arbitrary: fc.nat(n - 1).map((member): SimEvent => ({ kind: 'kill', member })) },
    { weight: 2, arbitrary: fc.nat(n - 1).map((member): SimEvent => ({ kind: 'revive', member })) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.boolean(), { minLength: n, maxLength: n })
        .map((side): SimEvent => ({ kind: 'partition', side })),
    },
    { weight: 1, arbitrary: fc.constant<SimEvent>({ kind: 'heal' }) },
    { weight: 1, arbitrary: fc.boolean().map((up): SimEvent => ({ kind: 'arbiter', up })) },
  );

const story = (maxEvents: number) =>
  fc
    .integer({ min: 1, max: 6 })
    .chain((n) => fc.record({ n: fc.constant(n), events: fc.array(events(n), { maxLength: maxEvents }) }));

describe('the SuperWatchDog ring on a simulated cluster', () => {
  it('keeps one primary per epoch through kills, restarts, splits and arbiter outages, and settles afterwards', () => {
    fc.assert(
      fc.property(story(20), ({ n, events }) => {
        const sim = new RingSim(n);
        for (const e of events) sim.apply(e);
        settle(sim);
        checkSettled(sim);
      }),
      { numRuns: 150 },
    );
  });

  it('step() is deterministic and never changes its input, all along such a story', () => {
    fc.assert(
      fc.property(story(8), ({ n, events }) => {
        const a = new RingSim(n, { checkPurity: true });
        const b = new RingSim(n);
        for (const e of events) {
          a.apply(e);
          b.apply(e);
        }
        expect(a.snapshot()).toEqual(b.snapshot());
      }),
      { numRuns: 25 },
    );
  });

  it('¶0026: when the primary dies, its successor takes over within a ring timeout and a few ticks, and everyone hears of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 1000 }), (n, phase) => {
        const sim = new RingSim(n);
        sim.apply({ kind: 'advance', ms: 2 * TIMEOUT + phase });
        checkSettled(sim);
        const old = sim.live.find((m) => isPrimary(m.state as RingState))?.name as string;
        const successor = sim.nextLive(old);
        sim.apply({ kind: 'kill', member: sim.members.findIndex((m) => m.name === old) });
        // Silence past the timeout, a tick to notice, the arbiter's decision and its answer (≤ 3 ticks).
        sim.apply({ kind: 'advance', ms: TIMEOUT + 4 * TICK });
        expect(isPrimary(sim.member(successor).state as RingState)).toBe(true);
        expect(sim.arbiter.epoch).toBe(2);
        // The new view then travels the ring with the beats, both ways.
        sim.apply({ kind: 'advance', ms: n * BEAT });
        checkSettled(sim);
      }),
      { numRuns: 20 },
    );
  });

  it('a primary that restarts before anyone declares it dead is primary again, under a new epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: TIMEOUT / 2 }), (n, downMs) => {
        const sim = new RingSim(n);
        sim.apply({ kind: 'advance', ms: 2 * TIMEOUT });
        // Move the primary off H1, the first in ring order, so that only the restarted member can act.
        sim.apply({ kind: 'kill', member: 0 });
        sim.apply({ kind: 'advance', ms: 4 * TIMEOUT });
        sim.apply({ kind: 'revive', member: 0 });
        sim.apply({ kind: 'advance', ms: 4 * TIMEOUT });
        checkSettled(sim);
        const primary = sim.live.find((m) => isPrimary(m.state as RingState))?.name as string;
        expect(primary).not.toBe('H1');
        const epoch = sim.arbiter.epoch;
        const i = sim.members.findIndex((m) => m.name === primary);
        sim.apply({ kind: 'kill', member: i });
        sim.apply({ kind: 'advance', ms: downMs });
        sim.apply({ kind: 'revive', member: i });
        sim.apply({ kind: 'advance', ms: SETTLE_MS });
        checkSettled(sim);
        expect(sim.member(primary).state?.primary).toBe(primary);
        expect(sim.arbiter.epoch).toBeGreaterThan(epoch);
      }),
      { numRuns: 20 },
    );
  });

  it('¶0025: when a backup dies, its predecessor beats the next member at once and the primary stays', () => {
    const sim = new RingSim(3);
    sim.apply({ kind: 'advance', ms: 1000 });
    checkSettled(sim);
    expect(sim.member('H1').state?.primary).toBe('H1');
    sim.apply({ kind: 'kill', member: 2 });
    sim.apply({ kind: 'advance', ms: TICK });
    expect(successorOf(sim.member('H2').state as RingState)).toBe('H1');
    sim.apply({ kind: 'advance', ms: TIMEOUT });
    checkSettled(sim);
    expect(sim.arbiter.epoch).toBe(1);
    sim.apply({ kind: 'revive', member: 2 });
    sim.apply({ kind: 'advance', ms: BEAT + TICK });
    checkSettled(sim);
    expect(sim.member('H3').state?.primary).toBe('H1');
    expect(sim.arbiter.epoch).toBe(1);
  });
});
