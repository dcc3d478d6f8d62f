/**
 * 10. The deterministic simulator's speed (README, "Deterministic simulation"): seeds 1–200 (or
 * BENCH_SIM_SEEDS) with every fault kind, one after another in this process: seeds per minute,
 * simulated seconds per real second, events per real second, real time and CPU per seed; then the
 * shrinker on seeds that fail with host leases longer than the host timeout (the fence-first
 * inequality broken on purpose): replays and real time to a shorter schedule.
 */
import { FAULT_NAMES } from '../test/sim/faults.js';
import { runSeed, type SimOptions } from '../test/sim/run.js';
import { shrinkSeed } from '../test/sim/shrink.js';
import { type Bench, type BenchResult, type Figure, latencyFigure, valueFigure } from './lib/common.js';

const SEEDS = Number(process.env.BENCH_SIM_SEEDS) > 0 ? Number(process.env.BENCH_SIM_SEEDS) : 200;
const SHRINK_SEEDS = 4;

export const simBench: Bench = {
  name: 'sim',
  title:
    'Deterministic simulator: seeds per minute and simulated seconds per real second, every fault kind; the shrinker',
  estimateS: 45,
  needsRing: false,
  async run(ctx): Promise<BenchResult> {
    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    const figures: Figure[] = [];
    const perSeed: number[] = [];
    let simMs = 0;
    let steps = 0;
    let violations = 0;
    const cpu0 = process.cpuUsage();
    const began = performance.now();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const t = performance.now();
      const r = await runSeed(seed, { faults: FAULT_NAMES });
      perSeed.push(performance.now() - t);
      simMs += r.simMs;
      steps += r.steps;
      if (r.violation) violations++;
      if (seed % 50 === 0) ctx.log(`${seed} of ${SEEDS} seeds`);
    }
    const realS = (performance.now() - began) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    figures.push(
      valueFigure(
        `seeds per minute (${SEEDS} seeds, every fault kind)`,
        Math.round((SEEDS / realS) * 60),
        'seeds/min',
      ),
      valueFigure('simulated seconds per real second', Math.round(simMs / 1000 / realS), 'sim s/s', {
        note: `${Math.round(simMs / 1000)} simulated s in ${realS.toFixed(1)} real s`,
      }),
      valueFigure('events run per real second', Math.round(steps / realS), 'events/s'),
      valueFigure('CPU per seed (this process, user + system)', Math.round(cpuMs / SEEDS), 'ms'),
      latencyFigure('real time per seed', perSeed),
    );

    // The shrinker, on the first seeds that fail with a lease longer than the host timeout.
    const broken: SimOptions = {
      faults: ['partition', 'freeze', 'host-crash'],
      timings: { appLeaseMs: 6000 },
    };
    const shrinkMs: number[] = [];
    const shrinkNotes: string[] = [];
    for (let seed = 1; seed <= 100 && shrinkMs.length < SHRINK_SEEDS; seed++) {
      const r = await runSeed(seed, broken);
      if (!r.violation) continue;
      const t = performance.now();
      const s = await shrinkSeed(seed, broken);
      shrinkMs.push(performance.now() - t);
      if (s)
        shrinkNotes.push(
          `seed ${seed}: ${s.original.length} → ${s.kept.length} faults in ${s.replays} replays`,
        );
    }
    figures.push(
      latencyFigure('shrink of a failing seed (to its final replay)', shrinkMs, {
        note: `host leases of 6000 ms (longer than the host timeout), faults partition, freeze, host-crash; ${shrinkNotes.join('; ')}`,
      }),
    );
    return {
      name: 'sim',
      title: this.title,
      startedAt,
      durationS: (Date.now() - t0) / 1000,
      trials: `${SEEDS} seeds; the shrinker on ${shrinkMs.length} failing seeds`,
      figures,
      notes: [
        'One process, one core: the simulator runs no real process, socket or timer; every figure is real (wall-clock or CPU) time of this process.',
        `Violations in the sweep: ${violations} (any is a defect, printed by npm run sim).`,
      ],
    };
  },
};
