import type { PeriodicityReport } from '../domain/periodicity';
import { formatDuration } from '../periodicity/format';
import type { Series } from '../domain/series';
import { addOutcome, bandAt, type BandState, type ConformalOptions, defaultConformal, newBand } from './conformal';
import { arr, decodeNum, encodeNum, num, nums, obj, pack, SnapshotError, str, unpackF32, unpackF64, unpackU8 } from './snapshot';
import type { FitContext, FittedModel, Forecaster } from './types';

/**
 * The online forecaster: the one place where models are fitted, updated, scored, weighted and
 * calibrated. It consumes one sample per step, so it is causal by construction: what it says at
 * step t comes from samples 0..t only. The backtest and the service both drive it.
 *
 * Per step: every fitted model gets update(y) and predict(horizons); predictions wait in a queue
 * until their outcome arrives, then feed (a) each model's exponentially weighted absolute error
 * per target, from which the ensemble weights come, and (b) the ensemble's conformal band per
 * target. Refits (periodicity detection + fit of every model) happen on a schedule.
 */

export type Stage = 'warmup' | 'level' | 'daily' | 'weekly' | 'seasonal';

/** What a forecast can be asked for: one horizon, or the peak over the next L steps. */
export type Target = { readonly kind: 'point'; readonly steps: number } | { readonly kind: 'peak'; readonly steps: number };

export interface OnlineOptions {
  readonly step: number;
  readonly targets: readonly Target[];
  /** Upper quantile level (default 0.9). */
  readonly upperQuantile: number;
  readonly seed: number;
  readonly forecasters: readonly Forecaster[];
  readonly detect: (values: Float64Array, step: number) => PeriodicityReport;
  /** Refit cadence once past the early stage. Default 24 h. */
  readonly refitEverySeconds?: number;
  /**
   * Where in the cadence regular refits fall, in steps (default 0): a refit is due at index i when
   * (i + refitOffsetSteps) is a multiple of the cadence. A service gives each workload its own
   * offset, so that 1,000 workloads started together do not all refit in the same tick.
   */
  readonly refitOffsetSteps?: number;
  /** A model whose fit threw is retried after this many seconds, doubling up to the refit cadence. Default 1 h. */
  readonly retryAfterSeconds?: number;
  /**
   * A refit is computed on the history up to sample k and installed at sample k + this many steps
   * (its models caught up on the samples in between; the previous models forecast meanwhile).
   * The delay lets a service compute refits on other threads (takeFitRequest / provideFit) and
   * still decide exactly as a backtest that computes them in line. Default: max(1, ceil(300 s /
   * step)). The first fit (no model yet) is installed at once.
   */
  readonly fitDelaySteps?: number;
  /** History kept and fitted on. Default 8 weeks (enough for a weekly pattern seen 8 times). */
  readonly historySeconds?: number;
  /** Half-life of the error average behind the ensemble weights. Default 1 day. */
  readonly errorHalfLifeSeconds?: number;
  /**
   * A model whose recent error is more than this multiple of the best model's gets no weight
   * (default 1.5: a clearly worse model adds error, not diversity). Infinity weights every model.
   */
  readonly weightCut?: number;
  /** Shift p50 by the median residual (bias correction). Default true. */
  readonly correctMedian?: boolean;
  /**
   * How residuals scale with the load: scale = level x (point / level)^exponent, where level is
   * the long-run mean load. 1: errors proportional to the load. 0.5 (default): errors growing with
   * sqrt(load), the variance of counts (requests, tokens, queue arrivals: Poisson-like, sd =
   * sqrt(mean)). One pool of normalised residuals then covers the whole day evenly: with 1, a
   * noisy low-count night had relative errors larger than the day's, so its band was too narrow
   * at night and too wide at the peak, where the pods are paid for. Measured on the 20 dev traces
   * (bench:scaling, classical models, of the 18 meeting the SLO): 0.5 lowered the cost at the SLO
   * on 12, most on count series (nasa_http 1min -6%, nab_tweets -2..-17%, elb requests -12%),
   * left 3 unchanged and raised 3 (grok_asg_anomaly +10%, two others under +1%).
   * See scaleFor.
   */
  readonly scaleExponent?: number;
  readonly conformal?: Partial<ConformalOptions>;
}

export interface TargetForecast {
  readonly target: Target;
  readonly p50: number;
  readonly upper: number;
  /** For a peak target: steps ahead of the predicted peak (1..L). */
  readonly peakAt?: number;
}

export interface Snapshot {
  /** Index of the latest sample (the origin). */
  readonly index: number;
  readonly stage: Stage;
  readonly stageReason: string;
  /** Null while in warmup. */
  readonly forecasts: readonly TargetForecast[] | null;
  /** Ensemble weights per model for the first target, for explanations. */
  readonly weights: Readonly<Record<string, number>>;
}

/** A model whose latest fit threw: it keeps its previous fit (if any) until a retry succeeds. */
export interface FitFailure {
  readonly model: string;
  readonly error: string;
  /** Index of the sample at which the fit failed, and of the next try. */
  readonly index: number;
  readonly retryAt: number;
  /** Consecutive failures. */
  readonly failures: number;
}

/** What a refit computes, from the history alone: periodicity, then every model's fit. */
export interface FitOutcome {
  /** Null when periodicity detection threw (detectError says why): the previous periods are kept. */
  readonly report: PeriodicityReport | null;
  readonly detectError?: string;
  /** Per model slot: the fit (null = history too short), or why it threw. */
  readonly models: readonly FitSlot[];
}
export type FitSlot = { readonly model: FittedModel | null } | { readonly error: string };

