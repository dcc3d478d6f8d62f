/**
 * A copy's lifecycle as the SDK sees it, as named states, and its transitions as a pure function:
 * the Replica does the I/O (streams, timers, exit) and asks this what state it is in next.
 */

export type ReplicaLifecycle =
  /** Made, not attached yet (a program that registers itself stays here until registerSelf()). */
  | { readonly kind: 'unattached' }
  /** Opening the stream to its WatchDog, or re-opening it after `reconnects` lost streams. */
  | { readonly kind: 'connecting'; readonly reconnects: number }
  /** Welcomed by its WatchDog: beats flow and renew the lease. */
  | { readonly kind: 'attached' }
  /** Fencing itself: the fence hook runs, then the process exits. `attached` while the stream is still up. */
  | { readonly kind: 'fenced'; readonly reason: string; readonly attached: boolean }
  /** Closed: no timer, no stream. */
  | { readonly kind: 'stopped' };

export type LifecycleEvent =
  | { readonly type: 'attach' }
  | { readonly type: 'welcome' }
  | { readonly type: 'lost' }
  | { readonly type: 'fence'; readonly reason: string }
  | { readonly type: 'close' };

export const UNATTACHED: ReplicaLifecycle = { kind: 'unattached' };

/** The state after `event`; a stopped copy stays stopped, a fencing copy only stops. */
export function nextLifecycle(state: ReplicaLifecycle, event: LifecycleEvent): ReplicaLifecycle {
  if (state.kind === 'stopped') return state;
  if (event.type === 'close') return { kind: 'stopped' };
  if (state.kind === 'fenced')
    return event.type === 'lost' && state.attached ? { ...state, attached: false } : state;
  switch (event.type) {
    case 'fence':
      return { kind: 'fenced', reason: event.reason, attached: state.kind === 'attached' };
    case 'attach':
      return state.kind === 'unattached' ? { kind: 'connecting', reconnects: 0 } : state;
    case 'welcome':
      return { kind: 'attached' };
    case 'lost':
      if (state.kind === 'attached') return { kind: 'connecting', reconnects: 1 };
      if (state.kind === 'connecting') return { kind: 'connecting', reconnects: state.reconnects + 1 };
      return state;
  }
}

/** Whether the stream to the WatchDog is up in `state`. */
export function isAttached(state: ReplicaLifecycle): boolean {
  return state.kind === 'attached' || (state.kind === 'fenced' && state.attached);
}
