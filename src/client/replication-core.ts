/**
 * The ordered replication stream's rules (DESIGN §11, seed 003), pure: no clock, no I/O, no
 * randomness. The SDK's stream shell (replication.ts) feeds these functions what arrives and carries
 * out what they return.
 *
 * - Every message carries (sequence number, generation, epoch, process id, thread id). Sequence
 *   numbers are the module's, 1, 2, 3… across primaries; the generation is the module's primary
 *   generation of the copy that created the message (its fencing token with the epoch).
 * - A backup delivers only the message whose sequence number is exactly one more than the last one it
 *   delivered (seed 003); others wait in a bounded buffer, duplicates are dropped, a gap is asked again
 *   from the primary's bounded backlog.
 * - The stream never forks. A primary keeps its lineage: the first sequence number of each generation
 *   that wrote to the stream (Kafka's leader epochs, raft's log matching). A backup that comes to a
 *   primary says where it stands (last delivered and that message's generation); if the primary's
 *   lineage gives that sequence number another generation, or the backup is beyond the primary's
 *   head, the backup has applied what the primary never had and resynchronises from the primary's
 *   snapshot; so does a backup older than the backlog. Frames from an older generation than the
 *   newest primary a backup has followed are refused; a primary that hears of a newer generation
 *   than its own is stale and steps down.
 */

/** How far `replicate()` waits: not at all, until received by the backups, until applied by them. */
export type AckLevel = 'none' | 'received' | 'applied';

export const ACK_LEVELS: readonly AckLevel[] = ['none', 'received', 'applied'];

/** One replication message. */
export interface StreamMessage {
  seq: number;
  /** The primary generation of the copy that created it. */
  generation: number;
  epoch: number;
  /** Origin on the primary (seed 003): process id and thread id. */
  pid: number;
  threadId: number;
  payload: Uint8Array;
}

/** Generation `generation` wrote the stream from `firstSeq` on (until the next entry's firstSeq). */
export interface LineageEntry {
  generation: number;
  firstSeq: number;
}

/** How many lineage entries a primary keeps; a backup older than all of them resynchronises. */
export const LINEAGE_LIMIT = 64;

/** The generation that wrote `seq` according to `lineage`: 0 for seq 0 (the empty stream), -1 when unknown. */
export function generationAt(lineage: readonly LineageEntry[], seq: number): number {
  if (seq <= 0) return 0;
  let found = -1;
  for (const e of lineage) {
    if (e.firstSeq <= seq) found = e.generation;
    else break;
  }
  return found;
}

// ---------------------------------------------------------------- the backup's side

/** What a backup knows of the stream. */
export interface FollowerState {
  /** The newest primary generation this backup has followed: frames from older ones are refused. */
  leaderGeneration: number;
  /** The last sequence number delivered to the application, and the generation that wrote it. */
  delivered: number;
  deliveredGeneration: number;
  /** The current primary's lineage as its welcome gave it (kept for when this copy is promoted). */
  lineage: LineageEntry[];
  /** Messages beyond `delivered`, waiting for the ones before them (sequence number → message). */
  buffer: Map<number, StreamMessage>;
  /** The highest sequence number the current primary had when it last said (welcome or a message). */
  head: number;
  /** The end of the gap last asked for, so that one loss is asked once until the next tick. */
  askedUpTo: number;
}

export interface FollowerLimits {
  /** How many messages beyond the next one a backup buffers; farther ones are dropped (asked later). */
  maxBuffer: number;
}

export function newFollower(delivered = 0, deliveredGeneration = 0): FollowerState {
  return {
    leaderGeneration: 0,
    delivered,
    deliveredGeneration,
    lineage: [],
    buffer: new Map(),
    head: delivered,
    askedUpTo: delivered,
  };
}

/** What a backup tells a primary it connects to. */
export interface FollowRequest {
  replica: string;
  delivered: number;
  deliveredGeneration: number;
  /** The newest generation this backup has followed. */
  generationSeen: number;
}

export function followRequest(s: FollowerState, replica: string): FollowRequest {
  return {
    replica,
    delivered: s.delivered,
    deliveredGeneration: s.deliveredGeneration,
    generationSeen: s.leaderGeneration,
  };
}

/** A primary's welcome to a backup. */
export interface Welcome {
  generation: number;
  epoch: number;
  lineage: LineageEntry[];
  head: number;
}

export type WelcomeResult =
  | { accepted: true; state: FollowerState }
  | { accepted: false; state: FollowerState; reason: string };

