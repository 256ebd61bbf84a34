/**
 * The cold-start lead: a high percentile of measured pod created-to-ready seconds.
 *
 * Cold start is a distribution, not a number: an LLM server's image pull and weight load vary
 * with node cache state (e.g. 3 min warm node, 10 min cold node). Planning on the median would
 * leave half the scale-ups late, so the planner asks one p95 cold start ahead by default.
 *
 * Quantile type 7 (linear interpolation between order statistics, as R's default and numpy).
 * O(n log n) for the sort. Samples that are not finite or are negative are ignored (a pod that
 * never became ready has no created-to-ready time). With no usable sample, `defaultSeconds`.
 *
 * @example coldStartLead([60, 70, 80, 90, 600], 0.95, 120) // 0.95 x 4 = 3.8 -> 90 + 0.8 x 510 = 498
 * @throws Error when `percentile` is outside (0, 1] or `defaultSeconds` is not a finite number >= 0.
 */
export function coldStartLead(samplesSeconds: readonly number[], percentile = 0.95, defaultSeconds = 0): number {
  if (!(percentile > 0 && percentile <= 1)) {
    const hint = percentile > 1 && percentile <= 100 ? ` (did you mean ${percentile / 100}?)` : '';
    throw new Error(`coldStartLead: percentile is ${percentile}, expected a fraction in (0, 1]${hint}`);
  }
  if (!(Number.isFinite(defaultSeconds) && defaultSeconds >= 0)) {
    throw new Error(`coldStartLead: defaultSeconds is ${defaultSeconds}, expected a finite number >= 0`);
  }
  const xs = samplesSeconds.filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  if (xs.length === 0) return defaultSeconds;
  const h = (xs.length - 1) * percentile;
  const lo = Math.floor(h);
  const a = xs[lo] as number;
  const b = xs[Math.min(lo + 1, xs.length - 1)] as number;
  return a + (h - lo) * (b - a);
}
