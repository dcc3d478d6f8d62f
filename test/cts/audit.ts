/**
 * The suite's invariants, checked on what the processes, the table and the store say. The Auditor
 * is fed samples (it reads no clock and does no I/O) and turns what breaks an invariant into
 * violations that name the invariant, the round and the evidence.
 *
 *   single-primary           at most one live primary per warm or cold module, at every sample
 *   no-copy-on-down-host     no live copy on a host the table marks down
 *   epoch-monotonic          the epoch (the store's, the acting manager's) never goes back
 *   state-monotonic          a module's checkpointed counter never goes back
 *   no-lost-save             no save acknowledged to a copy is missing from the store later
 *   table-matches-processes  after settling: every P/B of the table runs with that role, nothing else runs
 *   degree-or-short          after settling: the degree runs, or the module is marked short with an alert
 *   no-stray-process         after settling: one ReplicaManager, on the acting host; at the end, nothing left
 *   bounded-settle           the cluster settles within the bound after a fault is healed
 */
import { type Module, type ReplicaTable, type Style, wantedRunning } from '../../src/model/table.js';
import { type Ack, type CopyProcess, isLive } from './probe.js';

export interface Violation {
  invariant: string;
  round: number;
  evidence: Record<string, unknown>;
}

export interface Snapshot {
  atMs: number;
  copies: CopyProcess[];
}

export interface StoredCheckpoint {
  counter: number;
  version: number;
  replica: string;
}

function describeCopy(c: CopyProcess, atMs: number) {
  return {
    pid: c.pid,
    replica: c.replica,
    host: c.host,
    state: c.state,
    role: c.role,
    roleAnnouncedMsAgo: c.roleAtMs === null ? null : Math.round(atMs - c.roleAtMs),
  };
}

/** Live copies of `module` whose latest announced role is primary. */
export function livePrimaries(copies: readonly CopyProcess[], module: string): CopyProcess[] {
  return copies.filter((c) => c.module === module && isLive(c) && c.role === 'primary');
}

interface Episode {
  firstMs: number;
  lastMs: number;
  samples: number;
  copies: Map<number, ReturnType<typeof describeCopy>>;
}

/** Adds `item` to the list kept under `key`. */
function append<K, V>(map: Map<K, V[]>, key: K, item: V): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

export class Auditor {
  round = 0;
  private violations: Violation[] = [];
  /** Modules with at most one primary (warm, cold) and their style. */
  private readonly styles: Map<string, Style>;
  private readonly primaryEpisodes = new Map<string, Episode>();
  private readonly downEpisodes = new Map<number, Episode & { host: string; replica: string }>();
  private readonly maxEpoch = new Map<string, { epoch: number; atMs: number; detail: string }>();
  private readonly lastState = new Map<string, StoredCheckpoint & { atMs: number }>();
  private readonly stateDrops = new Map<string, Array<Record<string, unknown>>>();
  private readonly lostSaves = new Map<string, Array<Record<string, unknown>>>();
  /** Acknowledged counters already found missing (reported once). */
  private readonly lostSeen = new Set<string>();
  samples = 0;
  maxGapMs = 0;
  /** Gaps between process samples longer than 50 ms (the machine too busy to sample in time). */
  gapsOver50 = 0;
  private lastSampleMs: number | null = null;

  constructor(modules: ReadonlyArray<Pick<Module, 'name' | 'style'>>) {
    this.styles = new Map(modules.map((m) => [m.name, m.style]));
  }

  private add(invariant: string, evidence: Record<string, unknown>): void {
    this.violations.push({ invariant, round: this.round, evidence });
  }

  /** Modules that at the sample show more than one live primary (to be confirmed by a second sample). */
  suspects(s: Snapshot): string[] {
    return [...this.styles.entries()]
      .filter(([name, style]) => style !== 'hot' && livePrimaries(s.copies, name).length > 1)
      .map(([name]) => name);
  }

  /**
   * A process sample. `confirm` is a second sample taken right after a suspicious one: only copies
   * that are live primaries in both count (two files read a moment apart could otherwise disagree).
   */
  processes(s: Snapshot, confirm: Snapshot | null): void {
    this.samples++;
    if (this.lastSampleMs !== null) {
      const gap = s.atMs - this.lastSampleMs;
      this.maxGapMs = Math.max(this.maxGapMs, gap);
      if (gap > 50) this.gapsOver50++;
    }
    this.lastSampleMs = confirm?.atMs ?? s.atMs;
    for (const [name, style] of this.styles) {
      if (style === 'hot') continue;
      let primaries = livePrimaries(s.copies, name);
      if (confirm) {
        const again = new Set(livePrimaries(confirm.copies, name).map((c) => `${c.pid}/${c.start}`));
        primaries = primaries.filter((c) => again.has(`${c.pid}/${c.start}`));
      }
      const open = this.primaryEpisodes.get(name);
      if (primaries.length > 1) {
        const e = open ?? { firstMs: s.atMs, lastMs: s.atMs, samples: 0, copies: new Map() };
        e.lastMs = confirm?.atMs ?? s.atMs;
        e.samples++;
        for (const c of primaries) e.copies.set(c.pid, describeCopy(c, s.atMs));
        this.primaryEpisodes.set(name, e);
      } else if (open) {
        this.closePrimaryEpisode(name, open, s.atMs);
      }
    }
  }

