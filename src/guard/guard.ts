import type { HistoryStage, ReasonCode } from '../domain/decision';
import { formatLoad } from '../planner/format';

/**
 * The guard: should the planner trust the forecast this step, or fall back to reactive (HPA)
 * scaling? Pure: (input, previous state, config, now) -> (verdict, next state).
 *
 * Falls back at once on: missing or non-finite load, stale data, warmup, no forecast, a burst
 * (load > burstFactor x the upper band), the load above the band for k steps in a row, or a rolling
 * forecast error above `errorThreshold`. Returns to the forecast only with hysteresis: N good steps
 * in a row AND the rolling error below the lower `recoverErrorThreshold`, so a forecast that is
 * borderline does not flap between modes every step.
 */

export interface GuardConfig {
  /**
   * Steps in a row with load above the upper band before falling back. Default 3: with a p90 band
   * a calibrated forecast is exceeded 10% of the time, so 3 in a row happens by chance ~0.1% of
   * steps (0.1^3) if errors were independent; in practice they are correlated, and 3 still
   * separates a real shift from noise while reacting within 3 decision intervals (45 s at 15 s).
   */
  readonly bandExceedSteps: number;
  /**
   * Load above this multiple of the upper band is a burst (flash crowd): fall back at once.
   * Default 1.5: the p90 band already sits well above the median; 1.5x beyond it is outside what
   * the model's calibrated residuals allow, and waiting k steps would leave users unserved.
   */
  readonly burstFactor: number;
  /** Span of the rolling error, seconds. Default 3600 (one hour: long enough to average noise, short enough to see a new regime). */
  readonly errorWindowSeconds: number;
  /**
   * Fall back when the rolling error exceeds this. Default 0.5: the median forecast misses by half
   * the traffic, several times what seasonal baselines score on periodic traffic (0.1-0.3), so the
   * pattern the model learned no longer holds (a regime change: a launch, a migration, an outage).
   */
  readonly errorThreshold: number;
  /** Return to the forecast only below this (hysteresis). Default 0.3, well under 0.5 so a borderline model does not flap. */
  readonly recoverErrorThreshold: number;
  /** Good steps in a row before trusting the forecast again. Default 10 (2.5 min at 15 s steps). */
  readonly recoverGoodSteps: number;
  /** Data older than this is stale. Default 120 s: two 60 s samples missed (the planner config sets 2 x its dataStepSeconds). */
  readonly staleAfterSeconds: number;
  /**
   * Rolling error is only scored with at least this many samples in the window. Default 8: fewer
   * points (just after start or an outage) make the ratio noise.
   */
  readonly minErrorSamples: number;
  /**
   * Rolling error is only scored when the mean load in the window exceeds this (load units).
   * Default 0: score whenever there was any load. Raise it for scale-to-zero workloads, where a
   * night of near-zero load makes any ratio meaningless.
   */
  readonly errorMinMeanLoad: number;
}

export const DEFAULT_GUARD_CONFIG: GuardConfig = Object.freeze({
  bandExceedSteps: 3,
  burstFactor: 1.5,
  errorWindowSeconds: 3600,
  errorThreshold: 0.5,
  recoverErrorThreshold: 0.3,
  recoverGoodSteps: 10,
  staleAfterSeconds: 120,
  minErrorSamples: 8,
  errorMinMeanLoad: 0,
});

export interface GuardInput {
  /** Current load; may be NaN (missing). */
  readonly load: number;
  /** Age of the newest data point, seconds. */
  readonly dataAgeSeconds: number;
  readonly stage: HistoryStage;
  /** True when a usable forecast exists for the lead window. */
  readonly hasForecast: boolean;
  /** The forecast made earlier for this moment (p50 and upper band), or null if none was made. */
  readonly band: { readonly p50: number; readonly upper: number } | null;
}

/** Plain JSON. */
export interface GuardState {
  readonly trusted: boolean;
  /** What last caused a fallback (kept while recovering); null while trusted. */
  readonly trigger: ReasonCode | null;
  readonly aboveBandSteps: number;
  readonly goodSteps: number;
  /** [time, |load - p50|, load] for the rolling error, oldest first, within the error window. */
  readonly errors: ReadonlyArray<readonly [number, number, number]>;
}