/** A backup takes a primary's welcome: refused when it comes from an older generation than one followed. */
export function followerWelcome(s: FollowerState, w: Welcome): WelcomeResult {
  if (w.generation < s.leaderGeneration)
    return {
      accepted: false,
      state: s,
      reason: `primary generation ${w.generation} is older than generation ${s.leaderGeneration} already followed`,
    };
  const lineage = w.lineage.map((e) => ({ ...e }));
  // Buffered messages the new primary's lineage does not have are dropped: it resends what it has.
  const buffer = new Map<number, StreamMessage>();
  for (const [seq, m] of s.buffer) if (generationAt(lineage, seq) === m.generation) buffer.set(seq, m);
  return {
    accepted: true,
    state: { ...s, leaderGeneration: w.generation, lineage, buffer, head: w.head, askedUpTo: s.delivered },
  };
}

export interface ReceiveResult {
  state: FollowerState;
  /** Hand these to the application, in this order. */
  deliver: StreamMessage[];
  /** Ask the primary again for these sequence numbers (inclusive), when set. */
  resend?: { from: number; to: number };
  /** Why the frame was dropped, when it was (duplicate, stale, inconsistent, too far ahead). */
  dropped?: string;
}

function drain(s: FollowerState): { state: FollowerState; deliver: StreamMessage[] } {
  const deliver: StreamMessage[] = [];
  let { delivered, deliveredGeneration } = s;
  const buffer = new Map(s.buffer);
  for (;;) {
    const next = buffer.get(delivered + 1);
    if (!next) break;
    buffer.delete(delivered + 1);
    deliver.push(next);
    delivered = next.seq;
    deliveredGeneration = next.generation;
  }
  return { state: { ...s, delivered, deliveredGeneration, buffer }, deliver };
}

/** The first missing range after `delivered`, if anything beyond it is buffered or the head is ahead. */
export function gap(s: FollowerState): { from: number; to: number } | undefined {
  let min = Number.POSITIVE_INFINITY;
  for (const seq of s.buffer.keys()) if (seq < min) min = seq;
  if (min !== Number.POSITIVE_INFINITY) return { from: s.delivered + 1, to: min - 1 };
  if (s.head > s.delivered) return { from: s.delivered + 1, to: s.head };
  return undefined;
}

/**
 * A backup receives one message sent by the primary of generation `sender` (the stream's welcome):
 * delivers exactly the messages that continue its order, buffers what comes early, drops the rest.
 */
export function followerReceive(
  s: FollowerState,
  sender: number,
  m: StreamMessage,
  limits: FollowerLimits,
): ReceiveResult {
  if (sender !== s.leaderGeneration)
    return {
      state: s,
      deliver: [],
      dropped: `sent by generation ${sender}, this backup follows generation ${s.leaderGeneration}`,
    };
  if (generationAt(s.lineage, m.seq) !== m.generation)
    return {
      state: s,
      deliver: [],
      dropped: `message ${m.seq} of generation ${m.generation} is not in the primary's lineage`,
    };
  const head = Math.max(s.head, m.seq);
  if (m.seq <= s.delivered || s.buffer.has(m.seq))
    return { state: { ...s, head }, deliver: [], dropped: `duplicate of message ${m.seq}` };
  if (m.seq > s.delivered + limits.maxBuffer) {
    const state = { ...s, head };
    return { deliver: [], dropped: `message ${m.seq} is beyond the buffer`, ...askOnce(state) };
  }
  const buffer = new Map(s.buffer);
  buffer.set(m.seq, m);
  const { state, deliver } = drain({ ...s, buffer, head });
  return { deliver, ...askOnce(state) };
}

function askOnce(s: FollowerState): { resend?: { from: number; to: number }; state: FollowerState } {
  const g = gap(s);
  if (!g || g.to <= s.askedUpTo) return { state: s };
  return { state: { ...s, askedUpTo: g.to }, resend: g };
}

/**
 * The primary's periodic word on its head (as Redis's primary pings its replicas): without it a lost
 * last message would never be missed. From another generation than the one followed, it is ignored.
 */
export function followerHead(
  s: FollowerState,
  sender: number,
  head: number,
): { state: FollowerState; resend?: { from: number; to: number } } {
  if (sender !== s.leaderGeneration || head <= s.head) return { state: s };
  return askOnce({ ...s, head });
}

/** Time passed without progress: ask the current gap again (the last request or its answer was lost). */
export function followerTick(s: FollowerState): {
  state: FollowerState;
  resend?: { from: number; to: number };
} {
  const g = gap(s);
  if (!g) return { state: s };
  return { state: { ...s, askedUpTo: Math.max(s.askedUpTo, g.to) }, resend: g };
}

