/**
 * The ReplicaManager's table store over the Checkpoint Server: a save after a decision sends the
 * hosts, the order of the modules and only the modules the decision changed.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckpointClient } from '../../src/checkpoint-server/client.js';
import type { TableChange } from '../../src/checkpoint-server/store.js';
import { checkpointTableStore } from '../../src/replica-manager/daemon.js';
import { decide } from '../../src/replica-manager/decide.js';
import { parseTableFile } from '../../src/replica-manager/table-file.js';
import { ROOT } from '../helpers/processes.js';

/** A Checkpoint Server that holds one table and records every change saved. */
function recordingCheckpointServer(tableJson: string) {
  const saves: TableChange[] = [];
  const cs = {
    async loadTable() {
      return { found: true, tableJson, version: 1, epoch: 1 };
    },
    async saveTableChange(_epoch: number, change: TableChange) {
      saves.push(change);
      return saves.length + 1;
    },
  };
  return { cs: cs as unknown as CheckpointClient, saves };
}

describe('checkpointTableStore', () => {
  it('sends only the modules a decision says it changed, and after a module is gone, its name no more', async () => {
    const fig2 = parseTableFile(readFileSync(`${ROOT}/examples/fig2.yaml`, 'utf8'));
    const { cs, saves } = recordingCheckpointServer(JSON.stringify(fig2));
    const store = checkpointTableStore(cs);
    const loaded = await store.load();
    expect(loaded).toEqual(fig2);

    const d1 = decide(loaded!, { kind: 'replica-failed', replica: 'A1' });
    expect(d1.persist).toEqual({ hosts: false, modules: ['A'], removed: [] });
    const failed = d1.table;
    await store.save(failed, 1, d1.persist);
    expect(saves[0]?.moduleNames).toEqual(['A', 'B', 'C']);
    expect(saves[0]?.changedModules.map((m) => m.name)).toEqual(['A']);
    expect(JSON.parse(saves[0]?.changedModules[0]?.moduleJson ?? '')).toEqual(failed.modules[0]);

    const d2 = decide(failed, { kind: 'host-down', host: 'H1' });
    expect(d2.persist).toMatchObject({ hosts: true, removed: [] });
    const down = d2.table;
    await store.save(down, 1, d2.persist);
    expect(saves[1]?.changedModules.map((m) => m.name)).toEqual(d2.persist.modules);
    expect(d2.persist.modules).toContain('B');
    expect(JSON.parse(saves[1]?.hostsJson ?? '')).toEqual(down.hosts);

    const d3 = decide(down, { kind: 'unregister', name: 'B' });
    expect(d3.persist).toEqual({ hosts: false, modules: [], removed: ['B'] });
    await store.save(d3.table, 1, d3.persist);
    expect(saves[2]).toMatchObject({ moduleNames: ['A', 'C'], changedModules: [] });
  });
});
