/**
 * The SuperWatchDog ring as a pure state machine (source ¶0022, ¶0025–0026; DESIGN §3–§5): which ring
 * member I beat, which one I watch, who is primary under which epoch, and when I must take over. The
 * daemon feeds it messages (ticks, beats, failed sends, the arbiter's answers) and carries out the
 * effects it returns. No I/O, no timers, no clock reads: every message carries its time.
 *
 * The rules, in short:
 * - The ring order is the cluster file's. My successor is the first member after me that I believe
 *   live, my predecessor the first one before me (wrapping around); alone, I am both.
 * - I beat my successor every beat interval. A send that fails marks that member dead, and I register
 *   with the next live one (¶0025). Members I skip are knocked on at the same pace, so that one that
 *   comes back is let back in: any beat, answer or registration from a member makes it live again.
 * - I watch my predecessor: silent for more than the ring timeout, it is declared dead (¶0025). Silent
 *   for half of it, I knock on its door first, so a predecessor that merely stopped beating me (its
 *   ring view differs from mine) is not taken for dead.
 * - A member that comes back after I declared it dead was probably only slow: its timeout doubles each
 *   time (up to 8×), and is forgiven after it stays live for 8 ring timeouts. So a member whose beats
 *   are late does not flap between dead and live at every beat.
 * - Primary: only by winning the arbiter's compare-and-set on the epoch (DESIGN §5). At start nobody
 *   is primary; the ring's first member asks at once, another one only when it is the first live
 *   member a ring timeout after its own start. When the primary is dead and I am the first
 *   live member after it (¶0026: its successor), and it has been silent for a full timeout, I ask.
 *   One request in flight at most, one per beat interval at most.
 * - Views (primary, epoch) travel with every beat and answer; a higher epoch always wins, a lower one
 *   never overrides. A primary that sees a higher epoch steps down. I never believe myself primary
 *   because a view says so: only a win makes me primary, so at most one member believes itself
 *   primary at any epoch. A view naming me at an epoch I do not hold (I restarted, or the answer to my
 *   win was lost) makes me ask the arbiter again, since nobody else takes over from a live member.
 */
import { ConfigError } from '../shared/errors.js';

/** The ring as the cluster file gives it to one SuperWatchDog. */
export interface RingConfig {
  /** This SuperWatchDog's host. */
  readonly self: string;
  /** The ring order (source ¶0022: H2 → H5 → H6 → H2); the first is the initial primary candidate. */
  readonly members: readonly string[];
  /** How often I beat my successor. */
  readonly beatIntervalMs: number;
  /** Silence after which my predecessor is declared dead. */
  readonly ringTimeoutMs: number;
}

/** What one SuperWatchDog believes about one ring member (itself included, always live). */
export interface RingMember {
  readonly name: string;
  readonly live: boolean;
  /** When I last heard from it (its beat, its answer to mine, its registration); null if never. */
  readonly lastBeatMs: number | null;
  /** When it last turned live or dead in my view (or when I started). */
  readonly sinceMs: number;
  /** How many times it came back after I declared it dead, recently (0–3): its timeout is ringTimeoutMs × 2^backoff. */
  readonly backoff: number;
}

/** A SuperWatchDog's view of who is primary, as carried by every ring beat and answer. */
export interface RingViewMsg {
  readonly primary: string | null;
  readonly epoch: number;
}

/** Everything one SuperWatchDog knows about the ring. Plain data: it can be cloned, compared, logged. */
export interface RingState {
  readonly config: RingConfig;
  /** Who I believe is the primary SuperWatchDog; null when I do not know. */
  readonly primary: string | null;
  /** The highest epoch I have seen; I am primary only if `primary` is me, under this epoch. */
  readonly epoch: number;
  /** Every ring member in ring order, myself included. */
  readonly members: readonly RingMember[];
  /** The successor I last registered with (or started with); null when alone. */
  readonly registeredWith: string | null;
  /** The predecessor I watch and since when (a new one gets a full timeout); null when alone. */
  readonly watching: { readonly member: string; readonly sinceMs: number } | null;
  readonly lastBeatSentMs: number | null;
  /** When my request to the arbiter left, while it has no answer yet. */
  readonly acquiringSinceMs: number | null;
  /** No new request to the arbiter before this time (one per beat interval at most). */
  readonly nextAcquireMs: number;
  /** When `primary` last became unknown. */
  readonly unknownSinceMs: number;
  /** A view named me primary under an epoch I do not hold: I must ask the arbiter again. */
  readonly reclaim: boolean;
  readonly startedMs: number;
}

