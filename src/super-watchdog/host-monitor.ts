/**
 * Host-failure detection by the primary SuperWatchDog (source ¶0022, ¶0024; DESIGN §6): every
 * WatchDog beats to it, and a host whose WatchDog stays silent past the host timeout is declared
 * down, once; its next beat brings it back up, once. Pure: time comes in with every message.
 */

/** What the primary SuperWatchDog believes about one host. */
export interface HostStatus {
  readonly name: string;
  readonly up: boolean;
  /** When it last went up or down (or when this monitor started). */
  readonly sinceMs: number;
  /** When its WatchDog last beat; null if never since this monitor started. */
  readonly lastBeatMs: number | null;
}

/** The hosts as the primary SuperWatchDog sees them, in the cluster file's order. */
export interface HostMonitorState {
  readonly hostTimeoutMs: number;
  /**
   * A gap between two ticks longer than this means the monitor itself was starved of CPU (or
   * frozen): the silence it did not watch is not counted against any host (DESIGN §5, no false deaths).
   */
  readonly starvedGapMs: number;
  /** The time of the last tick seen. */
  readonly lastTickMs: number;
  readonly hosts: readonly HostStatus[];
}

/** Time passing, or a beat from the WatchDog on `host`. */
export type HostMsg = { kind: 'tick'; now: number } | { kind: 'watchdog-beat'; host: string; now: number };

/** A change to report to the ReplicaManager (DESIGN §4: HostDown / HostUp). */
export type HostEffect = { kind: 'host-down'; host: string } | { kind: 'host-up'; host: string };

/**
 * A fresh monitor: every host up since `now` plus the take-over grace, so that a new primary gives
 * every WatchDog that grace and a full timeout before declaring anything (¶0026: the WatchDogs must
 * first find the new primary; and a host the last primary still gave a lease to must be past it).
 */
export function initHostMonitor(
  config: { hosts: string[]; hostTimeoutMs: number; starvedGapMs?: number; takeoverGraceMs?: number },
  now: number,
): HostMonitorState {
  const since = now + (config.takeoverGraceMs ?? 0);
  return {
    hostTimeoutMs: config.hostTimeoutMs,
    starvedGapMs: config.starvedGapMs ?? Math.max(1, Math.floor(config.hostTimeoutMs / 4)),
    lastTickMs: now,
    hosts: config.hosts.map((name) => ({ name, up: true, sinceMs: since, lastBeatMs: null })),
  };
}

/** Handles one message: the next state and the hosts that went down or came up. Never changes `state`. */
export function stepHosts(
  state: HostMonitorState,
  msg: HostMsg,
): { state: HostMonitorState; effects: HostEffect[] } {
  const effects: HostEffect[] = [];
  if (msg.kind === 'tick') {
    const gap = msg.now - state.lastTickMs;
    if (gap > state.starvedGapMs) {
      // The monitor did not run for `gap`: the time it could not watch is taken off every host's
      // silence, and nobody is declared on this tick. Declarations only come later, never earlier.
      const hosts = state.hosts.map(
        (h): HostStatus =>
          h.up
            ? {
                ...h,
                sinceMs: h.sinceMs + gap,
                lastBeatMs: h.lastBeatMs === null ? null : h.lastBeatMs + gap,
              }
            : h,
      );
      return { state: { ...state, lastTickMs: msg.now, hosts }, effects };
    }
  }
  const hosts = state.hosts.map((h): HostStatus => {
    if (msg.kind === 'watchdog-beat') {
      if (h.name !== msg.host) return h;
      const lastBeatMs = Math.max(h.lastBeatMs ?? msg.now, msg.now);
      if (h.up) return { ...h, lastBeatMs };
      effects.push({ kind: 'host-up', host: h.name });
      return { ...h, up: true, sinceMs: msg.now, lastBeatMs };
    }
    if (!h.up || msg.now - Math.max(h.lastBeatMs ?? h.sinceMs, h.sinceMs) <= state.hostTimeoutMs) return h;
    // ¶0024: no beat from its WatchDog: the host is taken for dead.
    effects.push({ kind: 'host-down', host: h.name });
    return { ...h, up: false, sinceMs: msg.now };
  });
  const lastTickMs = msg.kind === 'tick' ? Math.max(state.lastTickMs, msg.now) : state.lastTickMs;
  return { state: { ...state, lastTickMs, hosts }, effects };
}
