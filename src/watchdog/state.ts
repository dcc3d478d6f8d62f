/**
 * The WatchDog's state file in its host's state folder: the highest epoch it has seen (fencing,
 * DESIGN §5) and the copies it runs, with each one's pid and process start time, so that a restarted
 * WatchDog adopts its still-running copies instead of starting them twice. Written durably: a
 * temporary file, fsync, rename, fsync of the folder.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Role } from '../model/table.js';

/** What the WatchDog needs to start, watch and describe one copy (the wire's ReplicaSpec, defaults not filled). */
export interface CopySpec {
  replica: string;
  module: string;
  path: string;
  args: string[];
  env: Record<string, string>;
  /** poll | heartbeat; empty means poll. */
  detect: string;
  /** 0 means the cluster default. */
  intervalMs: number;
  timeoutMs: number;
  check: { kind: string; port: number; path: string; command: string[] } | null;
  style: string;
  /** The module's user and group (absent: the WatchDog's own account). */
  user?: string;
  group?: string;
}

/** One copy as the state file records it. */
export interface CopyRecord {
  spec: CopySpec;
  role: Role;
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): tells the copy from a later process with its pid. */
  procStart: string | null;
  startedAtMs: number;
  /** Whether the copy leads its own process group (the WatchDog started it), so that a kill reaches its children. */
  group: boolean;
  /** The group's leader when it is not the copy itself: the copy's keeper (fence first, DESIGN §5). */
  pgid?: number;
  /** The epoch of the command that started it or last gave it its role. */
  epoch: number;
  /** The module's primary generation the copy was given with its role (fencing token; 0 = none). */
  generation?: number;
  /** The copy's token (RM_COPY_TOKEN): how it proves to the WatchDog that it is this copy. */
  token?: string;
}

export interface WatchDogState {
  epoch: number;
  copies: CopyRecord[];
}

export const STATE_FILE = 'watchdog-state.json';

/** Where the state lives and how it is read and written. Both methods raise on I/O errors. */
export interface StateStore {
  load(): Promise<WatchDogState>;
  save(state: WatchDogState): Promise<void>;
}

/** Writes `text` to `file` so that after a crash the file holds either the old or the new text. */
export async function writeDurably(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fs.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

function asState(raw: unknown, file: string): WatchDogState {
  const o = raw as Partial<WatchDogState> | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.copies) || typeof o.epoch !== 'number') {
    throw new Error(`${file}: not a WatchDog state file (expected {"epoch": N, "copies": [...]})`);
  }
  return { epoch: o.epoch, copies: o.copies };
}

/** The state file in `dir`; a missing file is an empty state (epoch 0, no copies). */
export class FileStateStore implements StateStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, STATE_FILE);
  }

  async load(): Promise<WatchDogState> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { epoch: 0, copies: [] };
      throw err;
    }
    return asState(JSON.parse(text), this.file);
  }

  async save(state: WatchDogState): Promise<void> {
    await writeDurably(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }
}

// The process facts once read here live with the real ProcessControl, which alone reads /proc.
export { procStat, sameProcess } from './process-control.js';
