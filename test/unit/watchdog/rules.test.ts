/** The WatchDog's pure supervision rules (src/watchdog/rules.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  countPoll,
  epochVerdict,
  exitReason,
  isDeadByPolls,
  isHung,
  type Liveness,
  leaseUntil,
  nextBeatTarget,
  pollDue,
  tickMs,
  type Watch,
} from '../../../src/watchdog/rules.js';

const hb: Watch = { detect: 'heartbeat', intervalMs: 500, timeoutMs: 1000, misses: 2, startGraceMs: 3000 };
const poll: Watch = { ...hb, detect: 'poll' };
const fresh: Liveness = { startedAtMs: 0, misses: 0, everHealthy: false };

describe('heartbeat: hung after silence past the timeout (source ¶0019)', () => {
  it('counts from the last beat', () => {
    const l = { ...fresh, lastBeatMs: 10_000 };
    expect(isHung(hb, l, 11_000)).toBe(false);
    expect(isHung(hb, l, 11_001)).toBe(true);
  });

  it('gives a copy that never beat the start grace when it is longer than the timeout', () => {
    expect(isHung(hb, fresh, 2_999)).toBe(false);
    expect(isHung(hb, fresh, 3_001)).toBe(true);
    expect(isHung({ ...hb, startGraceMs: 100 }, fresh, 1_001)).toBe(true);
  });

  it('never applies to a polled copy', () => {
    expect(isHung(poll, { ...fresh, lastBeatMs: 0 }, 1e9)).toBe(false);
  });
});

describe('polling: dead after `misses` failed checks in a row', () => {
  it('a healthy answer clears the misses', () => {
    let l: Liveness = { ...fresh, everHealthy: true };
    l = countPoll(poll, l, false, 5000);
    expect(l.misses).toBe(1);
    expect(isDeadByPolls(poll, l)).toBe(false);
    l = countPoll(poll, l, true, 5500);
    expect(l.misses).toBe(0);
    l = countPoll(poll, countPoll(poll, l, false, 6000), false, 6500);
    expect(isDeadByPolls(poll, l)).toBe(true);
  });

  it('misses inside the start grace of a copy that never answered do not count', () => {
    const l = countPoll(poll, fresh, false, 1000);
    expect(l.misses).toBe(0);
    expect(countPoll(poll, fresh, false, 3000).misses).toBe(1);
  });

  it('a poll is due one interval after the last', () => {
    expect(pollDue(poll, undefined, 0)).toBe(true);
    expect(pollDue(poll, 1000, 1499)).toBe(false);
    expect(pollDue(poll, 1000, 1500)).toBe(true);
  });
});

describe('exit reasons', () => {
  it('a code is an exit, a signal is a signal', () => {
    expect(exitReason(3, null)).toEqual({ reason: 'exit', detail: 'exited with code 3' });
    expect(exitReason(null, 'SIGKILL')).toEqual({ reason: 'signal', detail: 'killed by SIGKILL' });
  });
});

describe('epoch fencing (DESIGN §5)', () => {
  it('lower is stale, equal is the same, higher is newer', () => {
    expect(epochVerdict(5, 4)).toBe('stale');
    expect(epochVerdict(5, 5)).toBe('same');
    expect(epochVerdict(5, 6)).toBe('newer');
    expect(epochVerdict(0, 0)).toBe('same');
  });
});

describe('finding the primary SuperWatchDog (source ¶0026)', () => {
  const ring = ['H2', 'H5', 'H6'];
  it('stays with a primary', () => {
    expect(nextBeatTarget(ring, 'H5', { ok: true, primary: true, primaryHost: '' })).toBe('H5');
  });
  it('follows a backup that names the primary', () => {
    expect(nextBeatTarget(ring, 'H2', { ok: true, primary: false, primaryHost: 'H6' })).toBe('H6');
  });
  it('otherwise tries the next member in ring order, wrapping around', () => {
    expect(nextBeatTarget(ring, 'H2', { ok: false })).toBe('H5');
    expect(nextBeatTarget(ring, 'H6', { ok: false })).toBe('H2');
    expect(nextBeatTarget(ring, 'H5', { ok: true, primary: false, primaryHost: '' })).toBe('H6');
    expect(nextBeatTarget(ring, 'H5', { ok: true, primary: false, primaryHost: 'H5' })).toBe('H6');
    expect(nextBeatTarget(ring, 'H5', { ok: true, primary: false, primaryHost: 'H9' })).toBe('H6');
  });
  it('visits every member within one round of failures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.nat(), (n, start) => {
        const r = Array.from({ length: n }, (_, i) => `S${i}`);
        let at = r[start % n]!;
        const seen = new Set([at]);
        for (let i = 1; i < n; i++) {
          at = nextBeatTarget(r, at, { ok: false });
          seen.add(at);
        }
        return seen.size === n;
      }),
    );
  });
});

describe('timing helpers', () => {
  it('back-off doubles up to its cap', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 100, 1000))).toEqual([100, 200, 400, 800, 1000]);
  });
  it('the tick follows the shortest timeout or interval, within 20–200 ms', () => {
    expect(tickMs([])).toBe(200);
    expect(tickMs([hb])).toBe(200);
    expect(tickMs([{ ...hb, timeoutMs: 200 }])).toBe(50);
    expect(tickMs([{ ...poll, intervalMs: 10 }])).toBe(20);
  });
});

describe('host lease (fence first, DESIGN §5)', () => {
  const t = { appLeaseMs: 2400, hostTimeoutMs: 3000, fenceMarginMs: 400, takeoverGraceMs: 3000 };

  it('runs appLease past the beat while the primary holds its lease', () => {
    expect(leaseUntil({ sentAtMs: 10_000, primaryLeaseRemainingMs: 800 }, t)).toBe(12_400);
  });

  it("past the primary's own lease (the Checkpoint Server unreachable): only until another primary could declare the host dead, less the margin", () => {
    // Another primary could exist 4000 ms ago, and then waits the grace and a host timeout.
    expect(leaseUntil({ sentAtMs: 10_000, primaryLeaseRemainingMs: -4000 }, t)).toBe(10_000 + 1600);
    expect(leaseUntil({ sentAtMs: 10_000, primaryLeaseRemainingMs: -5600 }, t)).toBe(10_000);
  });
});
