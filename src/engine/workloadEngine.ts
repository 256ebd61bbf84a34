/**
 * The engine core for one workload: no I/O, no clock (`now` is a parameter), no timers.
 *
 * It holds the online forecaster, the planner's memory (through PlanStepper, shared with the
 * backtest), the last decision and what the data looked like, and turns load samples on the
 * workload's grid into Recommendations. The wiring is the backtest's (src/backtest/replay.ts:
 * forecastTargets + PlanStepper), step for step, so a recommendation at grid time t equals what
 * `prescale backtest` decides at t on the same data with the same settings.
 *
 * Decisions are made on the data grid, one per sample step, at the step's own timestamp; a tick
 * between two samples changes nothing but the data age. A missing sample is waited for during
 * `graceSeconds` (Prometheus answers for t a scrape or two after t); after that it is fed as NaN,
 * and the guard decides what missing data means (FallbackMissingData / FallbackStaleData).
 */
import { forecastTargets, plannerConfig, PlanStepper, type BacktestConfig, type PeakInput } from '../backtest/replay';
import type { Workload } from '../config/schema';
import type { Decision, ReasonCode, ScalingMode } from '../domain/decision';
import type { PeriodicityReport } from '../domain/periodicity';
import type { Series } from '../domain/series';
import { OnlineForecaster, type FitFailure, type FitOutcome, type FitRequest, type OnlineOptions, type Snapshot, type Stage } from '../forecast/online';
import { fromJsonSafe, pack, toJsonSafe, unpackF64 } from '../forecast/snapshot';
import type { Forecaster } from '../forecast/types';
import type { InstanceBoundsSpec, PlannerConfig, PlannerState } from '../planner';
import { fnv1a } from '../util/hash';

/** What the engine needs to know about a workload: plain data, built from the config (specFromWorkload). */
export interface WorkloadSpec {
  /** The workload's name in the config: unique, used in metrics and logs. */
  readonly id: string;
  /** The scale target. */
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
  /** Seconds between samples. */
  readonly step: number;
  readonly coldStartSeconds: number;
  readonly capacityPerPod: number;
  readonly targetUtilization: number;
  readonly upperQuantile: number;
  readonly mode: ScalingMode;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Scale to zero (minReplicas 0), when enabled. */
  readonly scaleToZero?: { readonly enabled: boolean; readonly thresholdLoad: number };
  readonly instanceBounds: readonly InstanceBoundsSpec[];
  /** Forecast horizons in seconds (multiples of `step`), ascending: what /forecast can show. */
  readonly horizons: readonly number[];
  /** History backfilled at start and kept by the forecaster. */
  readonly historySeconds: number;
  readonly loadUnit: string;
  readonly seed: number;
  /** How long a missing sample is waited for before it is fed as missing. Default 2 steps. */
  readonly graceSeconds?: number;
  /** Regular refit cadence (periodicity detection + fit of every model). Default 1 day. */
  readonly refitEverySeconds?: number;
}

/**
 * History the forecaster keeps and fits on: twice the backfilled window, at most 8 weeks. Twice,
 * so that a workload backfilled with 7 days sees a weekly pattern twice after a week of running,
 * and a restart within historySeconds of the warm-up replays the engine's whole life (exact).
 * Bounded, so memory is: e.g. 7 days at 60 s: 20,160 samples, 161 kB (+1/8 slack).
 */
export function keptSeconds(spec: Pick<WorkloadSpec, 'historySeconds' | 'step'>): number {
  return Math.min(2 * Math.ceil(spec.historySeconds / spec.step), Math.ceil((8 * 7 * 86400) / spec.step)) * spec.step;
}

/**
 * The step within the refit cadence where this workload's regular refits fall: a hash of its id
 * (FNV-1a), so that workloads started together spread their refits over the cadence instead of
 * all refitting in one tick, and a restart keeps each workload's phase. e.g. 1,000 workloads, daily
 * refits at 60 s steps: about 0.7 refits per tick instead of 1,000 in one.
 */