/** A refit to compute elsewhere (see takeFitRequest): everything computeFit needs. */
export interface FitRequest {
  /** Identifies the request to provideFit (the sample index it was taken at). */
  readonly index: number;
  readonly history: Float64Array;
  readonly step: number;
  readonly maxHorizon: number;
  readonly seed: number;
  /** The periods in use, kept if detection throws. */
  readonly periods: readonly number[];
}

/**
 * Periodicity detection, then every model fitted on `history` with the periods found (or
 * `periods` when detection throws). Pure: the same request gives the same outcome on any thread.
 */
export function computeFit(req: Omit<FitRequest, 'index'>, forecasters: readonly Forecaster[], detect: OnlineOptions['detect']): FitOutcome {
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
  let report: PeriodicityReport | null = null;
  let detectError: string | undefined;
  try {
    report = detect(req.history, req.step);
  } catch (err) {
    detectError = message(err);
  }
  const ctx: FitContext = { step: req.step, periods: report ? report.periods.map((p) => p.samples) : [...req.periods], maxHorizon: req.maxHorizon, seed: req.seed };
  const models = forecasters.map((f): FitSlot => {
    try {
      return { model: req.history.length >= f.minHistory(ctx) ? f.fit(req.history, ctx) : null };
    } catch (err) {
      return { error: message(err) };
    }
  });
  return { report, ...(detectError !== undefined ? { detectError } : {}), models };
}

/** A FitOutcome as plain data (models as their save() state), to cross a thread or process boundary. */
export interface SavedFitOutcome {
  readonly report: PeriodicityReport | null;
  readonly detectError?: string;
  readonly models: readonly ({ readonly name: string; readonly state: unknown } | { readonly model: null } | { readonly error: string })[];
}

/** @throws Error when a fitted model cannot be saved (a model without save()). */
export function saveFitOutcome(out: FitOutcome): SavedFitOutcome {
  return {
    report: out.report,
    ...(out.detectError !== undefined ? { detectError: out.detectError } : {}),
    models: out.models.map((slot) => {
      if ('error' in slot) return { error: slot.error };
      const m = slot.model;
      if (!m) return { model: null };
      if (!m.save) throw new Error(`model ${m.name} cannot be saved, so it cannot be fitted on another thread`);
      return { name: m.name, state: m.save() };
    }),
  };
}

/**
 * The outcome back from saveFitOutcome's data, each model through its forecaster's restore()
 * (which continues exactly as the saved model would). Forecasters in the same order as saved.
 * @throws SnapshotError naming the slot that does not fit.
 */
export function restoreFitOutcome(saved: SavedFitOutcome, forecasters: readonly Forecaster[]): FitOutcome {
  if (saved.models.length !== forecasters.length) throw new SnapshotError('fit.models', `${saved.models.length} models`, `${forecasters.length} (${forecasters.map((f) => f.name).join(', ')})`);
  return {
    report: saved.report,
    ...(saved.detectError !== undefined ? { detectError: saved.detectError } : {}),
    models: saved.models.map((slot, i): FitSlot => {
      if ('error' in slot) return { error: slot.error };
      if (!('state' in slot)) return { model: null };
      const f = forecasters[i]!;
      if (slot.name !== f.name || !f.restore) throw new SnapshotError(`fit.models[${i}].name`, slot.name, `"${f.name}", a model that can be restored`);
      return { model: f.restore(slot.state) };
    }),
  };
}

/** A refit taken at sample `request.index`, installed at `installAt`. */
interface PendingFit {
  readonly request: FitRequest;
  readonly installAt: number;
  /** Handed to takeFitRequest's caller: observe() at installAt waits for provideFit (see fitAwaited). */
  dispatched: boolean;
  /** The caller gave it back (abandonFit): computed in line at installAt, never handed out again. */
  inline: boolean;
  outcome: FitOutcome | null;
}

/**
 * Forecasts waiting for their outcome, one row per origin, oldest first, in a ring of typed
 * memory: a row is [origin, point, scale, upper, pred of model 0, 1, ...] (NaN where a model had
 * no forecast); the outcome is due `steps` samples after the origin. At most steps + 1 rows are
 * in flight. No object per forecast: a service holds ~1,000 workloads x ~7 targets x up to an
 * hour of them, and a million small objects made every major GC (and the API's p99) slow.
 */
interface PendingRing {
  rows: Float64Array;
  /** Row width: 4 + models. */
  readonly width: number;
  start: number;
  count: number;
}

const P_ORIGIN = 0;
const P_POINT = 1;
const P_SCALE = 2;
const P_UPPER = 3;
const P_PREDS = 4;

interface TargetState {
  readonly target: Target;
  readonly err: Float64Array; // EW mean absolute error per model slot (NaN = no record yet)
  readonly errN: Float64Array; // outcomes seen per slot
  readonly band: BandState;
  readonly pending: PendingRing;
}

function newRing(steps: number, models: number): PendingRing {
  const width = P_PREDS + models;
  return { rows: new Float64Array((steps + 1) * width), width, start: 0, count: 0 };
}

/** Offset of the k-th oldest row. */
const rowAt = (r: PendingRing, k: number): number => ((r.start + k) % (r.rows.length / r.width)) * r.width;

/** Appends a row (growing the ring if ever full) and returns its offset. */
function pushRow(r: PendingRing): number {
  const cap = r.rows.length / r.width;
  if (r.count === cap) {
    const grown = new Float64Array(r.rows.length * 2);
    for (let k = 0; k < r.count; k++) grown.set(r.rows.subarray(rowAt(r, k), rowAt(r, k) + r.width), k * r.width);
    r.rows = grown;
    r.start = 0;
  }
  r.count++;
  return rowAt(r, r.count - 1);
}

const DAY = 86400;
const WEEK = 7 * DAY;

