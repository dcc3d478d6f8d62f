import { describe, expect, it } from 'vitest';
import { type HostOs, hostLoad } from '../../src/watchdog/host-load.js';

const os = (over: Partial<Record<keyof HostOs, unknown>> = {}): HostOs => ({
  loadavg: () => (over.loadavg as number[]) ?? [3, 2, 1],
  cpuCount: () => (over.cpuCount as number) ?? 4,
  totalmem: () => (over.totalmem as number) ?? 1000,
  freemem: () => (over.freemem as number) ?? 250,
});

describe('hostLoad', () => {
  it('divides the 1-minute load by the CPUs and gives the used memory fraction', () => {
    expect(hostLoad(os(), 2)).toEqual({ loadPerCpu: 0.75, memoryUsed: 0.75, copies: 2 });
  });

  it('stays within bounds on odd readings', () => {
    const l = hostLoad(os({ loadavg: [], cpuCount: 0, totalmem: 0, freemem: 10 }), 0);
    expect(l).toEqual({ loadPerCpu: 0, memoryUsed: 0, copies: 0 });
  });
});
