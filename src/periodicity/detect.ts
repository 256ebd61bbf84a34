import type { DetectedPeriod, PeriodicityReport, PeriodLabel } from '../domain/periodicity';
import { findLagCandidates } from './candidates';
import { formatDuration } from './format';
import { aggregate, centredMovingAverage, fillMissing } from './robust';
import { centred, despike, despikeWindow, detrendedAnova, phaseIcc } from './strength';

export interface DetectOptions {
  /** Smallest seasonal strength reported as a period, in (0, 1). Default DEFAULT_MIN_STRENGTH. */
  readonly minStrength?: number;
  /** Most periods reported (strongest first), >= 1. Default 3. */
  readonly maxPeriods?: number;
  /** Shortest period searched, in samples, >= 2. Default 4 (below that a "cycle" is noise). */
  readonly minPeriodSamples?: number;
}

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;

/**
 * Useful-from-little-history rule shared with the forecaster: a daily period is reported only
 * with at least 2 full days of data, a weekly one with at least 2 full weeks. One cycle cannot be
 * told from a one-off shape; two are the least that shows a repeat, and the ICC-based strength
 * (strength.ts) stays unbiased even at two cycles, so waiting longer would only delay the gain.
 */
export const DAILY_MIN_HISTORY_S = 2 * DAY_S;
export const WEEKLY_MIN_HISTORY_S = 2 * WEEK_S;
/**
 * Periods other than the calendar ones must repeat at least 3 times: without the calendar prior,
 * an ACF peak at half the series length rests on too few pairs to be believed.
 */
export const OTHER_MIN_CYCLES = 3;
/**
 * Default reporting threshold on seasonal strength: 0.3 is where the dev-trace manifest splits
 * "none" from "weak" (its daily strengths: nab_tweets_FB 0.286 none, nab_tweets_GOOG 0.308 weak).
 */
export const DEFAULT_MIN_STRENGTH = 0.3;
const DEFAULT_MAX_PERIODS = 3;
const DEFAULT_MIN_PERIOD_SAMPLES = 4;

/**
 * Long periods are searched on means of `bin` raw samples so the FFT stays <= 8192 points: an
 * 8-week 1-minute series (80,640 samples) is searched as 8,064 ten-minute means.
 */
const MAX_SEARCH_POINTS = 8192;
/** Samples used to refine a period to the raw step (see snapOrRefine): 16,384 = 11 days of minutes. */
const REFINE_WINDOW = 16_384;
/** Periods under 2 h are searched on the raw tail, where aggregation would blur them. */
const SHORT_PERIOD_S = 2 * 3600;
/** A candidate within 3% of a day or a week is that calendar period exactly (1440 +/- 43 min). */
const CALENDAR_SNAP = 0.03;
/**
 * A multiple of an accepted period (weekly over daily, 2 days over 1 day) is reported only if it
 * explains at least 10% of what the shorter period leaves unexplained:
 * (F_long - F_short) / (1 - F_short) >= 0.1. E.g. nasa_http_jul95: daily 0.46, weekly 0.59 ->
 * 0.24, kept; iops_web_kpi: daily 0.88, weekly 0.87 -> < 0, dropped (a pure daily cycle).
 */
const MULTIPLE_MIN_GAIN = 0.1;
/**
 * Periods within 10% of each other are one cycle seen twice: 10 days of 1-minute web load gave
 * daily (0.82) and 1489 samples = 24.8 h (0.44); the Alibaba trace gives 23 h (0.49) next to its
 * daily cycle (0.42) over only 7.8 days. The calendar period wins such a pair, else the stronger.
 */
const NEAR_DUPLICATE = 0.1;
/**
 * Fewest samples in which any cycle is looked for. Below it the ANOVA has too few degrees of
 * freedom for its F bar: fast-check found 13 white-noise samples reported periodic at 4 samples.
 */
export const MIN_DETECT_SAMPLES = 32;
/** Relative spread under which a series is flat (float noise on a constant, e.g. 1e6 +/- 1e-10). */
const FLAT_RELATIVE_RANGE = 1e-9;
/** Ratio tolerance for "is an integer multiple of": 2% (e.g. 10080 / 1440 = 7.00). */
const MULTIPLE_TOLERANCE = 0.02;

interface Scored {
  readonly samples: number;
  readonly strength: number;
  readonly label: PeriodLabel;
  /** The phase ANOVA's F and the bar it must clear to be more than noise (strength.ts). */
  readonly f: number;
  readonly fMin: number;
}

