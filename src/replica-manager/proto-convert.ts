/** Conversions between the replica table's model and its gRPC messages (proto/replica_manager.proto). */

import type { Action, Module, ModuleSpec, ReplicaTable, Role, Status } from '../model/table.js';
import type {
  Module as PbModule,
  Module__Output as PbModuleOut,
} from '../shared/generated/rm/replica_manager/v1/Module.js';
import type {
  PlannedAction as PbPlannedAction,
  PlannedAction__Output as PbPlannedActionOut,
} from '../shared/generated/rm/replica_manager/v1/PlannedAction.js';
import type {
  Table as PbTable,
  Table__Output as PbTableOut,
} from '../shared/generated/rm/replica_manager/v1/Table.js';
import { checkFromWire, checkToWire, positionFromWire, positionToWire } from '../shared/wire.js';

export function moduleToProto(m: Module | ModuleSpec): PbModule {
  return {
    name: m.name,
    style: m.style,
    degree: m.degree,
    policy: m.policy,
    has_threshold: m.threshold !== undefined,
    threshold: m.threshold ?? 0,
    detect: m.detect ?? '',
    interval_ms: m.intervalMs ?? 0,
    timeout_ms: m.timeoutMs ?? 0,
    check: checkToWire(m.check),
    args: m.args ?? [],
    env: m.env ?? {},
    user: m.user ?? '',
    group: m.group ?? '',
    service_port: m.servicePort ?? 0,
    has_max_lag_on_failover: m.maxLagOnFailover !== undefined,
    max_lag_on_failover: m.maxLagOnFailover ?? 0,
    copy_cat: !!m.copyCat,
    has_max_out_of_sync_ms: m.maxOutOfSyncMs !== undefined,
    max_out_of_sync_ms: m.maxOutOfSyncMs ?? 0,
    lag_hold: 'lagHold' in m && m.lagHold ? positionToWire(m.lagHold) : null,
    replicas: m.replicas.map((r) => ({
      id: r.id ?? '',
      host: r.host,
      path: r.path,
      status: 'status' in r ? r.status : '',
      failures: 'failures' in r ? r.failures : 0,
      unusable: 'unusable' in r ? (r.unusable ?? '') : '',
    })),
    under_replicated: 'underReplicated' in m ? m.underReplicated : false,
    generation: String('generation' in m ? (m.generation ?? 0) : 0),
    paused: 'paused' in m ? !!m.paused : false,
    held: 'held' in m ? (m.held ?? []).map((h) => ({ ...h })) : [],
    switchover: 'switchover' in m && m.switchover ? { ...m.switchover } : null,
  };
}

/**
 * A registration as the wire carries it. Values are passed through unchecked (the validator names
 * what is wrong); only the proto's zero values are read as "not given".
 */
export function specFromProto(m: PbModuleOut): ModuleSpec {
  const spec: ModuleSpec = {
    name: m.name,
    style: m.style as ModuleSpec['style'],
    degree: m.degree,
    policy: m.policy as ModuleSpec['policy'],
    replicas: m.replicas.map((r) =>
      r.id ? { id: r.id, host: r.host, path: r.path } : { host: r.host, path: r.path },
    ),
  };
  if (m.has_threshold) spec.threshold = m.threshold;
  if (m.detect) spec.detect = m.detect as ModuleSpec['detect'];
  if (m.interval_ms) spec.intervalMs = m.interval_ms;
  if (m.timeout_ms) spec.timeoutMs = m.timeout_ms;
  const check = checkFromWire(m.check);
  if (check) spec.check = check;
  if (m.args.length > 0) spec.args = m.args;
  if (Object.keys(m.env).length > 0) spec.env = m.env;
  if (m.user) spec.user = m.user;
  if (m.group) spec.group = m.group;
  if (m.service_port) spec.servicePort = m.service_port;
  if (m.has_max_lag_on_failover) spec.maxLagOnFailover = m.max_lag_on_failover;
  if (m.copy_cat) spec.copyCat = true;
  if (m.has_max_out_of_sync_ms) spec.maxOutOfSyncMs = m.max_out_of_sync_ms;
  return spec;
}

export function moduleFromProto(m: PbModuleOut): Module {
  const spec = specFromProto(m);
  const lagHold = positionFromWire(m.lag_hold);
  return {
    ...spec,
    detect: spec.detect ?? 'poll',
    replicas: m.replicas.map((r) => ({
      id: r.id,
      host: r.host,
      path: r.path,
      status: r.status as Status,
      failures: r.failures,
      ...(r.unusable ? { unusable: r.unusable } : {}),
    })),
    underReplicated: m.under_replicated,
    ...(Number(m.generation) > 0 ? { generation: Number(m.generation) } : {}),
    ...(m.paused ? { paused: true } : {}),
    ...(m.held.length > 0 ? { held: m.held.map((h) => ({ replica: h.replica, role: h.role as Role })) } : {}),
    ...(m.switchover ? { switchover: { from: m.switchover.from, to: m.switchover.to } } : {}),
    ...(lagHold ? { lagHold } : {}),
  };
}

export function tableToProto(t: ReplicaTable): PbTable {
  return {
    hosts: t.hosts.map((h) => ({ name: h.name, up: h.up, drained: !!h.drained })),
    modules: t.modules.map(moduleToProto),
  };
}

export function tableFromProto(t: PbTableOut): ReplicaTable {
  return {
    hosts: t.hosts.map((h) => ({ name: h.name, up: h.up, ...(h.drained ? { drained: true } : {}) })),
    modules: t.modules.map(moduleFromProto),
  };
}

/** A decision's actions as the wire carries them, each with its reason. */
export function actionToProto(a: Action): PbPlannedAction {
  return {
    kind: a.kind,
    replica: a.replica,
    host: a.host,
    role: a.kind === 'stop' ? '' : a.role,
    reason: a.reason ?? '',
  };
}

export function actionFromProto(a: PbPlannedActionOut): Action {
  const reason = a.reason ? { reason: a.reason } : {};
  if (a.kind === 'stop') return { kind: 'stop', replica: a.replica, host: a.host, ...reason };
  return {
    kind: a.kind as 'start' | 'restart' | 'set-role',
    replica: a.replica,
    host: a.host,
    role: a.role as Role,
    ...reason,
  };
}