/** Start distrusted: the forecast must first prove itself for `recoverGoodSteps` steps. */
export const initialGuardState = (): GuardState => ({ trusted: false, trigger: 'FallbackWarmup', aboveBandSteps: 0, goodSteps: 0, errors: [] });

export interface GuardVerdict {
  readonly trusted: boolean;
  /** Null while trusted; else why the planner is reactive. */
  readonly reason: ReasonCode | null;
  /** Readable explanation (without the replica count, which the planner adds). */
  readonly detail: string;
  /** Rolling error (WAPE, see rollingError), null when not scored. */
  readonly rollingError: number | null;
}

/**
 * Rolling forecast error: WAPE of the median over the window,
 *   E = sum |y_t - p50_t| / sum y_t   for t in (now - window, now],
 * where p50_t is the median forecast that was issued for t. WAPE rather than MAPE because MAPE
 * divides each term by y_t and explodes on near-zero night-time load; WAPE weights errors by
 * volume. E = 0.5 means the median missed by half the traffic.
 * Null when fewer than `minSamples` points or mean load <= `minMeanLoad` (not enough signal). O(n).
 * @example y = [100, 100], p50 = [80, 130] -> (20 + 30) / 200 = 0.25
 */
export function rollingError(errors: ReadonlyArray<readonly [number, number, number]>, minSamples: number, minMeanLoad: number): number | null {
  if (errors.length === 0 || errors.length < minSamples) return null;
  let abs = 0;
  let actual = 0;
  for (const e of errors) {
    abs += e[1];
    actual += e[2];
  }
  if (!(actual > 0) || actual / errors.length <= minMeanLoad) return null;
  return abs / actual;
}

const fmt = formatLoad;

/**
 * One guard step. O(error window entries) (240 at 15 s steps over 1 h).
 */
export function guardStep(input: GuardInput, prev: GuardState, cfg: GuardConfig, now: number): { verdict: GuardVerdict; next: GuardState } {
  const distrust = (reason: ReasonCode, detail: string, errors: ReadonlyArray<readonly [number, number, number]>, rollErr: number | null, above = 0) => ({
    verdict: { trusted: false, reason, detail, rollingError: rollErr },
    next: { trusted: false, trigger: reason, aboveBandSteps: above, goodSteps: 0, errors },
  });
  const cutoff = now - cfg.errorWindowSeconds;
  // A new outer array; the [t, err, load] entries are never mutated, so they are shared with `prev`
  // (one allocation per step instead of 240).
  const kept = prev.errors.filter((e) => e[0] > cutoff && e[0] < now);

  if (!Number.isFinite(input.load) || input.load < 0) {
    return distrust('FallbackMissingData', `current load is missing or invalid (${input.load})`, kept, null);
  }
  if (!Number.isFinite(input.dataAgeSeconds) || input.dataAgeSeconds > cfg.staleAfterSeconds) {
    const age = Number.isFinite(input.dataAgeSeconds) ? `${Math.round(input.dataAgeSeconds)}s` : String(input.dataAgeSeconds);
    return distrust('FallbackStaleData', `data is ${age} old (stale after ${cfg.staleAfterSeconds}s)`, kept, null);
  }
  if (input.stage === 'warmup') {
    return distrust('FallbackWarmup', 'forecaster warming up (too little history)', kept, null);
  }
  if (!input.hasForecast) {
    return distrust('FallbackMissingData', 'no forecast for the lead window', kept, null);
  }

  const band = input.band && Number.isFinite(input.band.p50) && Number.isFinite(input.band.upper) ? input.band : null;
  const burst = band !== null && input.load > cfg.burstFactor * band.upper;
  // Burst steps stay out of the rolling error: a flash crowd says nothing about whether the model
  // still knows the regular pattern, and it would keep the error above the recovery threshold for
  // an hour after the crowd has gone (20 min at 3x load on a 500 rps base scores 0.44 on its own).
  // A lasting shift is still caught: its steps are above the band, never "good", so no recovery.
  if (band && !burst) kept.push([now, Math.abs(input.load - band.p50), input.load] as const);
  const err = rollingError(kept, cfg.minErrorSamples, cfg.errorMinMeanLoad);
  const above = band !== null && input.load > band.upper;
  const aboveSteps = above ? prev.aboveBandSteps + 1 : 0;

  if (band && burst) {
    const times = band.upper > 0 ? `${(input.load / band.upper).toFixed(1)}x` : 'above';
    return distrust('FallbackBurst', `load ${fmt(input.load)} is ${times} the upper band ${fmt(band.upper)} (burst)`, kept, err, aboveSteps);
  }
  if (aboveSteps >= cfg.bandExceedSteps) {
    return distrust('FallbackBandExceeded', `load above the upper band for ${aboveSteps} steps in a row`, kept, err, aboveSteps);
  }
  if (err !== null && err > cfg.errorThreshold) {
    const mins = Math.round(cfg.errorWindowSeconds / 60);
    return distrust('FallbackForecastError', `rolling p50 error ${err.toFixed(2)} over the last ${mins}m exceeds ${cfg.errorThreshold}`, kept, err, aboveSteps);
  }

  if (prev.trusted) {
    return {
      verdict: { trusted: true, reason: null, detail: 'forecast trusted', rollingError: err },
      next: { trusted: true, trigger: null, aboveBandSteps: aboveSteps, goodSteps: prev.goodSteps + 1, errors: kept },
    };
  }
  // Recovering: a good step has a band to check against, load inside it, and a low enough error.
  const good = band !== null && !above && (err === null || err < cfg.recoverErrorThreshold);
  const goodSteps = good ? prev.goodSteps + 1 : 0;
  if (goodSteps >= cfg.recoverGoodSteps) {
    return {
      verdict: { trusted: true, reason: null, detail: `forecast trusted again after ${goodSteps} good steps`, rollingError: err },
      next: { trusted: true, trigger: null, aboveBandSteps: aboveSteps, goodSteps, errors: kept },
    };
  }
  const errText = err === null ? '' : `, rolling error ${err.toFixed(2)}`;
  return {
    verdict: { trusted: false, reason: 'FallbackRecovering', detail: `recovering, ${goodSteps}/${cfg.recoverGoodSteps} good steps${errText}`, rollingError: err },
    next: { trusted: false, trigger: prev.trigger, aboveBandSteps: aboveSteps, goodSteps, errors: kept },
  };
}

