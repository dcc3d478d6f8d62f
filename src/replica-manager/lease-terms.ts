/**
 * The host lease terms the ReplicaManager last heard from each WatchDog (DESIGN §5). Every start and
 * promotion carries its host's term; a WatchDog whose lease ran out and was renewed since refuses a
 * command of an older term (StaleLeaseTermError), since the host may have been declared dead
 * meanwhile and the copy's role given to another. The refusal names the current term: learnt here,
 * and the manager's retry (which first asks whether the decision still wants the command) carries it.
 */
import { StaleLeaseTermError } from '../shared/errors.js';

export class LeaseTerms {
  private readonly terms = new Map<string, number>();

  /** A term a WatchDog named (its listing, or a refusal); terms only grow. */
  heard(host: string, term: number): void {
    if (term > (this.terms.get(host) ?? 0)) this.terms.set(host, term);
  }

  /**
   * Runs a start or promotion stamped with the host's term. With none heard yet (a manager just
   * started), the host's listing is asked for it first: an unstamped command (term 0) is not checked.
   */
  async stamped<T>(
    host: string,
    list: () => Promise<number>,
    command: (term: number) => Promise<T>,
  ): Promise<T> {
    if (!this.terms.has(host)) this.heard(host, await list());
    try {
      return await command(this.terms.get(host) ?? 0);
    } catch (err) {
      if (err instanceof StaleLeaseTermError) this.heard(host, err.current);
      throw err;
    }
  }
}