/** What a SuperWatchDog can learn: time passing, ring traffic, and the arbiter's answers. */
export type RingMsg =
  | { kind: 'tick'; now: number }
  /** A beat from a member, or a member's answer to my beat or registration: `from` is alive. */
  | { kind: 'beat-received'; from: string; now: number; view: RingViewMsg }
  /** A beat or registration I sent to `to` failed. */
  | { kind: 'send-failed'; to: string; now: number }
  /** `from` registered itself as my predecessor (¶0025). */
  | { kind: 'registered'; from: string; now: number }
  /** The arbiter gave me `epoch`: I am primary. */
  | { kind: 'epoch-won'; epoch: number; now: number }
  /** The arbiter refused: `primary` holds `epoch` (primary may be empty when nobody holds it). */
  | { kind: 'epoch-lost'; primary: string; epoch: number; now: number }
  /** The arbiter says a higher epoch than mine exists. */
  | { kind: 'stale-epoch'; epoch: number; now: number }
  /** The arbiter could not be reached: nobody is promoted on a guess; ask again later. */
  | { kind: 'epoch-unavailable'; now: number };

/** What the daemon must do after a step. */
export type RingEffect =
  /** Send my beat (carrying my view) to `to`. */
  | { kind: 'beat'; to: string }
  /** My successor changed: register with `member` as its predecessor (¶0025). */
  | { kind: 'register-with'; member: string }
  /** I declared `member` dead (¶0025); `wasPrimary` if it was the primary I knew. */
  | { kind: 'declare-dead'; member: string; wasPrimary: boolean }
  /** Ask the arbiter for expectedEpoch + 1 by compare-and-set (DESIGN §5). */
  | { kind: 'acquire-epoch'; expectedEpoch: number }
  /** I won `epoch`: start the ReplicaManager on this host (¶0026). */
  | { kind: 'became-primary'; epoch: number }
  /** A higher epoch exists: stop acting as primary. */
  | { kind: 'step-down'; epoch: number };

/** The ring as `rmctl ring` shows it. */
export interface RingView {
  primary: string | null;
  epoch: number;
  members: Array<{ name: string; live: boolean; lastBeatMs: number | null }>;
}

/** The most doublings of a returning member's timeout. */
const MAX_BACKOFF = 3;
/** A returning member's back-off is forgiven after it stays live this many ring timeouts. */
const FORGIVE_AFTER_TIMEOUTS = 8;
/** A request to the arbiter that never gets an answer frees its slot after this many ring timeouts. */
const ACQUIRE_GIVE_UP_TIMEOUTS = 4;

/** A fresh SuperWatchDog: everyone believed live, nobody primary, epoch 0. Raises ConfigError on a bad ring. */
export function initRing(config: RingConfig, now: number): RingState {
  checkConfig(config);
  const cfg: RingConfig = { ...config, members: [...config.members] };
  const members = cfg.members.map((name) => ({
    name,
    live: true,
    lastBeatMs: null,
    sinceMs: now,
    backoff: 0,
  }));
  const state: RingState = {
    config: cfg,
    primary: null,
    epoch: 0,
    members,
    registeredWith: null,
    watching: null,
    lastBeatSentMs: null,
    acquiringSinceMs: null,
    nextAcquireMs: now,
    unknownSinceMs: now,
    reclaim: false,
    startedMs: now,
  };
  const succ = successorOf(state);
  const pred = predecessorOf(state);
  return {
    ...state,
    // Starting out is not a change of successor: I simply beat it.
    registeredWith: succ === cfg.self ? null : succ,
    watching: pred === cfg.self ? null : { member: pred, sinceMs: now },
  };
}

