/**
 * Time for the WatchDog and the SDK, behind an interface (STYLE §4), so that tests drive
 * supervision and self-fencing with a manual clock instead of waiting.
 */

/** An opaque timer handle. */
export type TimerHandle = { readonly id: unknown };

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; an `unref` timer does not keep the process alive. */
  setTimeout(fn: () => void, ms: number, options?: { unref?: boolean }): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The system clock and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, options) => {
    const t = setTimeout(fn, ms);
    if (options?.unref) t.unref();
    return { id: t };
  },
  clearTimeout: (h) => clearTimeout(h.id as NodeJS.Timeout),
};

/**
 * The system's timers with a monotonic time (on the epoch's scale, as of the process start): a step
 * of the wall clock neither ends nor stretches a lease measured on it.
 */
export const steadyClock: Clock = {
  ...systemClock,
  now: () => performance.timeOrigin + performance.now(),
};

/** A clock that moves only when told to; timers fire in time order during advance(). */
export class ManualClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; handle: TimerHandle }> = [];
  private seq = 0;

  constructor(private t = 1_000_000) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { id: ++this.seq };
    this.timers.push({ at: this.t + Math.max(0, ms), fn, handle });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.handle !== handle);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = until;
  }

  get pending(): number {
    return this.timers.length;
  }
}

/** Calls `fn` every `ms` on `clock` until the returned function is called. */
export function repeat(clock: Clock, ms: number, fn: () => void): () => void {
  let handle: TimerHandle | null = null;
  let stopped = false;
  const next = () => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      next();
      fn();
    }, ms);
  };
  next();
  return () => {
    stopped = true;
    if (handle) clock.clearTimeout(handle);
  };
}

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number, options?: { unref?: boolean }): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms, options));
}
