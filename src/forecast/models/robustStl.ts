import type { FitContext, FittedModel, Forecaster } from '../types';
import { type LevelParams, nearestHorizon, RobustLevel, tuneLevel, tuningHorizons } from './robustLevel';
import { arr, num, nums, obj, pack, unpackF64 } from '../snapshot';
import { checkHorizons, circularSmooth, clampLoad, medianOf, mod, phaseRobustMeans } from './shared';

export interface RobustStlOptions {
  /** Daily cycles the daily profile is the median over (default 14: two of each weekday). */
  readonly dailyCycles?: number;
  /** Weekly cycles for the weekly profile (default 4). */
  readonly weeklyCycles?: number;
  /**
   * Choose the profile windows (days, weekly on/off) on held-out recent data (default true);
   * false always uses dailyCycles days and weeklyCycles weeks.
   */
  readonly chooseCycles?: boolean;
  /** Samples scored when tuning the level (default: 3 daily periods, at least 500). */
  readonly tuneSamples?: number;
}

/** Smallest number of full cycles a seasonal component needs to be estimated at all. */
const MIN_CYCLES_DAILY = 1;
/** The weekly deviation needs two weeks: with one, it would just copy one week's noise. */
const MIN_CYCLES_WEEKLY = 2;

interface Plan {
  readonly daily: number | null;
  readonly weekly: number | null;
}

/**
 * Which detected periods to model. The strongest one (or the shortest of a day/week pair) is the
 * "daily" component; a longer period that is a near-integer multiple of it (e.g. 10080 = 7 x 1440)
 * is the "weekly" one. Other periods are ignored (the strongest is treated like daily).
 */
function planPeriods(periods: readonly number[], n: number): Plan {
  const ok = periods.filter((p) => Number.isInteger(p) && p >= 2);
  if (ok.length === 0) return { daily: null, weekly: null };
  const sorted = [...ok].sort((x, y) => x - y);
  for (const short of sorted) {
    for (const long of sorted) {
      const ratio = long / short;
      if (long > short && Math.abs(ratio - Math.round(ratio)) < 0.02 && n >= MIN_CYCLES_WEEKLY * long) {
        return { daily: n >= short * MIN_CYCLES_DAILY ? short : null, weekly: long };
      }
    }
  }
  const p = ok[0] as number;
  return { daily: n >= p * MIN_CYCLES_DAILY ? p : null, weekly: null };
}

/**
 * A robust trend for detrending before profiling: medians of whole cycles (blocks of `block`
 * samples aligned to the end of the series), linearly interpolated between block centres and flat
 * beyond the first and last centre. A 100x spike cannot move a block median; a whole block
 * contains one full cycle, so the trend of a perfectly periodic series is exactly constant.
 * Returns the trend for x[from..n). O(m log block).
 */
function blockTrend(x: Float64Array, from: number, block: number): Float64Array {
  const n = x.length;
  const m = n - from;
  const out = new Float64Array(m);
  const nb = Math.floor(m / block);
  if (nb === 0) {
    out.fill(medianOf(x, from, n));
    return out;
  }
  const centres: number[] = [];
  const meds: number[] = [];
  for (let b = nb - 1; b >= 0; b--) {
    const end = n - b * block;
    centres.push(end - block / 2 - 0.5);
    meds.push(medianOf(x, end - block, end));
  }
  let k = 0;
  for (let i = from; i < n; i++) {
    while (k + 1 < centres.length && (centres[k + 1] as number) <= i) k++;
    const c0 = centres[k] as number;
    const v0 = meds[k] as number;
    if (i <= c0 || k + 1 >= centres.length) {
      out[i - from] = v0;
    } else {
      const c1 = centres[k + 1] as number;
      const v1 = meds[k + 1] as number;
      out[i - from] = v0 + ((v1 - v0) * (i - c0)) / (c1 - c0);
    }
  }
  return out;
}

