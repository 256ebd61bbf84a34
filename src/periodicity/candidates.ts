import { spectrumAndAutocovariance } from './fft';
import { centredMovingAverage, MAD_TO_SD, mad, median } from './robust';

/**
 * Candidate periods from a robust periodogram validated on a robust ACF (after RobustPeriod,
 * Wen et al., SIGMOD 2021, simplified: one scale instead of a wavelet decomposition, winsorising
 * instead of a Huber-loss periodogram). The candidates are only proposals: detect.ts keeps the
 * ones whose seasonal strength passes its threshold, so this step favours recall.
 */

export interface LagCandidate {
  /** Lag of the ACF peak, in samples of the searched series, refined to a fraction by a parabola. */
  readonly lag: number;
  /** Unbiased autocorrelation at that lag, in [-1, 1]. */
  readonly acf: number;
}

/**
 * Residuals beyond 4 robust SDs are clipped before the spectrum: looser than the 3 SDs of the
 * strength estimate because here a large-amplitude cycle must not be flattened (a sine's values
 * reach 1.35 robust SDs, a peaky daily cycle such as the Alibaba batch peaks about 3).
 */
const CLIP_K = 4;
/** Periodogram peaks examined (strongest first). 5 covers daily, weekly and their harmonics. */
const PERIODOGRAM_PEAKS = 5;
/** ACF peaks examined by prominence, for pulse-like cycles whose power spreads over harmonics. */
const ACF_PEAKS = 4;
/**
 * An ACF peak below 0.1 is not proposed: a cycle with seasonal strength 0.3 (the reporting
 * threshold) has an autocorrelation of about 0.3 at its period; white noise of 1,000 samples
 * has ACF standard error 1/sqrt(1000) = 0.03, so 0.1 is > 3 SE for any series we search.
 */
const ACF_MIN = 0.1;
/** Candidates closer than 3% in lag are one candidate (the higher ACF wins). */
const MERGE_TOLERANCE = 0.03;

/**
 * Candidate lags in [minLag, maxLag] for `z` (finite values). `trendWindow` is the moving-average
 * window removed first: it should be longer than maxLag's cycles matter at, and a multiple of
 * the day when possible so the daily cycle averages out of the trend exactly.
 * Returns at most PERIODOGRAM_PEAKS + ACF_PEAKS candidates, highest ACF first.
 * O(m log m) for m = z.length (one FFT pair of 2 x m, padded to a power of two).
 */
export function findLagCandidates(
  z: Float64Array,
  minLag: number,
  maxLag: number,
  trendWindow: number,
): LagCandidate[] {
  const m = z.length;
  const hiLag = Math.min(Math.floor(maxLag), m - 2);
  const loLag = Math.max(2, Math.ceil(minLag));
  if (hiLag < loLag) return [];
  const x = robustResidual(z, trendWindow);
  const { nfft, power, acov } = spectrumAndAutocovariance(x);
  if (!(acov[0]! > 0)) return [];
  // Unbiased ACF: c[lag] / (m - lag), normalised by c[0] / m.
  const acf = new Float64Array(hiLag + 2);
  for (let l = 0; l < acf.length && l < m; l++) acf[l] = (acov[l]! / (m - l)) / (acov[0]! / m);

  const found: LagCandidate[] = [];
  // 1) Periodogram peaks, each validated by an ACF peak within its frequency bin's period range.
  const kMin = Math.max(2, Math.ceil(nfft / hiLag));
  const kMax = Math.min(power.length - 2, Math.floor(nfft / loLag));
  const peaks: number[] = [];
  for (let k = kMin; k <= kMax; k++) {
    if (power[k]! > power[k - 1]! && power[k]! >= power[k + 1]!) peaks.push(k);
  }
  peaks.sort((a, b) => power[b]! - power[a]! || a - b);
  for (const k of peaks.slice(0, PERIODOGRAM_PEAKS)) {
    // The padded FFT has ~2 bins per resolvable frequency: search +/- 2 bins worth of periods.
    const from = Math.max(loLag, Math.floor(nfft / (k + 2)));
    const to = Math.min(hiLag, k > 2 ? Math.ceil(nfft / (k - 2)) : hiLag);
    let best = -1;
    for (let l = Math.max(1, from); l <= to; l++) {
      if (acf[l]! > acf[l - 1]! && acf[l]! >= acf[l + 1]! && (best < 0 || acf[l]! > acf[best]!)) best = l;
    }
    if (best > 0 && acf[best]! >= ACF_MIN) found.push(refine(acf, best));
  }
  // 2) The most prominent ACF peaks.
  for (const l of prominentAcfPeaks(acf, loLag, hiLag)) found.push(refine(acf, l));
  return merge(found);
}