export function refitOffsetSteps(spec: Pick<WorkloadSpec, 'id' | 'step' | 'refitEverySeconds'>): number {
  const every = Math.max(1, Math.round((spec.refitEverySeconds ?? 86400) / spec.step));
  return fnv1a(spec.id) % every;
}

/** The forecast band the recommendation planned on: the peak over the lead window. */
export interface ForecastBand {
  readonly p50: number;
  readonly upper: number;
  /** e.g. 0.9. */
  readonly quantile: number;
  /** Unix seconds of the predicted peak. */
  readonly peakTime: number;
  /** The window the peak is taken over: [time, time + leadSeconds]. */
  readonly leadSeconds: number;
}

/** What the API serves for a workload. Plain JSON (Infinity/NaN never appear: null instead). */
export interface Recommendation {
  readonly workload: { readonly id: string; readonly namespace: string; readonly name: string; readonly kind: string };
  /** Unix seconds of the decision (the grid time of the sample it was made on). */
  readonly time: number;
  readonly replicas: number;
  /** Whether the forecast set it ('proactive') or the reactive fallback did, as in decisions.csv. */
  readonly mode: 'proactive' | 'reactive';
  readonly configuredMode: ScalingMode;
  readonly reason: ReasonCode;
  readonly reasons: readonly ReasonCode[];
  readonly message: string;
  readonly proactive: number | null;
  readonly reactive: number | null;
  readonly bounds: { readonly min: number; readonly max: number };
  readonly forecast: ForecastBand | null;
  /** The latest observed load (null when none yet) and its unit. */
  readonly load: number | null;
  readonly loadUnit: string;
  readonly coldStartSeconds: number;
  readonly modelStage: Stage;
  readonly modelStageReason: string;
  /** now - time of the newest finite sample; null when there is none. */
  readonly dataAgeSeconds: number | null;
  /** True when the data age exceeds the guard's staleness limit. */
  readonly stale: boolean;
  /** Unix seconds after which this recommendation should not be used without a newer one. */
  readonly validUntil: number;
}

export interface ForecastPoint {
  readonly horizonSeconds: number;
  readonly time: number;
  readonly p50: number;
  readonly upper: number;
}

export interface ForecastView {
  readonly workload: Recommendation['workload'];
  /** Unix seconds of the forecast origin (the latest sample fed). */
  readonly origin: number;
  readonly quantile: number;
  readonly modelStage: Stage;
  readonly points: readonly ForecastPoint[];
  readonly peak: ForecastBand | null;
  readonly weights: Readonly<Record<string, number>>;
}

/** Metric type -> the unit in messages. */
const UNITS: Record<Workload['metric']['type'], string> = { qps: 'rps', responseTime: 's', gpu: '% GPU', concurrency: 'requests', custom: 'units' };

/**
 * Horizons offered by /forecast: the step, 5m, 10m, 15m, 30m, 1h, 2h, 4h, 8h, 1d, and the
 * configured horizon itself, keeping multiples of the step up to the horizon.
 * e.g. step 60 s, horizon 1800 s -> [60, 300, 600, 900, 1800].
 */
export function defaultHorizons(horizonSeconds: number, step: number): number[] {
  const top = Math.floor(horizonSeconds / step) * step;
  const c = [step, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, top];
  return [...new Set(c.filter((h) => h >= step && h <= top && h % step === 0))].sort((a, b) => a - b);
}

/** Config workload -> engine spec (the config schema already checked ranges and combinations). */
export function specFromWorkload(w: Workload, seed = 1): WorkloadSpec {
  const step = w.forecast.stepSeconds;
  return {
    id: w.name,
    namespace: w.target.namespace,
    name: w.target.name,
    kind: w.target.kind,
    step,
    coldStartSeconds: w.coldStart.source === 'fixed' ? w.coldStart.seconds : w.coldStart.defaultSeconds,
    capacityPerPod: w.capacityPerPod,
    targetUtilization: w.targetUtilization,
    upperQuantile: w.forecast.upperQuantile,
    mode: w.mode,
    minReplicas: w.minReplicas,
    maxReplicas: w.maxReplicas,
    ...(w.scaleToZero ? { scaleToZero: { enabled: w.scaleToZero.enabled, thresholdLoad: w.scaleToZero.thresholdLoad } } : {}),
    instanceBounds: w.schedule.map((b) => ({ timeZone: b.timeZone, bounds: [{ cron: b.cron, minReplicas: b.minReplicas, maxReplicas: b.maxReplicas }] })),
    horizons: defaultHorizons(w.forecast.horizonSeconds, step),
    historySeconds: w.forecast.historySeconds,
    refitEverySeconds: w.forecast.refitEverySeconds,
    loadUnit: UNITS[w.metric.type],
    seed,
  };
}

