/**
 * The host lease's term (DESIGN §5): a start or promotion decided before the host's lease last ran
 * out is refused, and the primary SuperWatchDog withholds the lease of a host whose death its
 * ReplicaManager is still to hear. Together they keep a command decided before a host was declared
 * dead from running beside the copy that took its role elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { LeaseTerms } from '../../../src/replica-manager/lease-terms.js';
import { DEFAULT_TIMINGS } from '../../../src/shared/config.js';
import { StaleLeaseTermError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logging.js';
import { HostReports } from '../../../src/super-watchdog/host-reports.js';
import { HostLease } from '../../../src/watchdog/lease.js';

function lease(start = 1000) {
  let mono = 0;
  let wall = start;
  const written: number[] = [];
  const l = new HostLease(
    { path: 'lease', write: async (v) => void written.push(v) },
    DEFAULT_TIMINGS,
    silentLogger(),
    () => mono,
    () => wall,
  );
  const grant = () => l.granted({ sentAtMs: mono, primaryLeaseRemainingMs: DEFAULT_TIMINGS.appLeaseMs });
  const advance = (ms: number) => {
    mono += ms;
    wall += ms;
  };
  return { l, grant, advance, setWall: (w: number) => (wall = w) };
}

describe('HostLease terms', () => {
  it('has no term before its first grant, and keeps one term while renewals come in time', () => {
    const { l, grant, advance } = lease();
    expect(l.term).toBe(0);
    grant();
    const first = l.term;
    expect(first).toBe(1000);
    for (let i = 0; i < 10; i++) {
      advance(DEFAULT_TIMINGS.watchdogBeatMs);
      grant();
    }
    expect(l.term).toBe(first);
  });

  it('begins a new, higher term when a grant comes after the lease ran out, even if the wall clock went back', () => {
    const { l, grant, advance, setWall } = lease();
    grant();
    const first = l.term;
    advance(DEFAULT_TIMINGS.appLeaseMs + 1);
    expect(l.remainingMs()).toBe(0);
    grant();
    expect(l.term).toBeGreaterThan(first);
    const second = l.term;
    advance(DEFAULT_TIMINGS.appLeaseMs + 1);
    setWall(0);
    grant();
    expect(l.term).toBe(second + 1);
  });
});

describe('LeaseTerms (the ReplicaManager side)', () => {
  it('asks a host it never heard for its term first, stamps commands with it, and learns a newer one from a refusal', async () => {
    const terms = new LeaseTerms();
    const stamps: number[] = [];
    let lists = 0;
    const list = async () => {
      lists++;
      return 5;
    };
    await terms.stamped('H1', list, async (t) => stamps.push(t));
    await terms.stamped('H1', list, async (t) => stamps.push(t));
    expect(lists).toBe(1);
    await expect(
      terms.stamped('H1', list, async (t) => {
        throw new StaleLeaseTermError(t, 9, { what: 'the start of A1' });
      }),
    ).rejects.toThrow(/decided under host lease term 5.*\(term 9\): refused/);
    await terms.stamped('H1', list, async (t) => stamps.push(t));
    expect(stamps).toEqual([5, 5, 9]);
    terms.heard('H1', 7);
    await terms.stamped('H1', list, async (t) => stamps.push(t));
    expect(stamps.at(-1)).toBe(9);
  });
});

describe('HostReports (the primary SuperWatchDog side)', () => {
  it('withholds the lease of a host declared dead until its ReplicaManager acknowledged it', () => {
    const r = new HostReports();
    r.noted([{ kind: 'host-down', host: 'H6' }]);
    expect(r.withheld('H6')).toBe(true);
    expect(r.withheld('H5')).toBe(false);
    const report = r.next();
    expect(report).toEqual({ host: 'H6', up: false });
    // Being told: still withheld; a failed report is told again.
    r.settled('H6', false, false);
    expect(r.withheld('H6')).toBe(true);
    expect(r.next()).toEqual({ host: 'H6', up: false });
    r.settled('H6', false, true);
    expect(r.withheld('H6')).toBe(false);
    expect(r.next()).toBeNull();
  });

  it('withholds while a down report is in flight even when the host came back meanwhile, not after', () => {
    const r = new HostReports();
    r.noted([{ kind: 'host-down', host: 'H6' }]);
    r.next();
    r.noted([{ kind: 'host-up', host: 'H6' }]);
    expect(r.withheld('H6')).toBe(true);
    r.settled('H6', false, false);
    // The down was lost and replaced by the host's return: the manager acts on the latest.
    expect(r.withheld('H6')).toBe(false);
    expect(r.next()).toEqual({ host: 'H6', up: true });
  });

  it('a down replaced by an up before it was told withholds nothing; stepping down forgets all', () => {
    const r = new HostReports();
    r.noted([
      { kind: 'host-down', host: 'H6' },
      { kind: 'host-up', host: 'H6' },
    ]);
    expect(r.withheld('H6')).toBe(false);
    r.noted([{ kind: 'host-down', host: 'H4' }]);
    r.clear();
    expect(r.withheld('H4')).toBe(false);
    expect(r.next()).toBeNull();
  });
});
