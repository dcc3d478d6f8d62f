/**
 * The WatchDog's supervision rules as pure functions (STYLE §1): when a copy is hung, when a polled
 * copy is dead, which SuperWatchDog to beat next, how long to
 * back off. No clock reads, no I/O: time comes in as arguments.
 */

/** How a copy is watched, with every default already filled in. */
export interface Watch {
  detect: 'poll' | 'heartbeat';
  /** Poll: time between checks. */
  intervalMs: number;
  /** Heartbeat: silence after which the copy is hung. */
  timeoutMs: number;
  /** Poll: failed checks in a row after which the copy is dead. */
  misses: number;
  /** Time a copy gets after its start before the first beat or the first failed check counts. */
  startGraceMs: number;
}

/** What the WatchDog knows about a copy's liveness at one moment. */
export interface Liveness {
  startedAtMs: number;
  /** Last heartbeat (or the moment the copy attached), if any. */
  lastBeatMs?: number;
  /** Failed checks in a row. */
  misses: number;
  /** Whether any check has succeeded since the start. */
  everHealthy: boolean;
}

/**
 * A heartbeat-style copy is hung when it has been silent longer than its timeout (source ¶0019);
 * before its first beat it gets the longer of its timeout and the start grace.
 */
export function isHung(w: Watch, l: Liveness, nowMs: number): boolean {
  if (w.detect !== 'heartbeat') return false;
  if (l.lastBeatMs === undefined) return nowMs - l.startedAtMs > Math.max(w.timeoutMs, w.startGraceMs);
  return nowMs - l.lastBeatMs > w.timeoutMs;
}

/** Whether a poll is due: one interval after the last one. */
export function pollDue(w: Watch, lastPollMs: number | undefined, nowMs: number): boolean {
  return lastPollMs === undefined || nowMs - lastPollMs >= w.intervalMs;
}

/**
 * Counts one poll result: a healthy answer clears the misses; a miss counts, except while a copy that
 * has never answered is still within its start grace (a program needs time to open its port).
 */
export function countPoll(w: Watch, l: Liveness, healthy: boolean, nowMs: number): Liveness {
  if (healthy) return { ...l, misses: 0, everHealthy: true };
  if (!l.everHealthy && nowMs - l.startedAtMs < w.startGraceMs) return l;
  return { ...l, misses: l.misses + 1 };
}

/** A polled copy is dead after `misses` failed checks in a row (DESIGN §6). */
export function isDeadByPolls(w: Watch, l: Liveness): boolean {
  return l.misses >= w.misses;
}

/** The failure reason for a copy whose process ended, as ReportFailure carries it. */
export function exitReason(
  code: number | null,
  signal: string | null,
): { reason: 'exit' | 'signal'; detail: string } {
  if (signal) return { reason: 'signal', detail: `killed by ${signal}` };
  return { reason: 'exit', detail: `exited with code ${code ?? 'unknown'}` };
}

/** Epoch fencing (DESIGN §5): a command is accepted when its epoch is at least the highest seen. */
export function epochVerdict(seen: number, got: number): 'stale' | 'same' | 'newer' {
  if (got < seen) return 'stale';
  return got === seen ? 'same' : 'newer';
}

/** The result of one beat attempt to a SuperWatchDog. */
export type BeatOutcome = { ok: false } | { ok: true; primary: boolean; primaryHost: string };

/**
 * Where the next beat goes after an attempt to `current` (source ¶0026: each WatchDog discovers the
 * new primary): stay with a primary; follow a backup's pointer to the primary it names when that is
 * another ring member; otherwise try the next member in ring order.
 */
export function nextBeatTarget(ring: readonly string[], current: string, outcome: BeatOutcome): string {
  if (outcome.ok && outcome.primary) return current;
  if (
    outcome.ok &&
    outcome.primaryHost &&
    outcome.primaryHost !== current &&
    ring.includes(outcome.primaryHost)
  ) {
    return outcome.primaryHost;
  }
  const i = ring.indexOf(current);
  return ring[(i + 1) % ring.length] ?? current;
}

export { backoffMs } from '../shared/backoff.js';

/**
 * How long the tick between supervision passes may be: fine enough for the shortest timeout or
 * interval in use, never busier than every 20 ms nor lazier than every 200 ms.
 */
export function tickMs(watches: readonly Watch[]): number {
  const shortest = Math.min(
    1000,
    ...watches.map((w) => (w.detect === 'heartbeat' ? w.timeoutMs : w.intervalMs)),
  );
  return Math.max(20, Math.min(200, Math.floor(shortest / 4)));
}

/** How often a copy should beat: a third of its timeout, so that one late beat is not a hang. */
export function heartbeatIntervalMs(timeoutMs: number): number {
  return Math.max(20, Math.floor(timeoutMs / 3));
}

/** A primary SuperWatchDog's answer to a beat, as far as the host's lease is concerned. */
export interface LeaseGrant {
  /** When the answered beat was sent, on this host's monotonic clock. */
  sentAtMs: number;
  /** The primary's own lower bound of its manager lease, from its answer (negative once run out). */
  primaryLeaseRemainingMs: number;
}

/**
 * Until when (this host's monotonic clock) the copies of a host may run on one answered beat (fence
 * first, DESIGN §5). The primary that answered declares the host dead no earlier than hostTimeout
 * after receiving the beat, which is after it was sent; any other primary takes over only once that
 * primary's manager lease has run out in the store and then waits the take-over grace and a host
 * timeout too. So the copies live at most appLease past the sending, and never past the answering
 * primary's lease plus the take-over grace and a host timeout, each less the margin for clock rates,
 * the keeper's check and the kill.
 */
export function leaseUntil(
  grant: LeaseGrant,
  t: { appLeaseMs: number; hostTimeoutMs: number; fenceMarginMs: number; takeoverGraceMs: number },
): number {
  // Another primary exists only past this one's lease, and declares a host it has not heard dead only
  // a take-over grace and a host timeout after that.
  const byPrimary = grant.primaryLeaseRemainingMs + t.takeoverGraceMs + t.hostTimeoutMs - t.fenceMarginMs;
  return grant.sentAtMs + Math.min(t.appLeaseMs, byPrimary);
}
