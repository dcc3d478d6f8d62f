/**
 * The simulated world the whole cluster runs in, in one process: a discrete-event scheduler (the only
 * clock; nothing here reads real time), processes that can crash, freeze and restart, hosts whose
 * clocks run at an offset from one another, and a network of calls with seeded latency, loss,
 * duplication and partitions. Every timer of every component and every delivery of a message is an
 * event owned by a process: a dead process's events are dropped, a frozen one's wait until it thaws.
 */

import type { Clock, TimerHandle } from '../../src/shared/clock.js';
import { UnavailableError } from '../../src/shared/errors.js';
import type { Prng } from '../cts/prng.js';

/** One incarnation of a simulated process (a daemon, a copy, a keeper). */
export class Proc {
  alive = true;
  frozen = false;
  /** Events that fell due while it was frozen, in order. */
  readonly deferred: SimEvent[] = [];
  /** Called once when it dies (crash or exit). */
  readonly onDeath: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly host: string,
  ) {}
}

interface SimEvent {
  at: number;
  seq: number;
  owner: Proc | null;
  fn: () => void;
  cancelled: boolean;
  /** Starts no promise: the next event may run without waiting for promise chains to settle. */
  sync: boolean;
}

/** A binary heap of events by (time, sequence): the order is total, so a run is deterministic. */
class EventQueue {
  private readonly heap: SimEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(e: SimEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as SimEvent, h[p] as SimEvent)) break;
      [h[i], h[p]] = [h[p] as SimEvent, h[i] as SimEvent];
      i = p;
    }
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as SimEvent, h[m] as SimEvent)) m = l;
        if (r < h.length && before(h[r] as SimEvent, h[m] as SimEvent)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as SimEvent, h[i] as SimEvent];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every promise chain started by the last event run to its end before the next event. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler {
  /** True simulated time in ms; hosts see it through their offsets. */
  now = 0;
  steps = 0;
  private seq = 0;
  private readonly queue = new EventQueue();

  /** Runs `fn` at `at` (not before now) on behalf of `owner` (null: the world itself). */
  at(at: number, owner: Proc | null, fn: () => void, sync = false): SimEvent {
    const e: SimEvent = { at: Math.max(at, this.now), seq: this.seq++, owner, fn, cancelled: false, sync };
    this.queue.push(e);
    return e;
  }

  after(ms: number, owner: Proc | null, fn: () => void, sync = false): SimEvent {
    return this.at(this.now + Math.max(0, ms), owner, fn, sync);
  }

  /** Thaws `p`: what fell due while it was frozen runs now, in its order. */
  thaw(p: Proc): void {
    if (!p.frozen) return;
    p.frozen = false;
    for (const e of p.deferred.splice(0)) if (!e.cancelled) this.at(this.now, p, e.fn, e.sync);
  }

  /**
   * Runs events in order until `untilMs`, letting each one's promise chains finish before the next;
   * `afterEach` sees the world after every event (the invariants) and may stop the run by returning false.
   */
  async run(untilMs: number, afterEach: () => boolean): Promise<void> {
    for (;;) {
      const e = this.queue.pop();
      if (!e) return;
      if (e.at > untilMs) {
        this.queue.push(e);
        this.now = untilMs;
        return;
      }
      if (e.cancelled) continue;
      const owner = e.owner;
      if (owner && !owner.alive) continue;
      this.now = e.at;
      if (owner?.frozen) {
        owner.deferred.push(e);
        continue;
      }
      this.steps++;
      e.fn();
      if (!e.sync) await settle();
      if (!afterEach()) return;
    }
  }
}

/**
 * A host's clock: the true time plus an offset (a few ms of disagreement between hosts), running at
 * a rate near 1 that a fault may change for a while; it never jumps.
 */
export class HostClock {
  private base: number;
  private since = 0;
  private rateValue = 1;

  constructor(offsetMs: number) {
    this.base = offsetMs;
  }

  get rate(): number {
    return this.rateValue;
  }

  /** The host's time at the true time `trueMs`. */
  at(trueMs: number): number {
    return this.base + (trueMs - this.since) * this.rateValue;
  }

  /** From `trueMs` on, the clock runs at `rate` (1.02: 2 % fast), on from where it is. */
  setRate(trueMs: number, rate: number): void {
    this.base = this.at(trueMs);
    this.since = trueMs;
    this.rateValue = rate;
  }
}

/** A process's view of time: its host's clock; its timers are events it owns, run by that clock. */
export function procClock(sched: Scheduler, proc: Proc, clock: HostClock): Clock {
  return {
    now: () => clock.at(sched.now),
    setTimeout: (fn, ms) => ({ id: sched.after(ms / clock.rate, proc, fn) }),
    clearTimeout: (h: TimerHandle) => {
      (h.id as SimEvent).cancelled = true;
    },
  };
}

