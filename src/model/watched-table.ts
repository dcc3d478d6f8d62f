/**
 * The replica table as a watch on its keys rebuilds it, key by key (DESIGN §12). Shared by the
 * router daemon and the SDK's name resolver; it imports nothing of the daemons, so that the SDK
 * package can carry it.
 */
import type { Module, ReplicaTable } from './table.js';

/** The key of the table's index (hosts and module names); each module is under `${TABLE_KEY}/modules/<name>`. */
export const TABLE_KEY = 'rm/replica-table';

export class WatchedTable {
  private hosts: ReplicaTable['hosts'] = [];
  private names: string[] = [];
  private readonly modules = new Map<string, Module>();

  /** Applies one watched key; returns whether it was a key of the table. */
  apply(key: string, value: Buffer | null): boolean {
    if (key === TABLE_KEY) {
      if (!value) {
        this.hosts = [];
        this.names = [];
        return true;
      }
      const index = JSON.parse(value.toString('utf8')) as { hosts: ReplicaTable['hosts']; modules: string[] };
      this.hosts = index.hosts;
      this.names = index.modules;
      return true;
    }
    const prefix = `${TABLE_KEY}/modules/`;
    if (!key.startsWith(prefix)) return false;
    const name = key.slice(prefix.length);
    if (value) this.modules.set(name, JSON.parse(value.toString('utf8')) as Module);
    else this.modules.delete(name);
    return true;
  }

  table(): ReplicaTable {
    const modules = this.names.map((n) => this.modules.get(n)).filter((m): m is Module => m !== undefined);
    return { hosts: this.hosts, modules };
  }
}
