/** How rmctl reaches a running cluster: finds the acting ReplicaManager and the SuperWatchDogs. */
import type * as grpc from '@grpc/grpc-js';
import { addressOf, type ClusterConfig } from '../shared/config.js';
import { UnavailableError } from '../shared/errors.js';
import type { ReplicaManagerClient } from '../shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { StatusResponse__Output } from '../shared/generated/rm/replica_manager/v1/StatusResponse.js';
import type { HostsView__Output } from '../shared/generated/rm/super_watchdog/v1/HostsView.js';
import type { RingView__Output } from '../shared/generated/rm/super_watchdog/v1/RingView.js';
import type { SuperWatchDogClient } from '../shared/generated/rm/super_watchdog/v1/SuperWatchDog.js';
import { CLIENT_OPTIONS, protos, Transport, unary } from '../shared/grpc.js';

export interface ManagerHandle {
  client: ReplicaManagerClient;
  host: string;
  address: string;
  epoch: number;
  status: StatusResponse__Output;
}

export class ClusterClient {
  private readonly clients: grpc.Client[] = [];

  constructor(
    readonly cfg: ClusterConfig,
    readonly deadlineMs = cfg.timings.rpcDeadlineMs,
    readonly transport: Transport = Transport.insecure(),
  ) {}

  replicaManagerClient(address: string): ReplicaManagerClient {
    const c = new (protos().replicaManager.rm.replica_manager.v1.ReplicaManager)(
      address,
      this.transport.channelCredentials(),
      CLIENT_OPTIONS,
    );
    this.clients.push(c);
    return c;
  }

  superWatchDogClient(address: string): SuperWatchDogClient {
    const c = new (protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog)(
      address,
      this.transport.channelCredentials(),
      CLIENT_OPTIONS,
    );
    this.clients.push(c);
    return c;
  }

  /**
   * The acting ReplicaManager: every host's ReplicaManager port is asked at once, and the one answering
   * with the highest epoch wins (a fenced manager stops serving, so normally one answers).
   */
  async manager(): Promise<ManagerHandle> {
    const tries = this.cfg.hosts.map(async (h) => {
      const address = addressOf.replicaManager(this.cfg, h.name);
      const client = this.replicaManagerClient(address);
      const status = await unary(
        client,
        client.Status,
        { module: '' },
        this.deadlineMs,
        `ReplicaManager on ${h.name}`,
      );
      return { client, host: h.name, address, epoch: Number(status.epoch), status } satisfies ManagerHandle;
    });
    const settled = await Promise.allSettled(tries);
    const found = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (found.length === 0) {
      const tried = this.cfg.hosts
        .map((h) => `${h.name} ${addressOf.replicaManager(this.cfg, h.name)}`)
        .join(', ');
      throw new UnavailableError(`no ReplicaManager answered (tried ${tried}); is the cluster running?`);
    }
    return found.reduce((a, b) => (b.epoch > a.epoch ? b : a));
  }

  /** Every ring member's own view; a member that does not answer comes with a short reason. */
  async ringViews(): Promise<
    Array<{ host: string; address: string; view?: RingView__Output; error?: string }>
  > {
    return Promise.all(
      this.cfg.ring.map(async (host) => {
        const address = addressOf.superWatchdog(this.cfg, host);
        const client = this.superWatchDogClient(address);
        try {
          return {
            host,
            address,
            view: await unary(client, client.GetRing, {}, this.deadlineMs, `SuperWatchDog on ${host}`),
          };
        } catch (err) {
          return { host, address, error: shortReason(err, this.deadlineMs) };
        }
      }),
    );
  }

  /** The primary SuperWatchDog's view of the hosts, if a primary answers. */
  async hostsView(): Promise<HostsView__Output | null> {
    for (const host of this.cfg.ring) {
      const client = this.superWatchDogClient(addressOf.superWatchdog(this.cfg, host));
      try {
        const view = await unary(client, client.GetHosts, {}, this.deadlineMs, `SuperWatchDog on ${host}`);
        if (view.primary) return view;
      } catch {
        // try the next member
      }
    }
    return null;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** Why a peer did not answer, in a few words (gRPC's own text is long and names internals). */
export function shortReason(err: unknown, deadlineMs: number): string {
  const m = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED/.test(m)) return 'connection refused';
  if (/DEADLINE_EXCEEDED|Deadline exceeded/i.test(m)) return `no answer within ${deadlineMs} ms`;
  if (/UNAVAILABLE|No connection established/.test(m)) return 'unreachable';
  return m.split('\n')[0] ?? m;
}

export { UnavailableError };
