import { describe, expect, it } from 'vitest';
import { ManualClock, repeat, sleep, steadyClock } from '../../src/shared/clock.js';

describe('the clock helpers', () => {
  it('repeat() calls every interval until stopped, also when stopped from inside the call', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const stop = repeat(clock, 100, () => {
      at.push(clock.now());
      if (at.length === 3) stop();
    });
    clock.advance(1000);
    expect(at.map((t) => t - 1_000_000)).toEqual([100, 200, 300]);
    expect(clock.pending).toBe(0);
  });

  it('sleep() resolves when the clock reaches it', async () => {
    const clock = new ManualClock();
    let done = false;
    const p = sleep(clock, 50).then(() => {
      done = true;
    });
    clock.advance(49);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await p;
    expect(done).toBe(true);
  });

  it('the steady clock reads the epoch scale and never runs backwards', () => {
    const a = steadyClock.now();
    const b = steadyClock.now();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - Date.now())).toBeLessThan(60_000);
  });
});
