/**
 * `rmctl endpoints [MODULE]`: where each module with a service port is reached — the router's stable
 * address on every host — and where those connections go now. The targets come from the router's own
 * core (router/routes.ts) on the table the acting ReplicaManager holds, so rmctl shows what the
 * routers act on.
 */
import Table from 'cli-table3';
import type { ReplicaTable } from '../model/table.js';
import { tableFromProto } from '../replica-manager/proto-convert.js';
import { routesFor } from '../router/routes.js';
import { NotFoundError, RegistrationError } from '../shared/errors.js';
import { failure, type Io, stdio, withCluster } from './commands.js';
import { ExitCode } from './exit-codes.js';

export interface EndpointView {
  module: string;
  port: number;
  mode: 'primary' | 'spread';
  /** The router's address for the module on each host of the cluster file. */
  endpoints: Array<{ host: string; address: string }>;
  /** Where new connections go now; empty while none serves (connections are held). */
  targets: Array<{ replica: string; host: string; address: string }>;
}

/**
 * The endpoints of every module with a service port, or of `module` alone. Errors: NotFoundError
 * (no such module: the known ones are named), RegistrationError (the module has no servicePort).
 */
export function endpointsOf(
  table: ReplicaTable,
  hosts: ReadonlyArray<{ name: string; address: string }>,
  module?: string,
): EndpointView[] {
  if (module !== undefined) {
    const m = table.modules.find((x) => x.name === module);
    if (!m) {
      const known = table.modules.map((x) => x.name).join(', ') || 'none registered';
      throw new NotFoundError(`no module "${module}" in the replica table (known: ${known})`);
    }
    if (m.servicePort === undefined)
      throw new RegistrationError(
        `module "${module}" declares no servicePort, so no router endpoint; register it with one (docs/TABLE-FORMAT.md)`,
        'servicePort',
      );
  }
  const addressOf = (h: string) => hosts.find((x) => x.name === h)?.address ?? h;
  return [...routesFor(table).values()]
    .filter((r) => module === undefined || r.module === module)
    .map((r) => ({
      module: r.module,
      port: r.port,
      mode: r.mode,
      endpoints: hosts.map((h) => ({ host: h.name, address: `${h.address}:${r.port}` })),
      targets: r.targets.map((t) => ({
        replica: t.replica,
        host: t.host,
        address: `${addressOf(t.host)}:${t.port}`,
      })),
    }));
}

export function renderEndpoints(views: EndpointView[], json: boolean): string {
  if (json) return JSON.stringify(views, null, 2);
  if (views.length === 0) return 'no module declares a servicePort';
  const t = new Table({ head: ['MODULE', 'MODE', 'ENDPOINTS', 'TARGETS'], style: { head: [], border: [] } });
  for (const v of views)
    t.push([
      v.module,
      v.mode,
      v.endpoints.map((e) => `${e.host} ${e.address}`).join('\n'),
      v.targets.map((x) => `${x.replica} ${x.host} ${x.address}`).join('\n') || '- (held: none serves)',
    ]);
  return t.toString();
}

export async function endpointsCommand(
  module: string | undefined,
  flags: { config?: string; json?: boolean },
  io: Io = stdio,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const rm = await c.manager();
      const table = tableFromProto(rm.status.table!);
      io.out(renderEndpoints(endpointsOf(table, c.cfg.hosts, module), !!flags.json));
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'endpoints', err);
  }
}
