/**
 * Small robust-statistics and smoothing helpers shared by periodicity detection and seasonal
 * strength. All are pure; none mutates its input unless its name ends in `InPlace`.
 */

/** 1 / Phi^-1(3/4): scales a MAD to the standard deviation of a Gaussian. */
export const MAD_TO_SD = 1.4826;

/**
 * k-th smallest element (0-based) of `a`, reordering `a` (Hoare's quickselect with a
 * median-of-three pivot: deterministic). O(n) on average.
 */
export function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot value.
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Median of `a` (not modified). NaN for an empty array. O(n) average. */
export function median(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const c = Float64Array.from(a);
  const hi = selectInPlace(c, n >> 1);
  if (n % 2 === 1) return hi;
  // The lower middle is the largest element of the left part after selection.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (c[i]! > lo) lo = c[i]!;
  return (lo + hi) / 2;
}

/** Median absolute deviation from the median (unscaled). O(n) average. */
export function mad(a: Float64Array, centre = median(a)): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = Math.abs(a[i]! - centre);
  return median(d);
}

/** Population variance. O(n). */
export function variance(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]!;
  const mu = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[i]! - mu) * (a[i]! - mu);
  return v / n;
}

export interface Filled {
  /** The finite span of the input with inner NaN/Infinity replaced by linear interpolation. */
  readonly values: Float64Array;
  /** Index in the input of values[0] (leading missing samples are dropped, not invented). */
  readonly offset: number;
  /** Non-finite samples inside the kept span (interpolated). */
  readonly interpolated: number;
}

/**
 * Drops leading/trailing non-finite samples and linearly interpolates inner ones, so detection
 * never sees a NaN: e.g. [NaN, 1, NaN, 3, NaN] -> values [1, 2, 3], offset 1, interpolated 1.
 * An input with no finite sample gives an empty `values`. O(n).
 */
export function fillMissing(x: Float64Array): Filled {
  let first = 0;
  while (first < x.length && !Number.isFinite(x[first]!)) first++;
  let last = x.length - 1;
  while (last >= first && !Number.isFinite(x[last]!)) last--;
  if (last < first) return { values: new Float64Array(0), offset: x.length, interpolated: 0 };
  const out = x.slice(first, last + 1);
  let interpolated = 0;
  let prev = 0; // index (in out) of the last finite value; out[0] is finite
  for (let i = 1; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) continue;
    if (i - prev > 1) {
      const a = out[prev]!;
      const b = out[i]!;
      for (let j = prev + 1; j < i; j++) out[j] = a + ((b - a) * (j - prev)) / (i - prev);
      interpolated += i - prev - 1;
    }
    prev = i;
  }
  return { values: out, offset: first, interpolated };
}

/**
 * Centred moving average of length `window` (a 2 x window MA when `window` is even, as in the
 * classical decomposition, so a cycle of exactly `window` samples averages to 0). Where the
 * window does not fit (the first and last ~window/2 samples) the trend is extended linearly with
 * the slope over the nearest full window of valid trend values, or held constant when the series
 * is too short for a slope. Requires window >= 1; returns a constant when window > length.
 * O(n) with running sums; input centred by the caller keeps the sums exact enough.
 */
export function centredMovingAverage(y: Float64Array, window: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const even = window % 2 === 0;
  const h = even ? window / 2 : (window - 1) / 2;
  const lo = h;
  const hi = n - 1 - h;
  if (hi < lo) {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i]!;
    out.fill(s / n);
    return out;
  }
  // Running window sum over y[i-h .. i+h] (2h+1 values).
  let s = 0;
  for (let j = 0; j <= 2 * h; j++) s += y[j]!;
  for (let i = lo; i <= hi; i++) {
    if (i > lo) s += y[i + h]! - y[i - h - 1]!;
    out[i] = even ? (s - 0.5 * (y[i - h]! + y[i + h]!)) / window : s / window;
  }
  const span = Math.min(window, hi - lo);
  const slopeLo = span > 0 ? (out[lo + span]! - out[lo]!) / span : 0;
  const slopeHi = span > 0 ? (out[hi]! - out[hi - span]!) / span : 0;
  for (let i = 0; i < lo; i++) out[i] = out[lo]! + (i - lo) * slopeLo;
  for (let i = hi + 1; i < n; i++) out[i] = out[hi]! + (i - hi) * slopeHi;
  return out;
}

/**
 * Means of consecutive blocks of `bin` samples; a last partial block is dropped when it holds
 * less than half a bin (its mean would be noisier than the rest). O(n).
 * E.g. 80,640 one-minute samples, bin 10 -> 8,064 ten-minute means.
 */
export function aggregate(y: Float64Array, bin: number): Float64Array {
  if (bin <= 1) return Float64Array.from(y);
  const full = Math.floor(y.length / bin);
  const rest = y.length - full * bin;
  const m = full + (rest * 2 >= bin ? 1 : 0);
  const out = new Float64Array(m);
  for (let b = 0; b < m; b++) {
    const start = b * bin;
    const end = Math.min(y.length, start + bin);
    let s = 0;
    for (let i = start; i < end; i++) s += y[i]!;
    out[b] = s / (end - start);
  }
  return out;
}

/**
 * Centred rolling median with an odd window `w` (truncated at the ends). Keeps the window sorted
 * in a typed array: O(n x w) time in the worst case (memmove of the window), O(w) extra memory;
 * e.g. 80,640 samples with w = 61 take a few ms.
 */
export function rollingMedian(y: Float64Array, w: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const h = Math.max(0, Math.floor(w / 2));
  const win = new Float64Array(2 * h + 1);
  let size = 0;
  const insert = (v: number): void => {
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (win[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    win.copyWithin(lo + 1, lo, size);
    win[lo] = v;
    size++;
  };
  const remove = (v: number): void => {
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (win[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    win.copyWithin(lo, lo + 1, size);
    size--;
  };
  for (let i = 0; i < Math.min(n, h); i++) insert(y[i]!);
  for (let i = 0; i < n; i++) {
    if (i - h - 1 >= 0) remove(y[i - h - 1]!);
    if (i + h < n) insert(y[i + h]!);
    out[i] = size % 2 === 1 ? win[size >> 1]! : (win[(size >> 1) - 1]! + win[size >> 1]!) / 2;
  }
  return out;
}
