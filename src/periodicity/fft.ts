/**
 * A small iterative radix-2 Cooley-Tukey FFT, and the autocovariance and periodogram built on it.
 * Enough for periodicity detection: one forward and one inverse transform of at most 2^15 points
 * per call (an 8-week 1-minute series is aggregated to <= 8192 bins before it gets here).
 */

/** Smallest power of two >= n (n >= 1). E.g. nextPow2(8064) = 8192. */
export function nextPow2(n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`nextPow2: n is ${n}: expected a positive integer`);
  }
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * In-place FFT of (re, im). `inverse` computes the unscaled inverse (the caller divides by N).
 * Lengths must be equal and a power of two. O(N log N).
 */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) {
    throw new RangeError(`fftInPlace: im has length ${im.length}: expected ${n}, the length of re`);
  }
  if (n === 0 || (n & (n - 1)) !== 0) {
    throw new RangeError(`fftInPlace: length is ${n}: expected a power of two`);
  }
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i]!;
      re[i] = re[j]!;
      re[j] = tr;
      const ti = im[i]!;
      im[i] = im[j]!;
      im[j] = ti;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len *= 2) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len / 2;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

export interface Spectrum {
  /** FFT length used (a power of two >= 2 x input length, so the circular ACF is the linear one). */
  readonly nfft: number;
  /** Periodogram |X_k|^2 for k = 0 .. nfft/2 (frequency k / nfft cycles per sample). */
  readonly power: Float64Array;
  /** Autocovariance sums c[lag] = sum_t x[t] x[t + lag] for lag = 0 .. x.length - 1. */
  readonly acov: Float64Array;
}

/**
 * Periodogram and autocovariance of `x` (already centred by the caller) from one zero-padded FFT
 * pair (Wiener-Khinchin). O(N log N) with N = nextPow2(2 x length): 8192 points -> N = 16384.
 */
export function spectrumAndAutocovariance(x: Float64Array): Spectrum {
  const m = x.length;
  const nfft = nextPow2(Math.max(2, 2 * m));
  const re = new Float64Array(nfft);
  const im = new Float64Array(nfft);
  re.set(x);
  fftInPlace(re, im);
  const power = new Float64Array(nfft / 2 + 1);
  for (let k = 0; k < nfft; k++) {
    const p = re[k]! * re[k]! + im[k]! * im[k]!;
    if (k <= nfft / 2) power[k] = p;
    re[k] = p;
    im[k] = 0;
  }
  fftInPlace(re, im, true);
  const acov = new Float64Array(m);
  for (let lag = 0; lag < m; lag++) acov[lag] = re[lag]! / nfft;
  return { nfft, power, acov };
}
