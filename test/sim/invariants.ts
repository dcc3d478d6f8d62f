/**
 * The simulator's invariants, the fault-injection suite's (README, CTS) checked after every simulated
 * event, from the copies' own announcements and the store's durable writes (STYLE §11):
 *
 * - single-primary: at most one primary per warm or cold module that runs (alive, not stopped),
 *   announced itself primary, and lives under a valid host lease;
 * - state-monotonic: a module's checkpointed counter never goes back;
 * - no-lost-save: no save acknowledged to a copy is lost (the stored counter stays at or above it);
 * - epoch-monotonic: the store's manager epoch, the table's epoch and each WatchDog's epoch never go back;
 * - once the faults are healed, within the settle bound: every module registered, its degree running
 *   or the module marked short (degree-or-short), and the table matching what runs (table-matches-copies).
 */
import type { StoreChange } from '../../src/checkpoint-server/store.js';
import { TABLE_KEY } from '../../src/checkpoint-server/store.js';
import type { ReplicaTable } from '../../src/model/table.js';
import type { Cluster, Observer } from './cluster.js';
import type { SimCopy } from './copies.js';

export interface Violation {
  invariant: string;
  atMs: number;
  detail: string;
}

export class Auditor implements Observer {
  private cluster: Cluster | null = null;
  private readonly copies = new Set<SimCopy>();
  private readonly acked = new Map<string, { value: number; by: string; atMs: number }>();
  private readonly stored = new Map<string, { value: number; version: number; by: string }>();
  private storeEpoch = 0;
  private tableEpoch = 0;
  private readonly wdEpochs = new Map<string, number>();
  private dirtyState = false;
  readonly violations: Violation[] = [];

  attach(c: Cluster): void {
    this.cluster = c;
    c.store.onChange((ch) => this.storeChanged(ch));
  }

  private now(): number {
    return this.cluster?.sched.now ?? 0;
  }

  private violate(invariant: string, detail: string): void {
    this.violations.push({ invariant, atMs: this.now(), detail });
  }

  // ---- what happens ----

  started(copy: SimCopy): void {
    this.copies.add(copy);
  }

  acknowledged(copy: SimCopy, value: number): void {
    const a = this.acked.get(copy.module);
    if (!a || value > a.value) this.acked.set(copy.module, { value, by: copy.proc.name, atMs: this.now() });
    this.dirtyState = true;
  }

  watchdogEpoch(host: string, epoch: number): void {
    const before = this.wdEpochs.get(host) ?? 0;
    if (epoch < before)
      this.violate('epoch-monotonic', `the WatchDog of ${host} wrote epoch ${epoch} after ${before}`);
    this.wdEpochs.set(host, Math.max(before, epoch));
  }

  manager(): void {}

  private storeChanged(ch: StoreChange): void {
    if (ch.kind === 'leadership') {
      if (ch.leadership.epoch < this.storeEpoch)
        this.violate(
          'epoch-monotonic',
          `the store's manager epoch went from ${this.storeEpoch} to ${ch.leadership.epoch}`,
        );
      this.storeEpoch = Math.max(this.storeEpoch, ch.leadership.epoch);
    } else if (ch.kind === 'checkpoint') {
      const cp = ch.checkpoint;
      const value = Number(cp.state.toString());
      const before = this.stored.get(cp.module);
      if (before && value < before.value) {
        this.violate(
          'state-monotonic',
          `${cp.module}'s counter went back from ${before.value} (saved by ${before.by}) to ${value} (saved by ${cp.replica}, version ${cp.version})`,
        );
      }
      this.stored.set(cp.module, { value, version: cp.version, by: cp.replica });
      this.dirtyState = true;
    } else if (ch.kind === 'key' && ch.kv.key === TABLE_KEY && !ch.deleted) {
      const row = this.cluster?.store.loadTable();
      const epoch = row?.epoch ?? 0;
      if (epoch < this.tableEpoch)
        this.violate(
          'epoch-monotonic',
          `the table was written under epoch ${epoch} after ${this.tableEpoch}`,
        );
      this.tableEpoch = Math.max(this.tableEpoch, epoch);
    }
  }

