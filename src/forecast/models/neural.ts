/**
 * The TensorFlow.js forecaster: a small MLP trained on the workload's own history that predicts a
 * fixed grid of horizons at once (1, 2, 5, 10, 20, 30, 60 ... samples, capped at maxHorizon) as a
 * correction to a baseline (the mean of the last ~5 min). Inputs (neuralFeatures.ts): a 2-hour
 * window (12 raw samples + 12 block means), a log-level, and per seasonal period the lag means one
 * period before each target time, the baseline one period ago, and sin/cos of the phase.
 *
 * tf is passed in (src/runtime/tf.ts provides it), so this file does no I/O. Training is synchronous
 * (neuralTrain.ts); afterwards the weights are copied to Float32Arrays and predict() is a plain
 * JavaScript forward pass, no tensors: update() + predict() cost ~8 us of CPU together (features
 * and forward pass, computed once per new observation; further predicts at the same origin reuse
 * them). update() itself writes one slot of a ring buffer, O(1).
 *
 * Budget: with the defaults, 2 weeks of 1-min history (20160 samples, 4000 origins, 600 steps)
 * train in ~1.0 s of CPU on wasm, ~2.8 s on the cpu backend (bench/neural.ts, 2-core machine).
 */
import type * as TfNamespace from '@tensorflow/tfjs-core';
import type { FitContext, FittedModel, Forecaster } from '../types';
import {
  baselineLength,
  featureCount,
  horizonGrid,
  lagHalfWidthFor,
  makeScratch,
  MAX_PERIODS,
  reach,
  windowShape,
  writeFeatures,
  type NeuralSpec,
  type WindowShape,
} from './neuralFeatures';
import { forward, weightShapes, type MlpWeights } from './neuralNet';
import { trainMlp } from './neuralTrain';
import { checkHorizons, clampLoad } from './shared';

type Tf = typeof TfNamespace;

/**
 * TensorFlow.js loaded on demand (src/runtime/tf.ts, lazyTf): get() returns it once loaded, and
 * before that starts loading it and throws an Error saying so; prepare() resolves once loaded.
 */
export interface LazyTf {
  get(): Tf;
  prepare(): Promise<void>;
}

export interface NeuralOptions {
  /** Hidden units (default 32): the task is a smooth correction, a wider net only overfits. */
  readonly hidden?: number;
  /** Adam steps per fit (default 600 mini-batches: ~1 s on wasm). */
  readonly steps?: number;
  readonly batchSize?: number;
  /** Initial Adam learning rate (default 0.01, decaying linearly to 10%). */
  readonly learningRate?: number;
  /** Training origins at most (default 4000, evenly spaced, newest included). */
  readonly maxExamples?: number;
  /** Recent-window length in seconds (default 7200: 2 h). */
  readonly windowSeconds?: number;
  /** Sin/cos harmonics of each period's phase (default 2). */
  readonly harmonics?: number;
}

const DEFAULTS: Required<NeuralOptions> = {
  hidden: 32,
  steps: 600,
  batchSize: 128,
  learningRate: 0.01,
  maxExamples: 4000,
  windowSeconds: 7200,
  harmonics: 2,
};

/**
 * Fewest training origins worth fitting a net on (~1.7 h of 1-min data); below it, null. Fewer
 * than ~100 examples for ~1-2k weights and the correction is noise; the baseline models cover it.
 */
const MIN_EXAMPLES = 100;
/**
 * Scale floor = 5% of the training mean: the night trough of strongly daily web load (NASA, Jul
 * 1995) sits around 10-20% of the mean, so only near-idle windows hit the floor, where it keeps
 * (y - base) / scale finite.
 */
const LEVEL_FLOOR_FRACTION = 0.05;

export const NEURAL_EXPORT_VERSION = 1;

/** A trained model as plain data, JSON-safe; importNeural(exportNeural(m)) predicts identically. */
export interface NeuralExport {
  readonly version: number;
  readonly meta: {
    readonly spec: NeuralSpec;
    readonly inputs: number;
    readonly hidden: number;
    readonly outputs: number;
    /** Samples of history the model was trained on. */
    readonly trainedOn: number;
    readonly seed: number;
  };
  /** [w1, b1, w2, b2, ws], row-major, float32 values. */
  readonly weights: number[][];
  readonly state: {
    /** Absolute index of the latest observation (0 = the first sample of the training history). */
    readonly origin: number;
    /** The last samples, oldest first, as many as the inputs reach back (+1). */
    readonly recent: number[];
  };
}

