/** Pure request planning for the collector: range chunking and retry backoff. */

/**
 * Prometheus refuses a query_range whose (end - start) / step exceeds 11,000: a chunk of 11,000
 * points spans 10,999 steps, inside the limit with one step to spare.
 */
export const PROMETHEUS_MAX_POINTS = 11_000;

export interface Chunk {
  readonly start: number;
  readonly end: number;
  /** Index of `start` in the whole grid. */
  readonly offset: number;
  readonly points: number;
}

/**
 * Split the grid start, start+step, ..., (last point <= end) into chunks of at most `maxPoints`.
 * e.g. 7 days at 30 s = 20,161 points -> chunks of 11,000 and 9,161. O(points / maxPoints).
 */
export function chunkRange(start: number, end: number, step: number, maxPoints = PROMETHEUS_MAX_POINTS): { points: number; chunks: Chunk[] } {
  if (!(step > 0) || !Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    throw new RangeError(`invalid range: start ${start}, end ${end}, step ${step} (need finite start <= end and step > 0)`);
  }
  if (!(maxPoints >= 1)) throw new RangeError(`maxPoints must be >= 1, got ${maxPoints}`);
  // 1e-9: (end - start) / step is exact for whole seconds; the epsilon only guards float division.
  const points = Math.floor((end - start) / step + 1e-9) + 1;
  const chunks: Chunk[] = [];
  for (let offset = 0; offset < points; offset += maxPoints) {
    const n = Math.min(maxPoints, points - offset);
    chunks.push({ start: start + offset * step, end: start + (offset + n - 1) * step, offset, points: n });
  }
  return { points, chunks };
}

export interface BackoffOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential with "equal jitter",
 * half fixed and half random, so retries never fire at once yet never collapse to 0.
 * e.g. base 250 ms: attempt 0 -> [125, 250), attempt 2 -> [500, 1000), capped at maxDelayMs.
 * `rand` gives [0, 1). `retryAfterMs` (from a Retry-After header) is a floor, still capped.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, rand: () => number, retryAfterMs?: number): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  const jittered = exp / 2 + (exp / 2) * rand();
  return Math.min(opts.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Retry-After: seconds or an HTTP date; `now` in ms. Undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return s >= 0 ? s * 1000 : undefined;
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : undefined;
}
