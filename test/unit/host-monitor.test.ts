/** Host-failure detection by the primary SuperWatchDog (src/super-watchdog/host-monitor.ts; source ¶0024). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HostEffect,
  type HostMonitorState,
  type HostMsg,
  initHostMonitor,
  stepHosts,
} from '../../src/super-watchdog/host-monitor.js';

const TIMEOUT = 2000;
/** The ticks of most cases here are sparse on purpose: starvation has cases of its own. */
const SPARSE = Number.POSITIVE_INFINITY;

function run(state: HostMonitorState, msgs: HostMsg[]): { state: HostMonitorState; effects: HostEffect[] } {
  const effects: HostEffect[] = [];
  for (const msg of msgs) {
    const before = structuredClone(state);
    const res = stepHosts(state, msg);
    expect(state, 'stepHosts() must not change its input').toEqual(before);
    effects.push(...res.effects);
    state = res.state;
  }
  return { state, effects };
}

const tick = (now: number): HostMsg => ({ kind: 'tick', now });
const beat = (host: string, now: number): HostMsg => ({ kind: 'watchdog-beat', host, now });

describe('host monitor (source ¶0024)', () => {
  it('starts with every host up, giving each WatchDog a full timeout from the start', () => {
    const s = initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 5000);
    expect(s.hosts).toEqual([
      { name: 'H1', up: true, sinceMs: 5000, lastBeatMs: null },
      { name: 'H2', up: true, sinceMs: 5000, lastBeatMs: null },
    ]);
    expect(run(s, [tick(7000)]).effects).toEqual([]);
    expect(run(s, [tick(7001)]).effects).toEqual([
      { kind: 'host-down', host: 'H1' },
      { kind: 'host-down', host: 'H2' },
    ]);
  });

  it('a new primary waits the take-over grace and a timeout for a host it has not heard, even one that beat once since', () => {
    const cfg = {
      hosts: ['H1', 'H2'],
      hostTimeoutMs: TIMEOUT,
      starvedGapMs: 1_000_000,
      takeoverGraceMs: 3000,
    };
    const s = initHostMonitor(cfg, 1000);
    // H2 beats once right after the take-over: a lease the last primary gave it may still run.
    expect(run(s, [beat('H2', 1100), tick(6000)]).effects).toEqual([]);
    expect(run(s, [beat('H2', 1100), tick(6001)]).effects).toEqual([
      { kind: 'host-down', host: 'H1' },
      { kind: 'host-down', host: 'H2' },
    ]);
    // Past the grace, silence counts from the last beat as usual.
    expect(run(s, [beat('H2', 5000), tick(6001)]).effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
  });

  it('declares a host down when its WatchDog is silent for more than the timeout, counted from the last beat', () => {
    const s = initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0);
    const r = run(s, [beat('H1', 1000), beat('H2', 1500), tick(3000), tick(3001)]);
    expect(r.effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
    expect(r.state.hosts[0]).toEqual({ name: 'H1', up: false, sinceMs: 3001, lastBeatMs: 1000 });
    expect(r.state.hosts[1]).toMatchObject({ name: 'H2', up: true, lastBeatMs: 1500 });
  });

  it('declares a host down once, however many ticks follow', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0);
    const r = run(s, [tick(2500), tick(3000), tick(10_000), tick(100_000)]);
    expect(r.effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
  });

  it('brings a down host up once, at its first beat, and gives it a full timeout again', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0);
    const r = run(s, [tick(2500), beat('H1', 4000), beat('H1', 4100), tick(6000)]);
    expect(r.effects).toEqual([
      { kind: 'host-down', host: 'H1' },
      { kind: 'host-up', host: 'H1' },
    ]);
    expect(r.state.hosts[0]).toEqual({ name: 'H1', up: true, sinceMs: 4000, lastBeatMs: 4100 });
    expect(run(r.state, [tick(6101)]).effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
  });

  it('ignores beats from hosts it does not know', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0);
    const r = run(s, [beat('H9', 100), beat('', 200)]);
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual(s);
  });

  it('a late beat (delivered after a newer one) does not move the last beat back', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0);
    const r = run(s, [beat('H1', 1000), beat('H1', 900)]);
    expect(r.state.hosts[0]?.lastBeatMs).toBe(1000);
  });

  it('never declares down a host that beats at least once per timeout (property)', () => {
    const hosts = ['H1', 'H2', 'H3'];
    // Per host, gaps between beats of at most the timeout; ticks anywhere in between.
    const beats = fc.array(fc.integer({ min: 1, max: TIMEOUT }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(
        fc.tuple(beats, beats, beats),
        fc.array(fc.integer({ min: 0, max: 60 * TIMEOUT }), { maxLength: 40 }),
        (gaps, tickTimes) => {
          const msgs: HostMsg[] = [];
          const ends: number[] = [];
          gaps.forEach((g, i) => {
            let t = 0;
            for (const gap of g) {
              t += gap;
              msgs.push(beat(hosts[i] as string, t));
            }
            ends.push(t);
          });
          // Ticks only while every host still beats (after its last beat it may rightly go down).
          const until = Math.min(...ends);
          for (const t of tickTimes) if (t <= until) msgs.push(tick(t));
          msgs.sort((a, b) => a.now - b.now || (a.kind === 'tick' ? 1 : -1));
          const { effects } = run(
            initHostMonitor({ hosts, hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0),
            msgs,
          );
          expect(effects).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a host silent past the timeout is down after the next tick, and every state change is reported once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 3 * TIMEOUT }).map((dt) => ({ kind: 'tick' as const, dt })),
            fc
              .tuple(fc.constantFrom('H1', 'H2', 'H9'), fc.integer({ min: 0, max: 3 * TIMEOUT }))
              .map(([host, dt]) => ({ kind: 'watchdog-beat' as const, host, dt })),
          ),
          { maxLength: 60 },
        ),
        (steps) => {
          let state = initHostMonitor(
            { hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE },
            0,
          );
          let now = 0;
          for (const s of steps) {
            now += s.dt;
            const msg: HostMsg = s.kind === 'tick' ? tick(now) : beat(s.host, now);
            const res = stepHosts(state, msg);
            for (const e of res.effects) {
              const before = state.hosts.find((h) => h.name === e.host);
              // Down only from up, up only from down: no repeated report.
              expect(before?.up).toBe(e.kind === 'host-down');
            }
            state = res.state;
            if (msg.kind === 'tick') {
              for (const h of state.hosts) {
                const silent = now - Math.max(h.lastBeatMs ?? 0, h.up ? h.sinceMs : 0);
                if (h.up) expect(silent).toBeLessThanOrEqual(TIMEOUT);
              }
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  describe('a monitor starved of CPU (DESIGN §5, no false deaths)', () => {
    const STARVED = 500;
    const fresh = () =>
      initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT, starvedGapMs: STARVED }, 0);

    it('does not count the time it did not run against any host', () => {
      // Ticks every 100 ms, beats every 200 ms until 1000, then the monitor itself stalls for 3 s.
      const msgs: HostMsg[] = [];
      for (let t = 100; t <= 1000; t += 100) {
        msgs.push(tick(t));
        if (t % 200 === 0) msgs.push(beat('H1', t), beat('H2', t));
      }
      msgs.push(tick(4000), beat('H1', 4001), beat('H2', 4001), tick(4100));
      const r = run(fresh(), msgs);
      expect(r.effects).toEqual([]);
      expect(r.state.hosts.every((h) => h.up)).toBe(true);
    });

    it('still declares a host that stays silent once it runs again, a full timeout of watched silence later', () => {
      const msgs: HostMsg[] = [beat('H1', 100), beat('H2', 100), tick(200), tick(3200)];
      // H2 beats on after the stall; H1 stays silent: 100 ms watched before the stall, then ticks.
      msgs.push(beat('H2', 3250));
      for (let t = 3300; t <= 6000; t += 100) msgs.push(tick(t), beat('H2', t));
      const r = run(fresh(), msgs);
      expect(r.effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
      // Declared after 2000 ms of silence it watched (100 → 200, then 3200 → 5100), not at 3200.
      const at = r.state.hosts[0]?.sinceMs ?? 0;
      expect(at).toBeGreaterThanOrEqual(5100);
      expect(at).toBeLessThanOrEqual(5200);
    });

    it('never declares a host earlier than the same beats without the stall would (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 40 }),
          fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
          (gaps, beats) => {
            let t = 0;
            const msgs: HostMsg[] = [];
            gaps.forEach((g, i) => {
              t += g;
              msgs.push(tick(t));
              if (beats[i]) msgs.push(beat('H1', t));
            });
            const starved = run(fresh(), msgs);
            const plain = run(
              initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT, starvedGapMs: SPARSE }, 0),
              msgs,
            );
            const firstDown = (r: typeof plain) =>
              r.state.hosts.some((h) => !h.up) || r.effects.some((e) => e.kind === 'host-down');
            // A declaration with starvation credit implies one without it.
            if (firstDown(starved)) expect(firstDown(plain)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
