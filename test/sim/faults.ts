/**
 * The faults of one simulated run, drawn from its seed: which, when, on whom and for how long. Each
 * fault is applied at its time and healed at its end; the run's invariants hold throughout, and once
 * the last fault is healed the cluster must settle.
 */
import { Prng } from '../cts/prng.js';
import type { Cluster, SimHost } from './cluster.js';
import { die } from './copies.js';
import type { Proc } from './world.js';

export const FAULT_NAMES = [
  'loss',
  'delay',
  'duplicate',
  'partition',
  'crash',
  'host-crash',
  'freeze',
  'store-down',
  // Added after the kinds above: a seed drawn from those alone (ORIGINAL_FAULTS) keeps its schedule.
  'store-slow',
  'clock-rate',
  'copy-lie',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** The kinds of the first simulator: the seeds kept as regressions before the others came are drawn from these. */
export const ORIGINAL_FAULTS: readonly FaultName[] = FAULT_NAMES.slice(0, 8);

export interface Fault {
  kind: FaultName;
  atMs: number;
  durationMs: number;
  /** What it does, for the trace. */
  what: string;
  apply(c: Cluster): void;
  heal(c: Cluster): void;
}

/** When faults may begin (the modules run by then) and how long the window for them lasts. */
export const FAULT_WINDOW = { fromMs: 6000, lengthMs: 15_000 };

/** Cuts every message between the hosts of `a` and those of `b`, in the given directions. */
function cut(c: Cluster, a: string[], b: string[], both: boolean, on: boolean): void {
  for (const x of a)
    for (const y of b) {
      for (const key of both ? [`${x}>${y}`, `${y}>${x}`] : [`${x}>${y}`]) {
        // Overlapping faults may cut the same link: it heals with the last of them.
        const n = (c.net.faults.cut.get(key) ?? 0) + (on ? 1 : -1);
        if (n > 0) c.net.faults.cut.set(key, n);
        else c.net.faults.cut.delete(key);
      }
    }
}

function shuffle<T>(items: readonly T[], rng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Up to four faults of distinct kinds among `allowed`, from `seed`. */
export function planFaults(seed: number, allowed: readonly FaultName[], c: Cluster): Fault[] {
  const rng = new Prng((seed * 7919 + 17) >>> 0);
  const kinds = [...allowed];
  const count = Math.min(kinds.length, rng.int(1, 4));
  const faults: Fault[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds.splice(rng.int(0, kinds.length - 1), 1)[0] as FaultName;
    const atMs = FAULT_WINDOW.fromMs + rng.int(0, FAULT_WINDOW.lengthMs);
    faults.push(makeFault(kind, atMs, rng, c));
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

function makeFault(kind: FaultName, atMs: number, rng: Prng, c: Cluster): Fault {
  const t = c.timings;
  const hosts = c.hostNames;
  const any = () => rng.pick(hosts);
  const base = { kind, atMs };
  switch (kind) {
    case 'loss': {
      const p = rng.int(5, 40) / 100;
      return {
        ...base,
        durationMs: rng.int(1000, 8000),
        what: `${p * 100}% of messages between hosts lost`,
        apply: (x) => {
          x.net.faults.loss = p;
        },
        heal: (x) => {
          x.net.faults.loss = 0;
        },
      };
    }
    case 'delay': {
      const ms = rng.int(5, 2 * t.watchdogBeatMs);
      return {
        ...base,
        durationMs: rng.int(1000, 8000),
        what: `messages between hosts delayed by up to ${ms} ms (reordered)`,
        apply: (x) => {
          x.net.faults.extraDelayMs = ms;
        },
        heal: (x) => {
          x.net.faults.extraDelayMs = 0;
        },
      };
    }
    case 'duplicate': {
      const p = rng.int(5, 30) / 100;
      return {
        ...base,
        durationMs: rng.int(1000, 8000),
        what: `${p * 100}% of requests between hosts delivered twice`,
        apply: (x) => {
          x.net.faults.duplicate = p;
        },
        heal: (x) => {
          x.net.faults.duplicate = 0;
        },
      };
    }
    case 'partition': {
      const shape = rng.pick(['one host', 'minority', 'majority', 'asymmetric'] as const);
      const shuffled = shuffle(hosts, rng);
      const size =
        shape === 'majority'
          ? Math.ceil((hosts.length + 1) / 2)
          : shape === 'minority'
            ? Math.max(1, Math.floor((hosts.length - 1) / 2))
            : 1;
      const side = shuffled.slice(0, Math.min(size, hosts.length - 1 || 1));
      const rest = [...hosts.filter((h) => !side.includes(h)), 'CS', 'OP'];
      const both = shape !== 'asymmetric';
      return {
        ...base,
        durationMs: rng.int(500, 10_000),
        what: `partition (${shape}): ${side.join(',')} ${both ? '<-/->' : '-/->'} ${rest.join(',')}`,
        apply: (x) => cut(x, side, rest, both, true),
        heal: (x) => cut(x, side, rest, both, false),
      };
    }
    case 'crash': {
      const target = rng.pick(['watchdog', 'super-watchdog', 'manager', 'copy'] as const);
      const h = target === 'super-watchdog' || target === 'manager' ? rng.pick(c.ring) : any();
      const downMs = rng.pick([100, 1000, t.hostTimeoutMs + 500]);
      const host = () => c.host(h);
      if (target === 'copy') {
        return {
          ...base,
          durationMs: 0,
          what: `kill -9 of a copy on ${h}`,
          apply: () => {
            const live = host().processes.running();
            if (live.length > 0) rng.pick(live).signal('SIGKILL');
          },
          heal: () => undefined,
        };
      }
      if (target === 'manager') {
        return {
          ...base,
          durationMs: 0,
          what: `kill -9 of the ReplicaManager on ${h} (its SuperWatchDog restarts it)`,
          apply: () => {
            const p = host().swd?.manager.processNow;
            if (p) die(p);
          },
          heal: () => undefined,
        };
      }
      const wd = target === 'watchdog';
      return {
        ...base,
        durationMs: downMs,
        what: `kill -9 of the ${wd ? 'WatchDog' : 'SuperWatchDog (and its ReplicaManager)'} on ${h}, restarted after ${downMs} ms`,
        apply: () => (wd ? c.crashWatchDog(host()) : c.crashSuperWatchDog(host())),
        heal: () => (wd ? c.startWatchDog(host()) : c.startSuperWatchDog(host())),
      };
    }
    case 'host-crash': {
      const h = any();
      return {
        ...base,
        durationMs: rng.pick([rng.int(500, t.hostTimeoutMs), rng.int(t.hostTimeoutMs, 3 * t.hostTimeoutMs)]),
        what: `host ${h} crashes (every process), boots again`,
        apply: () => c.crashHost(c.host(h)),
        heal: () => c.bootHost(c.host(h)),
      };
    }
    case 'freeze': {
      const target = rng.pick(['watchdog', 'super-watchdog', 'manager', 'copy', 'host'] as const);
      const h = target === 'super-watchdog' || target === 'manager' ? rng.pick(c.ring) : any();
      const durationMs = rng.pick([
        rng.int(200, 1000),
        rng.int(1000, t.appLeaseMs),
        rng.int(t.appLeaseMs, 2 * t.hostTimeoutMs),
      ]);
      let frozen: Proc[] = [];
      const pick = (host: SimHost): Proc[] => {
        if (target === 'watchdog') return host.wd ? [host.wd.proc] : [];
        if (target === 'super-watchdog') return host.swd ? [host.swd.proc] : [];
        if (target === 'manager') return host.swd?.manager.processNow ? [host.swd.manager.processNow] : [];
        const copies = host.processes.running();
        if (target === 'copy') return copies.length > 0 ? [rng.pick(copies).proc] : [];
        return [...c.daemonProcs(host), ...copies.flatMap((x) => [x.proc, x.keeper])];
      };
      return {
        ...base,
        durationMs,
        what: `SIGSTOP of ${target === 'host' ? 'every process' : `the ${target}`} on ${h} for ${durationMs} ms`,
        apply: () => {
          frozen = pick(c.host(h)).filter((p) => p.alive);
          for (const p of frozen) p.frozen = true;
        },
        heal: () => {
          for (const p of frozen) c.sched.thaw(p);
        },
      };
    }
    case 'store-slow': {
      // A store on a slow disk or a loaded machine: answers late, many past the callers' deadline.
      const extraMs = rng.int(50, Math.round(1.5 * t.rpcDeadlineMs));
      const durationMs = rng.int(1000, 10_000);
      return {
        ...base,
        durationMs,
        what: `Checkpoint Server slow: up to ${extraMs} ms more on each message, for ${durationMs} ms`,
        apply: () => c.net.faults.slow.set('CS', extraMs),
        heal: () => c.net.faults.slow.delete('CS'),
      };
    }
    case 'clock-rate': {
      // Clocks that drift apart: one host's runs fast or slow by up to 2 % (NTP keeps real ones within ppm).
      const h = any();
      const rate = 1 + (rng.int(0, 1) === 0 ? -1 : 1) * (rng.int(5, 20) / 1000);
      const durationMs = rng.int(2000, 15_000);
      return {
        ...base,
        durationMs,
        what: `host ${h}'s clock runs at ${rate.toFixed(3)} of true time for ${durationMs} ms`,
        apply: () => c.host(h).clock.setRate(c.sched.now, rate),
        heal: () => c.host(h).clock.setRate(c.sched.now, 1),
      };
    }
    case 'copy-lie': {
      // A copy whose sanity check says it is unwell while it runs (its WatchDog must not believe it well).
      const h = any();
      const durationMs = rng.int(500, 8000);
      let liar: { lying: boolean } | null = null;
      return {
        ...base,
        durationMs,
        what: `a copy on ${h} answers its checks unhealthy for ${durationMs} ms`,
        apply: () => {
          const copies = c.host(h).processes.running();
          liar = copies.length > 0 ? rng.pick(copies) : null;
          if (liar) liar.lying = true;
        },
        heal: () => {
          if (liar) liar.lying = false;
        },
      };
    }
    case 'store-down': {
      const how = rng.pick(['crash', 'cut off'] as const);
      const durationMs = rng.int(500, 12_000);
      const everyone = [...hosts, 'OP'];
      return {
        ...base,
        durationMs,
        what: `Checkpoint Server ${how === 'crash' ? 'killed (connections refused)' : 'cut off (calls time out)'} for ${durationMs} ms`,
        apply: () => (how === 'crash' ? c.crashStore() : cut(c, ['CS'], everyone, true, true)),
        heal: () => (how === 'crash' ? c.startStore() : cut(c, ['CS'], everyone, true, false)),
      };
    }
  }
}