function checkOptions(opts: NeuralOptions): Required<NeuralOptions> {
  const o = { ...DEFAULTS, ...opts };
  const ints: (keyof NeuralOptions)[] = ['hidden', 'steps', 'batchSize', 'maxExamples', 'harmonics'];
  for (const key of ints) {
    const v = o[key];
    const min = key === 'harmonics' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`neural: option ${key} = ${String(v)} is invalid; expected an integer >= ${min}`);
  }
  if (!(o.learningRate > 0 && o.learningRate < 1)) {
    throw new RangeError(`neural: option learningRate = ${String(o.learningRate)} is invalid; expected a number in (0, 1)`);
  }
  if (!(o.windowSeconds > 0 && Number.isFinite(o.windowSeconds))) {
    throw new RangeError(`neural: option windowSeconds = ${String(o.windowSeconds)} is invalid; expected a positive number of seconds`);
  }
  return o;
}

function checkContext(ctx: FitContext): void {
  if (!(ctx.step > 0 && Number.isFinite(ctx.step))) throw new RangeError(`neural: ctx.step = ${String(ctx.step)} is invalid; expected seconds > 0`);
  if (!Number.isInteger(ctx.maxHorizon) || ctx.maxHorizon < 1) {
    throw new RangeError(`neural: ctx.maxHorizon = ${String(ctx.maxHorizon)} is invalid; expected an integer >= 1`);
  }
  for (const p of ctx.periods) {
    if (!Number.isInteger(p) || p < 2) throw new RangeError(`neural: period ${String(p)} in ctx.periods is invalid; expected an integer number of samples >= 2`);
  }
}

interface Plan {
  readonly shape: WindowShape;
  readonly horizons: number[];
  readonly baselineLen: number;
  readonly halfWidth: number;
}

function planFor(ctx: FitContext, o: Required<NeuralOptions>): Plan {
  const shape = windowShape(ctx.step, o.windowSeconds);
  return { shape, horizons: horizonGrid(ctx.maxHorizon), baselineLen: baselineLength(ctx.step, shape.recentRaw), halfWidth: lagHalfWidthFor(ctx.step) };
}

/**
 * History needed to use `periods`: the inputs' reach, the largest horizon (for targets), and
 * enough training origins: MIN_EXAMPLES, and a full cycle of the longest period so every phase is
 * seen once. 1-min data, maxHorizon 60, daily (1440): 1444 + 60 + 1440 + 1 = 2945 samples (~2 days);
 * no periods: 119 + 60 + 100 + 1 = 280 samples (~4.7 h).
 */
function historyNeeded(plan: Plan, periods: readonly number[], maxHorizon: number): number {
  const r = reach(plan.shape, periods, plan.horizons, plan.baselineLen, plan.halfWidth);
  return r + maxHorizon + Math.max(MIN_EXAMPLES, ...periods) + 1;
}

/** Periods to use for a history of n samples: strongest first, each one only if n allows it. */
function choosePeriods(plan: Plan, ctx: FitContext, n: number): number[] {
  const used: number[] = [];
  for (const p of ctx.periods) {
    if (used.length >= MAX_PERIODS) break;
    if (used.includes(p)) continue;
    if (n >= historyNeeded(plan, [...used, p], ctx.maxHorizon)) used.push(p);
  }
  return used;
}

/**
 * Neural forecaster (name 'neural'); see the file comment. Deterministic for ctx.seed per backend.
 * `tf` is TensorFlow.js itself, or a LazyTf: then only a fit that trains needs it (restore, update
 * and predict never do), and the forecaster's prepare() loads it.
 */
