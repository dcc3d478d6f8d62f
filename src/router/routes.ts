/**
 * The router's pure core (DESIGN §12): from the replica table, where each module's service is
 * reached; from two tables in a row, which open connections are cut and which are left to drain;
 * and which copy a new connection goes to. No I/O, no clock: the proxy (proxy.ts) carries it out.
 */
import { copyServicePort, isRunning, type Module, type ReplicaTable } from '../model/table.js';

export interface Target {
  replica: string;
  host: string;
  port: number;
}

export interface Route {
  module: string;
  /** The router's port for the module on every host. */
  port: number;
  /** warm and cold: the one primary; hot: every running copy. */
  mode: 'primary' | 'spread';
  /** Where new connections go, in registration order; empty while there is none (they are held). */
  targets: Target[];
}

/** The routes of every module that declares a service port. */
export function routesFor(table: ReplicaTable): Map<string, Route> {
  const up = new Set(table.hosts.filter((h) => h.up).map((h) => h.name));
  const routes = new Map<string, Route>();
  for (const m of table.modules) {
    if (m.servicePort === undefined) continue;
    routes.set(m.name, routeOf(m, up));
  }
  return routes;
}

function routeOf(m: Module, up: Set<string>): Route {
  const port = m.servicePort as number;
  const targets: Target[] = [];
  m.replicas.forEach((r, i) => {
    // Only a primary serves: a warm backup is running but not reachable through the router. While a
    // switchover waits for the old primary to step down, new connections are held (PgBouncer's
    // PAUSE): the old one's drain, and the held ones go to the new primary once it is named.
    if (r.status === 'P' && up.has(r.host) && !m.switchover)
      targets.push({ replica: r.id, host: r.host, port: copyServicePort(port, i) });
  });
  return { module: m.name, port, mode: m.style === 'hot' ? 'spread' : 'primary', targets };
}

export interface Change {
  /** Copies that stopped running (failed, stopped, host down): their connections are cut at once. */
  cut: string[];
  /** Copies that still run but no longer serve (a planned switchover): their connections drain. */
  drain: string[];
}

/**
 * What a new table means for the connections open to a module's copies: a copy that left the
 * targets is cut if the table no longer runs it, drained if it still runs (demoted in a switchover).
 */
export function changeFor(before: Route | undefined, after: Route | undefined, table: ReplicaTable): Change {
  const change: Change = { cut: [], drain: [] };
  if (!before) return change;
  const still = new Set((after?.targets ?? []).map((t) => t.replica));
  const module = table.modules.find((m) => m.name === before.module);
  const up = new Set(table.hosts.filter((h) => h.up).map((h) => h.name));
  for (const t of before.targets) {
    if (still.has(t.replica)) continue;
    const r = module?.replicas.find((x) => x.id === t.replica);
    if (r && isRunning(r.status) && up.has(r.host)) change.drain.push(t.replica);
    else change.cut.push(t.replica);
  }
  return change;
}

/**
 * The copy a new connection goes to: the primary, or for a hot module the running copy with the
 * fewest open connections (ties: registration order). `skip`: copies that just refused a connection.
 * Null: none now; the connection is held.
 */
export function pickTarget(
  route: Route,
  open: ReadonlyMap<string, number>,
  skip: ReadonlySet<string> = new Set(),
): Target | null {
  let best: Target | null = null;
  let fewest = Number.POSITIVE_INFINITY;
  for (const t of route.targets) {
    if (skip.has(t.replica)) continue;
    const n = open.get(t.replica) ?? 0;
    if (n < fewest) {
      best = t;
      fewest = n;
    }
  }
  return best;
}