/**
 * Per-phase robust-mean profile of d (phase = absolute index mod p over x[from..n)) with a circular
 * smoothing width chosen by two-fold cross-validation over cycles: profiles from odd cycles are
 * scored on even ones and vice versa, for half-widths 0..p/48 (30 min of a daily 1-min period).
 * A perfectly periodic input is reproduced exactly (width 0 has zero CV error and wins ties).
 * O(m log K) per candidate width.
 */
function robustProfile(d: Float64Array, offset: number, from: number, n: number, p: number): Float64Array {
  const raw = phaseRobustMeans(d, from - offset, n - offset, p);
  // Phases in d are relative to its own start; make them absolute: profile[abs mod p].
  const profileAbs = new Float64Array(p);
  for (let ph = 0; ph < p; ph++) profileAbs[mod(ph + offset, p)] = raw[ph] as number;
  const cycles = Math.floor((n - from) / p);
  if (cycles < 2) return profileAbs;
  const maxR = Math.max(0, Math.floor(p / 48));
  const candidates = [0, 1, 2, 3, 5, 8, 12, 20, 30, 45, 60].filter((r) => r <= maxR);
  // Two folds: alternate whole cycles counted back from the end.
  const foldProfile = (parity: number): Float64Array => {
    const prof = new Float64Array(p);
    const vals: number[][] = Array.from({ length: p }, () => []);
    for (let c = 0; c < cycles; c++) {
      if (c % 2 !== parity) continue;
      const end = n - c * p;
      for (let i = end - p; i < end; i++) (vals[mod(i, p)] as number[]).push(d[i - offset] as number);
    }
    for (let ph = 0; ph < p; ph++) {
      const v = vals[ph] as number[];
      prof[ph] = v.length > 0 ? medianOf(v) : 0;
    }
    return prof;
  };
  const folds = [foldProfile(0), foldProfile(1)];
  let bestR = 0;
  let bestErr = Number.POSITIVE_INFINITY;
  for (const r of candidates) {
    let err = 0;
    for (let f = 0; f < 2; f++) {
      const sm = circularSmooth(folds[f] as Float64Array, r);
      for (let c = 0; c < cycles; c++) {
        if (c % 2 === f) continue;
        const end = n - c * p;
        for (let i = end - p; i < end; i++) err += Math.abs((d[i - offset] as number) - (sm[mod(i, p)] as number));
      }
    }
    if (err < bestErr * (1 - 1e-9)) {
      bestErr = err;
      bestR = r;
    }
  }
  return circularSmooth(profileAbs, bestR);
}

interface Profiles {
  readonly daily: Float64Array | null;
  readonly weekly: Float64Array | null;
}

function seasonalAt(prof: Profiles, daily: number | null, weekly: number | null, i: number): number {
  return (
    (prof.daily !== null && daily !== null ? (prof.daily[mod(i, daily)] as number) : 0) +
    (prof.weekly !== null && weekly !== null ? (prof.weekly[mod(i, weekly)] as number) : 0)
  );
}

/**
 * Daily (and weekly) profiles from x[0..end) only, where x[i] is the sample at absolute index
 * i + off. The daily profile uses the last dailyK days, the weekly deviation the last weeklyK
 * weeks (0 = none). Detrending uses whole-block medians (a week when weekly, else a day).
 * O(m log K) for the m samples used.
 */
function buildProfiles(
  x: Float64Array,
  off: number,
  end: number,
  daily: number,
  dailyK: number,
  weekly: number | null,
  weeklyK: number,
): Profiles {
  const useWeekly = weekly !== null && weeklyK > 0;
  const need = Math.min(end, Math.max(daily * dailyK, useWeekly ? (weekly as number) * weeklyK : 0));
  const start = end - need;
  const trend = blockTrend(x.subarray(0, end), start, useWeekly ? (weekly as number) : daily);
  const d = new Float64Array(need);
  for (let i = 0; i < need; i++) d[i] = (x[start + i] as number) - (trend[i] as number);
  // robustProfile takes absolute indices: d[k] is absolute index start + off + k.
  const absStart = start + off;
  const absEnd = end + off;
  const dailyFrom = absEnd - daily * Math.min(dailyK, Math.floor(need / daily));
  const dailyProf = robustProfile(d, absStart, dailyFrom, absEnd, daily);
  if (!useWeekly) return { daily: dailyProf, weekly: null };
  const w = weekly as number;
  const dw = new Float64Array(need);
  for (let k = 0; k < need; k++) dw[k] = (d[k] as number) - (dailyProf[mod(absStart + k, daily)] as number);
  const weeklyFrom = absEnd - w * Math.min(weeklyK, Math.floor(need / w));
  return { daily: dailyProf, weekly: robustProfile(dw, absStart, weeklyFrom, absEnd, w) };
}

