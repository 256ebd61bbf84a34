/**
 * Small numeric helpers shared by the classical models. Pure, allocation-light, no input mutation.
 */

/** Median of `xs[from..to)` (a copy is sorted; the input is not touched). O(m log m). */
export function medianOf(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  const m = to - from;
  if (m <= 0) return NaN;
  const buf = new Float64Array(m);
  for (let i = 0; i < m; i++) buf[i] = xs[from + i] as number;
  return medianInPlace(buf);
}

/** Median of a scratch buffer; sorts it in place. Even length: mean of the two middle values. */
export function medianInPlace(buf: Float64Array): number {
  const m = buf.length;
  if (m === 0) return NaN;
  buf.sort();
  const mid = m >> 1;
  return m % 2 === 1 ? (buf[mid] as number) : ((buf[mid - 1] as number) + (buf[mid] as number)) / 2;
}

/** Load is non-negative: clamp a forecast at 0 (and turn a non-finite value into 0). */
export function clampLoad(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Non-negative modulo: mod(-1, 5) = 4. */
export function mod(i: number, p: number): number {
  const r = i % p;
  return r < 0 ? r + p : r;
}

/** sum_{i=1..h} phi^i, the damped-trend multiplier: phi=0.9, h=3 -> 0.9+0.81+0.729 = 2.439. O(1). */
export function dampedSum(phi: number, h: number): number {
  if (phi >= 1) return h;
  if (phi <= 0) return 0;
  return (phi * (1 - Math.pow(phi, h))) / (1 - phi);
}

/**
 * Validate horizons against the contract (integers >= 1); names the offending value.
 * Throws a RangeError: asking for horizon 0 or 2.5 is a caller bug, not a data condition.
 */
export function checkHorizons(model: string, horizons: readonly number[]): void {
  for (const h of horizons) {
    if (!Number.isInteger(h) || h < 1) {
      throw new RangeError(`${model}.predict: horizon ${String(h)} is invalid; expected an integer number of samples >= 1`);
    }
  }
}

/**
 * Per-phase robust means of `x[from..to)`: the interquartile mean (25% trimmed each side) when a
 * phase has >= 4 values, else the median, so one 100x spike in one cycle never enters. The IQ mean
 * is less noisy than the median for near-symmetric noise (iops_web_kpi_bagel 10-min MAE -8%)., phase = absolute index mod p (index 0 = x[0]).
 * Phases with no sample get 0. O(m log(m/p)) for m = to - from.
 */
export function phaseRobustMeans(x: ArrayLike<number>, from: number, to: number, p: number): Float64Array {
  const out = new Float64Array(p);
  const cycles = Math.ceil((to - from) / p) + 1;
  const buf = new Float64Array(cycles);
  for (let ph = 0; ph < p; ph++) {
    // First index >= from with index mod p == ph.
    let i = from + mod(ph - from, p);
    let k = 0;
    for (; i < to; i += p) buf[k++] = x[i] as number;
    out[ph] = k === 0 ? 0 : trimmedMeanInPlace(buf.subarray(0, k), 0.25);
  }
  return out;
}

/** Circular moving average with half-width r (window 2r+1); r = 0 returns a copy. O(p). */
export function circularSmooth(profile: Float64Array, r: number): Float64Array {
  const p = profile.length;
  const out = new Float64Array(p);
  if (r <= 0 || p === 0) {
    out.set(profile);
    return out;
  }
  const w = Math.min(2 * r + 1, p);
  const half = Math.floor((w - 1) / 2);
  let acc = 0;
  for (let j = -half; j < w - half; j++) acc += profile[mod(j, p)] as number;
  for (let i = 0; i < p; i++) {
    out[i] = acc / w;
    acc += (profile[mod(i + w - half, p)] as number) - (profile[mod(i - half, p)] as number);
  }
  return out;
}

/**
 * Mean of the middle (1 - 2*trim) of a scratch buffer (sorts it); trim 0.25 -> interquartile mean.
 * Falls back to the median when nothing would be trimmed (m < 1/trim): [1, 2, 300] -> 2.
 * Example: [1, 2, 3, 4, 100, 5, 6, 7] -> mean of 3, 4, 5, 6 = 4.5. O(m log m).
 */
export function trimmedMeanInPlace(buf: Float64Array, trim: number): number {
  const m = buf.length;
  if (m === 0) return NaN;
  buf.sort();
  const cut = Math.floor(m * trim);
  if (cut === 0 || m - 2 * cut <= 0) return medianInPlace(buf);
  let acc = 0;
  for (let i = cut; i < m - cut; i++) acc += buf[i] as number;
  return acc / (m - 2 * cut);
}