/**
 * Detects the dominant periods of a load series: daily, weekly and any other strong cycle, each
 * with Hyndman's seasonal strength (robust, see seasonalStrength), strongest first, or the reason
 * why the series is aperiodic.
 *
 * Steps: drop/interpolate missing samples; propose candidates (the calendar day and week when the
 * history allows, plus periodogram peaks validated on the ACF, searched on <= 8192 bin means for
 * long periods and on the raw tail for periods under 2 h); refine non-calendar candidates to the
 * raw step by maximising the phase ICC, snap those within 3% of a day/week to it; score each with
 * the robust seasonal strength; keep those >= minStrength that are not a mere multiple or
 * sub-multiple of a better one.
 *
 * Example: nasa_http_jul95 (27.6 days of 1-minute requests) -> { periodic: true, periods:
 * [weekly 10080 samples (0.59), daily 1440 (0.46)], reason: "periodic: weekly 10080 samples ..." }.
 * About O(n log n); 80,640 samples take well under 200 ms (bench/periodicity.ts).
 * Throws RangeError for a non-positive step or out-of-range options. Pure and deterministic.
 */
export function detectPeriodicity(values: Float64Array, step: number, opts: DetectOptions = {}): PeriodicityReport {
  if (!(values instanceof Float64Array)) {
    throw new RangeError(`detectPeriodicity: values is ${typeof values}: expected a Float64Array`);
  }
  if (!(Number.isFinite(step) && step > 0)) {
    throw new RangeError(`detectPeriodicity: step is ${step}: expected a positive number of seconds`);
  }
  const minStrength = opts.minStrength ?? DEFAULT_MIN_STRENGTH;
  if (!(minStrength > 0 && minStrength < 1)) {
    throw new RangeError(`detectPeriodicity: minStrength is ${minStrength}: expected a number in (0, 1)`);
  }
  const maxPeriods = opts.maxPeriods ?? DEFAULT_MAX_PERIODS;
  if (!(Number.isInteger(maxPeriods) && maxPeriods >= 1)) {
    throw new RangeError(`detectPeriodicity: maxPeriods is ${maxPeriods}: expected an integer >= 1`);
  }
  const minPeriod = opts.minPeriodSamples ?? DEFAULT_MIN_PERIOD_SAMPLES;
  if (!(Number.isInteger(minPeriod) && minPeriod >= 2)) {
    throw new RangeError(`detectPeriodicity: minPeriodSamples is ${minPeriod}: expected an integer >= 2`);
  }

  const filled = fillMissing(values);
  const y = filled.values;
  const n = y.length;
  const missing = values.length - n + filled.interpolated;
  const notes: string[] = [];
  if (missing > 0) {
    notes.push(`${missing} of ${values.length} samples missing (${pct(missing / values.length)}), interpolated for detection`);
  }
  const aperiodic = (why: string): PeriodicityReport => ({
    periodic: false,
    periods: [],
    reason: [`aperiodic: ${why}`, ...notes].join('; '),
  });

  if (n === 0) return aperiodic(`no finite sample among the ${values.length} given`);
  const flat = flatness(y);
  if (flat !== null) return aperiodic(flat);
  const needed = Math.max(MIN_DETECT_SAMPLES, OTHER_MIN_CYCLES * minPeriod);
  if (n < needed) {
    return aperiodic(`only ${n} finite samples: too few to see any cycle (needs ${needed})`);
  }

  const spanS = n * step;
  const dayP = Math.round(DAY_S / step);
  const weekP = Math.round(WEEK_S / step);
  const yc = centred(y);
  const candidates = new Map<number, PeriodLabel>();
  const addCandidate = (p: number, label: PeriodLabel): void => {
    if (!candidates.has(p) || label !== 'other') candidates.set(p, label);
  };
  if (spanS >= DAILY_MIN_HISTORY_S && dayP >= minPeriod) addCandidate(dayP, 'daily');
  if (spanS >= WEEKLY_MIN_HISTORY_S && weekP >= minPeriod) addCandidate(weekP, 'weekly');

  const maxOther = Math.floor(n / OTHER_MIN_CYCLES);
  const bin = searchBin(n, dayP);
  // Refinement ranks neighbouring periods by the phase ICC of the series minus one long moving
  // average (the search's trend window), computed once: O(n) per period tried.
  const longTrend = centredMovingAverage(yc, Math.min(n, trendWindow(Math.ceil(n / bin), bin, dayP, weekP) * bin));
  const yd = new Float64Array(n);
  for (let i = 0; i < n; i++) yd[i] = yc[i]! - longTrend[i]!;
  const snapOrRefine = (est: number, radius: number): void => {
    const cal = snapCalendar(est, dayP, weekP, spanS);
    if (cal) {
      addCandidate(cal.samples, cal.label);
      return;
    }
    // Already proposed (a periodogram and an ACF peak for one cycle): nothing to refine.
    for (const q of candidates.keys()) if (Math.abs(q - est) <= radius) return;
    // The last REFINE_WINDOW samples (at least 3 cycles) pin the period: 16 cycles of 1000 samples
    // drift 16 samples apart for a period off by one.
    const win = yd.subarray(n - Math.min(n, Math.max(REFINE_WINDOW, Math.ceil(3 * (est + radius)))));
    const p = refinePeriod(win, est, radius, minPeriod, Math.min(maxOther, Math.floor(win.length / 2)));
    if (p === null) return;
    const cal2 = snapCalendar(p, dayP, weekP, spanS);
    if (cal2) addCandidate(cal2.samples, cal2.label);
    else addCandidate(p, 'other');
  };

  const shortLimit = Math.max(SHORT_PERIOD_S / step, 4 * bin);
  if (bin === 1) {
    for (const c of findLagCandidates(y, minPeriod, maxOther, trendWindow(n, 1, dayP, weekP))) snapOrRefine(c.lag, 1);
  } else {
    const z = aggregate(y, bin);
    const longs = findLagCandidates(z, Math.max(4, shortLimit / bin), maxOther / bin, trendWindow(z.length, bin, dayP, weekP));
    for (const c of longs) snapOrRefine(c.lag * bin, bin);
    const tail = y.subarray(n - Math.min(n, MAX_SEARCH_POINTS));
    const shortMax = Math.min(shortLimit, Math.floor(tail.length / OTHER_MIN_CYCLES));
    const shorts = findLagCandidates(tail, minPeriod, shortMax, Math.min(tail.length, Math.round(4 * shortLimit)));
    for (const c of shorts) snapOrRefine(c.lag, 1);
  }

  // Same value as seasonalStrength(values, p), sharing the despiked series between periods with
  // the same rolling-median window (every period >= 1464 samples uses 61).
  const despiked = new Map<number, Float64Array>();
  const score = (p: number, label: PeriodLabel): Scored => {
    const w = despikeWindow(p);
    let ds = despiked.get(w);
    if (!ds) {
      ds = despike(yc, w);
      despiked.set(w, ds);
    }
    const a = detrendedAnova(ds, p);
    return { samples: p, label, strength: a.icc, f: a.f, fMin: a.fMin };
  };
  const scored: Scored[] = [...candidates.entries()]
    .filter(([p]) => p >= minPeriod && p * 2 <= n)
    .map(([p, label]) => score(p, label));
  const accepted = select(scored, minStrength).slice(0, maxPeriods);

  if (spanS < DAILY_MIN_HISTORY_S) {
    notes.push(`too short to see a daily cycle: needs ${formatDuration(DAILY_MIN_HISTORY_S)}, have ${formatDuration(spanS)}`);
  } else if (spanS < WEEKLY_MIN_HISTORY_S) {
    notes.push(`weekly cycle not checked: needs ${formatDuration(WEEKLY_MIN_HISTORY_S)}, have ${formatDuration(spanS)}`);
  }

  if (accepted.length === 0) {
    const best = [...scored].sort((a, b) => b.strength - a.strength || a.samples - b.samples)[0];
    const head = notes.length > 0 && spanS < DAILY_MIN_HISTORY_S ? notes.shift()! : null;
    const what = !best
      ? 'no repeating pattern found (no autocorrelation peak)'
      : best.strength < minStrength
        ? `strongest candidate ${describe(best, step)} has strength ${best.strength.toFixed(2)} < ${minStrength}`
        : `strongest candidate ${describe(best, step)} has strength ${best.strength.toFixed(2)} but is not ` +
          `significant over ${(n / best.samples).toFixed(1)} cycles (F ${best.f.toFixed(2)} < ${best.fMin.toFixed(2)})`;
    return aperiodic(head ? `${head}; ${what}` : what);
  }
  const periods: DetectedPeriod[] = accepted.map((s) => ({
    samples: s.samples,
    seconds: s.samples * step,
    label: s.label,
    strength: s.strength,
  }));
  const list = accepted.map((s) => `${s.label} ${describe(s, step)}, strength ${s.strength.toFixed(2)}`).join('; ');
  return { periodic: true, periods, reason: [`periodic: ${list}`, ...notes].join('; ') };
}