export class OnlineForecaster {
  private readonly opts: Required<Omit<OnlineOptions, 'conformal'>> & { conformal: ConformalOptions };
  private readonly stepsNeeded: number[]; // horizons (steps) asked of every model
  private readonly colOf: Map<number, number>;
  /** One state per distinct target (the caller may ask for the same one twice). */
  private readonly targets: TargetState[];
  /** Requested target i -> its state in `targets`. */
  private readonly slotOf: number[];
  private readonly models: (FittedModel | null)[];
  private values: Float64Array;
  private imputed: Uint8Array;
  private len = 0;
  /** Absolute index of values[0] (the buffer drops its oldest half when full). */
  private offset = 0;
  private stage: Stage = 'warmup';
  private stageReason = 'warmup: no data yet';
  private periods: number[] = [];
  private lastFitLen = 0;
  private lastFitIndex = -Infinity;
  private pendingFit: PendingFit | null = null;
  /** Per model slot: its current fit failure, or null. */
  private readonly failed: (FitFailure | null)[];
  private levelScale = NaN; // EW mean of |y|, the floor for residual scales
  private lastPred: Float64Array | null = null; // per-model predictions at the latest origin
  private lastSnapshot: Snapshot | null = null;
  readonly warmupSamples: number;
  refits: number[] = [];

  constructor(options: OnlineOptions) {
    const stepsPerDay = DAY / options.step;
    const conformal = { ...defaultConformal(options.upperQuantile, stepsPerDay), ...options.conformal };
    this.opts = {
      refitEverySeconds: DAY,
      refitOffsetSteps: 0,
      retryAfterSeconds: 3600,
      fitDelaySteps: Math.max(1, Math.ceil(300 / options.step)),
      historySeconds: 8 * WEEK,
      errorHalfLifeSeconds: DAY,
      correctMedian: true,
      weightCut: 1.5,
      scaleExponent: 0.5,
      ...options,
      conformal,
    };
    const needed = new Set<number>([1]);
    for (const t of options.targets) {
      if (t.kind === 'point') needed.add(t.steps);
      else for (let h = 1; h <= t.steps; h++) needed.add(h);
    }
    this.stepsNeeded = [...needed].sort((a, b) => a - b);
    this.colOf = new Map(this.stepsNeeded.map((h, j) => [h, j]));
    // Identical targets (e.g. the 1-step point asked for by the planner and by /forecast) share
    // one state: same forecasts, same outcomes, so one conformal window instead of two.
    const keyOf = (t: Target) => `${t.kind}:${t.steps}`;
    const distinct = [...new Map(options.targets.map((t) => [keyOf(t), t])).values()];
    this.slotOf = options.targets.map((t) => distinct.findIndex((d) => keyOf(d) === keyOf(t)));
    this.targets = distinct.map((target) => ({
      target,
      err: new Float64Array(options.forecasters.length).fill(NaN),
      errN: new Float64Array(options.forecasters.length),
      band: newBand(conformal),
      pending: newRing(target.steps, options.forecasters.length),
    }));
    this.models = options.forecasters.map(() => null);
    this.failed = options.forecasters.map(() => null);
    const cap = Math.ceil(this.opts.historySeconds / options.step);
    // Start small and grow (see push): a service holds one forecaster per workload, so memory
    // should follow the history actually seen, not the 8-week maximum.
    this.values = new Float64Array(Math.min(cap + Math.ceil(cap / 8), 1024));
    this.imputed = new Uint8Array(this.values.length);
    // Warmup: half an hour of data and at least 6 samples before any forecast.
    this.warmupSamples = Math.max(6, Math.ceil(1800 / options.step));
  }

  get maxHorizon(): number {
    return this.stepsNeeded[this.stepsNeeded.length - 1]!;
  }

  /** Appends the sample at the next index (NaN = missing) and returns the forecast from it. */
  observe(y: number): Snapshot {
    const missing = !Number.isFinite(y);
    // A load is never negative: callers clean it first (cleanSeries, the engine), this is a backstop.
    let value = missing ? this.imputeNext() : Math.max(0, y);
    if (!Number.isFinite(value)) value = 0;
    this.push(value, missing);
    const index = this.offset + this.len - 1;
    if (!missing) {
      const a = Math.abs(value);
      const k = 1 - Math.pow(0.5, this.opts.step / DAY);
      this.levelScale = Number.isNaN(this.levelScale) ? a : this.levelScale + k * (a - this.levelScale);
    }

    this.settle(index);

    if (this.len < this.warmupSamples) {
      this.stageReason = `warmup: ${this.len} of ${this.warmupSamples} samples needed before a first forecast`;
      this.lastPred = null;
      this.lastSnapshot = { index, stage: 'warmup', stageReason: this.stageReason, forecasts: null, weights: {} };
      return this.lastSnapshot;
    }

    for (const m of this.models) m?.update(value);
    const p = this.pendingFit;
    if (p && index >= p.installAt) this.install(p, index);
    else if (!p && this.refitDue(index)) {
      const q = this.requestFit(index);
      // The first fit (nothing to forecast with yet) is not deferred.
      if (this.opts.fitDelaySteps === 0 || this.models.every((m) => m === null)) this.install(q, index);
    } else if (this.failed.some((f) => f !== null && f.retryAt <= index)) this.retryFailed(index);

    return this.forecastAt(index);
  }

  /**
   * A refit taken but not yet handed out, for the caller to compute elsewhere (computeFit on
   * another thread) and give back with provideFit. Handed out once; null when there is none.
   * Without a caller taking them, refits are computed in line when they fall due.
   */
  takeFitRequest(): FitRequest | null {
    const p = this.pendingFit;
    if (!p || p.dispatched || p.inline || p.outcome) return null;
    p.dispatched = true;
    return p.request;
  }

