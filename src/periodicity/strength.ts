import { centredMovingAverage, fillMissing, MAD_TO_SD, mad, median, rollingMedian, variance } from './robust';

/**
 * Spikes are clipped at 3 robust SDs from a short rolling median: a Gaussian sample is left alone
 * 99.7% of the time, while a news spike of 287x the median (nab_tweets_AAPL) keeps no more
 * influence than a 3-SD point.
 */
const SPIKE_K = 3;
/**
 * Rolling-median window for despiking: 1/24 of the period (1 h for a daily period), so the median
 * follows the cycle itself, between 5 samples (shorter would leave 2-sample spikes in) and 61
 * (1 h at one minute; the rolling median costs O(n x w) time).
 */
const DESPIKE_MIN = 5;
const DESPIKE_MAX = 61;

/**
 * Seasonal strength of `values` at `period` samples, in [0, 1]: Hyndman's
 * F_s = max(0, 1 - Var(R) / Var(S + R)) (Wang, Smith & Hyndman 2006; FPP3 section 4.3), made
 * robust and unbiased:
 *
 * - spikes are winsorised first, at SPIKE_K robust SDs from a rolling median of about 1/24 of the
 *   period. This does not depend on the seasonal fit: clipping towards a fitted profile would pull
 *   the cycles towards each other and fake agreement (2-week AWS CPU traces scored weekly 0.98);
 * - trend: a centred moving average of one period (2 x P when P is even, so the cycle averages
 *   out of it exactly); a level shift therefore only disturbs one period around it;
 * - the variance split is the one-way ANOVA of the detrended series grouped by phase, i.e. F_s is
 *   the intraclass correlation ICC(1). The naive split (per-phase means as S) also puts 1/k of the
 *   noise into S with k cycles, so white noise would score 1/k (0.5 with two days for a daily
 *   period); the ICC is about 0 for noise at any k and equals Hyndman's value for large k.
 *
 * Missing samples (NaN, +/-Infinity) are interpolated (leading/trailing ones dropped). Returns 0
 * when fewer than two full periods are available (a cycle seen once cannot be told from noise).
 * Throws RangeError when `period` is not an integer >= 2.
 *
 * Example: sine of amplitude 1 (variance 0.5) plus Gaussian noise of SD 0.5 (variance 0.25) ->
 * 0.5 / (0.5 + 0.25) = 0.67.
 * O(n x w) time with w <= 61 (the rolling median), O(n) memory.
 */
export function seasonalStrength(values: Float64Array, period: number): number {
  if (!Number.isInteger(period) || period < 2) {
    throw new RangeError(`seasonalStrength: period is ${period}: expected an integer >= 2 (samples per cycle)`);
  }
  const filled = fillMissing(values).values;
  if (filled.length < 2 * period) return 0;
  return robustStrength(centred(filled), period);
}

/** y - median(y): keeps running sums exact for large offsets (e.g. counters near 1e9). */
export function centred(y: Float64Array): Float64Array {
  const c = median(y);
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i]! - c;
  return out;
}

/** Rolling-median window used by seasonalStrength for `period`: odd, in [5, 61]. */
export function despikeWindow(period: number): number {
  const w = Math.min(DESPIKE_MAX, Math.max(DESPIKE_MIN, Math.round(period / 24)));
  return w % 2 === 1 ? w : w + 1;
}

/**
 * y winsorised at SPIKE_K robust SDs around its rolling median of window w. When more than half
 * the deviations are 0 (a mostly flat series), the SD replaces the MAD so only outliers move.
 * O(n x w).
 */
export function despike(y: Float64Array, w: number): Float64Array {
  const med = rollingMedian(y, w);
  const e = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) e[i] = y[i]! - med[i]!;
  let scale = MAD_TO_SD * mad(e, 0);
  if (!(scale > 0)) scale = Math.sqrt(variance(e));
  if (!(scale > 0)) return Float64Array.from(y);
  const lim = SPIKE_K * scale;
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = e[i]!;
    out[i] = med[i]! + (v > lim ? lim : v < -lim ? -lim : v);
  }
  return out;
}

