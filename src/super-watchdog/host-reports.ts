/**
 * The primary SuperWatchDog's reports of hosts declared dead or back to its ReplicaManager: the
 * latest per host, delivered one at a time in order. A host whose death is still to be told, or is
 * being told, gets no lease on its beats (DESIGN §5): the manager, not having heard, may still send
 * it a start, which must not find a live lease there and run beside the copy that the host's death
 * makes primary elsewhere. Starts it decided before it heard carry an older lease term and are
 * refused anyway (supervisor.checkLeaseTerm); a report that failed and was replaced by the host's
 * return withholds nothing (the manager acts on the latest).
 */
import type { HostEffect } from './host-monitor.js';

export class HostReports {
  private readonly pending = new Map<string, boolean>();
  private readonly downInFlight = new Set<string>();

  /** The host monitor's effects: each replaces the host's undelivered report. */
  noted(effects: readonly HostEffect[]): void {
    for (const e of effects) {
      this.pending.set(e.host, e.kind === 'host-up');
    }
  }

  /** The next report to deliver, if any; it counts as being told from now until `settled`. */
  next(): { host: string; up: boolean } | null {
    const first = this.pending.entries().next();
    if (first.done) return null;
    const [host, up] = first.value;
    if (!up) this.downInFlight.add(host);
    return { host, up };
  }

  get size(): number {
    return this.pending.size;
  }

  /** The report from `next` was answered (`acknowledged`) or failed; a failed one stays to be told again. */
  settled(host: string, up: boolean, acknowledged: boolean): void {
    if (!up) this.downInFlight.delete(host);
    if (acknowledged && this.pending.get(host) === up) this.pending.delete(host);
  }

  /** Whether the host's beats get no lease: its death is still to be told, or being told. */
  withheld(host: string): boolean {
    return this.pending.get(host) === false || this.downInFlight.has(host);
  }

  /** Stepping down: nothing is owed to a manager that stops. */
  clear(): void {
    this.pending.clear();
    this.downInFlight.clear();
  }
}
