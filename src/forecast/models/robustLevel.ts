import { decodeNum, encodeNum, num, obj } from '../snapshot';
import { dampedSum, medianOf } from './shared';

/**
 * A robust local level with an optional damped slope and a decaying residual, for a
 * (deseasonalised) series a_t. One step, with e = a - (L + phiB*B):
 *   ec = e clipped to +/- k*s          (Huber: one 100x spike moves L by at most alpha*k*s)
 *   L <- L + phiB*B + alpha*ec;  B <- phiB*B + beta*ec
 *   s <- (1-lambda)*s + lambda*min(|e|, 4s)   (a running scale, itself bounded against spikes)
 *   r <- a - L, clipped to +/- k*s     (the residual "now", which decays as phiR^h)
 * forecast(h) = L + B*sum_{i<=h} phiB^i + phiR^h * r.
 * A level shift is not a spike: after `shiftRun` consecutive same-sign outliers, clipping is off
 * until the error is back inside the band, so the level follows a genuine step within a few samples.
 * step() and forecast() are O(1).
 */
export interface LevelParams {
  readonly alpha: number;
  readonly beta: number;
  readonly phiB: number;
  readonly phiR: number;
}

/** Huber threshold in scale units: 3 s keeps ~all of Gaussian-like noise unclipped (s ~ 0.8 sigma). */
const CLIP_K = 3;
/** Scale EWMA weight: about 20 samples of memory. */
const SCALE_LAMBDA = 0.05;
/** Consecutive same-sign outliers that count as a level shift, not a spike (3 x 1 min or 15 min at 5 min). */
const SHIFT_RUN = 3;

export class RobustLevel {
  level: number;
  slope = 0;
  scale: number;
  resid = 0;
  private run = 0;
  private runSign = 0;

  constructor(
    readonly params: LevelParams,
    init: number,
    initScale: number,
    private readonly scaleFloor: number,
  ) {
    this.level = init;
    this.scale = Math.max(initScale, scaleFloor);
  }

  /** Initial state from the first values of a: level = median, scale = mean |first differences|. */
  static start(params: LevelParams, a: ArrayLike<number>, from: number, to: number, scaleFloor: number): RobustLevel {
    const m = Math.min(to - from, 30);
    const init = m > 0 ? medianOf(a, from, from + m) : 0;
    let d = 0;
    for (let i = from + 1; i < from + m; i++) d += Math.abs((a[i] as number) - (a[i - 1] as number));
    const initScale = m > 1 ? d / (m - 1) : 0;
    return new RobustLevel(params, init, initScale, scaleFloor);
  }

  step(a: number): void {
    const { alpha, beta, phiB } = this.params;
    const pred = this.level + phiB * this.slope;
    const e = a - pred;
    const band = CLIP_K * this.scale;
    let ec = e;
    if (Math.abs(e) > band) {
      const sign = e > 0 ? 1 : -1;
      this.run = sign === this.runSign ? this.run + 1 : 1;
      this.runSign = sign;
      if (this.run < SHIFT_RUN) ec = sign * band;
    } else {
      this.run = 0;
      this.runSign = 0;
    }
    const shifting = this.run >= SHIFT_RUN;
    this.level = pred + alpha * ec;
    this.slope = phiB * this.slope + beta * ec;
    const absE = Math.abs(e);
    this.scale = Math.max(
      this.scaleFloor,
      (1 - SCALE_LAMBDA) * this.scale + SCALE_LAMBDA * (shifting ? absE : Math.min(absE, 4 * this.scale)),
    );
    const r = a - this.level;
    const rb = CLIP_K * this.scale;
    this.resid = shifting ? r : Math.max(-rb, Math.min(rb, r));
  }

  forecast(h: number): number {
    const { phiB, phiR } = this.params;
    return this.forecastWith(dampedSum(phiB, h), Math.pow(phiR, h));
  }

  /** The filter's state as plain data (RobustLevel.restore). */
  save(): Record<string, unknown> {
    const x = encodeNum;
    return { params: { ...this.params }, level: x(this.level), slope: x(this.slope), scale: x(this.scale), resid: x(this.resid), run: this.run, runSign: this.runSign, scaleFloor: x(this.scaleFloor) };
  }

  static restore(state: unknown, field: string): RobustLevel {
    const o = obj(state, field);
    const p = obj(o.params, `${field}.params`);
    const params = { alpha: num(p.alpha, `${field}.params.alpha`), beta: num(p.beta, `${field}.params.beta`), phiB: num(p.phiB, `${field}.params.phiB`), phiR: num(p.phiR, `${field}.params.phiR`) };
    const f = new RobustLevel(params, 0, 0, decodeNum(o.scaleFloor, `${field}.scaleFloor`));
    f.level = decodeNum(o.level, `${field}.level`);
    f.slope = decodeNum(o.slope, `${field}.slope`);
    f.scale = decodeNum(o.scale, `${field}.scale`);
    f.resid = decodeNum(o.resid, `${field}.resid`);
    f.run = num(o.run, `${field}.run`, { integer: true, min: 0 });
    f.runSign = num(o.runSign, `${field}.runSign`, { integer: true });
    return f;
  }

