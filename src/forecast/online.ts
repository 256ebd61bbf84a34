import type { Series } from '../domain/series';

/**
 * Rolling-origin forecasting over a whole series, causal by construction: the forecast made at
 * origin t only ever sees samples with timestamp <= t.
 * PROVISIONAL SIGNATURE (being implemented by the lead): the benchmark harness codes against it.
 */
export interface RollingForecastOptions {
  /** Horizons in seconds (each a multiple of the series step). */
  readonly horizons: readonly number[];
  /** Upper quantile level, default 0.9. */
  readonly upperQuantile?: number;
  readonly seed?: number;
  /** Restrict to one named model (e.g. 'naive', 'seasonal-naive') instead of the ensemble. */
  readonly only?: string;
  /** Progress callback (steps done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ForecastRow {
  /** Unix seconds of the origin (the latest sample used). */
  readonly origin: number;
  readonly horizonS: number;
  readonly p50: number;
  readonly upper: number;
}

export function rollingForecast(_series: Series, _opts: RollingForecastOptions): ForecastRow[] {
  throw new Error('not implemented yet');
}
