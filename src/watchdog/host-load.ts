/**
 * The host's load the WatchDog sends with its beats: the 1-minute load average per CPU, the
 * fraction of memory in use and the number of copies it runs. The OS is read through HostOs only
 * (the daemon passes node:os); the computation here is pure.
 */

export interface HostLoad {
  /** The 1-minute load average divided by the number of CPUs. */
  loadPerCpu: number;
  /** The fraction of memory in use, 0..1. */
  memoryUsed: number;
  /** The copies the WatchDog runs. */
  copies: number;
}

/** What the load is read from: node:os in the daemon, a fake in tests. */
export interface HostOs {
  loadavg(): number[];
  cpuCount(): number;
  totalmem(): number;
  freemem(): number;
}

export function hostLoad(os: HostOs, copies: number): HostLoad {
  const cpus = Math.max(1, os.cpuCount());
  const total = os.totalmem();
  const used = total > 0 ? (total - os.freemem()) / total : 0;
  const l1 = os.loadavg()[0] ?? 0;
  return {
    loadPerCpu: Number.isFinite(l1) && l1 > 0 ? l1 / cpus : 0,
    memoryUsed: Math.min(1, Math.max(0, used)),
    copies,
  };
}
