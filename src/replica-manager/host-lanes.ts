/**
 * The order in which the ReplicaManager's commands reach one host's WatchDog. Commands for one copy
 * run one after another, in the order they were decided; commands for different copies run side by
 * side, so that a host failure with a thousand copies does not send its promotions one round trip
 * after another, and a copy in restart back-off holds up no other copy. How many at once depends on
 * the command: starts spawn a process, which a WatchDog does one after another, so they go one at a
 * time (a queue of them inside the WatchDog would run out their deadlines); the others (promotions,
 * stops), which a WatchDog answers at once, go up to `limit` at once. A barrier (the reconcile of the
 * host) runs once every command queued before it is done, and every command queued after it waits
 * for it.
 */
export class HostLane {
  private barrierDone: Promise<void> = Promise.resolve();
  /** The last command queued for each copy (until it is done). */
  private readonly lastOf = new Map<string, Promise<void>>();
  /** Every command queued and not done. */
  private readonly queued = new Set<Promise<void>>();
  private readonly slots: Record<SlotKind, Slots>;

  constructor(limit = 16) {
    this.slots = { spawn: new Slots(1), answer: new Slots(limit) };
  }

  /** Queues `work` for copy `key`; it never rejects (its errors are `work`'s to handle). */
  command(key: string, work: () => Promise<void>): Promise<void> {
    const p = Promise.all([this.barrierDone, this.lastOf.get(key)])
      .then(work)
      .catch(() => undefined);
    this.lastOf.set(key, p);
    this.queued.add(p);
    void p.then(() => {
      this.queued.delete(p);
      if (this.lastOf.get(key) === p) this.lastOf.delete(key);
    });
    return p;
  }

  /** Queues `work` after every command queued so far; commands queued later wait for it. Never rejects. */
  barrier(work: () => Promise<void>): Promise<void> {
    const p = Promise.all([this.barrierDone, ...this.queued])
      .then(work)
      .catch(() => undefined);
    this.barrierDone = p;
    return p;
  }

  /** Runs `call`, the part of a command that talks to the WatchDog, when a slot of its kind is free. */
  inSlot<T>(kind: SlotKind, call: () => Promise<T>): Promise<T> {
    return this.slots[kind].run(call);
  }
}

/** `spawn`: a command that starts a process; `answer`: one the WatchDog answers at once. */
export type SlotKind = 'spawn' | 'answer';

/** At most `limit` calls at once; the others wait in order. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
