/**
 * The WatchDog's Prometheus metrics: the copies it runs (read at each scrape), the epoch it has seen,
 * whether it knows the ReplicaManager, and the failures it reported, by copy and reason.
 */
import { Counter, Gauge, type Registry, setGaugeRows } from '../shared/metrics.js';
import type { FailureReport, Reporter } from './reporter.js';
import type { WatchDog } from './supervisor.js';

export class WatchDogMetrics {
  private readonly failures: Counter<'replica' | 'reason'>;

  constructor(registry: Registry, watchdog: () => WatchDog | null, managerAddress: () => string) {
    const registers = [registry];
    new Gauge({
      name: 'rm_watchdog_copy_running',
      help: 'Always 1, for each copy this WatchDog runs, with its module and role.',
      labelNames: ['module', 'replica', 'role'],
      registers,
      collect() {
        const wd = watchdog();
        setGaugeRows(
          this,
          (wd?.running() ?? []).map((c) => [
            { module: c.spec.module, replica: c.spec.replica, role: c.role === 'P' ? 'primary' : 'backup' },
            1,
          ]),
        );
      },
    });
    new Gauge({
      name: 'rm_watchdog_copies',
      help: 'Copies this WatchDog runs.',
      registers,
      collect() {
        this.set(watchdog()?.running().length ?? 0);
      },
    });
    new Gauge({
      name: 'rm_watchdog_epoch',
      help: 'The highest epoch this WatchDog has seen (commands with a lower one are refused).',
      registers,
      collect() {
        this.set(watchdog()?.epoch ?? 0);
      },
    });
    new Gauge({
      name: 'rm_watchdog_manager_known',
      help: 'Whether a SuperWatchDog has told this WatchDog where the ReplicaManager is (1) or not yet (0).',
      registers,
      collect() {
        this.set(managerAddress() ? 1 : 0);
      },
    });
    this.failures = new Counter({
      name: 'rm_watchdog_failures_reported_total',
      help: 'Failures of copies this WatchDog reported to the ReplicaManager, by copy and reason (exit, signal, hang, ping, missing, start-failed).',
      labelNames: ['replica', 'reason'],
      registers,
    });
  }

  /** The reporter, counting each failure once when it is first handed over (retries are not counted again). */
  counting(reporter: Reporter): Reporter {
    const seen = new WeakSet<FailureReport>();
    return {
      reportFailure: (report) => {
        if (!seen.has(report)) {
          seen.add(report);
          this.failures.labels(report.replica, report.reason).inc();
        }
        return reporter.reportFailure(report);
      },
      reportRunning: (report) => reporter.reportRunning(report),
    };
  }
}
