/**
 * What the planner decides each step, and why. Types only: the planner (src/planner) and the guard
 * (src/guard) produce these; the engine publishes them as events, metrics and API responses.
 */

/**
 * How replicas are chosen, like AHPA's `scaleStrategy`.
 * - `observer`: compute everything as in `auto`, report the recommendation, never change replicas
 *   (`appliedReplicas` stays the current count). For a trial run next to an existing HPA.
 * - `proactive`: forecast only (still bounded, stabilised and rate limited; scale-in never below
 *   the reactive count). When the guard distrusts the forecast it falls back to reactive anyway.
 * - `reactive`: the HPA formula only; the forecast is ignored.
 * - `auto` (default): max(proactive, reactive).
 */
export type ScalingMode = 'observer' | 'proactive' | 'reactive' | 'auto';

/**
 * How much history the forecaster had. The guard only needs to know about `warmup` (too little
 * history to forecast at all, or to trust a forecast); `ready` means the model is in use.
 */
export type HistoryStage = 'warmup' | 'ready';

/**
 * Why a decision came out as it did. A closed set, so that dashboards and alerts can match on it.
 * Each example is the message a person reads next to the code.
 */
export type ReasonCode =
  /** The forecast set the target. e.g. "proactive: p90 forecast 1,840 rps at 14:05 needs 12 pods; cold start p95 9m40s" */
  | 'Proactive'
  /** auto mode: the reactive count beat the forecast. e.g. "reactive: load 2,300 rps on 10 ready pods needs 15 pods, above the forecast's 12" */
  | 'ReactiveHigher'
  /** reactive mode: the HPA formula set the target. e.g. "reactive: load 900 rps on 6 ready pods needs 8 pods (target 120 rps per pod)" */
  | 'Reactive'
  /** Load above the upper band by a large factor: a burst or flash crowd. e.g. "fallback: load 3,100 rps is 2.1x the p90 band 1,480 rps (burst); reactive needs 21 pods" */
  | 'FallbackBurst'
  /** Load above the upper band for k steps in a row. e.g. "fallback: load above the p90 band for 3 steps in a row; reactive needs 14 pods" */
  | 'FallbackBandExceeded'
  /** Rolling forecast error too high for the band: a regime change. e.g. "fallback: rolling p50 error 3.4 band half-widths (WAPE 0.41) over the last 1h exceeds 3; reactive needs 9 pods" */
  | 'FallbackForecastError'
  /** The newest data point is too old. e.g. "fallback (data is 5m old, stale after 2m): holding 8 pods" */
  | 'FallbackStaleData'
  /** The current load is missing or not a finite number. e.g. "fallback: current load is missing (NaN); holding 8 pods" */
  | 'FallbackMissingData'
  /** Too little history for a forecast. e.g. "fallback: forecaster warming up (too little history); reactive needs 3 pods" */
  | 'FallbackWarmup'
  /** Still reactive after a fallback, waiting for the forecast to prove itself. e.g. "fallback (recovering, 4/10 good steps, rolling error 0.12): reactive needs 7 pods" */
  | 'FallbackRecovering'
  /** Scale-down held back by the stabilisation window. e.g. "scale-down to 6 held at 9: highest recommendation in the last 5m" */
  | 'ScaleDownStabilized'
  /** Scale-up capped by the scale-up policies. e.g. "scale-up to 30 limited to 20 by policy (max of +100% and +4 pods per 15s)" */
  | 'ScaleUpLimited'
  /** Scale-down capped by the scale-down policies. e.g. "scale-down to 2 limited to 9 by policy (-10% per 1m)" */
  | 'ScaleDownLimited'
  /** Raised to the minimum replicas. e.g. "raised to minReplicas 2 (wanted 1)" */
  | 'BoundedMin'
  /** Capped at the maximum replicas. e.g. "capped at maxReplicas 50 (wanted 63)" */
  | 'BoundedMax'
  /** A cron schedule bound applied. e.g. "schedule '* 7-9 * * MON-FRI' (Europe/Paris) sets min 5 (wanted 3)" */
  | 'ScheduleBound'
  /** Scale to zero: no load now nor forecast over the lead window. e.g. "scale to zero: load 0 rps and p90 forecast 0 rps over the next 10m" */
  | 'ScaledToZero'
  /** observer mode: recommended but not applied. e.g. "observer: would set 12 pods (proactive ...); keeping 10" */
  | 'Observer';

/** Which calculation set the desired count before normalisation. */
export type DecisionSource = 'proactive' | 'reactive' | 'zero' | 'hold';

/** The forecast peak over the lead window [now, now + cold start + decision interval]. */
export interface ForecastPeak {
  /** Unix seconds of the peak (the time of the highest upper quantile). */
  readonly time: number;
  /** Highest p50 over the window (not necessarily at `time`). */
  readonly p50: number;
  /** Highest upper quantile over the window. */
  readonly upper: number;
}

/** One planner decision. Plain data: serialisable as JSON. */
export interface Decision {
  /** Unix seconds of the decision (the `now` it was made for). */
  readonly time: number;
  /** The configured mode. */
  readonly mode: ScalingMode;
  /** Which calculation set `desiredReplicas`. */
  readonly source: DecisionSource;
  /** The guard's verdict: true when the forecast is trusted this step. */
  readonly trusted: boolean;
  /** The main reason: Observer; else a Fallback* reason; else the last normalisation step that changed the count; else why the target was chosen. */
  readonly reason: ReasonCode;
  /** Every reason that applied, in order: calculation/guard first, then normalisation. */
  readonly reasons: readonly ReasonCode[];
  /** A sentence a person can read, with numbers and units. */
  readonly message: string;
  /** Requested (spec) replicas now. */
  readonly currentReplicas: number;
  readonly readyReplicas: number;
  /** From the forecast (reported in every mode); null when no usable forecast was given. */
  readonly proactiveReplicas: number | null;
  /** From the HPA formula; null when the current load is missing. */
  readonly reactiveReplicas: number | null;
  /** Before bounds, stabilisation and rate limits. */
  readonly desiredReplicas: number;
  /** After bounds, stabilisation and rate limits. */
  readonly recommendedReplicas: number;
  /** What to set: the recommendation, or the current count in observer mode. */
  readonly appliedReplicas: number;
  /** The effective bounds at `time` (global bounds narrowed by any matching schedule). */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Cold start (high percentile) + decision interval, in seconds. */
  readonly leadSeconds: number;
  readonly forecastPeak: ForecastPeak | null;
}