function checkConfig(c: RingConfig): void {
  if (c.members.length === 0) throw new ConfigError('at least one SuperWatchDog is needed', 'ring');
  c.members.forEach((m, i) => {
    if (c.members.indexOf(m) !== i) throw new ConfigError(`host "${m}" is in the ring twice`, `ring[${i}]`);
  });
  if (!c.members.includes(c.self)) {
    throw new ConfigError(`host "${c.self}" is not in the ring (ring: ${c.members.join(', ')})`, 'ring');
  }
  if (!(c.beatIntervalMs > 0))
    throw new ConfigError(`expected a positive interval, got ${c.beatIntervalMs}`, 'ringBeatMs');
  if (!(c.ringTimeoutMs > c.beatIntervalMs)) {
    throw new ConfigError(`must be longer than the beat interval (${c.beatIntervalMs})`, 'ringTimeoutMs');
  }
}

/** Handles one message: the next state and what to do. Never changes `state`. */
export function step(state: RingState, msg: RingMsg): { state: RingState; effects: RingEffect[] } {
  const t = new Turn(state, msg.now);
  switch (msg.kind) {
    case 'tick':
      t.tick();
      break;
    case 'beat-received':
      if (t.heard(msg.from)) t.adopt(msg.view);
      break;
    case 'registered':
      t.heard(msg.from);
      break;
    case 'send-failed':
      t.sendFailed(msg.to);
      break;
    case 'epoch-won':
      t.won(msg.epoch);
      break;
    case 'epoch-lost':
      t.lost(msg.primary, msg.epoch);
      break;
    case 'stale-epoch':
      t.stale(msg.epoch);
      break;
    case 'epoch-unavailable':
      t.unanswered();
      break;
    default: {
      const never: never = msg;
      throw new Error(`unknown ring message ${JSON.stringify(never)}`);
    }
  }
  t.repair();
  return { state: t.s, effects: t.effects };
}

/** The ring as I see it, for `rmctl ring` and for the arbiter's "is that holder dead?" question. */
export function ringView(state: RingState): RingView {
  return {
    primary: state.primary,
    epoch: state.epoch,
    members: state.members.map((m) => ({
      name: m.name,
      live: m.live,
      lastBeatMs: m.name === state.config.self ? null : m.lastBeatMs,
    })),
  };
}

/** Whether this SuperWatchDog believes itself primary (and so runs the ReplicaManager). */
export function isPrimary(state: RingState): boolean {
  return state.primary === state.config.self && state.epoch > 0;
}

/** The first member after me that I believe live; myself when I am alone. */
export function successorOf(state: RingState): string {
  return firstLive(state, indexOf(state, state.config.self), 1) ?? state.config.self;
}

/** The first member before me that I believe live; myself when I am alone. */
export function predecessorOf(state: RingState): string {
  return firstLive(state, indexOf(state, state.config.self), -1) ?? state.config.self;
}

/** How long `member` may be silent before I declare it dead: the ring timeout, doubled per back-off. */
export function memberTimeoutMs(state: RingState, member: string): number {
  const m = state.members.find((x) => x.name === member);
  return state.config.ringTimeoutMs * 2 ** (m?.backoff ?? 0);
}

function indexOf(state: RingState, name: string): number {
  return state.members.findIndex((m) => m.name === name);
}

