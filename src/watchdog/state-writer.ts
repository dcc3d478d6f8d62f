/**
 * The WatchDog's writes of its state file, one at a time and coalesced: calls made while a write
 * waits for its turn share it, so that a hundred promotions in a row cost a write or two, not a
 * hundred. Each write saves the state as it is when the write begins.
 */
import type { Logger } from '../shared/logging.js';
import type { StateStore, WatchDogState } from './state.js';

export class StateWriter {
  private saving: Promise<void> = Promise.resolve();
  /** The write waiting for its turn, which later calls share. */
  private queued: Promise<void> | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly snapshot: () => WatchDogState,
    private readonly log: Logger,
  ) {}

  /** Writes the state file; raises when that write fails (which is also logged). */
  persist(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.saving.then(() => {
      this.queued = null;
      return this.store.save(this.snapshot());
    });
    this.queued = run;
    this.saving = run.catch((err: unknown) =>
      this.log.error({ err: (err as Error).message }, 'could not write the state file'),
    );
    return run;
  }

  /** Resolves once the writes begun so far are done, failed or not. */
  settled(): Promise<void> {
    return this.saving.catch(() => undefined);
  }
}