/** Days held out when choosing how many days the daily profile uses. */
const HOLDOUT_DAYS = 2;

/**
 * How well profiles built from x[0..end) deseasonalise the held-out x[end..end+hold): the mean
 * of |a[t+h] - a[t]| over the tuning horizons, a = x - profile. That is exactly what the level
 * model has to predict, so a lower score means smaller forecast errors. O(profile build + hold * #h).
 */
function heldOutScore(
  x: Float64Array,
  off: number,
  end: number,
  hold: number,
  daily: number,
  dailyK: number,
  weekly: number | null,
  weeklyK: number,
  horizons: readonly number[],
): number {
  const w = weeklyK > 0 ? weekly : null;
  const prof = buildProfiles(x, off, end, daily, dailyK, w, weeklyK);
  const a = new Float64Array(hold);
  for (let k = 0; k < hold; k++) a[k] = (x[end + k] as number) - seasonalAt(prof, daily, w, end + k + off);
  let score = 0;
  for (const h of horizons) {
    let acc = 0;
    for (let k = 0; k + h < hold; k++) acc += Math.abs((a[k + h] as number) - (a[k] as number));
    score += acc / Math.max(1, hold - h);
  }
  return score;
}

/**
 * How many recent days the daily profile uses, and whether a weekly term is kept, chosen on
 * held-out data (seasonal shapes drift: on iops_web_kpi_bagel 7 days beat 14 and a weekly term
 * hurt; on nasa_http the weekly term helps).
 *  - Weekly: with >= 3 weeks, profiles from all but the last week are scored on that week with
 *    and without the weekly term; it stays unless dropping it scores lower. With 2 weeks it stays
 *    (upstream detection found it; one held-out week is all that could judge it).
 *  - Days: candidates {all, 14, 7, 5, 3}, scored on the last 2 days; "all" wins ties.
 * "All available" in the held-out split maps back to all available in the final fit.
 * O(7 profile builds).
 */
function chooseProfileConfig(
  x: Float64Array,
  off: number,
  daily: number,
  weekly: number | null,
  maxDaily: number,
  maxWeekly: number,
  horizons: readonly number[],
): { dailyK: number; weeklyK: number } {
  const len = x.length;
  let weeklyK = 0;
  if (weekly !== null && len >= MIN_CYCLES_WEEKLY * weekly) {
    weeklyK = maxWeekly;
    const endW = len - weekly;
    if (endW >= MIN_CYCLES_WEEKLY * weekly) {
      const kW = Math.min(maxWeekly, Math.floor(endW / weekly));
      const kD = Math.min(maxDaily, Math.floor(endW / daily));
      const on = heldOutScore(x, off, endW, weekly, daily, kD, weekly, kW, horizons);
      const offScore = heldOutScore(x, off, endW, weekly, daily, kD, null, 0, horizons);
      if (offScore < on * (1 - 1e-9)) weeklyK = 0;
    }
  }
  const hold = HOLDOUT_DAYS * daily;
  const end = len - hold;
  const allDays = Math.max(1, Math.min(maxDaily, Math.floor(len / daily)));
  if (end < daily) return { dailyK: allDays, weeklyK };
  const availDays = Math.floor(end / daily);
  const wEval = weeklyK > 0 && weekly !== null && Math.floor(end / weekly) >= MIN_CYCLES_WEEKLY ? Math.min(maxWeekly, Math.floor(end / weekly)) : 0;
  const candidates = [...new Set([maxDaily, 14, 7, 5, 3].filter((k) => k <= maxDaily).map((k) => Math.min(k, availDays)))];
  let bestK = candidates[0] as number;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of candidates) {
    const score = heldOutScore(x, off, end, hold, daily, k, weekly, wEval, horizons);
    if (score < bestScore * (1 - 1e-9)) {
      bestScore = score;
      bestK = k;
    }
  }
  return { dailyK: bestK >= availDays ? allDays : bestK, weeklyK };
}