/** A backup restored the primary's snapshot taken at `seq` (written up to there by `generation`). */
export function followerRestored(s: FollowerState, seq: number, generation: number): ReceiveResult {
  const buffer = new Map<number, StreamMessage>();
  for (const [k, m] of s.buffer) if (k > seq) buffer.set(k, m);
  const { state, deliver } = drain({
    ...s,
    delivered: seq,
    deliveredGeneration: generation,
    buffer,
    head: Math.max(s.head, seq),
    askedUpTo: seq,
  });
  return { deliver, ...askOnce(state) };
}

// ---------------------------------------------------------------- the primary's side

/** What the primary knows of one backup. */
export interface FollowerPosition {
  received: number;
  applied: number;
}

export interface LeaderState {
  generation: number;
  epoch: number;
  lineage: LineageEntry[];
  /** The last sequence number written. */
  head: number;
  /** The last messages written, ascending and contiguous, ending at `head`. */
  backlog: StreamMessage[];
  /** Connected backups by replica id. */
  followers: Map<string, FollowerPosition>;
}

export interface LeaderLimits {
  /** How many messages the backlog keeps. */
  backlog: number;
  /** How far (in messages) a backup may be behind the head and still count as in sync. */
  maxLag: number;
  /** How many in-sync backups an acknowledgement needs at least (Kafka's min.insync.replicas − 1). */
  minInSync: number;
}

/** The first primary of a stream, or a copy promoted with nothing delivered. */
export function newLeader(generation: number, epoch: number): LeaderState {
  return promote(newFollower(), generation, epoch);
}

/**
 * A backup promoted to primary with `generation`: it continues the sequence after what it delivered,
 * with its lineage up to there and its own generation from the next number on.
 */
export function promote(f: FollowerState, generation: number, epoch: number): LeaderState {
  const lineage = f.lineage.filter((e) => e.firstSeq <= f.delivered && e.generation < generation);
  if (f.delivered > 0 && generationAt(lineage, f.delivered) !== f.deliveredGeneration)
    // Restored from a snapshot older than the lineage it was told: what it has is one generation's.
    lineage.splice(0, lineage.length, { generation: f.deliveredGeneration, firstSeq: 1 });
  lineage.push({ generation, firstSeq: f.delivered + 1 });
  return {
    generation,
    epoch,
    lineage: lineage.slice(-LINEAGE_LIMIT),
    head: f.delivered,
    backlog: [],
    followers: new Map(),
  };
}

/** The primary writes one message. */
export function leaderAppend(
  s: LeaderState,
  payload: Uint8Array,
  origin: { pid: number; threadId: number },
  limits: Pick<LeaderLimits, 'backlog'>,
): { state: LeaderState; message: StreamMessage } {
  const message: StreamMessage = {
    seq: s.head + 1,
    generation: s.generation,
    epoch: s.epoch,
    pid: origin.pid,
    threadId: origin.threadId,
    payload,
  };
  const backlog = [...s.backlog, message];
  if (backlog.length > limits.backlog) backlog.splice(0, backlog.length - limits.backlog);
  return { state: { ...s, head: message.seq, backlog }, message };
}

/** The first sequence number the backlog still holds (head + 1 when empty). */
export function backlogStart(s: LeaderState): number {
  return s.backlog[0]?.seq ?? s.head + 1;
}

export type FollowAnswer =
  | { kind: 'stale'; reason: string }
  | { kind: 'tail'; messages: StreamMessage[] }
  | { kind: 'snapshot'; reason: string };

/** A backup connects: refuse it (this primary is stale), send it the tail, or send a snapshot first. */
export function leaderOnFollow(
  s: LeaderState,
  req: FollowRequest,
): { state: LeaderState; answer: FollowAnswer } {
  if (req.generationSeen > s.generation)
    return {
      state: s,
      answer: {
        kind: 'stale',
        reason: `${req.replica} has followed generation ${req.generationSeen}, this primary has ${s.generation}`,
      },
    };
  const followers = new Map(s.followers);
  let answer: FollowAnswer;
  if (req.delivered > s.head)
    answer = { kind: 'snapshot', reason: `${req.replica} is at ${req.delivered}, beyond the head ${s.head}` };
  else if (generationAt(s.lineage, req.delivered) !== req.deliveredGeneration)
    answer = {
      kind: 'snapshot',
      reason: `${req.replica}'s message ${req.delivered} is of generation ${req.deliveredGeneration}, the stream's is ${generationAt(s.lineage, req.delivered)}`,
    };
  else if (req.delivered < s.head && req.delivered + 1 < backlogStart(s))
    answer = {
      kind: 'snapshot',
      reason: `${req.replica} is at ${req.delivered}, the backlog starts at ${backlogStart(s)}`,
    };
  else answer = { kind: 'tail', messages: s.backlog.filter((m) => m.seq > req.delivered) };
  const at = answer.kind === 'tail' ? req.delivered : 0;
  followers.set(req.replica, { received: at, applied: at });
  return { state: { ...s, followers }, answer };
}