/** The robust strength of a finite, centred series with length >= 2 x period. */
export function robustStrength(y: Float64Array, period: number): number {
  return detrendedIcc(despike(y, despikeWindow(period)), period);
}

/**
 * Moving-average detrend then ICC by phase, no despiking: the core of the strength. O(n).
 * `y` finite and centred.
 */
export function detrendedIcc(y: Float64Array, period: number): number {
  return detrendedAnova(y, period).icc;
}

/**
 * detrendedIcc with the ANOVA's F statistic and its significance bar (see phaseAnova). The trend
 * is a centred moving average of one period (2 x P when P is even), which the cycle itself
 * averages out of. Tried and dropped: a running median of one period (a level shift in 4 weeks of
 * web load left the weekly strength at 0.77 instead of 0.80, and a trend hurt more), and an
 * STL-like inner trend on the deseasonalised series (it fitted slow noise: 2-week AWS CPU traces
 * got weekly strengths of 0.6-0.7). O(n).
 */
export function detrendedAnova(y: Float64Array, period: number): PhaseAnova {
  const trend = centredMovingAverage(y, period);
  const d = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) d[i] = y[i]! - trend[i]!;
  return phaseAnova(d, period);
}

/** Intraclass correlation of d by phase (see phaseAnova). O(n). */
export function phaseIcc(d: Float64Array, period: number): number {
  return phaseAnova(d, period).icc;
}

/**
 * Standard errors above 1 that the F statistic must reach for a period to count as more than
 * noise. Under white noise F ~ F(P - 1, N - P), mean ~1, SD ~ sqrt(2/(P-1) + 2/(N-P)); 4 SDs is a
 * false alarm of ~3e-5 per candidate (normal approximation). It matters for short series with few
 * cycles: 30 noise samples at period 10 (3 cycles) need ICC >= 0.43, not just the 0.3 threshold.
 */
const F_SIGMAS = 4;

export interface PhaseAnova {
  /** ICC(1) in [0, 1]: the seasonal strength. */
  readonly icc: number;
  /** MSB / MSW (Infinity when MSW = 0 and MSB > 0, 0 when both are 0). */
  readonly f: number;
  /** The F the period needs to be more than noise: 1 + F_SIGMAS x SD of F under white noise. */
  readonly fMin: number;
}

/**
 * One-way random-effects ANOVA of `d` grouped by phase (i mod period). The intraclass correlation
 * ICC(1) is the share of variance between phases,
 *   sigma2_S = max(0, (MSB - MSW) / n0),  icc = sigma2_S / (sigma2_S + MSW),
 * with n0 = (N - sum n_j^2 / N) / (P - 1) for unequal group sizes. icc is 0 when d is constant or
 * holds no more than one full period. O(n).
 */
export function phaseAnova(d: Float64Array, period: number): PhaseAnova {
  const n = d.length;
  if (n <= period || period < 2) return { icc: 0, f: 0, fMin: Infinity };
  const sums = new Float64Array(period);
  const counts = new Float64Array(period);
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === period ? 0 : j + 1) {
    sums[j] = sums[j]! + d[i]!;
    counts[j] = counts[j]! + 1;
  }
  let total = 0;
  for (let j = 0; j < period; j++) total += sums[j]!;
  const grand = total / n;
  let ssb = 0;
  let sumSqCounts = 0;
  for (let j = 0; j < period; j++) {
    const c = counts[j]!;
    const m = sums[j]! / c;
    ssb += c * (m - grand) * (m - grand);
    sumSqCounts += c * c;
    sums[j] = m; // reused as the phase means
  }
  let ssw = 0;
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === period ? 0 : j + 1) {
    const e = d[i]! - sums[j]!;
    ssw += e * e;
  }
  const msb = ssb / (period - 1);
  const msw = ssw / (n - period);
  const n0 = (n - sumSqCounts / n) / (period - 1);
  const varS = Math.max(0, (msb - msw) / n0);
  const denom = varS + msw;
  const fMin = 1 + F_SIGMAS * Math.sqrt(2 / (period - 1) + 2 / (n - period));
  const f = msw > 0 ? msb / msw : msb > 0 ? Infinity : 0;
  return { icc: denom > 0 ? varS / denom : 0, f, fMin };
}
