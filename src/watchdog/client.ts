/**
 * A typed client of one host's WatchDog, for the ReplicaManager: every call carries the manager's
 * epoch and a deadline, and every gRPC error comes back as the domain error it stands for
 * (StaleEpochError, ExecutableError, NotFoundError, UnavailableError …).
 */
import type { AppliedPosition, Role } from '../model/table.js';
import type { ListRunningResponse__Output } from '../shared/generated/rm/watchdog/v1/ListRunningResponse.js';
import type { ReplicaAck__Output } from '../shared/generated/rm/watchdog/v1/ReplicaAck.js';
import type { ReplicaSpec } from '../shared/generated/rm/watchdog/v1/ReplicaSpec.js';
import type { WatchDogClient as GeneratedClient } from '../shared/generated/rm/watchdog/v1/WatchDog.js';
import { CLIENT_OPTIONS, protos, Transport, unary } from '../shared/grpc.js';
import { maybeRoleFromWire, positionFromWire, roleToWire, type WireRole } from '../shared/wire.js';

/** A copy to start, as the WatchDog needs it (the wire's ReplicaSpec). */
export type WatchDogReplicaSpec = ReplicaSpec;

/** A role as the WatchDog API takes it: the table's P/B or the wire's names. */
export type AnyRole = Role | 'PRIMARY' | 'BACKUP';

function wireRole(role: AnyRole): WireRole {
  return role === 'PRIMARY' || role === 'BACKUP' ? role : roleToWire(role);
}

export interface Ack {
  replica: string;
  pid: number;
  /** P, B, or null when the copy did not run (a stop of a copy that was not there). */
  role: Role | null;
  /** When the copy that now runs was started, on the WatchDog's clock (0 when none runs). */
  startedAtMs: number;
}

export interface RunningCopy {
  replica: string;
  module: string;
  role: Role;
  pid: number;
  startedAtMs: number;
  /** Where the copy stood in its module's replication stream at its last beat, when it said. */
  applied?: AppliedPosition;
}

export interface Running {
  host: string;
  running: RunningCopy[];
  /** When the list was taken, on the WatchDog's clock. */
  asOfMs: number;
  /** The highest epoch the WatchDog has seen. */
  epoch: number;
  /** The term of the host's lease (0: it never held one). */
  leaseTerm: number;
}

/** A WatchDog's verdict on a copy it was asked about: whether its start would be accepted, else why not. */
export interface StartCheck {
  startable: boolean;
  reason: string;
}

function ack(a: ReplicaAck__Output): Ack {
  return {
    replica: a.replica,
    pid: a.pid,
    role: maybeRoleFromWire(a.role),
    startedAtMs: Number(a.started_at_ms),
  };
}

export class WatchDogClient {
  private readonly client: GeneratedClient;
  private readonly deadlineMs: number;
  private readonly peer: string;

  constructor(
    readonly address: string,
    options: { deadlineMs: number; transport?: Transport },
  ) {
    this.deadlineMs = options.deadlineMs;
    this.peer = `WatchDog at ${address}`;
    this.client = new (protos().watchdog.rm.watchdog.v1.WatchDog)(
      address,
      (options.transport ?? Transport.insecure()).channelCredentials(),
      CLIENT_OPTIONS,
    );
  }

  /** Starts a copy (a no-op when it runs with that role; a role change when it runs with another). */
  /** `leaseTerm`: the host lease's term the start was decided under (ListRunning's; 0: none heard). */
  async startReplica(
    epoch: number,
    spec: WatchDogReplicaSpec,
    role: AnyRole,
    generation = 0,
    leaseTerm = 0,
  ): Promise<Ack> {
    const c = this.client;
    const req = {
      epoch: String(epoch),
      replica: spec,
      role: wireRole(role),
      generation: String(generation),
      lease_term: String(leaseTerm),
    };
    return ack(await unary(c, c.StartReplica, req, this.deadlineMs, this.peer));
  }

  /**
   * Stops a copy: resolves once TERM is sent (KILL follows after the WatchDog's grace), or with
   * `waitExit` once the copy has ended, within `deadlineMs` (give room for the grace and the KILL).
   */
  async stopReplica(
    epoch: number,
    replica: string,
    opts: { waitExit?: boolean; deadlineMs?: number } = {},
  ): Promise<Ack> {
    const c = this.client;
    const req = { epoch: String(epoch), replica, wait_exit: opts.waitExit ?? false };
    return ack(await unary(c, c.StopReplica, req, opts.deadlineMs ?? this.deadlineMs, this.peer));
  }

  async setRole(epoch: number, replica: string, role: AnyRole, generation = 0, leaseTerm = 0): Promise<Ack> {
    const c = this.client;
    const req = {
      epoch: String(epoch),
      replica,
      role: wireRole(role),
      generation: String(generation),
      lease_term: String(leaseTerm),
    };
    return ack(await unary(c, c.SetRole, req, this.deadlineMs, this.peer));
  }

  async listRunning(epoch: number): Promise<Running> {
    const c = this.client;
    const res: ListRunningResponse__Output = await unary(
      c,
      c.ListRunning,
      { epoch: String(epoch) },
      this.deadlineMs,
      this.peer,
    );
    return {
      host: res.host,
      epoch: Number(res.epoch),
      asOfMs: Number(res.as_of_ms),
      leaseTerm: Number(res.lease_term),
      running: res.running.map((r) => {
        const applied = positionFromWire(r.applied);
        return {
          replica: r.replica,
          module: r.module,
          role: maybeRoleFromWire(r.role) ?? 'B',
          pid: r.pid,
          startedAtMs: Number(r.started_at_ms),
          ...(applied ? { applied } : {}),
        };
      }),
    };
  }

  /**
   * Whether the WatchDog would start this copy (CheckReplica), within `deadlineMs` (default: the
   * client's). A refusal is the answer; an error means the WatchDog could not be asked
   * (UnavailableError, or any other error of the call).
   */
  async checkReplica(spec: WatchDogReplicaSpec, deadlineMs = this.deadlineMs): Promise<StartCheck> {
    const c = this.client;
    const res = await unary(c, c.CheckReplica, { replica: spec }, deadlineMs, this.peer);
    return { startable: res.startable, reason: res.reason };
  }

  close(): void {
    this.client.close();
  }
}
