/**
 * Properties of the decision core (DESIGN §4) over random tables and random event sequences: after
 * every event the invariants of test/helpers/invariants.ts hold (at most one P for warm and cold, every
 * running hot copy is P, nothing runs on a down host, the degree runs whenever enough live hosts exist),
 * decide() is deterministic and never changes its input, and a refused registration changes nothing.
 * A warm module whose primary fails promotes the live backup that applied the most, when the event
 * says how far each applied (DESIGN §11), else the first live backup; with maxLagOnFailover, only one
 * within that limit of the most advanced known position, else nobody (the fail-over is held).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type AppliedPosition,
  type AppliedPositions,
  comparePositions,
  type Event,
  lagBehind,
  type Module,
  type ModuleSpec,
  type Replica,
  type ReplicaTable,
  type Role,
} from '../../src/model/table.js';
import { decide } from '../../src/replica-manager/decide.js';
import { parseTableFile, tableToPlain } from '../../src/replica-manager/table-file.js';
import { SupervisorError } from '../../src/shared/errors.js';
import { checkInvariants } from '../helpers/invariants.js';

const HOSTS = ['H1', 'H2', 'H3', 'H4', 'H5', 'H6'];

const moduleSpec = (name: string): fc.Arbitrary<ModuleSpec> =>
  fc
    .record({
      style: fc.constantFrom('cold', 'warm', 'hot') as fc.Arbitrary<ModuleSpec['style']>,
      hosts: fc.shuffledSubarray(HOSTS, { minLength: 1, maxLength: 6 }),
      degreeSeed: fc.nat(),
      overThreshold: fc.boolean(),
      threshold: fc.nat({ max: 3 }),
      maxLag: fc.option(fc.nat({ max: 3 }), { nil: undefined, freq: 2 }),
    })
    .map(({ style, hosts, degreeSeed, overThreshold, threshold, maxLag }) => ({
      name,
      style,
      degree: 1 + (degreeSeed % hosts.length),
      policy: overThreshold ? 'on-over-threshold' : 'on-each-failure',
      ...(overThreshold ? { threshold } : {}),
      ...(style === 'warm' && maxLag !== undefined ? { maxLagOnFailover: maxLag } : {}),
      replicas: hosts.map((host) => ({ host, path: `/opt/${name}` })),
    }));

/** Events named by index, resolved against the table at hand, so that most of them hit something real. */
/** Positions for the table's replicas by index (null: not known), few values so that ties happen. */
const positions = fc.array(
  fc.option(fc.record({ seq: fc.nat({ max: 4 }), generation: fc.nat({ max: 2 }) }), { nil: null }),
  { maxLength: 12 },
);

type Gen =
  | { kind: 'replica-failed'; pick: number; applied: Array<AppliedPosition | null> }
  | { kind: 'start-refused' | 'replica-startable'; pick: number }
  | { kind: 'host-down' | 'host-up'; host: string; applied: Array<AppliedPosition | null> }
  | { kind: 'reconcile'; host: string; keep: boolean[]; flip: boolean; stray: boolean }
  | { kind: 'unregister'; pick: number }
  | { kind: 'register'; spec: ModuleSpec }
  | { kind: 'replica-started'; pick: number }
  | { kind: 'switchover'; pick: number; to: number | null }
  | { kind: 'demoted'; pick: number }
  | { kind: 'pause' | 'resume'; pick: number | null }
  | { kind: 'drain' | 'undrain'; host: string };

const gen: fc.Arbitrary<Gen> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('replica-failed' as const),
      pick: fc.nat(),
      applied: positions,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('start-refused' as const, 'replica-startable' as const),
      pick: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('host-down' as const, 'host-up' as const),
      host: fc.constantFrom(...HOSTS),
      applied: positions,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reconcile' as const),
      host: fc.constantFrom(...HOSTS),
      keep: fc.array(fc.boolean(), { maxLength: 8 }),
      flip: fc.boolean(),
      stray: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unregister' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      spec: fc.constantFrom('X', 'Y', 'A').chain(moduleSpec),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replica-started' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('switchover' as const),
      pick: fc.nat(),
      to: fc.option(fc.nat(), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('demoted' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('pause' as const, 'resume' as const),
      pick: fc.option(fc.nat(), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('drain' as const, 'undrain' as const),
      host: fc.constantFrom(...HOSTS),
    }),
  },
);

/** The generated positions given to the table's replicas in order. */
function appliedOf(list: ReadonlyArray<AppliedPosition | null>, table: ReplicaTable): AppliedPositions {
  const applied: Record<string, AppliedPosition> = {};
  table.modules
    .flatMap((m) => m.replicas)
    .forEach((r, i) => {
      const p = list[i];
      if (p) applied[r.id] = p;
    });
  return applied;
}