  private closePrimaryEpisode(module: string, e: Episode, endMs: number): void {
    this.primaryEpisodes.delete(module);
    this.add('single-primary', {
      module,
      style: this.styles.get(module),
      firstSeenMs: Math.round(e.firstMs),
      lastSeenMs: Math.round(e.lastMs),
      overMs: Math.round(endMs - e.firstMs),
      samples: e.samples,
      primaries: [...e.copies.values()],
    });
  }

  /**
   * A table sample, with process samples taken just before it was asked for and just after it came:
   * a copy counts as running on a host marked down only if it was live in both.
   */
  table(t: ReplicaTable, epoch: number, managerHost: string, before: Snapshot, after: Snapshot): void {
    this.epoch('manager', epoch, after.atMs, `ReplicaManager on ${managerHost}`);
    const down = new Set(t.hosts.filter((h) => !h.up).map((h) => h.name));
    const stillLive = new Map(after.copies.filter(isLive).map((c) => [`${c.pid}/${c.start}`, c]));
    const onDown = new Set<number>();
    for (const c of before.copies) {
      if (!isLive(c) || !down.has(c.host)) continue;
      const again = stillLive.get(`${c.pid}/${c.start}`);
      if (!again) continue;
      onDown.add(c.pid);
      const e = this.downEpisodes.get(c.pid) ?? {
        firstMs: before.atMs,
        lastMs: after.atMs,
        samples: 0,
        copies: new Map(),
        host: c.host,
        replica: c.replica,
      };
      e.lastMs = after.atMs;
      e.samples++;
      e.copies.set(c.pid, describeCopy(again, after.atMs));
      this.downEpisodes.set(c.pid, e);
    }
    for (const [pid, e] of this.downEpisodes) if (!onDown.has(pid)) this.closeDownEpisode(pid, e, after.atMs);
  }

  private closeDownEpisode(pid: number, e: Episode & { host: string; replica: string }, endMs: number): void {
    this.downEpisodes.delete(pid);
    this.add('no-copy-on-down-host', {
      host: e.host,
      replica: e.replica,
      pid,
      firstSeenMs: Math.round(e.firstMs),
      lastSeenMs: Math.round(e.lastMs),
      overMs: Math.round(endMs - e.firstMs),
      tableSamples: e.samples,
      copy: [...e.copies.values()][0],
    });
  }

  /** An epoch as `source` reports it ('store': the Checkpoint Server's leadership record; 'manager'). */
  epoch(source: string, epoch: number, atMs: number, detail: string): void {
    if (!Number.isFinite(epoch) || epoch <= 0) return;
    const max = this.maxEpoch.get(source);
    if (max && epoch < max.epoch) {
      this.add('epoch-monotonic', {
        source,
        was: max.epoch,
        wasAtMs: Math.round(max.atMs),
        wasFrom: max.detail,
        now: epoch,
        atMs: Math.round(atMs),
        from: detail,
      });
    }
    if (!max || epoch >= max.epoch) this.maxEpoch.set(source, { epoch, atMs, detail });
  }

  /**
   * A module's checkpoint as the store has it, read after `acks` (the saves its copies said were
   * acknowledged, all printed before the read was sent).
   */
  checkpoint(module: string, cp: StoredCheckpoint | null, acks: readonly Ack[], atMs: number): void {
    if (this.styles.get(module) === 'hot' || !cp) return;
    const last = this.lastState.get(module);
    if (last && cp.counter < last.counter) {
      append(this.stateDrops, module, {
        from: {
          counter: last.counter,
          version: last.version,
          replica: last.replica,
          atMs: Math.round(last.atMs),
        },
        to: { counter: cp.counter, version: cp.version, replica: cp.replica, atMs: Math.round(atMs) },
      });
    }
    this.lastState.set(module, { ...cp, atMs });
    let best: Ack | null = null;
    for (const a of acks) if (!best || a.counter > best.counter) best = a;
    if (best && best.counter > cp.counter) {
      const key = `${module}/${best.counter}/${best.pid}`;
      if (!this.lostSeen.has(key)) {
        this.lostSeen.add(key);
        append(this.lostSaves, module, {
          acked: {
            counter: best.counter,
            version: best.version,
            replica: best.replica,
            pid: best.pid,
            ackReadMs: Math.round(best.atMs),
          },
          store: { counter: cp.counter, version: cp.version, replica: cp.replica, atMs: Math.round(atMs) },
        });
      }
    }
  }

