/**
 * The router on the six-host cluster (DESIGN §12), as a client sees it: a warm module S with a
 * service port, run by the sample application on H1, H4 and H6, reached only through the router on
 * H3. A kill -9 of the primary (source ¶0023) is a held delay for the client, then its answers come
 * from the promoted backup; a planned `rmctl switchover` refuses no connection. All along, a probe
 * asks every copy directly: never do two copies answer as primary at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { askSample, type SampleAnswer } from '../../examples/sample-client.js';
import { copyServicePort, type ModuleSpec } from '../../src/model/table.js';
import { clusterHost } from '../../src/shared/config.js';
import { appEvents, clusterForSuite, rmctl, statuses, untilTable } from '../helpers/cluster.js';
import { waitFor } from '../helpers/processes.js';
import { SAMPLE_APP } from '../helpers/watchdog-fakes.js';

const SERVICE_PORT = 19400;
const HOSTS = ['H1', 'H4', 'H6'];
const ROUTER_HOST = 'H3';

const moduleS: ModuleSpec = {
  name: 'S',
  style: 'warm',
  degree: 2,
  policy: 'on-each-failure',
  detect: 'heartbeat',
  timeoutMs: 1000,
  check: { kind: 'sdk' },
  servicePort: SERVICE_PORT,
  replicas: HOSTS.map((host, i) => ({ id: `S${i + 1}`, host, path: SAMPLE_APP })),
};

interface Seen {
  phase: string;
  at: number;
}

/**
 * A client of S through the router: one request after another, each retried (at most 8 attempts)
 * until it is answered; refusals, cut connections and time-outs are kept with the phase they fell in.
 */