/** The first live member other than the one at `from`, walking from it in `dir`; null if none. */
function firstLive(state: RingState, from: number, dir: 1 | -1): string | null {
  const n = state.members.length;
  for (let k = 1; k < n; k++) {
    const m = state.members[(((from + dir * k) % n) + n) % n];
    if (m?.live) return m.name;
  }
  return null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Draft = Omit<Mutable<RingState>, 'members'> & { members: Mutable<RingMember>[] };

/** One step's working copy: the state being built and the effects so far. */
class Turn {
  readonly s: Draft;
  readonly effects: RingEffect[] = [];
  private readonly self: string;

  constructor(
    state: RingState,
    private readonly now: number,
  ) {
    this.s = { ...state, members: state.members.map((m) => ({ ...m })) };
    this.self = state.config.self;
  }

  private member(name: string): Mutable<RingMember> | undefined {
    return this.s.members.find((m) => m.name === name);
  }

  private timeoutOf(m: RingMember): number {
    return this.s.config.ringTimeoutMs * 2 ** m.backoff;
  }

  /** Silence of `m` as I see it: since I last heard from it, or since `sinceMs` if later. */
  private silence(m: RingMember, sinceMs: number): number {
    return this.now - Math.max(m.lastBeatMs ?? sinceMs, sinceMs);
  }

  tick(): void {
    this.forgive();
    const a = this.s.acquiringSinceMs;
    if (a !== null && this.now - a > ACQUIRE_GIVE_UP_TIMEOUTS * this.s.config.ringTimeoutMs) {
      this.s.acquiringSinceMs = null;
    }
    this.watchPredecessor();
    this.repair();
    this.beat();
    this.maybeAcquire();
  }

  private forgive(): void {
    const after = FORGIVE_AFTER_TIMEOUTS * this.s.config.ringTimeoutMs;
    for (const m of this.s.members)
      if (m.backoff > 0 && m.live && this.now - m.sinceMs > after) m.backoff = 0;
  }

  /** ¶0025: a predecessor silent past its timeout is declared dead. */
  private watchPredecessor(): void {
    const w = this.s.watching;
    const pred = w ? this.member(w.member) : undefined;
    if (!w || !pred?.live) return;
    if (this.silence(pred, w.sinceMs) > this.timeoutOf(pred)) this.declareDead(pred);
  }

  /** Beats to my successor, and knocks on the members I skip and on a silent predecessor. */
  private beat(): void {
    const last = this.s.lastBeatSentMs;
    if (last !== null && this.now - last < this.s.config.beatIntervalMs) return;
    this.s.lastBeatSentMs = this.now;
    const succ = successorOf(this.s);
    if (succ !== this.self) this.effects.push({ kind: 'beat', to: succ });
    // Members between me and my successor are the ones I route around: knock, so a returning one is seen.
    const n = this.s.members.length;
    const me = indexOf(this.s, this.self);
    for (let k = 1; k < n; k++) {
      const m = this.s.members[(me + k) % n];
      if (!m || m.name === succ) break;
      if (!m.live) this.effects.push({ kind: 'beat', to: m.name });
    }
    const w = this.s.watching;
    const pred = w ? this.member(w.member) : undefined;
    if (w && pred && pred.name !== succ) {
      const knockAfter = Math.max(this.s.config.beatIntervalMs, this.timeoutOf(pred) / 2);
      if (this.silence(pred, w.sinceMs) > knockAfter) this.effects.push({ kind: 'beat', to: pred.name });
    }
  }

  /** Asks the arbiter for the next epoch when the rules say I should (see the module comment). */
  private maybeAcquire(): void {
    const s = this.s;
    if (s.acquiringSinceMs !== null || this.now < s.nextAcquireMs || s.primary === this.self) return;
    if (!this.shouldAcquire()) return;
    s.acquiringSinceMs = this.now;
    this.effects.push({ kind: 'acquire-epoch', expectedEpoch: s.epoch });
  }

  private shouldAcquire(): boolean {
    const s = this.s;
    if (s.reclaim) return true;
    if (s.primary === null) {
      // Startup (epoch 0): the ring's first member asks at once. Anyone else asks only when it is the
      // first live member and the primary has been unknown for a ring timeout (since its own start at
      // first): a first member that merely boots slower than I do is not taken over from.
      const first = s.members.find((m) => m.live)?.name;
      if (first !== this.self) return false;
      const ringFirst = s.epoch === 0 && s.config.members[0] === this.self;
      return ringFirst || this.now - s.unknownSinceMs > s.config.ringTimeoutMs;
    }
    const p = this.member(s.primary);
    if (!p || p.live) return false;
    // ¶0026: the dead primary's successor takes over, once the primary has been silent a full timeout.
    const after = firstLive(s, indexOf(s, p.name), 1);
    return after === this.self && this.silence(p, s.startedMs) > this.timeoutOf(p);
  }

  /** My successor or predecessor may have changed: register with a new successor, watch a new predecessor. */
  repair(): void {
    const succ = successorOf(this.s);
    const target = succ === this.self ? null : succ;
    if (target !== this.s.registeredWith) {
      this.s.registeredWith = target;
      if (target !== null) this.effects.push({ kind: 'register-with', member: target });
    }
    const pred = predecessorOf(this.s);
    const watched = pred === this.self ? null : pred;
    if ((this.s.watching?.member ?? null) !== watched) {
      this.s.watching = watched === null ? null : { member: watched, sinceMs: this.now };
    }
  }

  private declareDead(m: Mutable<RingMember>): void {
    m.live = false;
    m.sinceMs = this.now;
    this.effects.push({ kind: 'declare-dead', member: m.name, wasPrimary: m.name === this.s.primary });
  }

  /** `from` is alive. False when the message is not from another ring member (then it is ignored). */
  heard(from: string): boolean {
    const m = from === this.self ? undefined : this.member(from);
    if (!m) return false;
    m.lastBeatMs = Math.max(m.lastBeatMs ?? this.now, this.now);
    if (!m.live) {
      m.live = true;
      m.sinceMs = this.now;
      m.backoff = Math.min(m.backoff + 1, MAX_BACKOFF);
    }
    return true;
  }

  sendFailed(to: string): void {
    const m = to === this.self ? undefined : this.member(to);
    // ¶0025: the exception on the send routes the ring around `to`; an already dead one stays so quietly.
    if (m?.live) this.declareDead(m);
  }

  /** Takes in another member's (or the arbiter's) view: a higher epoch wins, a lower one is ignored. */
  adopt(view: RingViewMsg): void {
    const s = this.s;
    const named = view.primary !== null && this.member(view.primary) ? view.primary : null;
    if (view.epoch > s.epoch) {
      if (s.primary === this.self) this.effects.push({ kind: 'step-down', epoch: view.epoch });
      s.epoch = view.epoch;
      // Only a win makes me primary: a view naming me is a reason to ask the arbiter, not to believe it.
      this.setPrimary(named === this.self ? null : named);
      s.reclaim = named === this.self;
    } else if (view.epoch === s.epoch && s.epoch > 0 && s.primary === null && named !== null) {
      s.reclaim = named === this.self;
      if (!s.reclaim) this.setPrimary(named);
    }
  }

  private setPrimary(p: string | null): void {
    if (p === this.s.primary) return;
    this.s.primary = p;
    if (p === null) this.s.unknownSinceMs = this.now;
  }

  won(epoch: number): void {
    const s = this.s;
    s.acquiringSinceMs = null;
    // A win older than an epoch I already know (or one my view gives to someone else) is stale.
    if (!(epoch > s.epoch || (epoch === s.epoch && epoch > 0 && s.primary === null))) return;
    s.epoch = epoch;
    s.primary = this.self;
    s.reclaim = false;
    this.effects.push({ kind: 'became-primary', epoch });
  }

  lost(primary: string, epoch: number): void {
    this.unanswered();
    this.adopt({ primary: primary === '' ? null : primary, epoch });
  }

  stale(epoch: number): void {
    // An epoch no higher than mine answers a call made under an older epoch of mine.
    if (epoch > this.s.epoch) this.adopt({ primary: null, epoch });
  }

  unanswered(): void {
    this.s.acquiringSinceMs = null;
    this.s.nextAcquireMs = this.now + this.s.config.beatIntervalMs;
  }
}
