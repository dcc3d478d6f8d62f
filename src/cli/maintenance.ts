/**
 * rmctl's maintenance commands (DESIGN §12): switchover, pause and resume, drain and undrain. Each is
 * an event the ReplicaManager decides like any other and persists before it acts; what it did is
 * printed with the reason of every action. Each returns its exit code.
 */

import type { Action, Alert, Module } from '../model/table.js';
import { actionFromProto, tableFromProto } from '../replica-manager/proto-convert.js';
import { UnavailableError } from '../shared/errors.js';
import type { MaintenanceResponse__Output } from '../shared/generated/rm/replica_manager/v1/MaintenanceResponse.js';
import type { ReplicaManagerClient } from '../shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { StatusResponse__Output } from '../shared/generated/rm/replica_manager/v1/StatusResponse.js';
import { unary } from '../shared/grpc.js';
import type { ClusterClient } from './cluster-client.js';
import { failure, type Io, stdio, withCluster } from './commands.js';
import { ExitCode } from './exit-codes.js';
import { formatActions, formatAlerts } from './format.js';

/** How long `rmctl switchover` waits for the new primary by default. */
export const SWITCHOVER_WAIT_MS = 30_000;

interface Answer {
  actions: Action[];
  alerts: Alert[];
  epoch: number;
  module?: Module;
}

function answerOf(res: MaintenanceResponse__Output, module?: string): Answer {
  const table = res.table ? tableFromProto(res.table) : undefined;
  const found = module ? table?.modules.find((m) => m.name === module) : undefined;
  return {
    actions: res.actions.map(actionFromProto),
    alerts: res.alerts.map((a) => ({ module: a.module, reason: a.reason })),
    epoch: Number(res.epoch),
    ...(found ? { module: found } : {}),
  };
}

/** The decision's actions and alerts, as people read them, after a one-line summary. */
function report(io: Io, summary: string, a: Answer): void {
  const lines = [summary, formatActions(a.actions)];
  if (a.alerts.length > 0) lines.push(formatAlerts(a.alerts));
  io.out(lines.join('\n'));
}

/** Asks the acting ReplicaManager for one maintenance decision. */
async function ask(
  c: ClusterClient,
  call: (client: ReplicaManagerClient, deadlineMs: number) => Promise<MaintenanceResponse__Output>,
): Promise<MaintenanceResponse__Output> {
  const rm = await c.manager();
  return call(rm.client, c.deadlineMs);
}

const PEER = 'ReplicaManager';

/**
 * `rmctl switchover MODULE [--to REPLICA]`: a planned change of primary. By default it waits (up to
 * `waitMs`) until the old primary has stepped down and the new one is named, following the table.
 */
export async function switchoverCommand(
  module: string,
  flags: { config?: string; to?: string; wait?: boolean; waitMs?: number; json?: boolean },
  io: Io = stdio,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const a = answerOf(
        await ask(c, (rm, ms) => unary(rm, rm.Switchover, { module, to: flags.to ?? '' }, ms, PEER)),
        module,
      );
      const sw = a.module?.switchover;
      const from = a.module?.replicas.find((r) => r.id === sw?.from);
      const step = a.module?.style === 'cold' ? 'is being stopped' : 'steps down to a backup';
      const summary = sw
        ? `switchover of ${module}: ${sw.from} on ${from?.host} ${step}; ${sw.to} becomes primary once ${from?.host}'s WatchDog has confirmed it`
        : `switchover of ${module}`;
      if (flags.wait === false) {
        if (flags.json) io.out(JSON.stringify({ ...a, done: false }, null, 2));
        else report(io, summary, a);
        return ExitCode.ok;
      }
      if (!flags.json) report(io, summary, a);
      const done = await untilSwitchedOver(c, module, flags.waitMs ?? SWITCHOVER_WAIT_MS);
      const primary = done.replicas.find((r) => r.status === 'P');
      if (flags.json) {
        io.out(
          JSON.stringify(
            { ...a, done: true, primary: primary?.id ?? null, generation: done.generation ?? 0 },
            null,
            2,
          ),
        );
      } else if (primary) {
        io.out(
          `switchover of ${module} done: ${primary.id} on ${primary.host} is primary (generation ${done.generation ?? 0})`,
        );
      } else
        io.out(`switchover of ${module} done, but ${module} has no primary now: see rmctl status ${module}`);
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, 'switchover', err);
  }
}

