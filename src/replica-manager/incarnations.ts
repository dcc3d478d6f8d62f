/**
 * Which copy of each replica the manager already knows about, from its WatchDog's own answers (a
 * start's ack, a reconcile's list), on that WatchDog's clock. A failure report about an older copy is
 * stale: that copy's end is already in the table (a reconcile found it gone, a newer copy was started
 * in its place, or the same report was counted before), and counting it again would fail over a
 * module whose current copy runs. Soft state: a new manager rebuilds it from its first reconcile.
 */
export class Incarnations {
  private readonly since = new Map<string, { host: string; sinceMs: number }>();

  /** Whatever of `replica` on `host` started before `sinceMs` (host clock) is accounted for. */
  learn(replica: string, host: string, sinceMs: number): void {
    if (!(sinceMs > 0)) return;
    const known = this.since.get(replica);
    if (known && known.host === host && known.sinceMs >= sinceMs) return;
    this.since.set(replica, { host, sinceMs });
  }

  /**
   * What a reconcile's list says: a copy that runs is known from its start, one that does not from
   * the time of the list. `replicas` are the table's replicas on that host.
   */
  learnListing(
    host: string,
    replicas: readonly string[],
    listing: { asOfMs: number; running: ReadonlyArray<{ replica: string; startedAtMs: number }> },
  ): void {
    const started = new Map(listing.running.map((r) => [r.replica, r.startedAtMs]));
    for (const id of replicas) this.learn(id, host, started.get(id) ?? listing.asOfMs);
  }

  /**
   * When a report about the copy of `replica` on `host` started at `startedAtMs` is about an older
   * copy: since when (host clock) that replica is known, else null.
   */
  accountedSince(replica: string, host: string, startedAtMs: number): number | null {
    if (!(startedAtMs > 0)) return null;
    const known = this.since.get(replica);
    return known !== undefined && known.host === host && startedAtMs < known.sinceMs ? known.sinceMs : null;
  }
}
