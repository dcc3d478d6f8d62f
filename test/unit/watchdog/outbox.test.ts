/** The failure outbox: reports wait while the ReplicaManager is away, are retried with back-off, and none is dropped unsaid. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { NotFoundError, UnavailableError } from '../../../src/shared/errors.js';
import type { Logger } from '../../../src/shared/logging.js';
import {
  type FailureReport,
  Outbox,
  type Reporter,
  type RunningReport,
} from '../../../src/watchdog/reporter.js';

function recordingLogger(lines: string[]): Logger {
  const rec = (level: string) => (obj: unknown, msg?: string) => lines.push(`${level} ${msg ?? String(obj)}`);
  return {
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    debug: rec('debug'),
  } as unknown as Logger;
}

const report = (replica: string): FailureReport => ({
  host: 'H1',
  replica,
  reason: 'exit',
  detail: '',
  epochSeen: 1,
  startedAtMs: 1,
});

class Flaky implements Reporter {
  readonly delivered: string[] = [];
  readonly attempts: number[] = [];
  down = true;
  refuse = new Set<string>();
  constructor(private readonly clock: ManualClock) {}
  async reportFailure(r: FailureReport) {
    this.attempts.push(this.clock.now());
    if (this.down) throw new UnavailableError('no manager');
    if (this.refuse.has(r.replica)) throw new NotFoundError(`unknown replica ${r.replica}`);
    this.delivered.push(r.replica);
  }
  async reportRunning(r: RunningReport) {
    if (this.down) throw new UnavailableError('no manager');
    this.delivered.push(`running:${r.host}`);
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(maxQueue?: number) {
  const clock = new ManualClock(0);
  const lines: string[] = [];
  const reporter = new Flaky(clock);
  const outbox = new Outbox({
    reporter,
    clock,
    logger: recordingLogger(lines),
    snapshot: () => ({ host: 'H1', epochSeen: 1 }),
    ...(maxQueue ? { maxQueue } : {}),
    baseRetryMs: 100,
    maxRetryMs: 800,
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await settle();
    }
  };
  return { clock, lines, reporter, outbox, advance };
}

describe('Outbox', () => {
  it('drops the undelivered reports about older copies of a replica once a newer copy runs', async () => {
    const { reporter, outbox, advance, lines } = setup();
    outbox.pushFailure({ ...report('W2'), startedAtMs: 100 });
    outbox.pushFailure({ ...report('T1'), startedAtMs: 100 });
    outbox.pushFailure({ ...report('W2'), startedAtMs: 500 });
    await settle();
    // The manager started W2 anew at 400: the report about the copy of 100 is accounted for; the
    // one about a copy started later (500) and T1's are not.
    outbox.supersede('W2', 400);
    expect(outbox.pending.map((r) => `${r.replica}@${r.startedAtMs}`)).toEqual(['T1@100', 'W2@500']);
    expect(lines.filter((l) => l.includes('a newer copy of the replica runs'))).toHaveLength(1);
    reporter.down = false;
    await advance(1000);
    expect(reporter.delivered).toEqual(['T1', 'W2']);
  });

  it('retries with a capped back-off and delivers in order once the manager answers, then the running report', async () => {
    const { reporter, outbox, advance } = setup();
    outbox.pushFailure(report('A1'));
    outbox.pushFailure(report('B1'));
    outbox.requestRunning();
    await settle();
    await advance(3000);
    const gaps = reporter.attempts.slice(1).map((t, i) => t - reporter.attempts[i]!);
    expect(gaps.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(Math.max(...gaps)).toBe(800);
    reporter.down = false;
    await advance(1000);
    expect(reporter.delivered).toEqual(['A1', 'B1', 'running:H1']);
    expect(outbox.idle).toBe(true);
  });

  it('a kick (a new manager address) retries at once', async () => {
    const { reporter, outbox, advance } = setup();
    outbox.pushFailure(report('A1'));
    await advance(2000);
    reporter.down = false;
    outbox.kick();
    await settle();
    expect(reporter.delivered).toEqual(['A1']);
  });

  it('drops a report the manager refuses for good, with a warning', async () => {
    const { reporter, outbox, lines } = setup();
    reporter.down = false;
    reporter.refuse.add('X1');
    outbox.pushFailure(report('X1'));
    outbox.pushFailure(report('A1'));
    await settle();
    expect(reporter.delivered).toEqual(['A1']);
    expect(lines.some((l) => l.startsWith('warn') && l.includes('refused'))).toBe(true);
  });

  it('is bounded: beyond its size the oldest report is dropped with an error log, never silently', async () => {
    const { outbox, lines } = setup(2);
    outbox.pushFailure(report('A1'));
    outbox.pushFailure(report('B1'));
    outbox.pushFailure(report('C1'));
    await settle();
    expect(outbox.pending.map((r) => r.replica)).toEqual(['B1', 'C1']);
    expect(lines.filter((l) => l.startsWith('error'))).toEqual([
      'error failure outbox full: the oldest undelivered failure report is dropped',
    ]);
    outbox.stop();
    expect(lines.at(-1)).toContain('undelivered failure reports');
  });
});