/**
 * Robust seasonal-trend forecaster in the spirit of RobustSTL (as in Alibaba's AHPA):
 * y = trend + daily + weekly + residual, each piece estimated robustly.
 *  1. Detrend with medians of whole weeks (if weekly) or days, interpolated.
 *  2. Daily profile: per-phase interquartile mean of the detrended series over the last
 *     `dailyCycles` days, smoothed with a cross-validated width. Weekly: the same for
 *     (detrended - daily) over the last `weeklyCycles` weeks (the week's deviation from the
 *     average day). How many days, and whether the weekly term helps at all, is chosen on
 *     held-out recent data (chooseProfileConfig).
 *  3. The deseasonalised series a = y - daily - weekly drives RobustLevel filters (Huber-clipped
 *     level, damped slope, AR(1)-like residual decay), parameters chosen by mean absolute error on
 *     the last 3 days separately for horizons 1, H/6, H/2, H (predict(h) uses the nearest).
 *  forecast(t+h) = level + damped slope + phiR^h * resid + daily(t+h) + weekly(t+h), clamped >= 0.
 * fit O(span log K + 84 * window * 4), update O(#filters <= 4) (profiles fixed until the next fit).
 */
export function robustStl(opts: RobustStlOptions = {}): Forecaster {
  const dailyCycles = opts.dailyCycles ?? 14;
  const weeklyCycles = opts.weeklyCycles ?? 4;
  for (const [k, v] of Object.entries({ dailyCycles, weeklyCycles })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`robust-stl: option ${k} = ${String(v)}; expected an integer >= 1`);
  }
  const minHistory = (ctx: FitContext): number => {
    const p = ctx.periods.filter((q) => Number.isInteger(q) && q >= 2);
    // With periods: one full cycle of the shortest; without: a few samples for a level and scale.
    return p.length > 0 ? Math.max(8, Math.min(...p)) : 8;
  };
  return {
    name: 'robust-stl',
    minHistory,
    restore(state: unknown): FittedModel {
      const o = obj(state, 'robust-stl');
      const period = (k: 'daily' | 'weekly'): number | null => (o[k] === null ? null : num(o[k], `robust-stl.${k}`, { integer: true, min: 1 }));
      const daily = period('daily');
      const weekly = period('weekly');
      const profile = (k: 'dailyProfile' | 'weeklyProfile', len: number | null): Float64Array | null => {
        if (o[k] === null) return null;
        const a = unpackF64(o[k], `robust-stl.${k}`);
        if (a.length !== len) throw new RangeError(`robust-stl.${k} has ${a.length} values, expected ${String(len)}`);
        return a;
      };
      const prof = { daily: profile('dailyProfile', daily), weekly: profile('weeklyProfile', weekly) };
      const filters = arr(o.filters, 'robust-stl.filters').map((f, i) => RobustLevel.restore(f, `robust-stl.filters[${i}]`));
      const horizons = nums(o.horizons, 'robust-stl.horizons', { integer: true, min: 1 });
      const filterOf = nums(o.filterOf, 'robust-stl.filterOf', { integer: true, min: 0 });
      if (filterOf.length !== horizons.length || filterOf.some((k) => k >= filters.length)) throw new RangeError(`robust-stl.filterOf ${JSON.stringify(filterOf)} does not match ${horizons.length} horizons and ${filters.length} filters`);
      return fittedStl(prof, daily, weekly, filters, filterOf, horizons, num(o.t, 'robust-stl.t', { integer: true }));
    },
    fit(history: Float64Array, ctx: FitContext): FittedModel | null {
      const n = history.length;
      if (n < minHistory(ctx)) return null;
      const plan = planPeriods(ctx.periods, n);
      const daily = plan.daily;
      const weekly = plan.weekly;
      // Only the recent past matters: profiles use at most max(dailyCycles days, weeklyCycles weeks).
      const span = Math.min(
        n,
        Math.max(daily !== null ? daily * dailyCycles : 0, weekly !== null ? weekly * weeklyCycles : 0, 3000),
      );
      const from = n - span;
      // Copy so nothing of the caller's buffer is kept (and later writes to it cannot leak in).
      const x = Float64Array.from(history.subarray(from));
      const horizons = tuningHorizons(ctx.maxHorizon);
      let prof: Profiles = { daily: null, weekly: null };
      if (daily !== null) {
        const cfg =
          opts.chooseCycles === false
            ? { dailyK: dailyCycles, weeklyK: weekly !== null ? weeklyCycles : 0 }
            : chooseProfileConfig(x, from, daily, weekly, dailyCycles, weeklyCycles, horizons);
        prof = buildProfiles(x, from, x.length, daily, cfg.dailyK, cfg.weeklyK > 0 ? weekly : null, cfg.weeklyK);
      }
      const seasonal = (i: number): number => seasonalAt(prof, daily, weekly, i);
      // Deseasonalised recent series for the level filter.
      const a = new Float64Array(span);
      let absSum = 0;
      for (let i = 0; i < span; i++) {
        a[i] = (x[i] as number) - seasonal(i + from);
        absSum += Math.abs(x[i] as number);
      }
      // Scale floor: 0.1% of the mean load, so a flat (zero-variance) stretch still lets a later
      // step through within ~20 samples instead of clipping it forever.
      const scaleFloor = Math.max(1e-9, (1e-3 * absSum) / span);
      const tune = Math.min(span - 1, opts.tuneSamples ?? Math.max(500, 3 * (daily ?? 0)));
      const warm = Math.max(0, span - tune - Math.min(200, Math.floor(tune / 4)));
      const perHorizon = tuneLevel(a, warm, span - tune, span, horizons, scaleFloor);
      // One filter per distinct parameter set (at most one per tuning horizon, usually 2-3).
      const distinct: LevelParams[] = [...new Set(perHorizon)];
      const filters = distinct.map((prm) => {
        const f = RobustLevel.start(prm, a, warm, span, scaleFloor);
        for (let i = warm; i < span; i++) f.step(a[i] as number);
        return f;
      });
      const filterOf = perHorizon.map((prm) => distinct.indexOf(prm));
      return fittedStl(prof, daily, weekly, filters, filterOf, horizons, n - 1);
    },
  };
}