/** The backtest configuration that decides exactly as this engine does. */
export function backtestConfigOf(spec: WorkloadSpec): BacktestConfig {
  return {
    coldStart: spec.coldStartSeconds,
    capacity: spec.capacityPerPod,
    targetUtilization: spec.targetUtilization,
    horizons: spec.horizons,
    upperQuantile: spec.upperQuantile,
    seed: spec.seed,
    mode: spec.mode,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    planner: { loadUnit: spec.loadUnit, instanceBounds: spec.instanceBounds, ...(spec.scaleToZero ? { scaleToZero: spec.scaleToZero } : {}) },
    online: { historySeconds: keptSeconds(spec), refitEverySeconds: spec.refitEverySeconds ?? 86400, refitOffsetSteps: refitOffsetSteps(spec) },
  };
}

/** Rolling accuracy of the one-step-ahead forecast over the last `windowSeconds` (see WorkloadEngine.accuracy). */
export interface RollingAccuracy {
  /** sum |actual - p50| / sum |actual| over the window; null when the actuals sum to 0. */
  readonly wape: number | null;
  /** Share of actuals <= the upper band (target: the configured quantile, e.g. 0.9). */
  readonly coverage: number;
  /** Outcomes in the window (steps with a finite actual and a forecast for it). */
  readonly samples: number;
  readonly windowSeconds: number;
}

/** The accuracy window: one hour, long enough to hold 60 outcomes at 1-minute steps (a coverage of 0.9 then has a resolution of 1/60), short enough to show a regime change within the hour. */
export const ACCURACY_WINDOW_SECONDS = 3600;

/** JSON-safe number: NaN and +-Infinity become null. */
const fin = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * A recommendation as plain data without what depends on the clock: what the API thread holds
 * (src/api/front.ts) to answer at any time with recommendationAt.
 */
export interface RecommendationBase {
  readonly rest: Omit<Recommendation, 'dataAgeSeconds' | 'stale' | 'validUntil'>;
  /** Unix seconds of the newest finite sample; null when none. */
  readonly lastFiniteTime: number | null;
  readonly staleAfterSeconds: number;
  readonly validUntil: number;
}

/** The recommendation at `now`: the data's age and staleness added to its base. Pure. */
export function recommendationAt(b: RecommendationBase, now: number): Recommendation {
  const age = b.lastFiniteTime === null ? Infinity : now - b.lastFiniteTime;
  return { ...b.rest, dataAgeSeconds: fin(age), stale: !(age <= b.staleAfterSeconds), validUntil: b.validUntil };
}

export class WorkloadEngine {
  readonly planner: PlannerConfig;
  readonly graceSeconds: number;
  private forecaster: OnlineForecaster;
  private readonly forecasterOptions: OnlineOptions;
  private readonly cfg: BacktestConfig;
  private readonly hs: number[];
  private stepper: PlanStepper | null = null;
  private next: number | null = null;
  private snapshot: Snapshot | null = null;
  private pendingBand: { p50: number; upper: number } | null = null;
  private lastDecision: Decision | null = null;
  private lastPeak: PeakInput | null = null;
  private lastFiniteTime = -Infinity;
  private lastFiniteValue = NaN;
  private prevReason: ReasonCode | null = null;
  /** Entries into each fallback reason (a run of steps with the same reason counts once). */
  readonly fallbacks = new Map<ReasonCode, number>();
  /** Steps decided so far (backfill included). */
  decisions = 0;
  /** Grid time of the first sample fed (the forecaster's index 0); NaN before any. */
  private fedStart = NaN;
  /** Samples persisted and replayed: see the constructor. */
  private readonly fedCap: number;
  /** Ring of one-step outcomes: |actual - p50|, |actual|, covered (1/0); NaN entries are empty. */
  private readonly accErr: Float64Array;
  private readonly accAbs: Float64Array;
  private readonly accCov: Float64Array;
  private accPos = 0;

