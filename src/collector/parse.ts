/**
 * Pure parsing of Prometheus HTTP API responses (any server that speaks it: Prometheus,
 * VictoriaMetrics, Thanos, Mimir). No I/O: the client hands in the HTTP status and the JSON body.
 */
import type { Series } from '../domain/series';

export interface Envelope {
  readonly resultType: 'matrix' | 'vector' | 'scalar' | 'string';
  readonly result: unknown;
  readonly warnings: readonly string[];
}

export type EnvelopeFailure = {
  readonly kind: 'http' | 'status_error' | 'invalid_response';
  readonly detail: string;
  readonly retryable: boolean;
  readonly errorType?: string;
};

/**
 * Prometheus errorTypes worth retrying: the server was busy or cut the query short. bad_data and
 * execution are the query's fault and would fail again.
 */
const RETRYABLE_ERROR_TYPES = new Set(['timeout', 'unavailable', 'internal', 'canceled']);

/** 5xx and 429 are transient by HTTP's own definition; other 4xx are the request's fault. */
export const isRetryableStatus = (status: number): boolean => status >= 500 || status === 429;

/** Check the `{status, data, errorType, error, warnings}` envelope. */
export function parseEnvelope(httpStatus: number, body: unknown): { ok: true; value: Envelope } | { ok: false; error: EnvelopeFailure } {
  const b = typeof body === 'string' ? tryJson(body) : body;
  if (b !== null && typeof b === 'object' && (b as { status?: unknown }).status === 'error') {
    const e = b as { errorType?: unknown; error?: unknown };
    const errorType = typeof e.errorType === 'string' ? e.errorType : 'unknown';
    return {
      ok: false,
      error: {
        kind: 'status_error',
        detail: `HTTP ${httpStatus}, errorType ${errorType}: ${typeof e.error === 'string' ? e.error : 'no message'}`,
        retryable: RETRYABLE_ERROR_TYPES.has(errorType) || isRetryableStatus(httpStatus),
        errorType,
      },
    };
  }
  if (httpStatus < 200 || httpStatus >= 300) {
    const text = typeof body === 'string' ? body : JSON.stringify(body) ?? '';
    return { ok: false, error: { kind: 'http', detail: `HTTP ${httpStatus}: ${text.slice(0, 200)}`, retryable: isRetryableStatus(httpStatus) } };
  }
  if (b === null || typeof b !== 'object' || (b as { status?: unknown }).status !== 'success') {
    return { ok: false, error: { kind: 'invalid_response', detail: `expected {"status":"success",...}, got ${preview(body)}`, retryable: false } };
  }
  const data = (b as { data?: unknown }).data as { resultType?: unknown; result?: unknown } | undefined;
  const rt = data?.resultType;
  if (rt !== 'matrix' && rt !== 'vector' && rt !== 'scalar' && rt !== 'string') {
    return { ok: false, error: { kind: 'invalid_response', detail: `unknown data.resultType ${JSON.stringify(rt) ?? "(missing)"}, expected matrix, vector, scalar or string`, retryable: false } };
  }
  const w = (b as { warnings?: unknown }).warnings;
  const warnings = Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
  return { ok: true, value: { resultType: rt, result: data?.result, warnings } };
}

/** Prometheus sample values are strings: "1.5", "NaN", "+Inf", "-Inf". Unparseable -> undefined. */
export function parseSampleValue(v: unknown): number | undefined {
  if (typeof v !== 'string') return typeof v === 'number' ? v : undefined;
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  return v.trim() === '' || Number.isNaN(n) ? undefined : n;
}

export interface Grid {
  /** Unix seconds of the first point. */
  readonly start: number;
  readonly step: number;
  readonly length: number;
}

/** What the samples of a range query looked like; nothing is dropped silently. */
export interface GridQuality {
  readonly expected: number;
  /** Points the server gave a finite value for. */
  readonly present: number;
  /** Grid points with no sample at all (gaps, or no series). */
  readonly missing: number;
  /** Samples whose value was "NaN" (e.g. 0/0 in a ratio, histogram_quantile with no data). */
  readonly nan: number;
  /** Samples that were +Inf or -Inf. */
  readonly infinite: number;
  /** Samples off the grid (not start + k*step) or outside it; ignored. */
  readonly offGrid: number;
  /** Samples whose value did not parse; stored as NaN. */
  readonly unparseable: number;
  /** Missing points at the end of the range: the series went stale (its target disappeared). */
  readonly trailingMissing: number;
  /** Distinct series returned (0 or 1 is normal). */
  readonly seriesCount: number;
}

