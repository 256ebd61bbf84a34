import { gaussian, mulberry32 } from '../../../src/util/rng';

/** Seeded synthetic series for the periodicity tests. */
export interface SineSpec {
  readonly n: number;
  readonly period: number;
  readonly amplitude?: number;
  readonly offset?: number;
  readonly phase?: number;
  /** Gaussian noise SD. */
  readonly noise?: number;
  readonly seed?: number;
}

export function sine(s: SineSpec): Float64Array {
  const rand = mulberry32(s.seed ?? 1);
  const a = s.amplitude ?? 1;
  const out = new Float64Array(s.n);
  for (let i = 0; i < s.n; i++) {
    out[i] = (s.offset ?? 0) + a * Math.sin((2 * Math.PI * i) / s.period + (s.phase ?? 0)) + (s.noise ?? 0) * gaussian(rand);
  }
  return out;
}

export function whiteNoise(n: number, sd: number, seed: number, offset = 0): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = offset + sd * gaussian(rand);
  return out;
}

/**
 * Web-like load at `step` seconds: a daily cycle (peak mid-day), weekends at 55% of weekdays,
 * Poisson-like noise; optional spikes, a level shift and a linear trend.
 */
export function webLoad(opts: {
  days: number;
  step: number;
  seed: number;
  spikes?: boolean;
  levelShift?: boolean;
  trendPerDay?: number;
}): Float64Array {
  const perDay = Math.round(86400 / opts.step);
  const n = opts.days * perDay;
  const rand = mulberry32(opts.seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const day = Math.floor(i / perDay);
    const hour = ((i % perDay) / perDay) * 24;
    const weekend = day % 7 >= 5 ? 0.55 : 1;
    const base = 100 * weekend * (0.35 + 0.65 * Math.max(0, Math.sin((Math.PI * (hour - 6)) / 14)) ** 1.5);
    let v = 50 + base + 8 * gaussian(rand);
    if (opts.trendPerDay) v += (opts.trendPerDay * i) / perDay;
    if (opts.levelShift && i >= Math.floor(n * 0.6)) v += 60;
    // 0.3% of samples spike to up to 287x the median (the worst nab_tweets spike).
    if (opts.spikes && rand() < 0.003) v *= 20 + 267 * rand();
    out[i] = v;
  }
  return out;
}