function resolveEvent(g: Gen, table: ReplicaTable): Event | null {
  const replicas = table.modules.flatMap((m) => m.replicas);
  switch (g.kind) {
    case 'replica-failed': {
      const r = replicas[g.pick % Math.max(1, replicas.length)];
      return r ? { kind: g.kind, replica: r.id, applied: appliedOf(g.applied, table) } : null;
    }
    case 'start-refused':
    case 'replica-startable':
    case 'replica-started': {
      const r = replicas[g.pick % Math.max(1, replicas.length)];
      return r ? { kind: g.kind, replica: r.id } : null;
    }
    case 'host-down':
      return { kind: g.kind, host: g.host, applied: appliedOf(g.applied, table) };
    case 'host-up':
      return { kind: g.kind, host: g.host };
    case 'reconcile': {
      const here = replicas.filter((r) => r.host === g.host && r.status !== 'I');
      const running: Array<{ replica: string; role: Role }> = here
        .filter((_, i) => g.keep[i] ?? true)
        .map((r) => ({ replica: r.id, role: g.flip && r.status === 'P' ? 'B' : (r.status as Role) }));
      if (g.stray) running.push({ replica: 'STRAY1', role: 'P' });
      return { kind: 'reconcile', host: g.host, running };
    }
    case 'unregister': {
      const m = table.modules[g.pick % Math.max(1, table.modules.length)];
      return m ? { kind: 'unregister', name: m.name } : null;
    }
    case 'register':
      return { kind: 'register', module: g.spec };
    case 'switchover': {
      const m = table.modules[g.pick % Math.max(1, table.modules.length)];
      if (!m) return null;
      const to = g.to === null ? undefined : m.replicas[g.to % m.replicas.length]?.id;
      return to === undefined
        ? { kind: 'switchover', module: m.name }
        : { kind: 'switchover', module: m.name, to };
    }
    case 'demoted': {
      // Mostly the confirmation a waiting switchover expects; sometimes a late or stray one.
      const waiting = table.modules.flatMap((m) => (m.switchover ? [m.switchover.from] : []));
      const pool = waiting.length > 0 && g.pick % 4 !== 0 ? waiting : replicas.map((r) => r.id);
      const id = pool[g.pick % Math.max(1, pool.length)];
      return id ? { kind: 'demoted', replica: id } : null;
    }
    case 'pause':
    case 'resume': {
      if (g.pick === null) return { kind: g.kind };
      const m = table.modules[g.pick % Math.max(1, table.modules.length)];
      return m ? { kind: g.kind, module: m.name } : null;
    }
    case 'drain':
    case 'undrain':
      return { kind: g.kind, host: g.host };
  }
}

/**
 * What the maintenance rules promise of one decision: nothing starts on a drained host; a paused
 * module is neither failed over nor restarted by what the cluster observes; a copy is named primary
 * only when no other is one or steps down (never two primaries, even for a moment).
 */
function maintenanceBroken(before: ReplicaTable, event: Event, d: ReturnType<typeof decide>): string[] {
  const broken: string[] = [];
  const drained = new Set(d.table.hosts.filter((h) => h.drained).map((h) => h.name));
  const moduleOf = new Map(before.modules.flatMap((m) => m.replicas.map((r) => [r.id, m] as const)));
  const operator = ['switchover', 'demoted', 'resume', 'unregister', 'register'].includes(event.kind);
  // A copy whose start was refused is started only once that no longer holds (found startable, its
  // host back, or found running by its WatchDog).
  const refused = new Set(
    before.modules.flatMap((m) => m.replicas.filter((r) => r.unusable).map((r) => r.id)),
  );
  const cleared = (a: { replica: string; host: string }) =>
    (event.kind === 'replica-startable' && event.replica === a.replica) ||
    ((event.kind === 'host-up' || event.kind === 'reconcile') &&
      event.host === a.host &&
      !before.hosts.find((h) => h.name === a.host)?.up);
  for (const a of d.actions) {
    if ((a.kind === 'start' || a.kind === 'restart') && refused.has(a.replica) && !cleared(a))
      broken.push(`${a.kind} ${a.replica}, whose start was refused, after ${event.kind}`);
    if ((a.kind === 'start' || a.kind === 'restart') && drained.has(a.host))
      broken.push(`${a.kind} ${a.replica} on drained ${a.host}`);
    const m = moduleOf.get(a.replica);
    // A role corrected to what the table already said (a reconcile) gives nobody a new role.
    const was = m?.replicas.find((r) => r.id === a.replica)?.status;
    const gives = (a.kind === 'start' || a.kind === 'restart' || a.kind === 'set-role') && a.role === 'P';
    const promotes = gives && !(a.kind === 'set-role' && was === 'P');
    // A switchover the operator asked for still ends in a paused module.
    const planned = a.reason?.includes(': switchover of ') ?? false;
    if (m?.paused && !operator && !planned && (promotes || a.kind === 'start' || a.kind === 'restart'))
      broken.push(`${a.kind} ${a.replica} of paused ${m.name} after ${event.kind}`);
    if (m && m.style !== 'hot' && promotes) {
      const after = d.table.modules.find((x) => x.name === m.name);
      const others = after?.replicas.filter((r) => r.status === 'P' && r.id !== a.replica) ?? [];
      if (others.length > 0)
        broken.push(`${a.replica} made primary beside ${others.map((r) => r.id).join(', ')}`);
      // The old primary steps down before anyone takes its place: its step-down is in an earlier decision.
      const stepping = d.actions.some(
        (x) => x.kind === 'set-role' && x.role === 'B' && x.confirm && moduleOf.get(x.replica) === m,
      );
      if (stepping)
        broken.push(`${a.replica} made primary in the decision that asks its predecessor to step down`);
    }
  }
  return broken;
}