/**
 * Validates a partial guard config onto the defaults.
 * @throws Error naming the key, the value and the allowed range.
 */
export function resolveGuardConfig(partial: Partial<GuardConfig> = {}): GuardConfig {
  const c = { ...DEFAULT_GUARD_CONFIG, ...partial };
  const check = (key: keyof GuardConfig, ok: boolean, expected: string): void => {
    if (!ok) throw new Error(`guard.${key} is ${JSON.stringify(c[key])}, expected ${expected}`);
  };
  check('bandExceedSteps', Number.isInteger(c.bandExceedSteps) && c.bandExceedSteps >= 1, 'an integer >= 1');
  check('burstFactor', Number.isFinite(c.burstFactor) && c.burstFactor >= 1, 'a number >= 1');
  check('errorWindowSeconds', Number.isFinite(c.errorWindowSeconds) && c.errorWindowSeconds > 0, 'a number of seconds > 0');
  check('errorThreshold', Number.isFinite(c.errorThreshold) && c.errorThreshold > 0, 'a number > 0');
  check(
    'recoverErrorThreshold',
    Number.isFinite(c.recoverErrorThreshold) && c.recoverErrorThreshold > 0 && c.recoverErrorThreshold <= c.errorThreshold,
    `a number in (0, errorThreshold ${c.errorThreshold}]`,
  );
  check('recoverGoodSteps', Number.isInteger(c.recoverGoodSteps) && c.recoverGoodSteps >= 1, 'an integer >= 1');
  check('staleAfterSeconds', Number.isFinite(c.staleAfterSeconds) && c.staleAfterSeconds > 0, 'a number of seconds > 0');
  check('minErrorSamples', Number.isInteger(c.minErrorSamples) && c.minErrorSamples >= 1, 'an integer >= 1');
  check('errorMinMeanLoad', Number.isFinite(c.errorMinMeanLoad) && c.errorMinMeanLoad >= 0, 'a number >= 0');
  return Object.freeze(c);
}