/** A backup restored a snapshot taken at `seq`: it stands there. */
export function leaderSnapshotSent(s: LeaderState, replica: string, seq: number): LeaderState {
  const followers = new Map(s.followers);
  const f = followers.get(replica);
  if (f) followers.set(replica, { received: Math.max(f.received, seq), applied: f.applied });
  return { ...s, followers };
}

/** A backup asks again for `from`..`to`: what the backlog has, or a snapshot when it no longer has it. */
export function leaderResend(
  s: LeaderState,
  from: number,
  to: number,
): { kind: 'tail'; messages: StreamMessage[] } | { kind: 'snapshot'; reason: string } {
  if (from < backlogStart(s) && from <= s.head)
    return {
      kind: 'snapshot',
      reason: `message ${from} is no longer in the backlog (from ${backlogStart(s)})`,
    };
  return { kind: 'tail', messages: s.backlog.filter((m) => m.seq >= from && m.seq <= to) };
}

/** A backup's acknowledgement: positions only grow. */
export function leaderOnAck(s: LeaderState, replica: string, received: number, applied: number): LeaderState {
  const f = s.followers.get(replica);
  if (!f) return s;
  const followers = new Map(s.followers);
  const a = Math.min(Math.max(f.applied, applied), s.head);
  followers.set(replica, { received: Math.min(Math.max(f.received, received, a), s.head), applied: a });
  return { ...s, followers };
}

export function leaderOnGone(s: LeaderState, replica: string): LeaderState {
  if (!s.followers.has(replica)) return s;
  const followers = new Map(s.followers);
  followers.delete(replica);
  return { ...s, followers };
}

/** The backups that count for acknowledgements: connected, and at most maxLag behind the head. */
export function inSync(s: LeaderState, limits: Pick<LeaderLimits, 'maxLag'>): string[] {
  return [...s.followers]
    .filter(([, f]) => s.head - f.applied <= limits.maxLag)
    .map(([r]) => r)
    .sort();
}

/**
 * Whether message `seq` is acknowledged at `level`: by every in-sync backup (at least minInSync of
 * them), or with `quorum`, by that many backups (in sync or not). Level none: at once.
 */
export function acknowledged(
  s: LeaderState,
  seq: number,
  level: AckLevel,
  limits: Pick<LeaderLimits, 'maxLag' | 'minInSync'>,
  quorum?: number,
): boolean {
  if (level === 'none') return true;
  const at = (f: FollowerPosition) => (level === 'applied' ? f.applied : f.received) >= seq;
  if (quorum !== undefined) return [...s.followers.values()].filter(at).length >= quorum;
  const sync = inSync(s, limits).map((r) => s.followers.get(r) as FollowerPosition);
  return sync.length >= limits.minInSync && sync.every(at);
}

// ---------------------------------------------------------------- the primary's guideline (seed 002)

export interface GuidelineLimits {
  /** In-sync backups the module demands (0: none, and no guideline to keep). */
  minInSync: number;
  /** How long the primary may have fewer than that before it stops accepting work. */
  maxOutOfSyncMs: number;
}

export interface GuidelineState {
  /** Since when (the caller's clock) fewer than minInSync backups are in sync; null while enough are. */
  outOfSyncSinceMs: number | null;
  /** Whether the primary takes work now. */
  accepting: boolean;
  /** Why not, when it does not. */
  reason?: string;
}

/**
 * Seed 002's operating guideline for a primary: a module that demands in-sync backups gets none, or
 * too few, for longer than it allows, and its primary stops accepting work (and says why) until one
 * is back in sync. `inSyncCount` and `nowMs` come in as values: the rule reads no clock.
 */
export function guideline(
  inSyncCount: number,
  limits: GuidelineLimits,
  outOfSyncSinceMs: number | null,
  nowMs: number,
): GuidelineState {
  if (limits.minInSync === 0 || inSyncCount >= limits.minInSync)
    return { outOfSyncSinceMs: null, accepting: true };
  const since = outOfSyncSinceMs ?? nowMs;
  const forMs = nowMs - since;
  if (forMs <= limits.maxOutOfSyncMs) return { outOfSyncSinceMs: since, accepting: true };
  return {
    outOfSyncSinceMs: since,
    accepting: false,
    reason: `${inSyncCount} of the ${limits.minInSync} in-sync backups the module demands for ${forMs} ms (allowed ${limits.maxOutOfSyncMs} ms): no work is accepted until one is back in sync`,
  };
}
