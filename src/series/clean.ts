import type { DataQualityReport, Series } from '../domain/series';

export interface CleanOptions {
  /**
   * Longest run of missing samples filled by linear interpolation. Longer gaps stay NaN and the
   * consumer decides (the online forecaster imputes with its own forecast and does not score
   * them). Default: 10 minutes worth of samples: a scrape or two lost is common; a
   * longer outage is information the guard must see.
   */
  readonly maxFillSeconds?: number;
}

/**
 * Explicit clean-up: +/-Inf become missing, negative values are clamped to 0 (a load cannot be
 * negative), short gaps are interpolated, long gaps stay NaN. Everything done is counted and
 * described in the report. O(n). Does not mutate the input.
 */
export function cleanSeries(s: Series, opts: CleanOptions = {}): { series: Series; report: DataQualityReport } {
  const maxFill = Math.max(0, Math.floor((opts.maxFillSeconds ?? 600) / s.step));
  const v = Float64Array.from(s.values);
  let nonFinite = 0;
  let negative = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x === Infinity || x === -Infinity) {
      nonFinite++;
      v[i] = NaN;
    } else if (x < 0) {
      negative++;
      v[i] = 0;
    }
  }
  const gaps: Array<readonly [number, number]> = [];
  let missing = 0;
  let filled = 0;
  for (let i = 0; i < v.length; ) {
    if (!Number.isNaN(v[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < v.length && Number.isNaN(v[j]!)) j++;
    const len = j - i;
    gaps.push([i, len]);
    missing += len;
    if (len <= maxFill && i > 0 && j < v.length) {
      const a = v[i - 1]!;
      const b = v[j]!;
      for (let k = i; k < j; k++) v[k] = a + ((b - a) * (k - i + 1)) / (len + 1);
      filled += len;
    }
    i = j;
  }
  const messages: string[] = [];
  if (nonFinite > 0) messages.push(`${nonFinite} non-finite value(s) treated as missing`);
  if (negative > 0) messages.push(`${negative} negative value(s) clamped to 0`);
  if (missing > 0) {
    messages.push(
      `${missing} missing sample(s) in ${gaps.length} gap(s); ${filled} filled by interpolation (gaps up to ${maxFill} samples), ${missing - filled} left missing`,
    );
  }
  return {
    series: { start: s.start, step: s.step, values: v },
    report: { length: v.length, missing, nonFinite, negative, gaps, filled, messages },
  };
}
