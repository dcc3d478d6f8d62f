/**
 * `rmctl store export` and `rmctl store import`: the store that the cluster file names, read or
 * written directly (not through a Checkpoint Server), as one snapshot file (checkpoint-server/
 * snapshot.ts). A cluster moves from one backend to another by an export with its cluster file and
 * an import with the new one, the cluster stopped in between (README, "Moving a cluster's store").
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { StoreBackend } from '../checkpoint-server/backend.js';
import { openStoreBackend } from '../checkpoint-server/daemon.js';
import { describeSnapshot, encodeSnapshot, parseSnapshot } from '../checkpoint-server/snapshot.js';
import { findClusterFile, loadClusterConfig } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { failure, type Io, stdio } from './commands.js';
import { ExitCode } from './exit-codes.js';

/** The cluster file's store; `existing`: a sqlite file that is missing is not created. */
function openClusterStore(configOpt: string | undefined, existing: boolean): StoreBackend {
  const cs = loadClusterConfig(findClusterFile(configOpt)).checkpointServer;
  return openStoreBackend(
    { dataDir: cs.dataDir, etcd: cs.backend === 'etcd' ? cs.etcd : null },
    { existing },
  );
}

/** Writes the snapshot to `output` (whole or not at all: a temporary file renamed) or to stdout. */
export async function storeExportCommand(
  flags: { config?: string; output?: string },
  io: Io = stdio,
): Promise<number> {
  let store: StoreBackend | null = null;
  try {
    store = openClusterStore(flags.config, true);
    const snapshot = await store.exportSnapshot();
    const text = encodeSnapshot(snapshot);
    if (flags.output) {
      const tmp = `${flags.output}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, text, { mode: 0o600 });
        renameSync(tmp, flags.output);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw new ConfigError(
          `cannot write (${(err as NodeJS.ErrnoException).code ?? err})`,
          undefined,
          flags.output,
        );
      }
    } else {
      io.out(text);
    }
    const at = snapshot.revision ? ` at etcd revision ${snapshot.revision}` : '';
    io.err(`exported ${describeSnapshot(snapshot)} from ${snapshot.from}${at}`);
    return ExitCode.ok;
  } catch (err) {
    return failure(io, 'store export', err);
  } finally {
    await store?.close();
  }
}

/** Reads a snapshot file and writes it into the cluster file's store, which must hold nothing. */
export async function storeImportCommand(
  file: string,
  flags: { config?: string },
  io: Io = stdio,
): Promise<number> {
  let store: StoreBackend | null = null;
  try {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read (${(err as NodeJS.ErrnoException).code ?? err})`, undefined, file);
    }
    const snapshot = parseSnapshot(text, file);
    store = openClusterStore(flags.config, false);
    const outcome = await store.importSnapshot(snapshot);
    const replaced = outcome.replacedUnfinished ? ' (replacing an import that had stopped part-way)' : '';
    io.out(`imported ${describeSnapshot(snapshot)} into ${store.where}${replaced}, from ${snapshot.from}`);
    return ExitCode.ok;
  } catch (err) {
    return failure(io, 'store import', err);
  } finally {
    await store?.close();
  }
}
