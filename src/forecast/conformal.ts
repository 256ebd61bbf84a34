import { quickselect } from 'simple-statistics';

/**
 * Calibrated bands from a model's own recent residuals (split-conformal on a trailing window),
 * with adaptive conformal inference (Gibbs & Candes, NeurIPS 2021) steering the level so the
 * realised coverage tracks the target even when the error distribution drifts.
 *
 * Residuals are normalised by a scale that grows with the forecast load (the caller chooses it:
 * online.ts uses sqrt(point x long-run level), as counts vary with sqrt of their mean), because
 * load errors grow with the load. One set of normalised residuals then serves the whole day.
 */
export interface ConformalOptions {
  /** Target upper quantile, e.g. 0.9: the band's top should contain 90% of outcomes. */
  readonly level: number;
  /** Residuals kept (trailing window). */
  readonly window: number;
  /** Recompute the quantiles every this many added residuals (O(window) each, by quickselect). */
  readonly recomputeEvery: number;
  /** ACI learning rate; 0 disables it. 0.005 moves the level by 0.5 points per miss. */
  readonly gamma: number;
  /** Relative half-width used while fewer than `minResiduals` are known ("wide bands" early on). */
  readonly initialWidth: number;
  readonly minResiduals: number;
}

export const defaultConformal = (level: number, stepsPerDay: number): ConformalOptions => ({
  level,
  // One week of residuals: enough to see every hour of the day many times, short enough to follow
  // a change of regime within days.
  window: Math.max(200, 7 * stepsPerDay),
  recomputeEvery: Math.max(1, Math.round(stepsPerDay / 48)),
  gamma: 0.005,
  initialWidth: 0.5,
  minResiduals: 20,
});

export interface BandState {
  /**
   * Normalised residuals, a ring of `window`. Float32: 7 significant digits is far finer than the
   * quantiles drawn from them, and the band windows are the largest thing a workload holds
   * (a week at 1-minute steps: 10,080 x 4 bytes = 39 kB per target).
   */
  readonly res: Float32Array;
  count: number;
  head: number;
  sinceRecompute: number;
  /** ACI's running miss-rate target; starts at 1 - level. */
  alpha: number;
  qUpper: number;
  qMid: number;
}

export function newBand(opts: ConformalOptions): BandState {
  return { res: new Float32Array(opts.window), count: 0, head: 0, sinceRecompute: 0, alpha: 1 - opts.level, qUpper: opts.initialWidth, qMid: 0 };
}

/**
 * Records one outcome: the actual, the point forecast and scale used when it was issued, and the
 * upper bound that was issued (for ACI's miss signal). O(1), plus O(window) every recomputeEvery.
 */
export function addOutcome(b: BandState, opts: ConformalOptions, actual: number, point: number, scale: number, issuedUpper: number): void {
  b.res[b.head] = (actual - point) / scale;
  b.head = (b.head + 1) % b.res.length;
  if (b.count < b.res.length) b.count++;
  if (opts.gamma > 0 && b.count >= opts.minResiduals) {
    const miss = actual > issuedUpper ? 1 : 0;
    // alpha_{t+1} = alpha_t + gamma (alpha - err_t): a miss lowers alpha, widening the band.
    b.alpha = clamp(b.alpha + opts.gamma * (1 - opts.level - miss), 0.002, 0.5);
  }
  if (++b.sinceRecompute >= opts.recomputeEvery || b.count <= opts.minResiduals) {
    b.sinceRecompute = 0;
    recompute(b, opts);
  }
}

let scratch = new Float32Array(1024);

function recompute(b: BandState, opts: ConformalOptions): void {
  const n = b.count;
  if (n < opts.minResiduals) {
    // Too few residuals to calibrate: a wide symmetric band around the point forecast.
    let maxAbs = 0;
    for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(b.res[i]!));
    b.qUpper = Math.max(opts.initialWidth, maxAbs);
    b.qMid = 0;
    return;
  }
  // quickselect reorders: it works on a copy in a scratch buffer shared by all bands (no
  // allocation per recompute: a fresh array every time was a third of a warm-up's CPU, with GC).
  if (scratch.length < n) scratch = new Float32Array(Math.max(n, scratch.length * 2));
  const a = scratch.subarray(0, n);
  a.set(b.res.subarray(0, n));
  // Finite-sample conformal rank: ceil((n + 1)(1 - alpha)), 1-based.
  const k = Math.min(n, Math.ceil((n + 1) * (1 - b.alpha))) - 1;
  // simple-statistics' Floyd-Rivest select indexes and swaps only, so a typed array works.
  const sel = a as unknown as number[];
  quickselect(sel, k);
  b.qUpper = a[k]!;
  // After selecting k, a[0..k) <= a[k] <= a(k..n): the median is found in its side only.
  const m = Math.floor((n - 1) / 2);
  if (m < k) quickselect(sel, m, 0, k - 1);
  else if (m > k) quickselect(sel, m, k + 1, n - 1);
  b.qMid = a[m]!;
}

/** The band's p50 and upper for a point forecast and its scale. */
export function bandAt(b: BandState, point: number, scale: number, correctMedian: boolean): { p50: number; upper: number } {
  const p50 = Math.max(0, point + (correctMedian ? b.qMid * scale : 0));
  const upper = Math.max(p50, point + b.qUpper * scale);
  return { p50, upper };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