  // ---- after every event ----

  /** Checks the safety invariants now; false once anything is violated. */
  check(): boolean {
    if (this.violations.length > 0) return false;
    this.singlePrimary();
    if (this.dirtyState) {
      this.dirtyState = false;
      for (const [module, a] of this.acked) {
        const s = this.stored.get(module);
        if (!s || s.value < a.value) {
          this.violate(
            'no-lost-save',
            `${module}: ${a.by} was told its save of ${a.value} is durable, the store holds ${s ? `${s.value} (by ${s.by})` : 'nothing'}`,
          );
        }
      }
    }
    return this.violations.length === 0;
  }

  private singlePrimary(): void {
    const c = this.cluster;
    if (!c) return;
    const primaries = new Map<string, SimCopy[]>();
    for (const copy of this.copies) {
      if (!copy.alive) {
        this.copies.delete(copy);
        continue;
      }
      if (copy.style === 'hot' || copy.announced !== 'P' || copy.proc.frozen || !copy.host.up) continue;
      const now = copy.host.clock.at(c.sched.now);
      // Past the host's lease its keeper stops it; past its own, its next step is to stop itself (a
      // copy thawed long after its lease ran out fences before it acts).
      if (copy.host.disk.leaseUntil <= now || copy.leaseEnds <= now) continue;
      const list = primaries.get(copy.module) ?? [];
      list.push(copy);
      primaries.set(copy.module, list);
    }
    for (const [module, list] of primaries) {
      if (list.length < 2) continue;
      const who = list
        .map(
          (x) =>
            `${x.proc.name} (generation ${x.generation}, epoch ${x.epoch}, host lease ${Math.round(x.host.disk.leaseUntil - x.host.clock.at(c.sched.now))} ms left)`,
        )
        .join(' and ');
      this.violate('single-primary', `${module} has ${list.length} live primaries: ${who}`);
    }
  }

  // ---- once the faults are healed ----

  /** The liveness checks (what is not settled yet); `record` makes each one a violation (the bound is over). */
  settled(record: boolean): boolean {
    const c = this.cluster;
    if (!c) return true;
    const problems: Violation[] = [];
    const violate = (invariant: string, detail: string) =>
      problems.push({ invariant, atMs: this.now(), detail });
    const missing = c.modules.filter((m) => !c.registered.has(m.name)).map((m) => m.name);
    if (missing.length > 0) {
      violate('degree-or-short', `never registered (no ReplicaManager took it): ${missing.join(', ')}`);
    }
    const row = c.store.loadTable();
    const table = row ? (JSON.parse(row.tableJson) as ReplicaTable) : { hosts: [], modules: [] };
    const running = [...this.copies].filter((x) => x.alive && !x.proc.frozen && x.announced);
    for (const m of table.modules) {
      const mine = running.filter((x) => x.module === m.name);
      const p = mine.filter((x) => x.announced === 'P').length;
      const b = mine.filter((x) => x.announced === 'B').length;
      const full =
        m.style === 'hot' ? p === m.degree : m.style === 'cold' ? p === 1 : p === 1 && b === m.degree - 1;
      if (!full && !m.underReplicated) {
        violate(
          'degree-or-short',
          `${m.name} (${m.style}, degree ${m.degree}) runs ${p} P and ${b} B and is not marked short`,
        );
      }
      for (const r of m.replicas) {
        const copy = mine.filter((x) => x.replica === r.id);
        const wanted = r.status === 'I' ? [] : [r.status];
        const got = copy.map((x) => `${x.announced}@${x.host.name}`);
        const ok =
          wanted.length === copy.length &&
          copy.every((x) => x.announced === r.status && x.host.name === r.host);
        if (!ok) {
          violate(
            'table-matches-copies',
            `${r.id}: the table says ${r.status} on ${r.host}, the copies say ${got.join(', ') || 'none runs'}`,
          );
        }
      }
    }
    if (record) this.violations.push(...problems);
    return problems.length === 0;
  }
}