export function neuralForecaster(tf: Tf | LazyTf, opts: NeuralOptions = {}): Forecaster {
  const o = checkOptions(opts);
  const lazy = isLazy(tf) ? tf : null;
  const minHistory = (ctx: FitContext): number => {
    checkContext(ctx);
    const plan = planFor(ctx, o);
    if (ctx.periods.length === 0) return historyNeeded(plan, [], ctx.maxHorizon);
    // The cheapest single period decides when a forecast becomes possible (daily before weekly).
    return Math.min(...ctx.periods.map((p) => historyNeeded(plan, [p], ctx.maxHorizon)));
  };
  return {
    name: 'neural',
    minHistory,
    restore: (state: unknown): FittedModel => importNeural(state),
    ...(lazy ? { prepare: () => lazy.prepare() } : {}),
    fit(history: Float64Array, ctx: FitContext): FittedModel | null {
      if (history.length < minHistory(ctx)) return null;
      checkHistory(history);
      const plan = planFor(ctx, o);
      const n = history.length;
      const periods = choosePeriods(plan, ctx, n);
      const level = Math.max(meanOf(history), 1e-6);
      const spec: NeuralSpec = {
        horizons: plan.horizons,
        maxHorizon: ctx.maxHorizon,
        ...plan.shape,
        baselineLen: plan.baselineLen,
        periods,
        lagHalfWidth: plan.halfWidth,
        harmonics: periods.length > 0 ? o.harmonics : 0,
        levelFloor: LEVEL_FLOOR_FRACTION * level,
        level,
      };
      const r = reach(plan.shape, periods, plan.horizons, plan.baselineLen, plan.halfWidth);
      // Origins t in [r, n-1-maxHorizon]: every input reaches back to y[t-r], every target is known.
      const last = n - 1 - ctx.maxHorizon;
      const available = last - r + 1;
      const m = Math.min(available, o.maxExamples);
      const d = featureCount(spec);
      const k = spec.horizons.length;
      const X = new Float32Array(m * d);
      const Y = new Float32Array(m * k);
      const scratch = makeScratch(spec);
      for (let i = 0; i < m; i++) {
        // Evenly spaced origins, newest first: i = 0 is the last origin with all targets known.
        const t = last - Math.floor((i * available) / m);
        const { base, scale } = writeFeatures(spec, (back) => history[t - back] as number, t, X, i * d, scratch);
        for (let j = 0; j < k; j++) Y[i * k + j] = ((history[t + (spec.horizons[j] as number)] as number) - base) / scale;
      }
      // A history the baseline already forecasts exactly (e.g. constant load) leaves nothing to
      // learn: all-zero weights make the net output exactly the baseline, without training.
      const net = Y.every((v) => v === 0)
        ? zeroWeights(d, o.hidden, k)
        : trainMlp(lazy ? lazy.get() : (tf as Tf), X, Y, m, d, k, { hidden: o.hidden, steps: o.steps, batchSize: o.batchSize, learningRate: o.learningRate, seed: ctx.seed });
      const recent = Array.from(history.subarray(n - (r + 1)));
      return makeFitted(spec, net, { origin: n - 1, recent }, { trainedOn: n, seed: ctx.seed });
    },
  };
}

function isLazy(tf: Tf | LazyTf): tf is LazyTf {
  return typeof (tf as Partial<LazyTf>).prepare === 'function' && typeof (tf as Partial<LazyTf>).get === 'function';
}

/**
 * The Forecaster contract promises finite, non-negative history (series/clean.ts guarantees it);
 * one NaN would silently poison every weight, so a violation is a caller bug, named here. O(n).
 */
function checkHistory(history: Float64Array): void {
  for (let i = 0; i < history.length; i++) {
    const v = history[i] as number;
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`neural.fit: history[${i}] = ${String(v)} is invalid; expected a finite load >= 0 (clean the series first)`);
    }
  }
}

function zeroWeights(inputs: number, hidden: number, outputs: number): MlpWeights {
  const z = weightShapes(inputs, hidden, outputs);
  return { inputs, hidden, outputs, w1: new Float32Array(z.w1), b1: new Float32Array(z.b1), w2: new Float32Array(z.w2), b2: new Float32Array(z.b2), ws: new Float32Array(z.ws) };
}

function meanOf(xs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return xs.length > 0 ? s / xs.length : 0;
}