/** z minus its moving-average trend, winsorised at CLIP_K robust SDs and centred. O(m). */
function robustResidual(z: Float64Array, trendWindow: number): Float64Array {
  const m = z.length;
  const c = median(z);
  const zc = new Float64Array(m);
  for (let i = 0; i < m; i++) zc[i] = z[i]! - c;
  const w = Math.max(1, Math.min(trendWindow, m));
  const trend = centredMovingAverage(zc, w);
  const x = new Float64Array(m);
  for (let i = 0; i < m; i++) x[i] = zc[i]! - trend[i]!;
  const mid = median(x);
  const scale = MAD_TO_SD * mad(x, mid);
  if (scale > 0) {
    const lim = CLIP_K * scale;
    for (let i = 0; i < m; i++) {
      const v = x[i]! - mid;
      x[i] = v > lim ? lim : v < -lim ? -lim : v;
    }
  }
  let mean = 0;
  for (let i = 0; i < m; i++) mean += x[i]!;
  mean /= m;
  for (let i = 0; i < m; i++) x[i] = x[i]! - mean;
  return x;
}

/**
 * Local ACF maxima in [lo, hi] ranked by prominence: the peak minus the higher of the lowest ACF
 * values within half its lag on either side (so the slow decay of a trend or level shift, which
 * has no dip before it, does not rank). O(m log m) with a sparse table for range minima.
 */
function prominentAcfPeaks(acf: Float64Array, lo: number, hi: number): number[] {
  const minQuery = sparseMin(acf);
  const scored: { lag: number; prom: number }[] = [];
  for (let l = Math.max(lo, 1); l <= hi; l++) {
    const v = acf[l]!;
    if (!(v >= ACF_MIN && v > acf[l - 1]! && v >= acf[l + 1]!)) continue;
    const w = Math.max(2, Math.floor(l / 2));
    const left = minQuery(Math.max(0, l - w), l);
    const right = minQuery(l, Math.min(acf.length - 1, l + w));
    const prom = v - Math.max(left, right);
    if (prom > 0) scored.push({ lag: l, prom });
  }
  scored.sort((a, b) => b.prom - a.prom || a.lag - b.lag);
  return scored.slice(0, ACF_PEAKS).map((s) => s.lag);
}

/** Range-minimum queries over a (inclusive bounds), O(1) each after O(m log m) set-up. */
function sparseMin(a: Float64Array): (from: number, to: number) => number {
  const levels: Float64Array[] = [a];
  for (let span = 2; span <= a.length; span *= 2) {
    const prev = levels[levels.length - 1]!;
    const half = span / 2;
    const next = new Float64Array(a.length - span + 1);
    for (let i = 0; i < next.length; i++) next[i] = Math.min(prev[i]!, prev[i + half]!);
    levels.push(next);
  }
  return (from, to) => {
    const len = to - from + 1;
    const k = Math.floor(Math.log2(len));
    const t = levels[k]!;
    return Math.min(t[from]!, t[to - (1 << k) + 1]!);
  };
}

/** Parabolic interpolation of the peak at integer lag l. */
function refine(acf: Float64Array, l: number): LagCandidate {
  const a = acf[l - 1]!;
  const b = acf[l]!;
  const c = acf[l + 1] ?? b;
  const den = a - 2 * b + c;
  const shift = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
  return { lag: l + shift, acf: b };
}

/** Merge candidates within MERGE_TOLERANCE of each other, keeping the higher ACF. */
function merge(cands: LagCandidate[]): LagCandidate[] {
  const sorted = [...cands].sort((x, y) => y.acf - x.acf || x.lag - y.lag);
  const out: LagCandidate[] = [];
  for (const c of sorted) {
    if (!out.some((o) => Math.abs(o.lag - c.lag) <= MERGE_TOLERANCE * o.lag)) out.push(c);
  }
  return out;
}
