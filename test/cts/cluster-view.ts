/**
 * What the daemons say, over long-lived gRPC channels (the audits ask many times a second): the acting
 * ReplicaManager's table and epoch, the ring, and the Checkpoint Server's epoch and checkpoints. It
 * asks as the cluster's operator (Status, GetRing, GetLeadership and LoadCheckpoint are all open to one).
 */
import { CheckpointClient } from '../../src/checkpoint-server/client.js';
import type { ReplicaTable } from '../../src/model/table.js';
import { tableFromProto } from '../../src/replica-manager/proto-convert.js';
import { addressOf, type ClusterConfig } from '../../src/shared/config.js';
import type { ReplicaManagerClient } from '../../src/shared/generated/rm/replica_manager/v1/ReplicaManager.js';
import type { RingView__Output } from '../../src/shared/generated/rm/super_watchdog/v1/RingView.js';
import type { SuperWatchDogClient } from '../../src/shared/generated/rm/super_watchdog/v1/SuperWatchDog.js';
import { CLIENT_OPTIONS, protos, type Transport, unary } from '../../src/shared/grpc.js';

export interface ManagerAnswer {
  host: string;
  epoch: number;
  table: ReplicaTable;
  /** Every manager that answered, with its epoch (normally one). */
  answered: Array<{ host: string; epoch: number }>;
}

export class ClusterView {
  private readonly managers = new Map<string, ReplicaManagerClient>();
  private readonly swds = new Map<string, SuperWatchDogClient>();
  readonly cs: CheckpointClient;

  constructor(
    readonly cfg: ClusterConfig,
    transport: Transport,
    private readonly deadlineMs = 700,
  ) {
    const credentials = transport.channelCredentials();
    for (const h of cfg.hosts) {
      this.managers.set(
        h.name,
        new (protos().replicaManager.rm.replica_manager.v1.ReplicaManager)(
          addressOf.replicaManager(cfg, h.name),
          credentials,
          CLIENT_OPTIONS,
        ),
      );
    }
    for (const h of cfg.ring) {
      this.swds.set(
        h,
        new (protos().superWatchdog.rm.super_watchdog.v1.SuperWatchDog)(
          addressOf.superWatchdog(cfg, h),
          credentials,
          CLIENT_OPTIONS,
        ),
      );
    }
    this.cs = new CheckpointClient(cfg.checkpointServer.address, { deadlineMs, transport });
  }

  /** The manager answering with the highest epoch (as rmctl picks it), or null when none answers. */
  async manager(): Promise<ManagerAnswer | null> {
    const answers = await Promise.allSettled(
      [...this.managers.entries()].map(async ([host, c]) => {
        const s = await unary(c, c.Status, { module: '' }, this.deadlineMs, `ReplicaManager on ${host}`);
        return { host, epoch: Number(s.epoch), status: s };
      }),
    );
    const ok = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    if (ok.length === 0) return null;
    const best = ok.reduce((a, b) => (b.epoch > a.epoch ? b : a));
    if (!best.status.table) return null;
    return {
      host: best.host,
      epoch: best.epoch,
      table: tableFromProto(best.status.table),
      answered: ok.map((a) => ({ host: a.host, epoch: a.epoch })),
    };
  }

  /** Every ring member's own view (undefined for one that does not answer). */
  async ring(): Promise<Array<{ host: string; view?: RingView__Output }>> {
    return Promise.all(
      [...this.swds.entries()].map(async ([host, c]) => {
        try {
          return { host, view: await unary(c, c.GetRing, {}, this.deadlineMs, `SuperWatchDog on ${host}`) };
        } catch {
          return { host };
        }
      }),
    );
  }

  /** The ring host every answering member names as primary, when they all agree and all are live. */
  async ringPrimary(): Promise<{ primary: string | null; joined: boolean; views: string }> {
    const views = await this.ring();
    const primaries = new Set(views.map((v) => v.view?.primary ?? ''));
    const joined =
      views.every((v) => v.view?.members.every((m) => m.live)) && primaries.size === 1 && !primaries.has('');
    const summary = views
      .map((v) => (v.view ? `${v.host}:primary=${v.view.primary},epoch=${v.view.epoch}` : `${v.host}:silent`))
      .join(' ');
    const named = [...primaries].filter((p) => p !== '');
    return { primary: named.length === 1 ? (named[0] as string) : null, joined, views: summary };
  }

  close(): void {
    for (const c of this.managers.values()) c.close();
    for (const c of this.swds.values()) c.close();
    this.cs.close();
  }
}