/** "1440 samples (1 day)". */
function describe(s: { samples: number }, step: number): string {
  return `${s.samples} samples (${formatDuration(s.samples * step)})`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.01 ? 2 : 0)}%`;
}

/** A reason when every value is (numerically) the same, else null. O(n). */
function flatness(y: Float64Array): string | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) return `flat series (every sample is ${lo})`;
  if (hi - lo <= FLAT_RELATIVE_RANGE * Math.max(Math.abs(lo), Math.abs(hi))) {
    return `flat series (all samples within ${(hi - lo).toPrecision(2)} of ${lo.toPrecision(6)})`;
  }
  return null;
}

/**
 * Bin size for the long-period search: the smallest divisor of the day's sample count that brings
 * the series to <= MAX_SEARCH_POINTS bins (so day and week are whole numbers of bins), e.g.
 * 80,640 one-minute samples -> 10; 15,900 five-minute samples -> 2; <= 8192 samples -> 1.
 */
function searchBin(n: number, dayP: number): number {
  const need = Math.ceil(n / MAX_SEARCH_POINTS);
  if (need <= 1) return 1;
  for (let b = need; b <= Math.min(dayP, 4 * need); b++) if (dayP % b === 0) return b;
  return need;
}

/**
 * Trend window (in bins) removed before the spectrum: about a third of the series, so cycles up
 * to the longest searched (a third of the series) keep most of their amplitude, rounded down to
 * whole weeks or days so those cycles average out of the trend exactly. E.g. 8 weeks of 10-minute
 * bins -> 2 weeks (2016 bins).
 */
function trendWindow(m: number, bin: number, dayP: number, weekP: number): number {
  const third = Math.floor(m / 3);
  const weekBins = weekP / bin;
  const dayBins = dayP / bin;
  if (Number.isInteger(weekBins) && third >= weekBins) return Math.floor(third / weekBins) * weekBins;
  if (Number.isInteger(dayBins) && third >= dayBins) return Math.floor(third / dayBins) * dayBins;
  return Math.max(3, third);
}

/** The calendar period (day or week) within CALENDAR_SNAP of `est`, if the history allows it. */
function snapCalendar(est: number, dayP: number, weekP: number, spanS: number): { samples: number; label: PeriodLabel } | null {
  if (spanS >= WEEKLY_MIN_HISTORY_S && Math.abs(est - weekP) <= CALENDAR_SNAP * weekP) return { samples: weekP, label: 'weekly' };
  if (spanS >= DAILY_MIN_HISTORY_S && Math.abs(est - dayP) <= CALENDAR_SNAP * dayP) return { samples: dayP, label: 'daily' };
  return null;
}

/**
 * The integer period within +/- radius of `est` that maximises the phase ICC of the detrended
 * series `yd`. A period off by one sample smears k cycles by k samples, so the ICC peaks sharply
 * at the true period while the ACF is flat there. Coarse-to-fine: every `stride` samples, then
 * the neighbours of the best; e.g. radius 10 -> 7 + 4 evaluations instead of 21, O(n) each.
 */
function refinePeriod(yd: Float64Array, est: number, radius: number, minPeriod: number, maxPeriod: number): number | null {
  const from = Math.max(minPeriod, Math.floor(est) - radius);
  const to = Math.min(maxPeriod, Math.ceil(est) + radius);
  if (to < from) return null;
  const stride = Math.max(1, Math.floor(radius / 3));
  const scores = new Map<number, number>();
  const score = (p: number): number => {
    let s = scores.get(p);
    if (s === undefined) {
      s = phaseIcc(yd, p);
      scores.set(p, s);
    }
    return s;
  };
  let best = from;
  for (let p = from; p <= to; p += stride) if (score(p) > score(best)) best = p;
  if (stride > 1) {
    const centre = best;
    for (let p = Math.max(from, centre - stride + 1); p <= Math.min(to, centre + stride - 1); p++) {
      if (score(p) > score(best)) best = p;
    }
  }
  return best;
}

function isMultiple(long: number, short: number): boolean {
  const r = long / short;
  return r >= 1.5 && Math.abs(r - Math.round(r)) <= MULTIPLE_TOLERANCE * Math.round(r);
}

/**
 * Keeps candidates with strength >= minStrength and a significant F, shortest first: a multiple of an accepted period
 * must add MULTIPLE_MIN_GAIN; then a non-calendar period that divides an accepted one at least as
 * strong is dropped (a 12 h harmonic of a daily cycle), and so is one within NEAR_DUPLICATE of a
 * calendar period or of a stronger one (the same cycle, misaligned). Strongest first.
 */
function select(scored: readonly Scored[], minStrength: number): Scored[] {
  const ascending = scored.filter((s) => s.strength >= minStrength && s.f >= s.fMin).sort((a, b) => a.samples - b.samples);
  const kept: Scored[] = [];
  for (const c of ascending) {
    const bases = kept.filter((k) => isMultiple(c.samples, k.samples));
    const base = bases.sort((a, b) => b.strength - a.strength)[0];
    if (base && (base.strength >= 1 || (c.strength - base.strength) / (1 - base.strength) < MULTIPLE_MIN_GAIN)) continue;
    kept.push(c);
  }
  const final = kept.filter(
    (p) =>
      p.label !== 'other' ||
      !kept.some(
        (q) =>
          q !== p &&
          ((isMultiple(q.samples, p.samples) && q.strength >= p.strength) ||
            (Math.abs(q.samples - p.samples) <= NEAR_DUPLICATE * q.samples && (q.label !== 'other' || q.strength > p.strength))),
      ),
  );
  return final.sort((a, b) => b.strength - a.strength || a.samples - b.samples);
}