/**
 * Follows the module's table (the ReplicaManager's status stream, asked again if it ends) until no
 * switchover waits; raises UnavailableError after `waitMs`, saying what it still waits for.
 */
async function untilSwitchedOver(c: ClusterClient, name: string, waitMs: number): Promise<Module> {
  const until = Date.now() + waitMs;
  let last: Module | undefined;
  for (let attempt = 0; attempt < 1000 && Date.now() < until; attempt++) {
    const rm = await c.manager().catch(() => null);
    if (rm) {
      const found = await new Promise<Module | null>((resolve) => {
        const stream = rm.client.WatchStatus({ module: name });
        const timer = setTimeout(() => finish(null), Math.max(0, until - Date.now()));
        function finish(m: Module | null) {
          clearTimeout(timer);
          stream.cancel();
          resolve(m);
        }
        stream.on('data', (res: StatusResponse__Output) => {
          const m = res.table ? tableFromProto(res.table).modules.find((x) => x.name === name) : undefined;
          if (m) last = m;
          if (m && !m.switchover) finish(m);
        });
        stream.on('error', () => finish(null));
        stream.on('end', () => finish(null));
      });
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const sw = last?.switchover;
  const from = last?.replicas.find((r) => r.id === sw?.from);
  throw new UnavailableError(
    sw
      ? `switchover of ${name} not finished after ${Math.round(waitMs / 1000)} s: still waiting for ${sw.from} on ${from?.host} to step down (does ${from?.host}'s WatchDog answer?); it goes on, see rmctl status ${name}`
      : `no ReplicaManager showed the end of the switchover of ${name} within ${Math.round(waitMs / 1000)} s; see rmctl status ${name}`,
  );
}

/**
 * One maintenance decision asked of the acting ReplicaManager and printed: as JSON, or as a summary
 * line then its actions and alerts.
 */
async function decideAndReport(
  command: string,
  flags: { config?: string; json?: boolean },
  io: Io,
  call: (client: ReplicaManagerClient, deadlineMs: number) => Promise<MaintenanceResponse__Output>,
  summary: string,
): Promise<number> {
  try {
    return await withCluster(flags.config, async (c) => {
      const a = answerOf(await ask(c, call));
      if (flags.json) io.out(JSON.stringify(a, null, 2));
      else report(io, summary, a);
      return ExitCode.ok;
    });
  } catch (err) {
    return failure(io, command, err);
  }
}

/** `rmctl pause [MODULE]` and `rmctl resume [MODULE]`: maintenance mode, for one module or all. */
export function pauseCommand(
  which: 'pause' | 'resume',
  module: string | undefined,
  flags: { config?: string; json?: boolean },
  io: Io = stdio,
): Promise<number> {
  const what = module ?? 'every module';
  const summary =
    which === 'pause'
      ? `paused ${what}: the copies keep running and are watched; nothing is failed over until rmctl resume${module ? ` ${module}` : ''} (rmctl status shows what resume would do)`
      : `resumed ${what}: what is still needed is done now`;
  const req = { module: module ?? '' };
  return decideAndReport(
    which,
    flags,
    io,
    (rm, ms) => unary(rm, which === 'pause' ? rm.Pause : rm.Resume, req, ms, PEER),
    summary,
  );
}

/** `rmctl drain HOST` and `rmctl undrain HOST`: a host leaves service in a planned way, or returns. */
export function drainCommand(
  which: 'drain' | 'undrain',
  host: string,
  flags: { config?: string; json?: boolean },
  io: Io = stdio,
): Promise<number> {
  const summary =
    which === 'drain'
      ? `drained ${host}: nothing is placed there; its copies leave it (a primary hands its role over first; rmctl status shows when nothing runs there)`
      : `undrained ${host}: copies may be placed there again; nothing moves back by itself`;
  return decideAndReport(
    which,
    flags,
    io,
    (rm, ms) => unary(rm, which === 'drain' ? rm.Drain : rm.Undrain, { host }, ms, PEER),
    summary,
  );
}