  /**
   * The outcome of a request handed out by takeFitRequest (index = request.index). Ignored when
   * that refit is no longer pending (installed meanwhile, or the forecaster was replaced).
   */
  provideFit(index: number, outcome: FitOutcome): void {
    const p = this.pendingFit;
    if (p && p.request.index === index && !p.outcome) p.outcome = outcome;
  }

  /** The handed-out request could not be computed elsewhere: compute it in line when it falls due. */
  abandonFit(index: number): void {
    const p = this.pendingFit;
    if (p && p.request.index === index) {
      p.dispatched = false;
      p.inline = true;
    }
  }

  /** A refit has been taken that takeFitRequest would hand out. */
  get fitToTake(): boolean {
    const p = this.pendingFit;
    return p !== null && !p.dispatched && !p.inline && p.outcome === null;
  }

  /**
   * True when the next sample would install a handed-out refit whose outcome has not been given
   * back: the caller waits for it (provideFit or abandonFit) before the next observe().
   */
  get fitAwaited(): boolean {
    const p = this.pendingFit;
    return p !== null && p.dispatched && p.outcome === null && this.offset + this.len >= p.installAt;
  }

  /**
   * Everything this forecaster knows, as JSON-safe plain data: history, stage, fitted models,
   * error records, conformal bands, forecasts awaiting their outcome. restore() of it continues
   * exactly as this one would. Null when a model cannot be saved (then persist the samples and
   * replay them instead). O(history + bands).
   */
  save(): unknown {
    const models: ({ name: string; state: unknown } | null)[] = [];
    for (const m of this.models) {
      if (m && !m.save) return null;
      models.push(m ? { name: m.name, state: m.save!() } : null);
    }
    const e = encodeNum;
    return {
      len: this.len,
      offset: this.offset,
      values: pack(this.values.subarray(0, this.len)),
      imputed: pack(this.imputed.subarray(0, this.len)),
      stage: this.stage,
      stageReason: this.stageReason,
      periods: [...this.periods],
      lastFitLen: this.lastFitLen,
      lastFitIndex: e(this.lastFitIndex),
      levelScale: e(this.levelScale),
      lastPred: this.lastPred ? pack(this.lastPred) : null,
      lastSnapshot: this.lastSnapshot ? { ...this.lastSnapshot, forecasts: this.lastSnapshot.forecasts?.map((f) => ({ ...f, p50: e(f.p50), upper: e(f.upper) })) ?? null } : null,
      refits: [...this.refits],
      // A refit taken and not yet installed: its request (the outcome is recomputed if needed).
      pendingFit: this.pendingFit ? { index: this.pendingFit.request.index, installAt: this.pendingFit.installAt, history: pack(this.pendingFit.request.history), periods: [...this.pendingFit.request.periods] } : null,
      failed: this.failed,
      models,
      targets: this.targets.map((ts) => ({
        target: ts.target,
        err: pack(ts.err),
        errN: pack(ts.errN),
        band: { ...ts.band, res: pack(ts.band.res), alpha: e(ts.band.alpha), qUpper: e(ts.band.qUpper), qMid: e(ts.band.qMid) },
        pending: pack(Float64Array.from({ length: ts.pending.count * ts.pending.width }, (_, j) => ts.pending.rows[rowAt(ts.pending, Math.floor(j / ts.pending.width)) + (j % ts.pending.width)]!)),
      })),
    };
  }