  /** Problems found when the round settled (or failed to). */
  settleProblems(
    problems: ReadonlyArray<{ invariant: string; detail: string }>,
    evidence: Record<string, unknown>,
  ): void {
    const by = new Map<string, string[]>();
    for (const p of problems) by.set(p.invariant, [...(by.get(p.invariant) ?? []), p.detail]);
    for (const [invariant, details] of by)
      this.add(invariant, { ...evidence, problems: details.slice(0, 12) });
  }

  /** Adds a violation found outside the samples (stray processes at the end, a settle that timed out). */
  report(invariant: string, evidence: Record<string, unknown>): void {
    this.add(invariant, evidence);
  }

  /** Closes what is still open and hands over this round's violations. */
  endRound(atMs: number): Violation[] {
    for (const [m, e] of [...this.primaryEpisodes]) this.closePrimaryEpisode(m, e, atMs);
    for (const [pid, e] of [...this.downEpisodes]) this.closeDownEpisode(pid, e, atMs);
    for (const [module, drops] of this.stateDrops)
      this.add('state-monotonic', { module, drops: drops.length, first: drops.slice(0, 5) });
    for (const [module, lost] of this.lostSaves)
      this.add('no-lost-save', { module, lost: lost.length, first: lost.slice(0, 5) });
    this.stateDrops.clear();
    this.lostSaves.clear();
    const out = this.violations;
    this.violations = [];
    return out;
  }
}

/**
 * What keeps the cluster from being settled: every host up, one ring primary with every member
 * joined, the table and the processes in agreement (with the roles the copies announced), the
 * degree running or the module marked short with an alert, and one ReplicaManager process.
 */
export function settleProblems(input: {
  table: ReplicaTable | null;
  managerHost: string | null;
  ringJoined: boolean;
  copies: readonly CopyProcess[];
  managers: ReadonlyArray<{ pid: number; host: string; state: string }>;
  /** Modules an alert was raised for. */
  alerted: ReadonlySet<string>;
}): Array<{ invariant: string; detail: string }> {
  const out: Array<{ invariant: string; detail: string }> = [];
  const { table } = input;
  if (!table) return [{ invariant: 'bounded-settle', detail: 'no ReplicaManager answers' }];
  if (!input.ringJoined)
    out.push({
      invariant: 'bounded-settle',
      detail: 'the ring has no single primary with every member joined',
    });
  for (const h of table.hosts)
    if (!h.up) out.push({ invariant: 'bounded-settle', detail: `${h.name} is marked down` });
  const known = new Set(table.modules.map((m) => m.name));
  for (const m of table.modules) {
    let running = 0;
    for (const r of m.replicas) {
      const procs = input.copies.filter((c) => c.replica === r.id && c.host === r.host);
      if (r.status === 'I') continue;
      const want = r.status === 'P' ? 'primary' : 'backup';
      const live = procs.filter(isLive);
      if (live.length === 1 && live[0]?.role === want) running++;
      if (live.length !== 1 || procs.length !== 1)
        out.push({
          invariant: 'table-matches-processes',
          detail: `${r.id} is ${r.status} on ${r.host} in the table; processes there: ${procs.map((c) => `${c.pid}(${c.state},${c.role})`).join(' ') || 'none'}`,
        });
      else if (live[0]?.role !== want)
        out.push({
          invariant: 'table-matches-processes',
          detail: `${r.id} is ${r.status} on ${r.host} in the table; pid ${live[0]?.pid} announced ${live[0]?.role ?? 'no role yet'}`,
        });
    }
    const wanted = wantedRunning(m);
    if (running !== wanted && !(m.underReplicated && running < wanted && input.alerted.has(m.name)))
      out.push({
        invariant: 'degree-or-short',
        detail: `${m.name}: ${running} of ${wanted} copies run with their role; marked short: ${m.underReplicated}; alert: ${input.alerted.has(m.name)}`,
      });
  }
  for (const c of input.copies) {
    const r = table.modules.flatMap((m) => m.replicas).find((x) => x.id === c.replica);
    if (!known.has(c.module) || !r || r.host !== c.host || r.status === 'I')
      out.push({
        invariant: 'table-matches-processes',
        detail: `pid ${c.pid} runs ${c.replica} on ${c.host} (${c.state}, announced ${c.role ?? 'nothing'}); the table has it ${r ? `${r.status} on ${r.host}` : 'nowhere'}`,
      });
  }
  const managers = input.managers.filter((d) => d.state !== 'Z');
  if (managers.length !== 1 || managers[0]?.host !== input.managerHost)
    out.push({
      invariant: 'no-stray-process',
      detail: `ReplicaManager processes: ${managers.map((d) => `${d.pid} on ${d.host} (${d.state})`).join(', ') || 'none'}; acting manager on ${input.managerHost}`,
    });
  return out;
}