class RouterClient {
  phase = 'start';
  readonly answers: Array<Seen & SampleAnswer> = [];
  readonly failures: Array<Seen & { error: string; detail?: string }> = [];
  /** Requests that no attempt answered. */
  unanswered = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly address: string,
    private readonly port: number,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    for (let i = 0; i < 20_000 && this.running; i++) {
      let answered = false;
      for (let attempt = 0; attempt < 8 && !answered && this.running; attempt++) {
        // Longer than the router's hold (hostTimeoutMs + startGraceMs): the router closes first.
        const o = await askSample(this.address, this.port, 15_000);
        if (o.ok) {
          this.answers.push({ phase: this.phase, at: Date.now(), ...o.answer });
          answered = true;
        } else {
          this.failures.push({
            phase: this.phase,
            at: Date.now(),
            error: o.error,
            ...(o.detail ? { detail: o.detail } : {}),
          });
          await sleep(50);
        }
      }
      if (!answered && this.running) this.unanswered++;
      await sleep(20);
    }
  }

  /** Answers from `replica` in `phase`. */
  from(replica: string, phase = this.phase): number {
    return this.answers.filter((a) => a.replica === replica && a.phase === phase).length;
  }

  failed(phase: string): Array<{ error: string; detail?: string }> {
    return this.failures.filter((f) => f.phase === phase);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

describe('the router on H3 in front of a warm module (six hosts, real processes)', () => {
  const tc = clusterForSuite({ register: false });

  it('¶0023 kill -9 of the primary: a held delay, then the promoted backup answers; a switchover refuses nothing; never two primaries', async () => {
    const c = tc.cluster;
    const address = (h: string) => clusterHost(c.cfg, h).address;
    await c.register([moduleS]);
    await untilTable(c, 'S to run S1 as P and S2 as B', (t) => statuses(t, 'S') === 'S1:P S2:B S3:I');
    await waitFor(
      'S1 and S2 to announce their roles',
      () =>
        appEvents(c, 'H1', 'S1').some((e) => e.event === 'serving') &&
        appEvents(c, 'H4', 'S2').some((e) => e.event === 'role' && e.role === 'backup'),
      { timeoutMs: 20_000 },
    );

    // The probe: every 50 ms, each copy asked directly on its own port, all at once.
    const violations: string[] = [];
    let rounds = 0;
    let primariesSeen = 0;
    let probing = true;
    const probe = (async () => {
      for (let i = 0; i < 4000 && probing; i++) {
        const outcomes = await Promise.all(
          HOSTS.map((h, k) => askSample(address(h), copyServicePort(SERVICE_PORT, k), 1000)),
        );
        const primaries = outcomes.flatMap((o) => (o.ok && o.answer.role === 'primary' ? [o.answer] : []));
        rounds++;
        primariesSeen += primaries.length;
        if (primaries.length > 1)
          violations.push(primaries.map((p) => `${p.replica} (generation ${p.generation})`).join(' and '));
        await sleep(50);
      }
    })();

    const client = new RouterClient(address(ROUTER_HOST), SERVICE_PORT);
    try {
      await waitFor('an answer from S1 through the router on H3', () => client.from('S1') >= 5, {
        timeoutMs: 20_000,
      });

      // ¶0023: the primary S1 crashes.
      client.phase = 'kill';
      c.killCopy('S1');
      await untilTable(c, 'S2 to be P and S3 B', (t) => statuses(t, 'S') === 'S1:I S2:P S3:B');
      await waitFor('answers from S2 through the router', () => client.from('S2') >= 10, {
        timeoutMs: 30_000,
      });
      await waitFor(
        'S3 to run as a backup',
        () => appEvents(c, 'H6', 'S3').some((e) => e.event === 'role' && e.role === 'backup'),
        { timeoutMs: 20_000 },
      );
      // A few answers more, so that the switchover starts with S3 attached and following.
      const before = client.from('S2');
      await waitFor('more answers from S2', () => client.from('S2') >= before + 10, { timeoutMs: 20_000 });

      // A planned switchover: S2 steps down, S3 takes its role.
      client.phase = 'switchover';
      const sw = await rmctl(c, ['switchover', 'S']);
      expect(sw.code, sw.stdout + sw.stderr).toBe(0);
      expect(sw.stdout).toMatch(/switchover of S done: S3 on H6 is primary/);
      await waitFor('answers from S3 through the router', () => client.from('S3') >= 10, {
        timeoutMs: 30_000,
      });
      client.phase = 'after';
      await waitFor('answers after the switchover', () => client.from('S3', 'after') >= 5, {
        timeoutMs: 20_000,
      });
    } finally {
      await client.stop();
      probing = false;
      await probe;
    }

    const summary = JSON.stringify({ failures: client.failures, unanswered: client.unanswered });
    // Every request was answered, and only by a primary, in the order of the primaries' generations.
    expect(client.unanswered, summary).toBe(0);
    expect(new Set(client.answers.map((a) => a.role))).toEqual(new Set(['primary']));
    const generations = client.answers.map((a) => a.generation);
    expect(generations, 'an older primary answered after a newer one').toEqual(
      [...generations].sort((a, b) => a - b),
    );
    expect(client.answers.filter((a) => a.phase === 'kill').map((a) => a.replica)).toContain('S2');
    expect(client.answers.filter((a) => a.phase === 'switchover').map((a) => a.replica)).toContain('S3');
    expect(
      client.answers.filter((a) => a.phase === 'after').every((a) => a.replica === 'S3'),
      summary,
    ).toBe(true);
    // The router accepts every connection: a fail-over is a delay, never a refusal; at most the
    // request in flight at the kill is cut.
    // (Before the first table with S reached it, the router had no endpoint yet: phase 'start'.)
    expect(
      client.failures.filter((f) => f.error === 'refused' && f.phase !== 'start'),
      summary,
    ).toEqual([]);
    expect(client.failed('kill').length, summary).toBeLessThanOrEqual(2);
    expect(client.failed('switchover'), summary).toEqual([]);
    expect(client.failed('after'), summary).toEqual([]);

    expect(rounds).toBeGreaterThan(20);
    expect(primariesSeen, 'the probe saw the primaries it counts').toBeGreaterThan(rounds / 2);
    expect(violations).toEqual([]);
  }, 150_000);
});
