/**
 * The SuperWatchDog's Prometheus metrics, read from its ring and host-monitor state at each scrape:
 * its view of the ring (members, primary, epoch), and while it is primary the hosts with their last
 * WatchDog beats; plus how often it restarted the ReplicaManager on its host.
 */
import { Counter, Gauge, type Registry, setGaugeRows } from '../shared/metrics.js';
import type { SuperWatchDog } from './daemon.js';
import { ringView } from './ring.js';

export class SuperWatchDogMetrics {
  readonly managerRestarts: Counter<'reason'>;

  constructor(registry: Registry, swd: () => SuperWatchDog | null) {
    const registers = [registry];
    new Gauge({
      name: 'rm_ring_epoch',
      help: 'The highest manager epoch this SuperWatchDog knows of.',
      registers,
      collect() {
        this.set(swd()?.ring.epoch ?? 0);
      },
    });
    new Gauge({
      name: 'rm_super_watchdog_primary',
      help: 'Whether this SuperWatchDog is the primary (1: it runs the ReplicaManager and watches the hosts) or a backup (0).',
      registers,
      collect() {
        this.set(swd()?.isPrimary ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rm_ring_member_up',
      help: 'Whether this SuperWatchDog believes each ring member live (1) or dead (0).',
      labelNames: ['member'],
      registers,
      collect() {
        const s = swd();
        setGaugeRows(
          this,
          s ? ringView(s.ring).members.map((m) => [{ member: m.name }, m.live ? 1 : 0]) : [],
        );
      },
    });
    new Gauge({
      name: 'rm_ring_member_last_beat_timestamp_seconds',
      help: 'When this SuperWatchDog last heard from each other ring member (Unix time).',
      labelNames: ['member'],
      registers,
      collect() {
        const s = swd();
        const members = s ? ringView(s.ring).members : [];
        setGaugeRows(
          this,
          members.flatMap((m) => (m.lastBeatMs ? [[{ member: m.name }, m.lastBeatMs / 1000]] : [])) as Array<
            [{ member: string }, number]
          >,
        );
      },
    });
    new Gauge({
      name: 'rm_ring_primary',
      help: 'Which ring member this SuperWatchDog takes for the primary: 1 for that member.',
      labelNames: ['member'],
      registers,
      collect() {
        const s = swd();
        const primary = s?.ring.primary;
        setGaugeRows(this, primary ? [[{ member: primary }, 1]] : []);
      },
    });
    new Gauge({
      name: 'rm_host_up',
      help: "The primary SuperWatchDog's view of each host: up (1) or declared dead (0). Only the primary has these series.",
      labelNames: ['host'],
      registers,
      collect() {
        const hosts = swd()?.hosts?.hosts ?? [];
        setGaugeRows(
          this,
          hosts.map((h) => [{ host: h.name }, h.up ? 1 : 0]),
        );
      },
    });
    new Gauge({
      name: 'rm_host_last_beat_timestamp_seconds',
      help: "When the primary SuperWatchDog last heard each host's WatchDog (Unix time). Only the primary has these series.",
      labelNames: ['host'],
      registers,
      collect() {
        const hosts = swd()?.hosts?.hosts ?? [];
        setGaugeRows(
          this,
          hosts.flatMap((h) => (h.lastBeatMs ? [[{ host: h.name }, h.lastBeatMs / 1000]] : [])) as Array<
            [{ host: string }, number]
          >,
        );
      },
    });
    this.managerRestarts = new Counter({
      name: 'rm_manager_restarts_total',
      help: 'Times this SuperWatchDog restarted the ReplicaManager on its host, by reason (exited: it ended by itself or was killed; unresponsive: killed for missing its beats).',
      labelNames: ['reason'],
      registers,
    });
  }
}
