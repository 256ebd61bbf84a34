import { gaussian, mulberry32 } from '../util/rng';

/**
 * A generated inference workload, seeded and reproducible: the embedded default for the demo
 * service and the source of the committed fixtures. Requests per second with
 *  - a daily cycle (night trough around 04:00 UTC at ~15% of the peak, peak around 15:00 UTC),
 *  - a quieter weekend (-35%),
 *  - a steep morning ramp at 08:30 UTC (10% to 90% of it in about 50 minutes: users arriving at
 *    work), the case a reactive autoscaler with a 10-minute cold start handles worst,
 *  - optional bursts (flash crowds: x2.5 for 20 minutes) at seeded times,
 *  - multiplicative noise (~6%).
 * valueAt(t) is a pure function of (seed, t), so the demo source can be sampled at any time.
 */
export interface WorkloadShape {
  readonly seed: number;
  /** Peak requests per second on a weekday. */
  readonly peak: number;
  /** Bursts per week (0 = none). */
  readonly burstsPerWeek: number;
}

export const defaultShape: WorkloadShape = { seed: 42, peak: 1200, burstsPerWeek: 2 };

const DAY = 86400;

export function demoLoad(t: number, shape: WorkloadShape = defaultShape): number {
  const day = Math.floor(t / DAY);
  const tod = (t - day * DAY) / 3600; // hour of day, UTC
  const dow = (day + 4) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday
  // Daily shape: logistic morning ramp centred on 08:30 (slope 5/h: 10%-90% in 4.4/5 h = 53 min),
  // plateau with an afternoon peak, slower evening decline.
  const ramp = 1 / (1 + Math.exp(-(tod - 8.5) * 5));
  const evening = 1 / (1 + Math.exp((tod - 20) * 0.9));
  const afternoon = 0.15 * Math.exp(-((tod - 15) ** 2) / 6);
  let level = 0.15 + 0.7 * ramp * evening + afternoon;
  if (dow === 0 || dow === 6) level *= 0.65;
  // Bursts: in each 6-hour slot, a seeded coin decides whether a 20-minute flash crowd starts.
  const slot = Math.floor(t / (6 * 3600));
  const r = mulberry32(shape.seed * 7919 + slot);
  if (r() < shape.burstsPerWeek / 28) {
    const burstStart = slot * 6 * 3600 + Math.floor(r() * 5 * 3600);
    if (t >= burstStart && t < burstStart + 1200) level *= 2.5;
  }
  const noise = 1 + 0.06 * gaussian(mulberry32(shape.seed * 104729 + Math.floor(t)));
  return Math.max(0, shape.peak * level * noise);
}

/** Samples demoLoad on a regular grid: n samples from `start`, every `step` seconds. */
export function demoSeries(start: number, step: number, n: number, shape: WorkloadShape = defaultShape): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = demoLoad(start + i * step, shape);
  return v;
}
