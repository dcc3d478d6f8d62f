/** The ReplicaManager's gRPC handlers: convert the request, submit the event, convert the answer. */
import type * as grpc from '@grpc/grpc-js';
import type { Decision, ReplicaTable } from '../model/table.js';
import { MaintenanceError, NotFoundError, StaleEpochError, UnavailableError } from '../shared/errors.js';
import type { MaintenanceResponse } from '../shared/generated/rm/replica_manager/v1/MaintenanceResponse.js';
import type { ReplicaManagerHandlers } from '../shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { StatusRequest__Output } from '../shared/generated/rm/replica_manager/v1/StatusRequest.js';
import type { StatusResponse } from '../shared/generated/rm/replica_manager/v1/StatusResponse.js';
import { callerIdentity, handle } from '../shared/grpc.js';
import { positionFromWire, positionToWire } from '../shared/wire.js';
import type { ReplicaManager } from './manager.js';
import { actionToProto, moduleToProto, specFromProto, tableToProto } from './proto-convert.js';
import { checkAllowedDirs, checkEnvPolicy, checkTableSize, validateRegistration } from './validate.js';

/** What a registration is held to beyond the rules of validate.ts (the cluster file's security settings). */
export interface RegistrationPolicy {
  /** Loader variables a module may set anyway (security.allowedEnv). */
  allowedEnv: readonly string[];
}

/** A viewer sees the table without the modules' environment values (they may hold secrets). */
function redacted(res: StatusResponse): StatusResponse {
  const modules = (res.table?.modules ?? []).map((m) => ({
    ...m,
    env: Object.fromEntries(Object.keys(m.env ?? {}).map((k) => [k, '(hidden from viewers)'])),
  }));
  return { ...res, table: { ...res.table, modules } };
}

function statusOf(rm: ReplicaManager, managerHost: string, only: string): StatusResponse {
  // Until the table is loaded (and after fencing) this manager has nothing true to say.
  if (rm.state !== 'serving')
    throw new UnavailableError(`the ReplicaManager on ${managerHost} is ${rm.state}`);
  let table: ReplicaTable = rm.table;
  if (only) {
    const m = table.modules.find((x) => x.name === only);
    if (!m) {
      throw new NotFoundError(
        `unknown module "${only}" (registered: ${table.modules.map((x) => x.name).join(', ') || 'none'})`,
      );
    }
    table = { hosts: table.hosts, modules: [m] };
  }
  return { table: tableToProto(table), epoch: String(rm.epoch), manager_host: managerHost };
}

/** What a maintenance decision did, for the operator: its actions and alerts, and the new table. */
function maintenanceAnswer(rm: ReplicaManager, d: Decision): MaintenanceResponse {
  return {
    actions: d.actions.map(actionToProto),
    alerts: d.alerts.map((a) => ({ ...a })),
    epoch: String(rm.epoch),
    table: tableToProto(d.table),
  };
}

