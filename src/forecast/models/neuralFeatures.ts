/**
 * Feature layout of the neural forecaster: which inputs the network sees and which horizons it
 * predicts directly. Pure; shared by training (over a history array) and inference (over a ring
 * buffer) through one accessor, so the two can never disagree.
 *
 * Everything is expressed relative to the origin t (the latest observation):
 *   centre = median of the window features: a local level that one spike cannot move;
 *   scale  = max(centre, levelFloor);
 *   base   = mean of the last `baselineLen` samples (a de-noised "last value");
 *   every load input is (value - centre) / scale, clipped to +/-INPUT_CLIP;
 *   the targets are (y[t+H] - base) / scale: the net learns a correction to the baseline.
 * Inputs are centred on the robust level, not on the baseline, so a lone spike in the latest
 * sample shows up as one large input (which the net learned to discount) instead of shifting
 * every input at once into a region it never saw in training.
 */
import { medianInPlace } from './shared';

/** Reads the sample `back` steps before the origin (back = 0 is the latest observation). */
export type Accessor = (back: number) => number;

export interface NeuralSpec {
  /** Output horizons in samples, ascending; the last one is maxHorizon. */
  readonly horizons: readonly number[];
  readonly maxHorizon: number;
  /** Most recent samples fed one by one. */
  readonly recentRaw: number;
  /** Older part of the window, fed as `blocks` means of `blockSize` samples each. */
  readonly blockSize: number;
  readonly blocks: number;
  /** Samples averaged into the baseline (and into the "same time one period ago" input). */
  readonly baselineLen: number;
  /** Seasonal periods (samples) used, at most MAX_PERIODS, strongest first. */
  readonly periods: readonly number[];
  /** Half-width of the mean taken around each seasonal lag (0 = the single sample). */
  readonly lagHalfWidth: number;
  /** Sin/cos harmonics of the phase within each period. */
  readonly harmonics: number;
  /** Lower bound on the scale: a fraction of the training mean, so near-zero load stays finite. */
  readonly levelFloor: number;
  /** The training mean, for the log-level input. */
  readonly level: number;
}

/**
 * Horizons the net predicts directly. 1-min data, maxHorizon 60 -> [1,2,5,10,20,30,60];
 * maxHorizon 90 -> [1,2,5,10,20,30,60,90]. Beyond 120 the grid doubles (240, 480, ...).
 * Other horizons are interpolated linearly, which is accurate because forecasts change smoothly
 * with the horizon once h > 5 (checked in bench/neural.ts).
 */
export function horizonGrid(maxHorizon: number): number[] {
  const base = [1, 2, 5, 10, 20, 30, 60, 120];
  for (let h = 240; h < maxHorizon; h *= 2) base.push(h);
  const grid = base.filter((h) => h < maxHorizon);
  grid.push(maxHorizon);
  return grid;
}

/** At most this many periods get seasonal inputs: daily + weekly covers load data. */
export const MAX_PERIODS = 2;
/** Normalised inputs beyond +/-20 (a 20x spike over the local level) carry no extra information. */
export const INPUT_CLIP = 20;
/** log(scale / level) input clipped to +/-5 (a factor of ~150 either way). */
const LOG_LEVEL_CLIP = 5;

export interface WindowShape {
  readonly recentRaw: number;
  readonly blockSize: number;
  readonly blocks: number;
}

/**
 * Window of recent samples covering ~`windowSeconds` (default 2 h), at least 12 samples:
 * 60 s step -> 12 raw + 12 blocks of 9 = 120 samples (2 h); 300 s -> 12 raw + 12 blocks of 1 = 24.
 * 24 inputs at most, so the net stays small and fast.
 */
export function windowShape(step: number, windowSeconds: number): WindowShape {
  const w = Math.max(12, Math.round(windowSeconds / step));
  const recentRaw = Math.min(12, Math.ceil(w / 2));
  const rest = w - recentRaw;
  const blocks = Math.max(1, Math.min(12, rest));
  const blockSize = Math.max(1, Math.ceil(rest / blocks));
  return { recentRaw, blockSize, blocks };
}

export const windowLength = (s: WindowShape): number => s.recentRaw + s.blocks * s.blockSize;

/** Baseline = mean of the last ~5 min (1-min data: 5 samples; 5-min data: the last sample). */
export const baselineLength = (step: number, recentRaw: number): number =>
  Math.max(1, Math.min(recentRaw, Math.round(300 / step)));