const initial = fc
  .record({
    a: moduleSpec('A'),
    b: moduleSpec('B'),
    c: moduleSpec('C'),
  })
  .map(({ a, b, c }) => {
    let t: ReplicaTable = { hosts: HOSTS.map((name) => ({ name, up: true })), modules: [] };
    for (const spec of [a, b, c]) t = decide(t, { kind: 'register', module: spec }).table;
    return t;
  });

describe('decide() properties', () => {
  it('after every event of any sequence, the invariants hold; decide is deterministic and pure', () => {
    fc.assert(
      fc.property(initial, fc.array(gen, { minLength: 1, maxLength: 40 }), (start, gens) => {
        let table = start;
        expect(checkInvariants(table)).toEqual([]);
        for (const g of gens) {
          const event = resolveEvent(g, table);
          if (!event) continue;
          const before = structuredClone(table);
          let d: ReturnType<typeof decide>;
          try {
            d = decide(table, event);
          } catch (err) {
            // Only a registration (a duplicate name) or a switchover (not possible now) may be
            // refused here, and a refusal changes nothing.
            expect(err).toBeInstanceOf(SupervisorError);
            expect(['register', 'switchover']).toContain(event.kind);
            expect(table).toEqual(before);
            continue;
          }
          expect(table, 'the input is never changed').toEqual(before);
          expect(decide(before, event), 'the same inputs give the same outputs').toEqual(d);
          const broken = [...checkInvariants(d.table), ...maintenanceBroken(before, event, d)];
          if (broken.length > 0) throw new Error(`after ${JSON.stringify(event)}: ${broken.join('; ')}`);
          // The decision says exactly what to persist: every module that differs is named, every
          // module gone is named, and the hosts are flagged whenever they changed.
          const old = new Map(before.modules.map((m) => [m.name, m]));
          const differs = d.table.modules
            .filter((m) => !isDeepStrictEqual(m, old.get(m.name)))
            .map((m) => m.name);
          for (const name of differs) expect(d.persist.modules, `${name} changed`).toContain(name);
          const gone = before.modules.filter((m) => !d.table.modules.some((x) => x.name === m.name));
          expect(d.persist.removed.sort()).toEqual(gone.map((m) => m.name).sort());
          expect(d.persist.hosts).toBe(!isDeepStrictEqual(d.table.hosts, before.hosts));
          table = d.table;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a warm module's failed primary is replaced by the live backup that applied the most; with no position known, the first", () => {
    fc.assert(
      fc.property(initial, positions, fc.nat(), (table, list, pick) => {
        const warm = table.modules.filter(
          (m) =>
            m.style === 'warm' &&
            m.policy === 'on-each-failure' &&
            m.maxLagOnFailover === undefined &&
            m.replicas.some((r) => r.status === 'P'),
        );
        const module = warm[pick % Math.max(1, warm.length)];
        if (!module) return;
        const primary = module.replicas.find((r) => r.status === 'P');
        if (!primary) return;
        const applied = appliedOf(list, table);
        const d = decide(table, { kind: 'replica-failed', replica: primary.id, applied });
        const backups = module.replicas.filter((r) => r.status === 'B');
        const promoted = d.actions.find((a) => a.kind === 'set-role' && a.role === 'P');
        if (backups.length === 0) {
          expect(promoted).toBeUndefined();
          return;
        }
        const known = backups.filter((r) => applied[r.id] !== undefined);
        let want = backups[0];
        for (const r of known) {
          const best = want && applied[want.id];
          if (!best || comparePositions(applied[r.id] as AppliedPosition, best) > 0) want = r;
        }
        expect(promoted?.replica).toBe(want?.id);
        // The reason says which rule chose: the positions, or the registration's order.
        expect(promoted?.reason).toContain(known.length > 0 ? ' applied ' : 'is its first live backup');
      }),
      { numRuns: 300 },
    );
  });

  it('with maxLagOnFailover, a fail-over promotes only a backup within the limit of the most advanced known position, else holds with an alert', () => {
    fc.assert(
      fc.property(initial, positions, fc.nat(), (table, list, pick) => {
        const warm = table.modules.filter(
          (m) =>
            m.style === 'warm' &&
            m.policy === 'on-each-failure' &&
            m.maxLagOnFailover !== undefined &&
            m.replicas.some((r) => r.status === 'P'),
        );
        const module = warm[pick % Math.max(1, warm.length)];
        if (!module) return;
        const limit = module.maxLagOnFailover as number;
        const primary = module.replicas.find((r) => r.status === 'P') as Replica;
        const applied = appliedOf(list, table);
        const d = decide(table, { kind: 'replica-failed', replica: primary.id, applied });
        const after = d.table.modules.find((m) => m.name === module.name) as Module;
        const backups = module.replicas.filter((r) => r.status === 'B');
        let most: AppliedPosition | undefined;
        for (const r of module.replicas) {
          const p = applied[r.id];
          if (p && (!most || comparePositions(p, most) > 0)) most = p;
        }
        const top = most;
        const within = (r: Replica) => {
          const p = applied[r.id];
          return top === undefined || (p !== undefined && lagBehind(p, top) <= limit);
        };
        const promoted = d.actions.find((a) => a.kind === 'set-role' && a.role === 'P');
        if (backups.length === 0) {
          expect(promoted).toBeUndefined();
          return;
        }
        if (backups.some(within)) {
          const chosen = backups.find((r) => r.id === promoted?.replica);
          expect(chosen, 'an eligible backup is promoted').toBeDefined();
          expect(within(chosen as Replica)).toBe(true);
          expect(after.lagHold).toBeUndefined();
        } else {
          // Nobody is promoted, nothing starts as primary, and the operator is told why.
          expect(d.actions.filter((a) => 'role' in a && a.role === 'P')).toEqual([]);
          expect(after.replicas.some((r) => r.status === 'P')).toBe(false);
          expect(after.lagHold).toEqual(top);
          expect(
            d.alerts.some((a) => a.module === module.name && a.reason.includes('maxLagOnFailover')),
          ).toBe(true);
          // A later event that knows less does not release the hold.
          const later = decide(d.table, { kind: 'replica-started', replica: (backups[0] as Replica).id });
          const again = later.table.modules.find((m) => m.name === module.name) as Module;
          expect(again.replicas.some((r) => r.status === 'P')).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a host that comes back restores every module it can to its degree', () => {
    fc.assert(
      fc.property(initial, fc.shuffledSubarray(HOSTS, { minLength: 1 }), (start, down) => {
        let table = start;
        for (const h of down) table = decide(table, { kind: 'host-down', host: h }).table;
        for (const h of down) table = decide(table, { kind: 'host-up', host: h }).table;
        for (const m of table.modules) expect(m.underReplicated, m.name).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('a refused registration leaves the table unchanged', () => {
    const bad = fc.oneof(
      moduleSpec('A'), // A is already registered
      moduleSpec('N').map((s) => ({ ...s, degree: s.replicas.length + 1 })),
      moduleSpec('N').map((s) => ({ ...s, replicas: [...s.replicas, { host: 'H9', path: '/opt/n' }] })),
      moduleSpec('N').map((s) => ({ ...s, replicas: s.replicas.map((r) => ({ ...r, path: 'relative/n' })) })),
      moduleSpec('N').map((s) => ({
        ...s,
        replicas: [...s.replicas, s.replicas[0] as ModuleSpec['replicas'][number]],
      })),
    );
    fc.assert(
      fc.property(initial, bad, (table, spec) => {
        const before = structuredClone(table);
        let refused: unknown;
        try {
          decide(table, { kind: 'register', module: spec });
        } catch (err) {
          refused = err;
        }
        expect(refused).toBeInstanceOf(SupervisorError);
        expect(table).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('a table written as a file reads back the same', () => {
    fc.assert(
      fc.property(initial, fc.array(gen, { maxLength: 10 }), (start, gens) => {
        let table = start;
        for (const g of gens) {
          const e = resolveEvent(g, table);
          if (!e) continue;
          try {
            table = decide(table, e).table;
          } catch {
            /* a refused registration: the table stays */
          }
        }
        expect(parseTableFile(stringify(tableToPlain(table)), 't.yaml')).toEqual(table);
        expect(parseTableFile(JSON.stringify(tableToPlain(table)), 't.json')).toEqual(table);
      }),
      { numRuns: 100 },
    );
  });
});