export function replicaManagerHandlers(
  rm: ReplicaManager,
  managerHost: string,
  allowedDirs: readonly string[] = [],
  policy: RegistrationPolicy = { allowedEnv: [] },
): ReplicaManagerHandlers {
  return {
    Register: handle(async (req) => {
      if (!req.module) throw new NotFoundError('register needs a module');
      const spec = specFromProto(req.module);
      // The rules first (their messages are the most precise), then the cluster's allowed directories.
      validateRegistration(spec, rm.table);
      checkAllowedDirs(spec, allowedDirs);
      checkEnvPolicy(spec, policy.allowedEnv);
      checkTableSize(rm.table, spec);
      // Then each host's WatchDog: an executable missing or not executable there refuses it all.
      const unchecked = await rm.checkRegistration(spec);
      const event = req.running_on
        ? { kind: 'register' as const, module: spec, runningOn: req.running_on }
        : { kind: 'register' as const, module: spec };
      const decision = await rm.submit(event);
      const module = decision.table.modules.find((m) => m.name === spec.name)!;
      return { module: moduleToProto(module), epoch: String(rm.epoch), unchecked };
    }),
    Unregister: handle(async (req) => {
      await rm.submit({ kind: 'unregister', name: req.name });
      return {};
    }),
    Status: handle(async (req, call) => {
      const res = statusOf(rm, managerHost, req.module);
      const names = new Set(
        (res.table?.modules ?? []).flatMap((m) => (m.replicas ?? []).map((r) => r.id ?? '')),
      );
      const positions = await rm.positionsNow();
      const applied = Object.fromEntries(
        Object.entries(positions)
          .filter(([id]) => names.has(id))
          .map(([id, p]) => [id, positionToWire(p) as { seq: string; generation: string }]),
      );
      const full = { ...res, applied };
      return callerIdentity(call)?.role === 'viewer' ? redacted(full) : full;
    }),
    WatchStatus: (call: grpc.ServerWritableStream<StatusRequest__Output, StatusResponse>) => {
      const viewer = callerIdentity(call)?.role === 'viewer';
      const send = () => {
        try {
          const res = statusOf(rm, managerHost, call.request.module);
          call.write(viewer ? redacted(res) : res);
        } catch (err) {
          call.destroy(err as Error);
        }
      };
      send();
      const unsubscribe = rm.subscribe(send);
      call.on('cancelled', unsubscribe);
      call.on('close', unsubscribe);
    },
    ReportFailure: handle(async (req) => {
      const replica = rm.table.modules.flatMap((m) => m.replicas).find((r) => r.id === req.replica);
      if (replica && replica.host !== req.host) {
        throw new NotFoundError(`replica ${req.replica} is on ${replica.host}, not on ${req.host}`);
      }
      // The time comes in with the event: decide() keeps the restart back-off (DESIGN §5).
      const applied = positionFromWire(req.applied);
      await rm.reportFailure({
        host: req.host,
        replica: req.replica,
        reason: req.reason || 'failed',
        ...(req.detail ? { detail: req.detail } : {}),
        startedAtMs: Number(req.started_at_ms),
        atMs: Date.now(),
        ...(applied ? { applied } : {}),
      });
      return { epoch: String(rm.epoch) };
    }),
    ReportRunning: handle(async (req) => {
      // The report only says "look at me": the manager asks that WatchDog itself, in order with the
      // commands it sends there, so that an old report never undoes a newer command.
      await rm.reconcileHost(req.host);
      return { epoch: String(rm.epoch) };
    }),
    ReportHost: handle(async (req) => {
      // A SuperWatchDog that lost its primacy must not steer this manager (DESIGN §5).
      const epoch = Number(req.epoch);
      if (epoch < rm.epoch) throw new StaleEpochError(epoch, rm.epoch);
      if (req.up) await rm.hostUp(req.host);
      else await rm.hostDown(req.host);
      return { epoch: String(rm.epoch) };
    }),
    // Maintenance (DESIGN §12): events of the decision core like any other, persisted before acting.
    Switchover: handle(async (req) => {
      if (!req.module) throw new MaintenanceError('a switchover needs the module to switch over');
      const event = req.to
        ? { kind: 'switchover' as const, module: req.module, to: req.to }
        : { kind: 'switchover' as const, module: req.module };
      return maintenanceAnswer(rm, await rm.submit(event));
    }),
    Pause: handle(async (req) =>
      maintenanceAnswer(
        rm,
        await rm.submit(req.module ? { kind: 'pause', module: req.module } : { kind: 'pause' }),
      ),
    ),
    Resume: handle(async (req) =>
      maintenanceAnswer(
        rm,
        await rm.submit(req.module ? { kind: 'resume', module: req.module } : { kind: 'resume' }),
      ),
    ),
    Drain: handle(async (req) => maintenanceAnswer(rm, await rm.submit({ kind: 'drain', host: req.host }))),
    Undrain: handle(async (req) =>
      maintenanceAnswer(rm, await rm.submit({ kind: 'undrain', host: req.host })),
    ),
  };
}