  /**
   * A forecaster with `options` (the same as the saved one's: targets, models in the same order)
   * resumed from save()'s data. Throws a SnapshotError (or RangeError) naming the field that does
   * not fit: the caller then replays the samples instead.
   */
  static restore(options: OnlineOptions, saved: unknown): OnlineForecaster {
    const f = new OnlineForecaster(options);
    const o = obj(saved, 'forecaster');
    const len = num(o.len, 'forecaster.len', { integer: true, min: 0 });
    const values = unpackF64(o.values, 'forecaster.values');
    const imputed = unpackU8(o.imputed, 'forecaster.imputed');
    if (values.length !== len || imputed.length !== len) throw new SnapshotError('forecaster.values', `${values.length} values, ${imputed.length} flags`, `len = ${len} of each`);
    const cap = Math.ceil(f.opts.historySeconds / f.opts.step);
    if (len > cap + Math.ceil(cap / 8)) throw new SnapshotError('forecaster.len', len, `at most the history kept (${cap} + 1/8)`);
    f.values = new Float64Array(Math.max(len, Math.min(cap + Math.ceil(cap / 8), 1024)));
    f.values.set(values);
    f.imputed = new Uint8Array(f.values.length);
    f.imputed.set(imputed);
    f.len = len;
    f.offset = num(o.offset, 'forecaster.offset', { integer: true, min: 0 });
    const stage = str(o.stage, 'forecaster.stage');
    if (!['warmup', 'level', 'daily', 'weekly', 'seasonal'].includes(stage)) throw new SnapshotError('forecaster.stage', stage, 'warmup, level, daily, weekly or seasonal');
    f.stage = stage as Stage;
    f.stageReason = str(o.stageReason, 'forecaster.stageReason');
    f.periods = nums(o.periods, 'forecaster.periods', { integer: true, min: 1 });
    f.lastFitLen = num(o.lastFitLen, 'forecaster.lastFitLen', { integer: true, min: 0 });
    f.lastFitIndex = decodeNum(o.lastFitIndex, 'forecaster.lastFitIndex');
    f.levelScale = decodeNum(o.levelScale, 'forecaster.levelScale');
    f.lastPred = o.lastPred === null ? null : unpackF64(o.lastPred, 'forecaster.lastPred');
    f.refits = nums(o.refits, 'forecaster.refits', { integer: true, min: 0 });
    if (o.pendingFit !== undefined && o.pendingFit !== null) {
      const po = obj(o.pendingFit, 'forecaster.pendingFit');
      const index = num(po.index, 'forecaster.pendingFit.index', { integer: true, min: 0 });
      const request: FitRequest = { index, history: unpackF64(po.history, 'forecaster.pendingFit.history'), step: f.opts.step, maxHorizon: f.maxHorizon, seed: f.opts.seed, periods: nums(po.periods, 'forecaster.pendingFit.periods', { integer: true, min: 1 }) };
      f.pendingFit = { request, installAt: num(po.installAt, 'forecaster.pendingFit.installAt', { integer: true, min: index }), dispatched: false, inline: false, outcome: null };
    }
    const models = arr(o.models, 'forecaster.models');
    if (models.length !== f.models.length) throw new SnapshotError('forecaster.models', `${models.length} models`, `${f.models.length} (${options.forecasters.map((x) => x.name).join(', ')})`);
    models.forEach((m, i) => {
      const fc = options.forecasters[i]!;
      if (m === null) return;
      const mo = obj(m, `forecaster.models[${i}]`);
      if (mo.name !== fc.name) throw new SnapshotError(`forecaster.models[${i}].name`, mo.name, `"${fc.name}"`);
      if (!fc.restore) throw new SnapshotError(`forecaster.models[${i}]`, fc.name, 'a model that can be restored');
      f.models[i] = fc.restore(mo.state);
    });
    const failed = arr(o.failed, 'forecaster.failed');
    if (failed.length !== f.failed.length) throw new SnapshotError('forecaster.failed', failed, `${f.failed.length} entries`);
    failed.forEach((x, i) => {
      if (x === null) return;
      const fo = obj(x, `forecaster.failed[${i}]`);
      f.failed[i] = { model: str(fo.model, `forecaster.failed[${i}].model`), error: str(fo.error, `forecaster.failed[${i}].error`), index: num(fo.index, `forecaster.failed[${i}].index`), retryAt: num(fo.retryAt, `forecaster.failed[${i}].retryAt`), failures: num(fo.failures, `forecaster.failed[${i}].failures`, { integer: true, min: 1 }) };
    });
    const targets = arr(o.targets, 'forecaster.targets');
    if (targets.length !== f.targets.length) throw new SnapshotError('forecaster.targets', `${targets.length} targets`, `${f.targets.length}`);
    targets.forEach((t, k) => {
      const w = `forecaster.targets[${k}]`;
      const to = obj(t, w);
      const ts = f.targets[k]!;
      const tt = obj(to.target, `${w}.target`);
      if (tt.kind !== ts.target.kind || tt.steps !== ts.target.steps) throw new SnapshotError(`${w}.target`, tt, JSON.stringify(ts.target));
      ts.err.set(checkLength(unpackF64(to.err, `${w}.err`), ts.err.length, `${w}.err`));
      ts.errN.set(checkLength(unpackF64(to.errN, `${w}.errN`), ts.errN.length, `${w}.errN`));
      const b = obj(to.band, `${w}.band`);
      ts.band.res.set(checkLength(unpackF32(b.res, `${w}.band.res`), ts.band.res.length, `${w}.band.res`));
      ts.band.count = num(b.count, `${w}.band.count`, { integer: true, min: 0 });
      ts.band.head = num(b.head, `${w}.band.head`, { integer: true, min: 0 });
      ts.band.sinceRecompute = num(b.sinceRecompute, `${w}.band.sinceRecompute`, { integer: true, min: 0 });
      ts.band.alpha = decodeNum(b.alpha, `${w}.band.alpha`);
      ts.band.qUpper = decodeNum(b.qUpper, `${w}.band.qUpper`);
      ts.band.qMid = decodeNum(b.qMid, `${w}.band.qMid`);
      const rows = unpackF64(to.pending, `${w}.pending`);
      const r = ts.pending;
      if (rows.length % r.width !== 0 || rows.length / r.width > r.rows.length / r.width) throw new SnapshotError(`${w}.pending`, `${rows.length} values`, `whole rows of ${r.width}, at most ${r.rows.length / r.width} of them`);
      r.rows.set(rows);
      r.start = 0;
      r.count = rows.length / r.width;
    });
    if (o.lastSnapshot !== null) {
      const so = obj(o.lastSnapshot, 'forecaster.lastSnapshot');
      const fs = so.forecasts === null ? null : arr(so.forecasts, 'forecaster.lastSnapshot.forecasts');
      f.lastSnapshot = {
        index: num(so.index, 'forecaster.lastSnapshot.index', { integer: true }),
        stage: str(so.stage, 'forecaster.lastSnapshot.stage') as Stage,
        stageReason: str(so.stageReason, 'forecaster.lastSnapshot.stageReason'),
        forecasts:
          fs === null
            ? null
            : fs.map((x, j) => {
                const xo = obj(x, `forecaster.lastSnapshot.forecasts[${j}]`);
                const at = `forecaster.lastSnapshot.forecasts[${j}]`;
                const target = options.targets[j];
                if (!target) throw new SnapshotError(at, xo, `at most ${options.targets.length} forecasts`);
                return { target, p50: decodeNum(xo.p50, `${at}.p50`), upper: decodeNum(xo.upper, `${at}.upper`), ...(xo.peakAt !== undefined ? { peakAt: num(xo.peakAt, `${at}.peakAt`, { integer: true }) } : {}) };
              }),
        weights: obj(so.weights, 'forecaster.lastSnapshot.weights') as Record<string, number>,
      };
    }
    return f;
  }

  /** The latest snapshot (null before the first sample). */
  latest(): Snapshot | null {
    return this.lastSnapshot;
  }

  get currentPeriods(): readonly number[] {
    return this.periods;
  }

  // ---- internals ---------------------------------------------------------------------------