/** A matrix result as an array of { metric, values: [[t, "v"], ...] }. Throws nothing. */
function matrixOf(result: unknown): { metric: Record<string, string>; values: unknown[] }[] | undefined {
  if (!Array.isArray(result)) return undefined;
  const out: { metric: Record<string, string>; values: unknown[] }[] = [];
  for (const s of result) {
    if (s === null || typeof s !== 'object') return undefined;
    const { metric, values } = s as { metric?: unknown; values?: unknown };
    if (!Array.isArray(values)) return undefined;
    out.push({ metric: (metric ?? {}) as Record<string, string>, values });
  }
  return out;
}

/** Index tolerance: timestamps are floats in seconds (1.7e9 with ms digits), exact to ~1e-6. */
const GRID_EPS = 1e-6;

/**
 * Fill `target` (NaN-initialised, `grid.length` long) with the samples of a matrix result and
 * count what was there. Several chunks of one backfill call this on the same target.
 * O(samples). Returns undefined when `result` is not a matrix.
 */
export function fillGrid(result: unknown, grid: Grid, target: Float64Array, seen: Uint8Array): { counts: Omit<GridQuality, 'missing' | 'present' | 'trailingMissing' | 'expected'>; labels: string[] } | undefined {
  const m = matrixOf(result);
  if (!m) return undefined;
  let nan = 0;
  let infinite = 0;
  let offGrid = 0;
  let unparseable = 0;
  for (const s of m) {
    for (const pt of s.values) {
      if (!Array.isArray(pt) || pt.length < 2 || typeof pt[0] !== 'number') {
        unparseable++;
        continue;
      }
      const k = (pt[0] - grid.start) / grid.step;
      const i = Math.round(k);
      if (Math.abs(k - i) > GRID_EPS || i < 0 || i >= grid.length) {
        offGrid++;
        continue;
      }
      const v = parseSampleValue(pt[1]);
      seen[i] = 1;
      if (v === undefined) {
        unparseable++;
        target[i] = NaN;
      } else if (Number.isNaN(v)) {
        nan++;
        target[i] = NaN;
      } else if (!Number.isFinite(v)) {
        infinite++;
        target[i] = NaN;
      } else target[i] = v;
    }
  }
  return { counts: { nan, infinite, offGrid, unparseable, seriesCount: m.length }, labels: m.map((s) => labelKey(s.metric)) };
}

/** Stable `{a="1",b="2"}` key for a label set. */
export function labelKey(metric: Readonly<Record<string, string>>): string {
  return `{${Object.keys(metric)
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`)
    .join(',')}}`;
}

/** Totals once every chunk is in. `seen[i]` = 1 when the server sent any sample for point i. */
export function finishGrid(grid: Grid, values: Float64Array, seen: Uint8Array, counts: Omit<GridQuality, 'missing' | 'present' | 'trailingMissing' | 'expected'>): { series: Series; quality: GridQuality } {
  let present = 0;
  let missing = 0;
  for (let i = 0; i < grid.length; i++) {
    if (seen[i] === 0) missing++;
    else if (Number.isFinite(values[i] as number)) present++;
  }
  let trailingMissing = 0;
  // Stale only if the series existed at all; an empty result is "missing", not "stale".
  if (missing < grid.length) for (let i = grid.length - 1; i >= 0 && seen[i] === 0; i--) trailingMissing++;
  return {
    series: { start: grid.start, step: grid.step, values },
    quality: { expected: grid.length, present, missing, trailingMissing, ...counts },
  };
}

/** One sample of an instant query. */
export interface InstantSample {
  readonly labels: Readonly<Record<string, string>>;
  /** Unix seconds of the evaluation. */
  readonly time: number;
  /** NaN / +-Infinity are kept as such; the caller decides. */
  readonly value: number;
}

/** Vector or scalar result -> samples; undefined when the shape is wrong. O(samples). */
export function parseInstant(env: Envelope): InstantSample[] | undefined {
  if (env.resultType === 'scalar') {
    const r = env.result;
    if (!Array.isArray(r) || typeof r[0] !== 'number') return undefined;
    const v = parseSampleValue(r[1]);
    return v === undefined ? undefined : [{ labels: {}, time: r[0], value: v }];
  }
  if (env.resultType !== 'vector' || !Array.isArray(env.result)) return undefined;
  const out: InstantSample[] = [];
  for (const s of env.result) {
    const { metric, value } = (s ?? {}) as { metric?: Record<string, string>; value?: unknown };
    if (!Array.isArray(value) || typeof value[0] !== 'number') return undefined;
    const v = parseSampleValue(value[1]);
    if (v === undefined) return undefined;
    out.push({ labels: metric ?? {}, time: value[0], value: v });
  }
  return out;
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function preview(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
