/**
 * The WatchDog's watch over its running copies (source ¶0019): a supervision pass on a timer that
 * finds adopted copies whose pid is gone and copies silent past their heartbeat timeout, and runs each
 * polled copy's check (tcp, http, grpc, exec, or the SDK ping) when it falls due. What counts as dead
 * is decided by the pure rules of rules.ts; what to do with a dead copy, by the WatchDog (`fail`).
 */
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Timings } from '../shared/config.js';
import type { Logger } from '../shared/logging.js';
import type { Copy } from './copies.js';
import { resolveCheckCommand } from './executable.js';
import type { ProbeResult, Probes } from './probes.js';
import type { ProcessControl } from './process-control.js';
import { countPoll, isDeadByPolls, isHung, pollDue, tickMs, type Watch } from './rules.js';

export interface LivenessOptions {
  /** Where tcp/http/grpc checks reach the copies. */
  hostAddress: string;
  allowedExecutableDirs: readonly string[];
  timings: Timings;
  processes: ProcessControl;
  probes: Probes;
  clock: Clock;
  logger: Logger;
  /** The copies the WatchDog holds now. */
  copies(): Iterable<Copy>;
  /** The rules' view of a copy. */
  watchOf(copy: Copy): Watch;
  /** A copy found dead: killed first when `kill`, removed, reported. */
  fail(copy: Copy, reason: string, detail: string, kill: boolean): Promise<void>;
}

export class LivenessWatch {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly opts: LivenessOptions) {}

  /** Starts the passes: the next one comes after the shortest interval any copy asks for. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    const every = tickMs([...this.opts.copies()].map((c) => this.opts.watchOf(c)));
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      try {
        this.tick();
      } catch (err) {
        this.opts.logger.error({ err: (err as Error).message }, 'supervision pass failed');
      }
      this.schedule();
    }, every);
  }

  /** One supervision pass over every running copy (level-triggered: the state decides, not the events). */
  tick(): void {
    const now = this.opts.clock.now();
    for (const copy of [...this.opts.copies()]) {
      if (copy.state !== 'running') continue;
      const w = this.opts.watchOf(copy);
      if (!copy.child && !this.opts.processes.isAlive(copy.pid, copy.procStart)) {
        void this.opts.fail(
          copy,
          'exit',
          `pid ${copy.pid} ended (not a child of this WatchDog: exit status unknown)`,
          false,
        );
        continue;
      }
      if (isHung(w, copy.live, now)) {
        const silent = now - (copy.live.lastBeatMs ?? copy.live.startedAtMs);
        void this.opts.fail(copy, 'hang', `no heartbeat for ${silent} ms (timeout ${w.timeoutMs} ms)`, true);
        continue;
      }
      if (!copy.polling && pollDue(w, copy.lastPollMs, now) && checkKind(copy, w) !== null) {
        copy.lastPollMs = now;
        copy.polling = true;
        void this.poll(copy, w);
      }
    }
  }

  private async poll(copy: Copy, w: Watch): Promise<void> {
    let result: ProbeResult;
    try {
      result = await this.check(copy, w);
    } catch (err) {
      result = { healthy: false, detail: (err as Error).message };
    } finally {
      copy.polling = false;
    }
    if (copy.state !== 'running') return;
    copy.live = countPoll(w, copy.live, result.healthy, this.opts.clock.now());
    if (!result.healthy) {
      this.opts.logger.debug(
        { replica: copy.spec.replica, misses: copy.live.misses, detail: result.detail },
        'check missed',
      );
    }
    if (isDeadByPolls(w, copy.live)) {
      await this.opts.fail(
        copy,
        'ping',
        `${copy.live.misses} checks failed in a row; last: ${result.detail}`,
        true,
      );
    }
  }

  private async check(copy: Copy, w: Watch): Promise<ProbeResult> {
    const bound = Math.max(50, Math.min(w.intervalMs, this.opts.timings.rpcDeadlineMs));
    const c = copy.spec.check;
    const host = this.opts.hostAddress;
    const probes = this.opts.probes;
    switch (checkKind(copy, w)) {
      case 'sdk':
        return this.ping(copy, bound);
      case 'tcp':
        return probes.tcp(host, c?.port ?? 0, bound);
      case 'http':
        return probes.http(host, c?.port ?? 0, c?.path || '/', bound);
      case 'grpc':
        return probes.grpc(host, c?.port ?? 0, bound);
      case 'exec': {
        const command = await resolveCheckCommand(c?.command ?? [], this.opts.allowedExecutableDirs);
        return probes.exec(command, bound);
      }
      default:
        return { healthy: true, detail: 'no check' };
    }
  }

  /** The SDK ping: answered with the application's sanity check, or a miss when nobody answers in time. */
  private ping(copy: Copy, boundMs: number): Promise<ProbeResult> {
    const link = copy.app;
    if (!link) return Promise.resolve({ healthy: false, detail: 'not attached through the SDK' });
    const seq = ++copy.pingSeq;
    const clock = this.opts.clock;
    return new Promise<ProbeResult>((resolve) => {
      const timer = clock.setTimeout(() => {
        if (copy.pendingPing?.seq === seq) copy.pendingPing = null;
        resolve({ healthy: false, detail: `no answer to ping ${seq} in ${boundMs} ms` });
      }, boundMs);
      copy.pendingPing = {
        seq,
        resolve: (r) => {
          clock.clearTimeout(timer);
          resolve(r);
        },
      };
      link.send({ ping: { seq: String(seq) } });
    });
  }
}

/**
 * The check a copy gets: its configured one; else, for a polled copy attached through the SDK, a
 * ping; else none (exit or pid liveness only).
 */
export function checkKind(copy: Copy, w: Watch): string | null {
  const kind = copy.spec.check?.kind;
  if (kind) return kind;
  if (w.detect === 'poll' && copy.app) return 'sdk';
  return null;
}
