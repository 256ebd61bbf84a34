/**
 * The one interface every forecasting model implements (naive, seasonal naive, robust STL,
 * damped Holt-Winters, the TensorFlow.js network). Models give point forecasts; quantiles come
 * from conformal calibration of each model's own residuals (forecast/conformal.ts), so every model
 * supports them the same way.
 *
 * Models are stateful objects for speed (ring buffers, smoothed states), but they are pure in the
 * sense that matters: no I/O, no clock, no globals, no unseeded randomness. The same calls give the
 * same outputs.
 */
export interface FitContext {
  /** Seconds per sample. */
  readonly step: number;
  /** Seasonal periods in samples, strongest first, from periodicity detection. May be empty. */
  readonly periods: readonly number[];
  /** Largest horizon (in samples) that predict() will be asked for. */
  readonly maxHorizon: number;
  /** Seed for any randomness (network initialisation, shuffling). */
  readonly seed: number;
}

export interface Forecaster {
  readonly name: string;
  /** Samples of history that fit() needs to give a forecast at all. */
  minHistory(ctx: FitContext): number;
  /**
   * Fit on `history` (oldest first; finite, non-negative values; the last element is the latest
   * observation, the forecast origin). Must not mutate `history` nor keep a reference to it that it
   * later reads past its end.
   * Returns null when history is too short (a typed "not yet", never an exception).
   */
  fit(history: Float64Array, ctx: FitContext): FittedModel | null;
  /**
   * A fitted model back from FittedModel.save()'s plain data: it updates and predicts exactly as
   * the saved one would have. Throws a SnapshotError (snapshot.ts) naming the bad field.
   */
  restore?(state: unknown): FittedModel;
  /**
   * Loads what fit() needs, when the model defers it (the network with TensorFlow.js loaded in
   * this thread only on demand, because its refits run on refit threads). Until it resolves, fit()
   * throws an error saying so. A caller about to fit in line awaits it first; absent: nothing to load.
   */
  prepare?(): Promise<void>;
}

export interface FittedModel {
  readonly name: string;
  /** Append the next observation. Cheap: O(1) or O(number of periods), no refit. */
  update(y: number): void;
  /**
   * Point forecasts (the median, as MAE is scored) for each horizon, in samples (>= 1 and
   * <= ctx.maxHorizon), counted from the latest observation.
   */
  predict(horizons: readonly number[]): Float64Array;
  /** The model's state as JSON-safe plain data, for Forecaster.restore (persistence across restarts). */
  save?(): unknown;
}

/** A forecast at one origin for one horizon. */
export interface QuantileForecast {
  /** Unix seconds of the predicted sample. */
  readonly time: number;
  readonly horizonSteps: number;
  readonly p50: number;
  /** The configured upper quantile (default p90). */
  readonly upper: number;
}