  /**
   * @throws Error (from resolvePlannerConfig / the forecaster) naming the bad setting.
   */
  constructor(
    readonly spec: WorkloadSpec,
    forecasters: readonly Forecaster[],
    detect: (values: Float64Array, step: number) => PeriodicityReport,
  ) {
    this.cfg = backtestConfigOf(spec);
    this.planner = plannerConfig(this.cfg, spec.step, spec.targetUtilization);
    // Two steps: the guard's default staleness; Prometheus usually has t within one scrape of t.
    this.graceSeconds = spec.graceSeconds ?? 2 * spec.step;
    const { targets, hs } = forecastTargets(this.cfg, spec.step);
    this.hs = hs;
    // What the forecaster keeps (keptSeconds): a replay of the persisted samples then starts where
    // this engine started for restarts within the first historySeconds after warm-up, and is exact
    // (the forecaster's refit cadence counts samples from its start). Later restarts refit on the
    // last 2 x historySeconds, as the live engine does: a retrain, not a bit-identical continuation.
    this.fedCap = Math.max(1, keptSeconds(spec) / spec.step);
    const accN = Math.max(1, Math.round(ACCURACY_WINDOW_SECONDS / spec.step));
    this.accErr = new Float64Array(accN).fill(NaN);
    this.accAbs = new Float64Array(accN).fill(NaN);
    this.accCov = new Float64Array(accN).fill(NaN);
    this.forecasterOptions = {
      step: spec.step,
      targets,
      upperQuantile: spec.upperQuantile,
      seed: spec.seed,
      forecasters,
      detect,
      ...this.cfg.online,
    };
    this.forecaster = new OnlineForecaster(this.forecasterOptions);
  }

  /** Grid time of the next sample the engine expects; null before the first ingest. */
  get nextTime(): number | null {
    return this.next;
  }

  /** Unix seconds of the latest sample fed (finite or not); null before any. */
  get lastFedTime(): number | null {
    return this.next === null || !this.stepper || this.stepper.steps === 0 ? null : this.next - this.spec.step;
  }

  get stage(): Stage {
    return this.snapshot?.stage ?? 'warmup';
  }

  /** Models whose latest fit failed (they keep their previous fit; see OnlineForecaster.fitModel). */
  get fitFailures(): readonly FitFailure[] {
    return this.forecaster.fitFailures;
  }

  /** See OnlineForecaster.takeFitRequest: a refit for the caller to compute on another thread. */
  takeFitRequest(): FitRequest | null {
    return this.forecaster.takeFitRequest();
  }

  provideFit(index: number, outcome: FitOutcome): void {
    this.forecaster.provideFit(index, outcome);
  }

  abandonFit(index: number): void {
    this.forecaster.abandonFit(index);
  }

  /** ingest() is stopped until the handed-out refit is given back (provideFit / abandonFit). */
  get fitAwaited(): boolean {
    return this.forecaster.fitAwaited;
  }

  get latestDecision(): Decision | null {
    return this.lastDecision;
  }