  private push(v: number, imputed: boolean): void {
    if (this.len === this.values.length) {
      const cap = Math.ceil(this.opts.historySeconds / this.opts.step);
      // Grow by doubling up to the cap plus 1/8 of slack; then drop the oldest beyond the cap,
      // one copy per cap/8 samples (amortised 8 element copies a sample, 12.5% memory slack).
      const full = cap + Math.ceil(cap / 8);
      if (this.values.length < full) {
        const grown = new Float64Array(Math.min(this.values.length * 2, full));
        grown.set(this.values);
        const gi = new Uint8Array(grown.length);
        gi.set(this.imputed);
        this.values = grown;
        this.imputed = gi;
      } else {
        const drop = this.len - cap;
        this.values.copyWithin(0, drop, this.len);
        this.imputed.copyWithin(0, drop, this.len);
        this.len -= drop;
        this.offset += drop;
      }
    }
    this.values[this.len] = v;
    this.imputed[this.len] = imputed ? 1 : 0;
    this.len++;
  }

  /**
   * The last `max` samples as observed (NaN where one was missing and imputed), with the absolute
   * index of the first: what a replay must feed to rebuild this forecaster. At most the history
   * kept. O(max).
   */
  observed(max: number): { first: number; values: Float64Array } {
    const n = Math.min(max, this.len);
    const from = this.len - n;
    const out = this.values.slice(from, this.len);
    for (let i = 0; i < n; i++) if (this.imputed[from + i]) out[i] = NaN;
    return { first: this.offset + from, values: out };
  }

  private at(index: number): number {
    return this.values[index - this.offset]!;
  }

  private imputeNext(): number {
    // The ensemble's 1-step forecast from the previous origin, else the last value.
    const s = this.lastSnapshot;
    let oneStep = NaN;
    if (this.lastPred) {
      const nH = this.stepsNeeded.length;
      const col = Float64Array.from(this.models, (_, i) => this.lastPred![i * nH + this.col(1)]!);
      oneStep = this.dot(this.weightsVector(this.targets[this.slotOf[0]!]!, col), col);
    }
    if (s && Number.isFinite(oneStep)) return oneStep;
    return this.len > 0 ? this.values[this.len - 1]! : NaN;
  }

  private refitDue(index: number): boolean {
    if (this.models.every((m) => m === null)) return true;
    const stepsPerDay = DAY / this.opts.step;
    // Early on refit geometrically (history grew by half), and at the 2-day and 2-week marks where
    // the daily and weekly patterns become visible; afterwards on the fixed cadence.
    if (this.len >= this.lastFitLen * 1.5 && this.lastFitLen < stepsPerDay * 2) return true;
    for (const mark of [2 * stepsPerDay, 14 * stepsPerDay]) if (this.lastFitLen < mark && this.len >= mark) return true;
    const every = Math.max(1, Math.round(this.opts.refitEverySeconds / this.opts.step));
    // On the workload's own phase of the cadence, and at least half a cadence after the last fit.
    return (index + this.opts.refitOffsetSteps) % every === 0 && index - this.lastFitIndex >= every / 2;
  }

  /** Models whose fit is failing now (empty when all fit). */
  get fitFailures(): readonly FitFailure[] {
    return this.failed.filter((f): f is FitFailure => f !== null);
  }

  /**
   * Fits model slot i on `history`. A fit that throws (a numerical failure, a backend error)
   * never stops the forecaster: the model keeps its previous fit, which goes on being updated, and
   * the fit is retried retryAfterSeconds later, the delay doubling up to the refit cadence.
   */
  private fitModel(i: number, history: Float64Array, ctx: FitContext, index: number): void {
    const f = this.opts.forecasters[i]!;
    try {
      this.models[i] = this.len >= f.minHistory(ctx) ? f.fit(history, ctx) : null;
      this.failed[i] = null;
    } catch (err) {
      this.fitFailed(i, err instanceof Error ? err.message : String(err), index);
    }
  }

  /** Refits only the models whose last fit failed, on the current history and periods. */
  private retryFailed(index: number): void {
    const history = this.values.slice(0, this.len);
    const ctx: FitContext = { step: this.opts.step, periods: this.periods, maxHorizon: this.maxHorizon, seed: this.opts.seed };
    this.failed.forEach((f, i) => {
      if (f && f.retryAt <= index) this.fitModel(i, history, ctx, index);
    });
  }

  /** Takes a refit at `index`: the history so far, the periods in use. */
  private requestFit(index: number): PendingFit {
    const request: FitRequest = { index, history: this.values.slice(0, this.len), step: this.opts.step, maxHorizon: this.maxHorizon, seed: this.opts.seed, periods: [...this.periods] };
    const p: PendingFit = { request, installAt: index + this.opts.fitDelaySteps, dispatched: false, inline: false, outcome: null };
    this.pendingFit = p;
    this.lastFitLen = this.len;
    this.lastFitIndex = index;
    this.refits.push(index);
    return p;
  }

  /**
   * Installs a refit at `index` (>= its request index): the outcome given back, or computed now.
   * New models are caught up on the samples after the request; a model whose fit threw keeps its
   * previous fit and is retried later (fitModel's rule).
   */
  private install(p: PendingFit, index: number): void {
    this.pendingFit = null;
    const out = p.outcome ?? computeFit(p.request, this.opts.forecasters, this.opts.detect);
    const k = p.request.index;
    if (out.report) {
      const report = out.report;
      this.periods = report.periods.map((x) => x.samples);
      const labels = new Set(report.periods.map((x) => x.label));
      this.stage = labels.has('weekly') ? 'weekly' : labels.has('daily') ? 'daily' : report.periodic ? 'seasonal' : 'level';
      const what = report.periods.map((x) => `${x.label} ${formatDuration(x.seconds)} (strength ${x.strength.toFixed(2)})`).join(', ');
      // e.g. "periods: weekly 1 week (strength 0.59), daily 1 day (strength 0.46)" or "level: aperiodic: ..."
      this.stageReason = report.periodic ? `periods: ${what}` : `level: ${report.reason}`;
    } else {
      // Keep the periods found before; the models were refitted with them.
      this.stageReason = `${this.stage}: periodicity detection failed (${out.detectError ?? 'unknown error'}); kept the periods found before`;
    }
    out.models.forEach((slot, i) => {
      if ('error' in slot) return this.fitFailed(i, slot.error, k);
      const m = slot.model;
      for (let j = k + 1; j <= index; j++) m?.update(this.at(j));
      this.models[i] = m;
      this.failed[i] = null;
    });
  }