/** The network's faults at one moment: each field is changed by the fault schedule. */
export interface NetFaults {
  /** Probability that one message between hosts is lost. */
  loss: number;
  /** Probability that one request between hosts is delivered twice. */
  duplicate: number;
  /** Extra latency, drawn up to this many ms per message (reorders messages). */
  extraDelayMs: number;
  /** Directed cuts: `A>B` drops everything from host A to host B, while any fault that made it lasts (a count). */
  readonly cut: Map<string, number>;
  /** Hosts slow to answer (the store on a slow disk): up to this many ms more on each message to or from one. */
  readonly slow: Map<string, number>;
}

/** What a service answers to a call: the method's result, or its error (the same classes the daemons raise). */
export type Handler = (method: string, req: unknown) => unknown;

interface Service {
  proc: Proc;
  handle: Handler;
}

/**
 * Calls between processes, as gRPC unary calls would behave: a deadline on the caller's clock, a
 * refused connection answered at once when nothing listens, silence when the host is down or cut off.
 * Calls within one host (loopback) are never cut or lost.
 */
export class Network {
  readonly faults: NetFaults = { loss: 0, duplicate: 0, extraDelayMs: 0, cut: new Map(), slow: new Map() };
  private readonly services = new Map<string, Service>();
  /** Hosts switched off: nothing reaches them, nothing leaves them. */
  readonly down = new Set<string>();
  messages = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: Prng,
    private readonly trace: (line: string) => void,
  ) {}

  /** `address` is `HOST/service`; a restarted daemon listens again under the same address. */
  listen(address: string, proc: Proc, handle: Handler): void {
    this.services.set(address, { proc, handle });
    proc.onDeath.push(() => {
      if (this.services.get(address)?.proc === proc) this.services.delete(address);
    });
  }

  /** Whether one message from host `from` to host `to` is delivered (drawing its loss). */
  private passes(from: string, to: string): boolean {
    if (this.down.has(from) || this.down.has(to)) return false;
    if (from === to) return true;
    if (this.faults.cut.has(`${from}>${to}`)) return false;
    return !(this.faults.loss > 0 && this.rng.next() < this.faults.loss);
  }

  private latency(from: string, to: string): number {
    if (from === to) return 0.05;
    const extra = this.faults.extraDelayMs > 0 ? this.rng.next() * this.faults.extraDelayMs : 0;
    const slowMs = (this.faults.slow.get(from) ?? 0) + (this.faults.slow.get(to) ?? 0);
    const slow = slowMs > 0 ? slowMs * (0.5 + this.rng.next() / 2) : 0;
    return 0.2 + this.rng.next() * 0.8 + extra + slow;
  }

  /** One call from `caller` to `address`; rejects with UnavailableError past `deadlineMs`. */
  call<T>(caller: Proc, address: string, method: string, req: unknown, deadlineMs: number): Promise<T> {
    const toHost = address.slice(0, address.indexOf('/'));
    const from = caller.host;
    this.messages++;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        deadline.cancelled = true;
        fn();
      };
      const deadline = this.sched.after(deadlineMs, caller, () =>
        finish(() =>
          reject(new UnavailableError(`${address} ${method}: no answer within ${deadlineMs} ms (deadline)`)),
        ),
      );
      const reply = (fn: () => void) => {
        if (!this.passes(toHost, from)) return;
        this.sched.after(this.latency(toHost, from), caller, () => finish(fn));
      };
      const deliver = () => {
        const svc = this.services.get(address);
        if (!svc) {
          // Nothing listens there: the connection is refused at once.
          reply(() => reject(new UnavailableError(`${address} ${method}: connection refused`)));
          return;
        }
        this.sched.after(0, svc.proc, () => {
          let result: unknown;
          try {
            result = svc.handle(method, req);
          } catch (err) {
            reply(() => reject(err));
            return;
          }
          Promise.resolve(result).then(
            (value) => reply(() => resolve(value as T)),
            (err: unknown) => reply(() => reject(err)),
          );
        });
      };
      if (!this.passes(from, toHost)) {
        this.trace(`  lost ${caller.name} → ${address} ${method}`);
        return;
      }
      this.sched.after(this.latency(from, toHost), null, deliver);
      if (from !== toHost && this.faults.duplicate > 0 && this.rng.next() < this.faults.duplicate) {
        this.trace(`  duplicated ${caller.name} → ${address} ${method}`);
        this.sched.after(this.latency(from, toHost), null, deliver);
      }
    });
  }
}
