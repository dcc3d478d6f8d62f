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
    const s = initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT }, 5000);
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

  it('declares a host down when its WatchDog is silent for more than the timeout, counted from the last beat', () => {
    const s = initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT }, 0);
    const r = run(s, [beat('H1', 1000), beat('H2', 1500), tick(3000), tick(3001)]);
    expect(r.effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
    expect(r.state.hosts[0]).toEqual({ name: 'H1', up: false, sinceMs: 3001, lastBeatMs: 1000 });
    expect(r.state.hosts[1]).toMatchObject({ name: 'H2', up: true, lastBeatMs: 1500 });
  });

  it('declares a host down once, however many ticks follow', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT }, 0);
    const r = run(s, [tick(2500), tick(3000), tick(10_000), tick(100_000)]);
    expect(r.effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
  });

  it('brings a down host up once, at its first beat, and gives it a full timeout again', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT }, 0);
    const r = run(s, [tick(2500), beat('H1', 4000), beat('H1', 4100), tick(6000)]);
    expect(r.effects).toEqual([
      { kind: 'host-down', host: 'H1' },
      { kind: 'host-up', host: 'H1' },
    ]);
    expect(r.state.hosts[0]).toEqual({ name: 'H1', up: true, sinceMs: 4000, lastBeatMs: 4100 });
    expect(run(r.state, [tick(6101)]).effects).toEqual([{ kind: 'host-down', host: 'H1' }]);
  });

  it('ignores beats from hosts it does not know', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT }, 0);
    const r = run(s, [beat('H9', 100), beat('', 200)]);
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual(s);
  });

  it('a late beat (delivered after a newer one) does not move the last beat back', () => {
    const s = initHostMonitor({ hosts: ['H1'], hostTimeoutMs: TIMEOUT }, 0);
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
          const { effects } = run(initHostMonitor({ hosts, hostTimeoutMs: TIMEOUT }, 0), msgs);
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
          let state = initHostMonitor({ hosts: ['H1', 'H2'], hostTimeoutMs: TIMEOUT }, 0);
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
});
