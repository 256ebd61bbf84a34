/**
 * Seeded synthetic load for the neural tests: a daily shape (5-min steps, period 288) with a
 * morning bump and Gaussian noise, clamped at 0. Small enough that a fit takes well under a second.
 */
import { gaussian, mulberry32 } from '../../../src/util/rng';
import type { FitContext } from '../../../src/forecast/types';

export const PERIOD = 288; // one day of 5-min samples

export function dailyLoad(n: number, seed: number, noise = 8): Float64Array {
  const rand = mulberry32(seed);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const phase = (2 * Math.PI * i) / PERIOD;
    const shape = 100 + 60 * Math.sin(phase) + 30 * Math.max(0, Math.sin(2 * phase));
    y[i] = Math.max(0, shape + noise * gaussian(rand));
  }
  return y;
}

/** 1 h ahead at most (12 x 5 min), daily period. */
export const ctx5m: FitContext = { step: 300, periods: [PERIOD], maxHorizon: 12, seed: 42 };

/** Small training budget for tests: ~0.2-0.3 s CPU per fit on wasm. */
export const fastOpts = { steps: 200, maxExamples: 1200 };