  /**
   * Feeds the samples of `series` (same step; NaN = missing) from nextTime up to `now`, one
   * forecast + decision per grid step. A step without a finite sample is fed as missing once a
   * later finite sample exists or `graceSeconds` have passed since it; otherwise feeding stops
   * there and resumes at the next call. It also stops before a step that would install a refit
   * handed out by takeFitRequest and not given back yet (fitAwaited), and, with `pauseOnFit`,
   * after a step that took a refit (fitToTake), so that the caller hands it out at once.
   * Returns the number of steps fed.
   * O(steps fed x models); see OnlineForecaster.observe.
   */
  ingest(series: Series, now: number, pauseOnFit = false): number {
    const step = this.spec.step;
    if (series.step !== step) throw new RangeError(`workload ${this.spec.id}: samples every ${series.step} s, expected every ${step} s (forecast.stepSeconds)`);
    if (this.next === null) {
      if (series.values.length === 0) return 0;
      this.next = Math.ceil(series.start / step) * step;
    }
    // Index of the last finite sample in the series: steps before it are gaps, not lag.
    let lastFiniteIdx = -1;
    for (let k = series.values.length - 1; k >= 0; k--) {
      if (Number.isFinite(series.values[k]!)) {
        lastFiniteIdx = k;
        break;
      }
    }
    const lastFiniteAt = lastFiniteIdx >= 0 ? series.start + lastFiniteIdx * step : -Infinity;
    let fed = 0;
    for (let t: number = this.next; t <= now; t += step) {
      const k = Math.round((t - series.start) / step);
      const y = k >= 0 && k < series.values.length ? series.values[k]! : NaN;
      if (!Number.isFinite(y) && !(lastFiniteAt > t) && now - t < this.graceSeconds) break;
      if (this.forecaster.fitAwaited) break;
      this.feed(t, y);
      fed++;
      this.next = t + step;
      if (pauseOnFit && this.forecaster.fitToTake) break;
    }
    return fed;
  }

  /**
   * Rebuilds a fresh engine from persisted samples (the retrain path): feeds values[i] at
   * start + i x step exactly as they were fed before, NaN included. Deterministic, so the result
   * equals the engine that fed them. O(values x models), like a warm-up.
   * @throws Error when the engine has already been fed or `start` is off the grid.
   */
  replay(start: number, values: Float64Array): number {
    const step = this.spec.step;
    if (this.next !== null) throw new Error(`workload ${this.spec.id}: replay needs a fresh engine (already fed up to ${this.next})`);
    if (start % step !== 0) throw new RangeError(`workload ${this.spec.id}: replay start ${start} is not on the ${step} s grid`);
    if (values.length === 0) return 0;
    for (let i = 0; i < values.length; i++) this.feed(start + i * step, values[i]!);
    this.next = start + values.length * step;
    return values.length;
  }

  /**
   * Everything this engine knows (forecaster with its fitted models, planner, pods in flight,
   * accuracy window), as JSON-safe plain data: restore() of it decides exactly as this engine
   * would. Null before the first sample, or when a model cannot be saved (persist history() and
   * replay it instead). O(history + bands).
   */
  save(): unknown {
    if (this.next === null || !this.stepper) return null;
    const forecaster = this.forecaster.save();
    if (forecaster === null) return null;
    return {
      forecaster,
      stepper: this.stepper.save(),
      rest: toJsonSafe({
        next: this.next,
        pendingBand: this.pendingBand,
        lastDecision: this.lastDecision,
        lastPeak: this.lastPeak,
        lastFiniteTime: this.lastFiniteTime,
        lastFiniteValue: this.lastFiniteValue,
        prevReason: this.prevReason,
        fallbacks: [...this.fallbacks],
        decisions: this.decisions,
        fedStart: this.fedStart,
        accPos: this.accPos,
      }),
      acc: { err: pack(this.accErr), abs: pack(this.accAbs), cov: pack(this.accCov) },
    };
  }

