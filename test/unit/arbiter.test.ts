/**
 * The arbiter the SuperWatchDog daemon runs (checkpointArbiter, DESIGN §5) over the real store's
 * leadership record: one compare-and-set on the epoch the ring core expects, a live lease judged on
 * the store's clock only, waited out only for a holder believed dead.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/checkpoint-server/store.js';
import { silentLogger } from '../../src/shared/logging.js';
import { checkpointArbiter, type LeadershipStore } from '../../src/super-watchdog/daemon.js';
import { tempDir } from '../helpers/processes.js';

let tmp: ReturnType<typeof tempDir>;
let store: CheckpointStore;
const LEASE = 300;

/** The Checkpoint Server's leadership calls, answered by the store itself (its own clock). */
function leadership(s: CheckpointStore): LeadershipStore {
  return {
    acquireLeadership: async (r) => s.acquireLeadership(r.role, r.holder, r.expectedEpoch, r.leaseMs),
    renewLeadership: async (r) => s.renewLeadership(r.role, r.holder, r.epoch, r.leaseMs),
  };
}

beforeEach(() => {
  tmp = tempDir('rm-arbiter-');
  store = new CheckpointStore(join(tmp.dir, 'cs.db'));
});

afterEach(() => {
  store.close();
  tmp.remove();
});

describe('the epoch arbiter', () => {
  it('wins the next epoch by compare-and-set on the epoch the core expects', async () => {
    const a = checkpointArbiter(leadership(store), LEASE, silentLogger());
    expect(await a.acquire('H2', 0, () => false)).toEqual({ won: true, holder: 'H2', epoch: 1 });
    // An expectation that is no longer true loses, whatever the lease.
    const b = checkpointArbiter(leadership(store), LEASE, silentLogger());
    expect(await b.acquire('H5', 0, () => true)).toEqual({ won: false, holder: 'H2', epoch: 1 });
  });

  it('does not overtake a live holder it believes alive; waits out the lease of one it believes dead', async () => {
    const swd = () => checkpointArbiter(leadership(store), LEASE, silentLogger());
    await swd().acquire('H2', 0, () => false);
    expect(await swd().acquire('H5', 1, () => false)).toEqual({ won: false, holder: 'H2', epoch: 1 });
    const began = Date.now();
    expect(await swd().acquire('H5', 1, (holder) => holder === 'H2')).toEqual({
      won: true,
      holder: 'H5',
      epoch: 2,
    });
    // It waited for the store to say the lease had run out, not for a clock of its own.
    expect(Date.now() - began).toBeGreaterThanOrEqual(LEASE - 50);
  });

  it('a renewal by a replaced holder is refused', async () => {
    const a = checkpointArbiter(leadership(store), 1, silentLogger());
    await a.acquire('H2', 0, () => false);
    await new Promise((r) => setTimeout(r, 5));
    await a.acquire('H5', 1, () => true);
    await expect(a.renew('H2', 1)).rejects.toThrow(/stale epoch 1/);
  });
});