interface Internals {
  readonly spec: NeuralSpec;
  readonly net: MlpWeights;
  readonly info: { readonly trainedOn: number; readonly seed: number };
  state(): { origin: number; recent: number[] };
}

/** Lets exportNeural reach the internals of models made here, and reject any other FittedModel. */
const registry = new WeakMap<FittedModel, Internals>();

function makeFitted(spec: NeuralSpec, net: MlpWeights, state: { origin: number; recent: readonly number[] }, info: Internals['info']): FittedModel {
  const cap = state.recent.length;
  const ring = Float64Array.from(state.recent);
  let head = cap - 1; // ring[head] is the latest observation
  let origin = state.origin;
  const at = (back: number): number => ring[(head - back + cap) % cap] as number;
  const x = new Float64Array(net.inputs);
  const hiddenScratch = new Float64Array(net.hidden);
  const raw = new Float64Array(net.outputs);
  const values = new Float64Array(net.outputs);
  const scratch = makeScratch(spec);
  let fresh = false;

  /** All grid horizons at the current origin, computed once per observation. O(d x hidden). */
  const refresh = (): void => {
    const { base, scale } = writeFeatures(spec, at, origin, x, 0, scratch);
    forward(net, x, raw, hiddenScratch);
    for (let k = 0; k < net.outputs; k++) {
      const v = base + scale * (raw[k] as number);
      // A non-finite output (it should not happen: inputs are clipped) falls back to the baseline.
      values[k] = clampLoad(Number.isFinite(v) ? v : base);
    }
    fresh = true;
  };

  const model: FittedModel = {
    name: 'neural',
    update(y: number): void {
      // Missing or invalid observations are carried forward; load is clamped at 0.
      const v = Number.isFinite(y) ? Math.max(0, y) : (ring[head] as number);
      head = (head + 1) % cap;
      ring[head] = v;
      origin++;
      fresh = false;
    },
    predict(horizons: readonly number[]): Float64Array {
      checkHorizons('neural', horizons);
      if (!fresh) refresh();
      const grid = spec.horizons;
      const out = new Float64Array(horizons.length);
      horizons.forEach((h, i) => {
        if (h > spec.maxHorizon) {
          throw new RangeError(`neural.predict: horizon ${h} exceeds the maxHorizon ${spec.maxHorizon} the model was fitted for`);
        }
        // Linear interpolation between the two grid horizons around h (grid starts at 1).
        let k = 0;
        while ((grid[k + 1] ?? Infinity) < h) k++;
        const h0 = grid[k] as number;
        const h1 = grid[k + 1];
        if (h1 === undefined || h === h0) out[i] = values[k] as number;
        else {
          const w = (h - h0) / (h1 - h0);
          out[i] = (1 - w) * (values[k] as number) + w * (values[k + 1] as number);
        }
      });
      return out;
    },
    save: () => exportNeural(model),
  };
  registry.set(model, {
    spec,
    net,
    info,
    state: () => ({ origin, recent: Array.from({ length: cap }, (_, j) => at(cap - 1 - j)) }),
  });
  return model;
}

/** Snapshot of a fitted neural model (weights and the recent samples it needs) as plain data. */
export function exportNeural(fitted: FittedModel): NeuralExport {
  const m = registry.get(fitted);
  if (m === undefined) throw new TypeError(`exportNeural: expected a model fitted by neuralForecaster, got '${fitted.name}'`);
  const { net } = m;
  return {
    version: NEURAL_EXPORT_VERSION,
    meta: { spec: { ...m.spec, horizons: [...m.spec.horizons], periods: [...m.spec.periods] }, inputs: net.inputs, hidden: net.hidden, outputs: net.outputs, ...m.info },
    weights: [net.w1, net.b1, net.w2, net.b2, net.ws].map((w) => Array.from(w)),
    state: m.state(),
  };
}

const WEIGHT_NAMES = ['w1', 'b1', 'w2', 'b2', 'ws'] as const;