/**
 * The fitted model: profiles, level filters and the latest index only. Built outside fit() on
 * purpose: closures created in one function share its context, so an update() defined inside
 * fit() would keep the copy of the history and the deseasonalised series alive as long as the
 * model (~125 kB a model at 7 days of 60 s samples, measured).
 */
function fittedStl(prof: Profiles, daily: number | null, weekly: number | null, filters: RobustLevel[], filterOf: number[], horizons: readonly number[], last: number): FittedModel {
  const seasonal = (i: number): number => seasonalAt(prof, daily, weekly, i);
  let t = last; // absolute index of the latest observation
  return {
    name: 'robust-stl',
    update(y: number): void {
      t += 1;
      const v = y - seasonal(t);
      for (const f of filters) f.step(v);
    },
    predict(hs: readonly number[]): Float64Array {
      checkHorizons('robust-stl', hs);
      const out = new Float64Array(hs.length);
      hs.forEach((h, j) => {
        const f = filters[filterOf[nearestHorizon(horizons, h)] as number] as RobustLevel;
        out[j] = clampLoad(f.forecast(h) + seasonal(t + h));
      });
      return out;
    },
    save: () => ({
      daily,
      weekly,
      dailyProfile: prof.daily ? pack(prof.daily) : null,
      weeklyProfile: prof.weekly ? pack(prof.weekly) : null,
      filters: filters.map((f) => f.save()),
      filterOf: [...filterOf],
      horizons: [...horizons],
      t,
    }),
  };
}