  /** forecast(h) with its two multipliers precomputed: damp = sum phiB^i, decay = phiR^h. O(1). */
  forecastWith(damp: number, decay: number): number {
    return this.level + this.slope * damp + decay * this.resid;
  }
}

/**
 * Mean absolute h-step error of a RobustLevel over a[from..to), one value per horizon. The filter
 * warms up on a[warmFrom..from). O((to - warmFrom) * #horizons).
 */
export function levelLosses(
  params: LevelParams,
  a: Float64Array,
  warmFrom: number,
  from: number,
  to: number,
  horizons: readonly number[],
  scaleFloor: number,
): Float64Array {
  const f = RobustLevel.start(params, a, warmFrom, to, scaleFloor);
  const H = horizons.length;
  const damp = Float64Array.from(horizons, (h) => dampedSum(params.phiB, h));
  const decay = Float64Array.from(horizons, (h) => Math.pow(params.phiR, h));
  const sums = new Float64Array(H);
  const counts = new Float64Array(H);
  for (let t = warmFrom; t < to; t++) {
    f.step(a[t] as number);
    if (t < from) continue;
    for (let j = 0; j < H; j++) {
      const h = horizons[j] as number;
      if (t + h >= to) continue;
      sums[j] = (sums[j] as number) + Math.abs((a[t + h] as number) - f.forecastWith(damp[j] as number, decay[j] as number));
      counts[j] = (counts[j] as number) + 1;
    }
  }
  for (let j = 0; j < H; j++) sums[j] = (counts[j] as number) > 0 ? (sums[j] as number) / (counts[j] as number) : 0;
  return sums;
}

/** Horizons used to score parameters: 1, maxH/6, maxH/2 and maxH (deduplicated), e.g. 60 -> 1,10,30,60. */
export function tuningHorizons(maxHorizon: number): number[] {
  const H = Math.max(1, Math.floor(maxHorizon));
  const hs = [1, Math.round(H / 6), Math.round(H / 2), H].filter((h) => h >= 1);
  return [...new Set(hs)].sort((x, y) => x - y);
}

/** Index of the tuning horizon nearest to h on a log scale (h = 8 among 1,10,30,60 -> 10). O(#horizons). */
export function nearestHorizon(horizons: readonly number[], h: number): number {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  horizons.forEach((k, j) => {
    const d = Math.abs(Math.log(h) - Math.log(k));
    if (d < bestD) {
      bestD = d;
      best = j;
    }
  });
  return best;
}

/**
 * Pick level parameters on a grid by levelLosses, separately for each tuning horizon (a direct
 * multi-horizon choice: 1 step ahead usually wants a fast level and a lasting residual, an hour
 * ahead a slow, smooth level). Grid: alpha in 7 values from 0.01 to 0.8, phiR in
 * {0, 0.5, 0.8, 0.9, 0.95, 0.98}, beta in {0, alpha/20} with phiB = 0.95: 84 filter runs of
 * O(window * #horizons). Returns one parameter set per horizon.
 */
export function tuneLevel(
  a: Float64Array,
  warmFrom: number,
  from: number,
  to: number,
  horizons: readonly number[],
  scaleFloor: number,
): LevelParams[] {
  const alphas = [0.01, 0.03, 0.07, 0.15, 0.3, 0.5, 0.8];
  const phiRs = [0, 0.5, 0.8, 0.9, 0.95, 0.98];
  const betaRatios = [0, 0.05];
  const best: LevelParams[] = horizons.map(() => ({ alpha: 0.15, beta: 0, phiB: 0.95, phiR: 0.9 }));
  const bestLoss = horizons.map(() => Number.POSITIVE_INFINITY);
  for (const alpha of alphas) {
    for (const phiR of phiRs) {
      for (const br of betaRatios) {
        const p: LevelParams = { alpha, beta: alpha * br, phiB: 0.95, phiR };
        const losses = levelLosses(p, a, warmFrom, from, to, horizons, scaleFloor);
        losses.forEach((loss, j) => {
          // Strictly better only: ties keep the earlier (smoother, simpler) candidate.
          if (loss < (bestLoss[j] as number) * (1 - 1e-9)) {
            bestLoss[j] = loss;
            best[j] = p;
          }
        });
      }
    }
  }
  return best;
}
