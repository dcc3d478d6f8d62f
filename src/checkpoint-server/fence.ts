/**
 * The fence on the modules' own state (DESIGN §5, fenced application state): whether a copy's save
 * may be accepted, judged from the module's entry in the stored replica table, which the manager
 * writes before any copy is given its role (persist, then act). Pure, shared by every store backend.
 *
 * - warm, cold: only the module's primary, showing the module's current primary generation (a copy
 *   that was primary once and is primary again has a new generation: its old incarnation is refused);
 * - hot: every running copy is a primary; their saves are compare-and-set on the checkpoint's version
 *   (`expectedVersion`), so a copy that did not see the last save cannot overwrite it;
 * - a module the table does not hold (no manager has registered it) is not fenced.
 *
 * Apart from the fence, a copy's own saves keep their order (saveOrder): each one carries the copy's
 * incarnation (its start on its WatchDog's clock), its session (one per process) and a sequence
 * number it raises with every save, and the store keeps them with the checkpoint. A save delayed
 * past a newer one of the same process, or of a later process of the same copy (restarted in place,
 * same generation), is refused; a save delivered twice is answered with the version it already made.
 * A reordered or repeated request never puts an older state back.
 */

/** What a copy shows with its save. */
export interface SaveToken {
  replica: string;
  /** The epoch of the command that gave the copy its role (logged, not compared). */
  epoch: number;
  generation: number;
  /** Compare-and-set on the checkpoint's version (0 = none saved yet). */
  expectedVersion?: number;
  /** When the saving process was started, on its WatchDog's clock (RM_INCARNATION; 0: unknown). */
  incarnation?: number;
  /** The saving process's session and the number of this save in it (raised by one with each save). */
  session?: string;
  sequence?: number;
}

/** Who made a checkpoint's last save ('', 0 for what a save without them left). */
export interface Saver {
  replica: string;
  incarnation: number;
  session: string;
  sequence: number;
}

/**
 * Where a save stands against the checkpoint's last one: `new` (write it), `repeat` (the same save
 * again: answer with the current version, write nothing) or `stale` (refused: the same process, or a
 * later process of the same copy, saved after it). Another copy's saves are judged by the fence.
 */
export function saveOrder(
  module: string,
  token: SaveToken | undefined,
  last: Saver | null,
): { kind: 'new' | 'repeat' } | { kind: 'stale'; reason: string } {
  if (!token || !last || last.replica !== token.replica) return { kind: 'new' };
  const incarnation = token.incarnation ?? 0;
  if (incarnation > 0 && last.incarnation > 0 && incarnation < last.incarnation) {
    return {
      kind: 'stale',
      reason: `${module}: a save of ${token.replica}'s process started at ${incarnation} arrived after one of its process started at ${last.incarnation}, which is kept; an older state is not put back`,
    };
  }
  if (!token.session || last.session !== token.session) return { kind: 'new' };
  const sequence = token.sequence ?? 0;
  if (sequence === last.sequence) return { kind: 'repeat' };
  if (sequence > last.sequence) return { kind: 'new' };
  return {
    kind: 'stale',
    reason: `${module}: ${token.replica || 'the caller'}'s save ${sequence} arrived after its save ${last.sequence}, which is kept; an older state is not put back`,
  };
}

/** The part of a stored table module the fence reads. */
interface StoredModule {
  style?: unknown;
  generation?: unknown;
  replicas?: Array<{ id?: unknown; status?: unknown }>;
}

/** Why a save is refused: `conflict` for a compare-and-set that no longer holds, else `fenced`. */
export interface Refusal {
  kind: 'fenced' | 'conflict';
  reason: string;
}

/**
 * Why the save must be refused, or null when it may be written. `moduleJson` is the module's stored
 * table entry (null when the table has none); `version` the checkpoint's current version (0 = none).
 */
export function fenceRefusal(
  module: string,
  moduleJson: string | null,
  token: SaveToken,
  version: number,
): Refusal | null {
  const fenced = (reason: string): Refusal => ({ kind: 'fenced', reason: `${module}: ${reason}` });
  if (token.expectedVersion !== undefined && token.expectedVersion !== version) {
    return {
      kind: 'conflict',
      reason: `${module}: the checkpoint is at version ${version}, not ${token.expectedVersion} as ${token.replica || 'the caller'} expected; load it again`,
    };
  }
  if (moduleJson === null) return null;
  let m: StoredModule;
  try {
    m = JSON.parse(moduleJson) as StoredModule;
  } catch {
    return fenced('the stored table entry cannot be read, so no save can be checked');
  }
  const replica = (m.replicas ?? []).find((r) => r.id === token.replica);
  if (!replica) {
    return fenced(`"${token.replica}" is not one of its replicas (saves come from the module's copies)`);
  }
  if (replica.status !== 'P') {
    return fenced(
      `${token.replica} is not its primary (status ${String(replica.status)}); it must step down`,
    );
  }
  if (m.style === 'hot') {
    if (token.expectedVersion === undefined) {
      return fenced("a hot module's copies save by compare-and-set: give the version last loaded or saved");
    }
    return null;
  }
  const generation = typeof m.generation === 'number' ? m.generation : 0;
  if (token.generation !== generation) {
    return fenced(
      `${token.replica} shows primary generation ${token.generation}, the module is at ${generation}; it must step down`,
    );
  }
  return null;
}