function need(cond: boolean, field: string, value: unknown, expected: string): void {
  if (!cond) {
    const shown = JSON.stringify(value);
    throw new TypeError(`importNeural: ${field} = ${shown === undefined ? String(value) : shown.slice(0, 80)} is invalid; expected ${expected}`);
  }
}

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * Rebuilds a fitted model from exportNeural's output (e.g. after JSON.parse). Validates every
 * field and names the first one that is wrong. O(size of the export).
 */
export function importNeural(json: unknown): FittedModel {
  const j = json as Partial<NeuralExport> | null;
  need(typeof j === 'object' && j !== null, 'export', json, 'an object from exportNeural');
  const e = j as Partial<NeuralExport>;
  need(e.version === NEURAL_EXPORT_VERSION, 'version', e.version, `${NEURAL_EXPORT_VERSION}`);
  const meta = e.meta;
  need(typeof meta === 'object' && meta !== null, 'meta', meta, 'an object');
  const { spec, inputs, hidden, outputs } = meta as NeuralExport['meta'];
  need(typeof spec === 'object' && spec !== null, 'meta.spec', spec, 'an object');
  for (const f of ['maxHorizon', 'recentRaw', 'blockSize', 'blocks', 'baselineLen'] as const) need(isInt(spec[f], 1), `meta.spec.${f}`, spec[f], 'an integer >= 1');
  for (const f of ['lagHalfWidth', 'harmonics'] as const) need(isInt(spec[f], 0), `meta.spec.${f}`, spec[f], 'an integer >= 0');
  for (const f of ['levelFloor', 'level'] as const) need(typeof spec[f] === 'number' && spec[f] > 0, `meta.spec.${f}`, spec[f], 'a number > 0');
  need(isNumArray(spec.horizons) && spec.horizons.length > 0 && spec.horizons.every((h, i) => isInt(h, 1) && (i === 0 || h > (spec.horizons[i - 1] as number))),
    'meta.spec.horizons', spec.horizons, 'ascending integers >= 1');
  need(spec.horizons[spec.horizons.length - 1] === spec.maxHorizon, 'meta.spec.horizons', spec.horizons, `to end at maxHorizon ${spec.maxHorizon}`);
  need(isNumArray(spec.periods) && spec.periods.every((p) => isInt(p, 2)), 'meta.spec.periods', spec.periods, 'integers >= 2');
  const d = featureCount(spec);
  need(inputs === d, 'meta.inputs', inputs, `${d} (from meta.spec)`);
  need(isInt(hidden, 1), 'meta.hidden', hidden, 'an integer >= 1');
  need(outputs === spec.horizons.length, 'meta.outputs', outputs, `${spec.horizons.length} (one per horizon)`);
  const shapes = weightShapes(d, hidden, outputs);
  need(Array.isArray(e.weights) && e.weights.length === 5, 'weights', e.weights, '5 arrays [w1, b1, w2, b2, ws]');
  const w = (e.weights as number[][]).map((arr, i) => {
    const name = WEIGHT_NAMES[i] as (typeof WEIGHT_NAMES)[number];
    need(isNumArray(arr) && arr.length === shapes[name], `weights[${i}] (${name}) length`, Array.isArray(arr) ? arr.length : arr, `${shapes[name]} finite numbers`);
    return Float32Array.from(arr);
  });
  const state = e.state;
  const r = reach({ recentRaw: spec.recentRaw, blockSize: spec.blockSize, blocks: spec.blocks }, spec.periods, spec.horizons, spec.baselineLen, spec.lagHalfWidth);
  need(typeof state === 'object' && state !== null && isInt(state.origin, 0), 'state.origin', state?.origin, 'an integer >= 0');
  need(isNumArray(state?.recent) && state.recent.length === r + 1, 'state.recent length', state?.recent?.length, `${r + 1} finite numbers`);
  const [w1, b1, w2, b2, ws] = w as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const s = state as NeuralExport['state'];
  return makeFitted(
    { ...spec, horizons: [...spec.horizons], periods: [...spec.periods] },
    { inputs: d, hidden, outputs, w1, b1, w2, b2, ws },
    { origin: s.origin, recent: s.recent },
    { trainedOn: isInt(meta?.trainedOn, 0) ? meta.trainedOn : 0, seed: typeof meta?.seed === 'number' ? meta.seed : 0 },
  );
}