/** Lag mean half-width ~2 min: 1-min data averages 5 samples around y[t+h-P]; 5-min data uses 1. */
export const lagHalfWidthFor = (step: number): number => Math.max(0, Math.round(120 / step));

/** Smallest multiple of p that is >= h: the seasonal lag of horizon h is y[t + h - lagPeriods]. */
const seasonalShift = (h: number, p: number): number => Math.ceil(h / p) * p;

/**
 * How far back (in samples, counted from the origin) the inputs reach: the window, and for each
 * period the lag means. O(#horizons). E.g. W = 120, P = 1440, halfWidth 2, baseline 5 -> 1444.
 */
export function reach(
  shape: WindowShape,
  periods: readonly number[],
  horizons: readonly number[],
  baselineLen: number,
  halfWidth: number,
): number {
  let r = windowLength(shape) - 1;
  for (const p of periods) {
    r = Math.max(r, p + baselineLen - 1);
    for (const h of horizons) r = Math.max(r, seasonalShift(h, p) - h + halfWidth);
  }
  return r;
}

export const featureCount = (spec: NeuralSpec): number =>
  spec.recentRaw + spec.blocks + 1 + spec.periods.length * (spec.horizons.length + 1 + 2 * spec.harmonics);

const clip = (v: number, c: number): number => (v > c ? c : v < -c ? -c : v);

/** Reusable scratch for the window median, so inference allocates nothing. */
export interface Scratch {
  readonly window: Float64Array;
}
export const makeScratch = (spec: NeuralSpec): Scratch => ({ window: new Float64Array(spec.recentRaw + spec.blocks) });

/**
 * Writes the inputs for the origin with absolute index `originIndex` into out[offset ..] and
 * returns the baseline and scale used. O(window + #periods x #horizons x lag width).
 */
export function writeFeatures(
  spec: NeuralSpec,
  at: Accessor,
  originIndex: number,
  out: Float32Array | Float64Array,
  offset: number,
  scratch: Scratch,
): { base: number; scale: number } {
  const win = scratch.window;
  let k = 0;
  for (let j = 0; j < spec.recentRaw; j++) win[k++] = at(j);
  for (let b = 0; b < spec.blocks; b++) {
    let acc = 0;
    const from = spec.recentRaw + b * spec.blockSize;
    for (let j = 0; j < spec.blockSize; j++) acc += at(from + j);
    win[k++] = acc / spec.blockSize;
  }
  let base = 0;
  for (let j = 0; j < spec.baselineLen; j++) base += at(j);
  base /= spec.baselineLen;

  // Window inputs first (copied before the median sorts the scratch buffer).
  let o = offset;
  for (let j = 0; j < win.length; j++) out[o++] = win[j] as number;
  const centre = medianInPlace(win);
  const scale = Math.max(centre, spec.levelFloor);
  for (let j = offset; j < o; j++) out[j] = clip(((out[j] as number) - centre) / scale, INPUT_CLIP);
  out[o++] = clip(Math.log(scale / spec.level), LOG_LEVEL_CLIP);

  for (const p of spec.periods) {
    for (const h of spec.horizons) {
      // Mean of y[c-hw .. c+hw] around c = t + h - shift, never past the origin (back >= 0).
      const centreBack = seasonalShift(h, p) - h;
      const lo = Math.max(0, centreBack - spec.lagHalfWidth);
      const hi = centreBack + spec.lagHalfWidth;
      let acc = 0;
      for (let j = lo; j <= hi; j++) acc += at(j);
      out[o++] = clip((acc / (hi - lo + 1) - centre) / scale, INPUT_CLIP);
    }
    // The baseline one period ago: with the lags it gives the seasonal-naive-with-level-shift.
    let acc = 0;
    for (let j = 0; j < spec.baselineLen; j++) acc += at(p + j);
    out[o++] = clip((acc / spec.baselineLen - centre) / scale, INPUT_CLIP);
    // Phase of the origin within the period, from the sample index alone (no wall clock).
    const phase = (2 * Math.PI * (originIndex % p)) / p;
    for (let m = 1; m <= spec.harmonics; m++) {
      out[o++] = Math.sin(m * phase);
      out[o++] = Math.cos(m * phase);
    }
  }
  return { base, scale };
}
