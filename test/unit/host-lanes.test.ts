/**
 * HostLane: the order of one host's commands. One copy's commands in order, different copies side by
 * side up to the limit, and a barrier (the host's reconcile) between what came before and after it.
 */
import { describe, expect, it } from 'vitest';
import { HostLane } from '../../src/replica-manager/host-lanes.js';

/** A command whose end the test decides. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('HostLane', () => {
  it("runs one copy's commands in order and different copies' side by side, at most `limit` at once", async () => {
    const lane = new HostLane(2);
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const cmd = (key: string, name: string) => {
      const g = gate();
      gates.set(name, g);
      return lane.command(key, () =>
        lane.inSlot('answer', async () => {
          log.push(`start ${name}`);
          await g.opened;
          log.push(`end ${name}`);
        }),
      );
    };
    const all = [cmd('A', 'a1'), cmd('A', 'a2'), cmd('B', 'b1'), cmd('C', 'c1')];
    await flush();
    // a2 waits for a1; b1 runs beside a1; c1 waits for a slot.
    expect(log).toEqual(['start a1', 'start b1']);
    gates.get('b1')?.open();
    await flush();
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'start c1']);
    gates.get('a1')?.open();
    gates.get('c1')?.open();
    await flush();
    await flush();
    expect(log.slice(4)).toEqual(['end a1', 'end c1', 'start a2']);
    gates.get('a2')?.open();
    await Promise.all(all);
    expect(log.at(-1)).toBe('end a2');
  });

  it('starts (which spawn a process) go one at a time, beside the commands the WatchDog answers at once', async () => {
    const lane = new HostLane(8);
    const log: string[] = [];
    const first = gate();
    const spawn = (key: string, g?: ReturnType<typeof gate>) =>
      lane.command(key, () =>
        lane.inSlot('spawn', async () => {
          log.push(`start ${key}`);
          await g?.opened;
        }),
      );
    const all = [spawn('A', first), spawn('B')];
    const promote = lane.command('C', () => lane.inSlot('answer', async () => void log.push('set-role C')));
    await promote;
    expect(log).toEqual(['start A', 'set-role C']);
    first.open();
    await Promise.all(all);
    expect(log).toEqual(['start A', 'set-role C', 'start B']);
  });

  it('a barrier runs after every command before it, and every command after it waits for it', async () => {
    const lane = new HostLane();
    const log: string[] = [];
    const first = gate();
    const reconcile = gate();
    const before = lane.command('A', async () => {
      await first.opened;
      log.push('before');
    });
    const barrier = lane.barrier(async () => {
      log.push('barrier starts');
      await reconcile.opened;
      log.push('barrier ends');
    });
    const after = lane.command('B', async () => {
      log.push('after');
    });
    await flush();
    expect(log).toEqual([]);
    first.open();
    await flush();
    expect(log).toEqual(['before', 'barrier starts']);
    reconcile.open();
    await Promise.all([before, barrier, after]);
    expect(log).toEqual(['before', 'barrier starts', 'barrier ends', 'after']);
  });

  it('a command that fails does not stop the ones after it', async () => {
    const lane = new HostLane();
    const log: string[] = [];
    await lane.command('A', async () => {
      throw new Error('WatchDog down');
    });
    await lane.command('A', async () => {
      log.push('next');
    });
    expect(log).toEqual(['next']);
  });
});