  /**
   * The engine save() described, for `spec` (which must be the spec it was saved under). Throws
   * (SnapshotError, RangeError) naming the field that does not fit: the caller then replays.
   */
  static restore(spec: WorkloadSpec, forecasters: readonly Forecaster[], detect: (values: Float64Array, step: number) => PeriodicityReport, saved: unknown): WorkloadEngine {
    const e = new WorkloadEngine(spec, forecasters, detect);
    const o = saved as { forecaster?: unknown; stepper?: unknown; rest?: unknown; acc?: { err?: unknown; abs?: unknown; cov?: unknown } } | null;
    if (typeof o !== 'object' || o === null) throw new RangeError(`engine snapshot is ${JSON.stringify(o)}, expected an object`);
    e.forecaster = OnlineForecaster.restore(e.forecasterOptions, o.forecaster);
    e.stepper = PlanStepper.restore(e.planner, spec.step, o.stepper);
    const r = fromJsonSafe(o.rest) as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null) throw new RangeError(`engine snapshot rest is ${JSON.stringify(o.rest)?.slice(0, 60)}, expected an object`);
    const n = (k: string): number => {
      if (typeof r[k] !== 'number') throw new RangeError(`engine snapshot ${k} is ${JSON.stringify(r[k])}, expected a number`);
      return r[k] as number;
    };
    e.next = n('next');
    e.pendingBand = (r.pendingBand as WorkloadEngine['pendingBand']) ?? null;
    e.lastDecision = (r.lastDecision as Decision | null) ?? null;
    e.lastPeak = (r.lastPeak as PeakInput | null) ?? null;
    e.lastFiniteTime = n('lastFiniteTime');
    e.lastFiniteValue = n('lastFiniteValue');
    e.prevReason = (r.prevReason as ReasonCode | null) ?? null;
    if (!Array.isArray(r.fallbacks)) throw new RangeError(`engine snapshot fallbacks is ${JSON.stringify(r.fallbacks)?.slice(0, 60)}, expected [reason, count] pairs`);
    for (const [k, v] of r.fallbacks as [ReasonCode, number][]) e.fallbacks.set(k, v);
    e.decisions = n('decisions');
    e.fedStart = n('fedStart');
    e.accPos = n('accPos');
    const acc = o.acc ?? {};
    for (const [name, into] of [['err', e.accErr], ['abs', e.accAbs], ['cov', e.accCov]] as const) {
      const a = unpackF64(acc[name], `engine snapshot acc.${name}`);
      if (a.length !== into.length) throw new RangeError(`engine snapshot acc.${name} has ${a.length} values, expected ${into.length}`);
      into.set(a);
    }
    e.snapshot = e.forecaster.latest();
    return e;
  }

  /**
   * The samples fed (the last 2 x historySeconds of them, NaN where fed as missing), for
   * persistence; null before any. They are the forecaster's own history (no second copy is
   * kept). Copies: O(window).
   */
  history(): { start: number; values: Float64Array } | null {
    if (Number.isNaN(this.fedStart)) return null;
    const { first, values } = this.forecaster.observed(this.fedCap);
    return { start: this.fedStart + first * this.spec.step, values };
  }

  /** The planner's state after the latest decision (plain JSON); null before any. */
  get plannerState(): PlannerState | null {
    return this.stepper?.plannerState ?? null;
  }

  /**
   * WAPE of the one-step-ahead p50 and coverage of its upper band over the last hour of outcomes;
   * null before the first outcome. e.g. actuals 100, 200 with p50 90, 230 and upper 120, 190:
   * WAPE (10 + 30) / 300 = 0.133, coverage 1/2. O(window).
   */
  accuracy(): RollingAccuracy | null {
    let err = 0;
    let abs = 0;
    let cov = 0;
    let n = 0;
    for (let i = 0; i < this.accErr.length; i++) {
      if (Number.isNaN(this.accErr[i]!)) continue;
      err += this.accErr[i]!;
      abs += this.accAbs[i]!;
      cov += this.accCov[i]!;
      n++;
    }
    if (n === 0) return null;
    return { wape: abs > 0 ? err / abs : null, coverage: cov / n, samples: n, windowSeconds: this.accErr.length * this.spec.step };
  }

  private record(t: number, y: number): void {
    if (Number.isNaN(this.fedStart)) this.fedStart = t;
    // The outcome of the one-step band made at the previous step (the same band the guard checks).
    const b = this.pendingBand;
    const k = this.accPos;
    this.accPos = (k + 1) % this.accErr.length;
    if (b && Number.isFinite(y) && Number.isFinite(b.p50) && Number.isFinite(b.upper)) {
      this.accErr[k] = Math.abs(y - b.p50);
      this.accAbs[k] = Math.abs(y);
      this.accCov[k] = y <= b.upper ? 1 : 0;
    } else {
      this.accErr[k] = NaN;
    }
  }

  /**
   * One grid step. The sample is cleaned as cleanSeries cleans a backtest's input (a load is never
   * negative: clamped to 0; +-Infinity is missing), so the forecaster's history is exactly what
   * was fed and a replay of history() rebuilds this engine.
   */
  private feed(t: number, raw: number): void {
    const y = Number.isFinite(raw) ? Math.max(0, raw) : NaN;
    this.record(t, y);
    const snap = this.forecaster.observe(y);
    this.snapshot = snap;
    const f = snap.forecasts;
    const n = this.hs.length;
    const peak: PeakInput | null = f ? { p50: f[n]!.p50, upper: f[n]!.upper, at: f[n]!.peakAt ?? 1 } : null;
    this.stepper ??= new PlanStepper(this.planner, this.spec.step, y);
    const d = this.stepper.next(t, y, f === null, peak, this.pendingBand);
    this.pendingBand = f ? { p50: f[n + 1]!.p50, upper: f[n + 1]!.upper } : null;
    this.lastPeak = peak;
    this.lastDecision = d;
    this.decisions++;
    if (Number.isFinite(y)) {
      this.lastFiniteTime = t;
      this.lastFiniteValue = y;
    }
    if (d.reason.startsWith('Fallback') && d.reason !== this.prevReason) this.fallbacks.set(d.reason, (this.fallbacks.get(d.reason) ?? 0) + 1);
    this.prevReason = d.reason;
  }

  /** Seconds since the newest finite sample; Infinity when none. */
  dataAge(now: number): number {
    return now - this.lastFiniteTime;
  }

  /** The current recommendation, or null before the first decision ("no data yet", not an error). */
  recommendation(now: number): Recommendation | null {
    const b = this.recommendationBase();
    return b ? recommendationAt(b, now) : null;
  }

  /** The recommendation without its clock-dependent fields (see recommendationAt); null before the first decision. */
  recommendationBase(): RecommendationBase | null {
    const d = this.lastDecision;
    if (!d) return null;
    const s = this.spec;
    return {
      rest: {
        workload: { id: s.id, namespace: s.namespace, name: s.name, kind: s.kind },
        time: d.time,
        replicas: d.appliedReplicas,
        mode: d.trusted ? 'proactive' : 'reactive',
        configuredMode: d.mode,
        reason: d.reason,
        reasons: d.reasons,
        message: d.message,
        proactive: d.proactiveReplicas,
        reactive: d.reactiveReplicas,
        bounds: { min: d.minReplicas, max: d.maxReplicas },
        forecast: d.forecastPeak ? { p50: d.forecastPeak.p50, upper: d.forecastPeak.upper, quantile: s.upperQuantile, peakTime: d.forecastPeak.time, leadSeconds: d.leadSeconds } : null,
        load: fin(this.lastFiniteValue),
        loadUnit: s.loadUnit,
        coldStartSeconds: s.coldStartSeconds,
        modelStage: this.stage,
        modelStageReason: this.snapshot?.stageReason ?? 'warmup: no data yet',
      },
      lastFiniteTime: fin(this.lastFiniteTime),
      staleAfterSeconds: this.planner.guard.staleAfterSeconds,
      // The next sample is due one step later and is waited for during the grace period.
      validUntil: d.time + s.step + this.graceSeconds,
    };
  }

  /**
   * The latest forecast at the configured horizons up to `horizonSeconds`, or null before the
   * first forecast (warmup).
   */
  forecast(horizonSeconds: number): ForecastView | null {
    const snap = this.snapshot;
    const origin = this.lastFedTime;
    if (!snap || !snap.forecasts || origin === null) return null;
    const s = this.spec;
    const points: ForecastPoint[] = [];
    s.horizons.forEach((h, j) => {
      const f = snap.forecasts![j]!;
      if (h <= horizonSeconds) points.push({ horizonSeconds: h, time: origin + h, p50: f.p50, upper: f.upper });
    });
    const p = this.lastPeak;
    const lead = this.planner.coldStartSeconds + this.planner.decisionIntervalSeconds;
    return {
      workload: { id: s.id, namespace: s.namespace, name: s.name, kind: s.kind },
      origin,
      quantile: s.upperQuantile,
      modelStage: snap.stage,
      points,
      peak: p ? { p50: p.p50, upper: p.upper, quantile: s.upperQuantile, peakTime: origin + p.at * s.step, leadSeconds: lead } : null,
      weights: snap.weights,
    };
  }
}