  /** Model slot i's fit threw at sample `index`: it keeps its previous fit; retried after a delay doubling up to the refit cadence. */
  private fitFailed(i: number, error: string, index: number): void {
    const prev = this.failed[i];
    const failures = (prev?.failures ?? 0) + 1;
    const every = Math.round(this.opts.refitEverySeconds / this.opts.step);
    const wait = Math.min(every, Math.round((this.opts.retryAfterSeconds / this.opts.step) * 2 ** (failures - 1)));
    this.failed[i] = { model: this.opts.forecasters[i]!.name, error, index, retryAt: index + Math.max(1, wait), failures };
  }

  private forecastAt(index: number): Snapshot {
    const nH = this.stepsNeeded.length;
    const nM = this.models.length;
    const preds = new Float64Array(nM * nH).fill(NaN);
    this.models.forEach((m, i) => {
      if (!m) return;
      const p = m.predict(this.stepsNeeded);
      for (let j = 0; j < nH; j++) preds[i * nH + j] = Math.max(0, p[j]!);
    });
    this.lastPred = preds;

    const avail = new Float64Array(nM);
    for (let i = 0; i < nM; i++) avail[i] = this.models[i] ? 0 : NaN;
    const byState: TargetForecast[] = [];
    for (const ts of this.targets) {
      const w = this.weightsVector(ts, avail);
      const perModel = new Float64Array(nM);
      let point: number;
      let peakAt: number | undefined;
      if (ts.target.kind === 'point') {
        const j = this.col(ts.target.steps);
        for (let i = 0; i < nM; i++) perModel[i] = preds[i * nH + j]!;
        point = this.dot(w, perModel);
      } else {
        // Each model's peak over 1..L is what it is scored on; the ensemble's peak time is the
        // argmax of the weighted per-horizon path.
        perModel.fill(-Infinity);
        let best = -Infinity;
        const col = new Float64Array(nM);
        for (let h = 1; h <= ts.target.steps; h++) {
          const j = this.col(h);
          for (let i = 0; i < nM; i++) {
            const v = preds[i * nH + j]!;
            col[i] = v;
            if (v > perModel[i]!) perModel[i] = v;
          }
          const v = this.dot(w, col);
          if (v > best) [best, peakAt] = [v, h];
        }
        for (let i = 0; i < nM; i++) if (perModel[i] === -Infinity) perModel[i] = NaN;
        point = this.dot(w, perModel);
      }
      const scale = this.scaleFor(point);
      const band = bandAt(ts.band, point, scale, this.opts.correctMedian);
      const at = pushRow(ts.pending);
      const rows = ts.pending.rows;
      rows[at + P_ORIGIN] = index;
      rows[at + P_POINT] = point;
      rows[at + P_SCALE] = scale;
      rows[at + P_UPPER] = band.upper;
      rows.set(perModel, at + P_PREDS);
      byState.push({ target: ts.target, p50: band.p50, upper: band.upper, ...(peakAt !== undefined ? { peakAt } : {}) });
    }
    const out = this.slotOf.map((k) => byState[k]!);
    this.lastSnapshot = { index, stage: this.stage, stageReason: this.stageReason, forecasts: out, weights: this.weightsOf(this.targets[this.slotOf[0]!]!) };
    return this.lastSnapshot;
  }

  /**
   * Residual scale: level x (point / level)^exponent, the point floored at 10% of the long-run
   * level (near-zero loads). At exponent 0.5 this is sqrt(point x level): equal to the point at
   * the mean level, e.g. level 100: point 400 -> 200, point 25 -> 50. The conformal quantile
   * then learns the constant factor.
   */
  private scaleFor(point: number): number {
    const level = Number.isFinite(this.levelScale) ? this.levelScale : point;
    const floor = 0.1 * level + 1e-9;
    const p = Math.max(point, floor);
    const e = this.opts.scaleExponent;
    return e === 1 || !(level > 0) ? p : level * Math.pow(p / level, e);
  }

  /** Matures queued forecasts whose outcome is now known; scores models and calibrates bands. */
  private settle(index: number): void {
    const k = 1 - Math.pow(0.5, this.opts.step / this.opts.errorHalfLifeSeconds);
    for (const ts of this.targets) {
      const r = ts.pending;
      const nM = r.width - P_PREDS;
      while (r.count > 0 && r.rows[rowAt(r, 0) + P_ORIGIN]! + ts.target.steps <= index) {
        const at = rowAt(r, 0);
        r.start = (r.start + 1) % (r.rows.length / r.width);
        r.count--;
        const rows = r.rows;
        const actual = this.outcome(ts.target, rows[at + P_ORIGIN]!);
        if (Number.isNaN(actual)) continue; // an imputed sample: not scored
        for (let i = 0; i < nM; i++) {
          const f = rows[at + P_PREDS + i]!;
          if (Number.isNaN(f)) continue;
          const e = Math.abs(actual - f);
          const prev = ts.err[i]!;
          // Until a model has a record, a plain mean of its first errors (so early weights are fair).
          const n = ++ts.errN[i]!;
          ts.err[i] = Number.isNaN(prev) ? e : prev + Math.max(k, 1 / n) * (e - prev);
        }
        addOutcome(ts.band, this.opts.conformal, actual, rows[at + P_POINT]!, rows[at + P_SCALE]!, rows[at + P_UPPER]!);
      }
    }
  }

