/**
 * Accuracy metrics for point and quantile forecasts, and the join of forecast rows with actuals.
 * Pure: no I/O, no clock. Inputs are read-only. Every function is O(n) in the number of values
 * (geometricMean included); scoreRows is O(rows).
 *
 * Errors name the argument, the value and what was expected; an empty input is an error (a mean
 * over nothing has no value, and silently returning 0 or NaN hides a harness bug).
 */
import type { Series } from '../domain/series';

function checkPair(name: string, actual: ArrayLike<number>, forecast: ArrayLike<number>): void {
  if (actual.length !== forecast.length) {
    throw new RangeError(`${name}: actual has ${actual.length} values but forecast has ${forecast.length}; expected equal lengths`);
  }
  if (actual.length === 0) throw new RangeError(`${name}: got 0 values; expected at least 1`);
}

/**
 * Mean absolute error: mean |actual_i - forecast_i|.
 * Example: actual [1, 2, 3], forecast [2, 2, 5] -> (1 + 0 + 2) / 3 = 1.
 */
export function mae(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPair('mae', actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((actual[i] as number) - (forecast[i] as number));
  return sum / actual.length;
}

/**
 * Pinball (quantile) loss of one quantile forecast q at level tau, for one actual y:
 * tau * (y - q) when y >= q (under-forecast), (1 - tau) * (q - y) otherwise.
 * Example at tau 0.9: y 10, q 8 -> 0.9 * 2 = 1.8; y 10, q 12 -> 0.1 * 2 = 0.2.
 * At tau 0.5 it is half the absolute error.
 */
export function pinballLoss(actual: number, q: number, level: number): number {
  const d = actual - q;
  return d >= 0 ? level * d : (level - 1) * d;
}

/**
 * Mean pinball loss of quantile forecasts `q` at `level` (in (0, 1)) over paired actuals.
 * Example at level 0.9: actual [10, 10], q [8, 12] -> (1.8 + 0.2) / 2 = 1.0.
 */
export function pinball(actual: ArrayLike<number>, q: ArrayLike<number>, level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`pinball: level ${level} is not a quantile level; expected 0 < level < 1`);
  checkPair('pinball', actual, q);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += pinballLoss(actual[i] as number, q[i] as number, level);
  return sum / actual.length;
}

/**
 * Share of actuals at or below their upper quantile forecast: the empirical coverage of a
 * one-sided interval. A calibrated p90 gives about 0.9.
 * Example: actual [1, 5, 9, 10], upper [2, 5, 8, 12] -> 3 of 4 -> 0.75 (5 <= 5 counts).
 */
export function coverage(actual: ArrayLike<number>, upper: ArrayLike<number>): number {
  checkPair('coverage', actual, upper);
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if ((actual[i] as number) <= (upper[i] as number)) inside++;
  return inside / actual.length;
}

/**
 * Geometric mean exp(mean(log v)), the mean used for ratios (relative MAE): a 2x and a 0.5x
 * average to 1x. Example: [2, 0.5] -> 1; [1, 4] -> 2.
 * Throws on an empty input or a value that is not finite and > 0 (log undefined).
 */
export function geometricMean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('geometricMean: got 0 values; expected at least 1');
  let sumLog = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v > 0 && Number.isFinite(v))) {
      throw new RangeError(`geometricMean: values[${i}] is ${v}; expected a finite number > 0`);
    }
    sumLog += Math.log(v);
  }
  return Math.exp(sumLog / values.length);
}

/** What scoreRows needs of a forecast row (src/forecast/online.ts ForecastRow has this shape). */
export interface ScorableRow {
  /** Unix seconds of the origin (the latest sample used). */
  readonly origin: number;
  /** Seconds ahead of the origin. */
  readonly horizonS: number;
  readonly p50: number;
  readonly upper: number;
}

/** A forecast row joined with the actual value at origin + horizon. */
export interface ScoredRow extends ScorableRow {
  readonly actual: number;
}

export interface ScoreRowsOptions {
  /** Keep only rows whose origin is in this set (e.g. hourly origins from day 2). */
  readonly origins?: ReadonlySet<number>;
}

/**
 * Join forecast rows with the actual at `origin + horizonS` in `series`. Rows whose target time
 * lies past the end of the series, or whose actual is not finite (NaN = missing), are dropped: they cannot be
 * scored. A target before the start or off the sample grid is a harness bug and throws, as does a
 * non-finite p50 or upper (a forecaster must not emit those).
 * Example: series start 0, step 60, values [1, 2, 3]; row {origin 0, horizonS 120} -> actual 3;
 * row {origin 60, horizonS 120} -> target 180 is past the end -> dropped.
 * O(rows).
 */
export function scoreRows(rows: readonly ScorableRow[], series: Series, opts: ScoreRowsOptions = {}): ScoredRow[] {
  const out: ScoredRow[] = [];
  const n = series.values.length;
  for (const r of rows) {
    if (opts.origins !== undefined && !opts.origins.has(r.origin)) continue;
    const target = r.origin + r.horizonS;
    const pos = (target - series.start) / series.step;
    const i = Math.round(pos);
    if (i < 0 || Math.abs(pos - i) > 1e-9) {
      throw new RangeError(
        `scoreRows: row origin ${r.origin} + horizonS ${r.horizonS} = ${target} is not a sample time of the series ` +
          `(start ${series.start}, step ${series.step}); expected start + k * step with k >= 0`,
      );
    }
    if (!Number.isFinite(r.p50) || !Number.isFinite(r.upper)) {
      throw new RangeError(`scoreRows: row origin ${r.origin} horizonS ${r.horizonS} has p50 ${r.p50}, upper ${r.upper}; expected finite numbers`);
    }
    if (i >= n) continue;
    const actual = series.values[i] as number;
    if (!Number.isFinite(actual)) continue;
    out.push({ origin: r.origin, horizonS: r.horizonS, p50: r.p50, upper: r.upper, actual });
  }
  return out;
}

/** Accuracy of a set of scored rows (one method, one series, one horizon). */
export interface AccuracySummary {
  readonly n: number;
  readonly mae: number;
  /** Mean pinball loss of p50 at 0.5 (= mae / 2). */
  readonly pinball50: number;
  /** Mean pinball loss of the upper quantile at `upperLevel`. */
  readonly pinballUpper: number;
  /** Share of actuals <= upper. */
  readonly coverage: number;
}

/**
 * Summarise scored rows. Example: rows (actual, p50, upper) (10, 8, 12) and (10, 11, 9) at 0.9
 * -> mae 1.5, pinball50 0.75, pinballUpper (0.1 * 2 + 0.9 * 1) / 2 = 0.55, coverage 0.5.
 */
export function summarize(rows: readonly ScoredRow[], upperLevel: number): AccuracySummary {
  const actual = rows.map((r) => r.actual);
  const p50 = rows.map((r) => r.p50);
  const upper = rows.map((r) => r.upper);
  return {
    n: rows.length,
    mae: mae(actual, p50),
    pinball50: pinball(actual, p50, 0.5),
    pinballUpper: pinball(actual, upper, upperLevel),
    coverage: coverage(actual, upper),
  };
}