  /** The realised value of a target made at `origin`, or NaN when any sample in it was imputed. */
  private outcome(t: Target, origin: number): number {
    if (t.kind === 'point') {
      const i = origin + t.steps - this.offset;
      return this.imputed[i] ? NaN : this.values[i]!;
    }
    let mx = -Infinity;
    for (let h = 1; h <= t.steps; h++) {
      const i = origin + h - this.offset;
      if (this.imputed[i]) return NaN;
      mx = Math.max(mx, this.values[i]!);
    }
    return mx;
  }

  /**
   * Ensemble weight of each model: inverse squared EW-MAE among models with a record, restricted
   * to those within 1.5x of the best (a bad model gets no say rather than a small one).
   * Models without a record yet are left out unless no model has one (then an equal average).
   */
  private weightsVector(ts: TargetState, available: Float64Array): Float64Array {
    const n = available.length;
    const w = new Float64Array(n);
    let best = Infinity;
    const minN = 12; // a dozen outcomes before a model's record counts
    for (let i = 0; i < n; i++) if (!Number.isNaN(available[i]!) && ts.errN[i]! >= minN) best = Math.min(best, ts.err[i]!);
    let sum = 0;
    if (best < Infinity) {
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(available[i]!) || ts.errN[i]! < minN) continue;
        const e = ts.err[i]!;
        if (e > this.opts.weightCut * best) continue;
        w[i] = 1 / Math.max(e * e, 1e-12);
        sum += w[i]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (!Number.isNaN(available[i]!)) {
          w[i] = 1;
          sum += 1;
        }
      }
    }
    if (sum > 0) for (let i = 0; i < n; i++) w[i] = w[i]! / sum;
    return w;
  }

  /** Weighted average of the models' values; the last observation when no model has a say. */
  private dot(w: Float64Array, v: Float64Array): number {
    let s = 0;
    let any = false;
    for (let i = 0; i < v.length; i++) {
      if (w[i]! > 0 && !Number.isNaN(v[i]!)) {
        s += w[i]! * v[i]!;
        any = true;
      }
    }
    return any ? s : this.len > 0 ? this.values[this.len - 1]! : 0;
  }

  /** Column of a horizon (in steps) in the per-step prediction matrix. */
  private col(h: number): number {
    return this.colOf.get(h)!;
  }

  private weightsOf(ts: TargetState): Record<string, number> {
    const avail = new Float64Array(this.models.length).map((_, i) => (this.models[i] ? 0 : NaN));
    const w = this.weightsVector(ts, avail);
    const out: Record<string, number> = {};
    this.opts.forecasters.forEach((f, i) => {
      if (w[i]! > 0) out[f.name] = Math.round(w[i]! * 1000) / 1000;
    });
    return out;
  }
}

/** A forecast at one origin for one horizon, as written to forecasts.csv. */
export interface ForecastRow {
  /** Unix seconds of the origin (the latest sample used). */
  readonly origin: number;
  readonly horizonS: number;
  readonly p50: number;
  readonly upper: number;
}

export interface RollingForecastOptions {
  /** Horizons in seconds (each a positive multiple of the series step). */
  readonly horizons: readonly number[];
  readonly upperQuantile?: number;
  readonly seed?: number;
  readonly forecasters: readonly Forecaster[];
  readonly detect: OnlineOptions['detect'];
  /** Restrict to one named model (e.g. 'naive', 'seasonal-naive') instead of the ensemble. */
  readonly only?: string;
  readonly onProgress?: (done: number, total: number) => void;
  readonly online?: Partial<OnlineOptions>;
}

/** Rolling-origin forecasts over a whole series: one row per origin (after warmup) and horizon. */
export function rollingForecast(series: Series, opts: RollingForecastOptions): ForecastRow[] {
  const targets: Target[] = opts.horizons.map((h) => ({ kind: 'point', steps: horizonSteps(h, series.step) }));
  const forecasters = opts.only ? opts.forecasters.filter((f) => f.name === opts.only) : opts.forecasters;
  if (forecasters.length === 0) throw new Error(`no forecaster named "${opts.only}"`);
  const of = new OnlineForecaster({
    step: series.step,
    targets,
    upperQuantile: opts.upperQuantile ?? 0.9,
    seed: opts.seed ?? 1,
    forecasters,
    detect: opts.detect,
    ...opts.online,
  });
  const rows: ForecastRow[] = [];
  const n = series.values.length;
  for (let i = 0; i < n; i++) {
    const snap = of.observe(series.values[i]!);
    if (snap.forecasts) {
      const origin = series.start + i * series.step;
      snap.forecasts.forEach((f, j) => rows.push({ origin, horizonS: opts.horizons[j]!, p50: f.p50, upper: f.upper }));
    }
    if (opts.onProgress && (i % 2000 === 0 || i === n - 1)) opts.onProgress(i + 1, n);
  }
  return rows;
}

export function horizonSteps(seconds: number, step: number): number {
  const k = seconds / step;
  if (!(k >= 1) || Math.abs(k - Math.round(k)) > 1e-9) {
    throw new RangeError(`horizon ${seconds} s: expected a positive multiple of the series step (${step} s)`);
  }
  return Math.round(k);
}

function checkLength<T extends { length: number }>(a: T, n: number, field: string): T {
  if (a.length !== n) throw new SnapshotError(field, `${a.length} values`, `${n}`);
  return a;
}
