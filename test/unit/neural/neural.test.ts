import { initTf, lazyTf, type Tf } from '../../../src/runtime/tf';
import { exportNeural, importNeural, neuralForecaster } from '../../../src/forecast/models/neural';
import type { FitContext, FittedModel } from '../../../src/forecast/types';
import { mulberry32 } from '../../../src/util/rng';
import { ctx5m, dailyLoad, fastOpts, PERIOD } from './synthetic';

let tf: Tf;
beforeAll(async () => {
  tf = (await initTf()).tf;
});

const HORIZONS = [1, 2, 3, 5, 7, 10, 12];
const fitOrThrow = (y: Float64Array, ctx: FitContext = ctx5m, opts = fastOpts): FittedModel => {
  const m = neuralForecaster(tf, opts).fit(y, ctx);
  if (m === null) throw new Error(`fit returned null for ${y.length} samples`);
  return m;
};

describe('neural forecaster: history requirements', () => {
  test.each([
    // [label, ctx, lower bound, upper bound] in samples, with the reasoning in the label
    ['1-min daily, 60 min ahead: about 2 days', { step: 60, periods: [1440], maxHorizon: 60, seed: 1 }, 2 * 1440, 2.2 * 1440],
    ['1-min aperiodic, 60 min ahead: a few hours', { step: 60, periods: [], maxHorizon: 60, seed: 1 }, 4 * 60, 6 * 60],
    ['5-min daily, 1 h ahead: about 2 days', ctx5m, 2 * 288, 2.2 * 288],
    ['daily + weekly: the daily period decides', { step: 60, periods: [10080, 1440], maxHorizon: 60, seed: 1 }, 2 * 1440, 2.2 * 1440],
  ])('%s', (_label, ctx, lo, hi) => {
    const n = neuralForecaster(tf).minHistory(ctx);
    expect(n).toBeGreaterThanOrEqual(lo);
    expect(n).toBeLessThanOrEqual(hi);
  });

  test('one sample short of minHistory gives null, minHistory gives a model', () => {
    const f = neuralForecaster(tf, { steps: 20 });
    const n = f.minHistory(ctx5m);
    const y = dailyLoad(n, 1);
    expect(f.fit(y.subarray(0, n - 1), ctx5m)).toBeNull();
    expect(f.fit(y, ctx5m)).not.toBeNull();
  });

  test('empty history gives null', () => {
    expect(neuralForecaster(tf).fit(new Float64Array(0), ctx5m)).toBeNull();
  });
});

describe('neural forecaster: behaviour', () => {
  const y = dailyLoad(4 * PERIOD, 7);
  /** One trained model shared by the read-only tests (a fit is the expensive part). */
  let sharedModel: FittedModel;
  let shared: Float64Array;
  /** An independent copy of the shared model, for tests that call update(). */
  const cloneShared = (): FittedModel => importNeural(exportNeural(sharedModel));
  beforeAll(() => {
    sharedModel = fitOrThrow(y);
    shared = sharedModel.predict(HORIZONS);
  });

  test('deterministic: same seed, same predictions; another seed, different ones', () => {
    const quick = { ...fastOpts, steps: 60 };
    const a = fitOrThrow(y, ctx5m, quick).predict(HORIZONS);
    const b = fitOrThrow(y, ctx5m, quick).predict(HORIZONS);
    const c = fitOrThrow(y, { ...ctx5m, seed: 43 }, quick).predict(HORIZONS);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  test('does not mutate its input and never reads past the origin (causality)', () => {
    // y is the first 4 days; put it at the start of a longer buffer with wild values after it.
    const full = new Float64Array(5 * PERIOD).fill(1e6);
    full.set(y);
    const copy = Float64Array.from(full);
    const b = fitOrThrow(full.subarray(0, y.length)).predict(HORIZONS);
    expect(Array.from(b)).toEqual(Array.from(shared));
    expect(Array.from(full)).toEqual(Array.from(copy));
  });

  test('grid horizons are predicted directly, others by linear interpolation', () => {
    // 5-min data, maxHorizon 12: grid [1, 2, 5, 10, 12]; 7 lies 2/5 of the way from 5 to 10.
    const [p5, p7, p10] = [shared[3], shared[4], shared[5]] as [number, number, number];
    expect(p7).toBeCloseTo(0.6 * p5 + 0.4 * p10, 10);
  });

  test('update() moves the origin: one-step forecasts track the pattern as samples arrive', () => {
    const next = dailyLoad(5 * PERIOD, 7).subarray(4 * PERIOD); // same seed: the next day
    const m = cloneShared();
    let absErr = 0;
    for (let i = 0; i < 48; i++) {
      const p = m.predict([1])[0] as number;
      absErr += Math.abs(p - (next[i] as number));
      m.update(next[i] as number);
    }
    // Noise sd 8 -> the best possible mean absolute error is ~6.4; a stale origin drifts by tens.
    expect(absErr / 48).toBeLessThan(12);
  });

  test('a lone spike does not drag the forecast below its pre-spike level or above the spike', () => {
    const m = cloneShared();
    const before = m.predict([1, 12]);
    m.update(400); // ~3x the daily peak
    const after = m.predict([1, 12]);
    for (const i of [0, 1]) {
      expect(after[i]).toBeGreaterThan(0.9 * (before[i] as number));
      expect(after[i]).toBeLessThan(400);
    }
  });

  test('predictions are finite and >= 0, also on spiky and mostly-zero load', () => {
    const rand = mulberry32(5);
    const spiky = dailyLoad(3 * PERIOD, 11).map((v) => (rand() < 0.02 ? v * 50 : v));
    const idle = dailyLoad(3 * PERIOD, 12).map((v, i) => (i % PERIOD < 200 ? 0 : v / 100));
    for (const series of [spiky, idle]) {
      const m = fitOrThrow(series, ctx5m, { ...fastOpts, steps: 100 });
      for (let step = 0; step < 50; step++) {
        const p = m.predict(HORIZONS);
        for (const v of p) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
        }
        m.update(step % 10 === 0 ? 0 : (series[step] as number));
      }
    }
  });

  test('missing observations in update() are carried forward, not propagated as NaN', () => {
    const m = cloneShared();
    m.update(Number.NaN);
    expect(Array.from(m.predict(HORIZONS)).every(Number.isFinite)).toBe(true);
  });

  test('beats naive clearly and seasonal naive on a noisy daily pattern (rolling origins)', () => {
    // Train on 3 days, then walk 2 days of origins every 30 min, feeding each sample by update().
    const series = dailyLoad(6 * PERIOD, 21);
    const trainN = 3 * PERIOD;
    const m = fitOrThrow(series.subarray(0, trainN));
    const hs = [2, 12]; // 10 min and 60 min
    const err = { neural: [0, 0], naive: [0, 0], snaive: [0, 0] };
    let count = 0;
    for (let t = trainN - 1; t + 12 < trainN + 2 * PERIOD; t++) {
      if (t >= trainN) m.update(series[t] as number);
      if ((t - trainN + 1) % 6 !== 0) continue;
      const p = m.predict(hs);
      hs.forEach((h, i) => {
        const actual = series[t + h] as number;
        err.neural[i]! += Math.abs((p[i] as number) - actual);
        err.naive[i]! += Math.abs((series[t] as number) - actual);
        err.snaive[i]! += Math.abs((series[t + h - PERIOD] as number) - actual);
      });
      count++;
    }
    expect(count).toBeGreaterThan(90);
    for (const i of [0, 1]) {
      // Noise sd 8 gives an irreducible MAE of 8 x 0.8 = 6.4 per origin; naive pays the noise
      // twice (~9) plus the drift (10 min: ~8.3, 60 min: ~13.6 measured), seasonal naive the noise
      // twice (~8). Measured neural: 6.4 and 6.9, so 0.85 x naive (7.1 at 10 min) is a real bar
      // that a net which only reproduced its baseline (at 5-min steps: the last value, i.e. naive)
      // cannot pass.
      expect(err.neural[i]!).toBeLessThan(0.85 * err.naive[i]!);
      expect(err.neural[i]!).toBeLessThan(err.snaive[i]!);
    }
  });

  test('aperiodic context: fits with a few hours of history', () => {
    const ctx: FitContext = { step: 60, periods: [], maxHorizon: 30, seed: 3 };
    const f = neuralForecaster(tf, { steps: 50 });
    const n = f.minHistory(ctx);
    const m = f.fit(dailyLoad(n, 4), ctx);
    expect(m).not.toBeNull();
    expect(Array.from(m!.predict([1, 30])).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });
});

describe('neural forecaster: TensorFlow.js loaded on demand', () => {
  test('restores and predicts without it; a fit before prepare() throws, after it equals an eager fit on the same backend', async () => {
    const y = dailyLoad(3 * PERIOD, 5);
    const opts = { ...fastOpts, steps: 20 };
    const eager = fitOrThrow(y, ctx5m, opts);
    const lazy = neuralForecaster(lazyTf(tf.getBackend() as 'wasm' | 'cpu'), opts);
    expect(typeof lazy.prepare).toBe('function');
    expect(neuralForecaster(tf, opts).prepare).toBeUndefined();
    // A saved model comes back without tfjs (restore, update and predict are plain JavaScript).
    const back = lazy.restore!(JSON.parse(JSON.stringify(exportNeural(eager))));
    expect(Array.from(back.predict(HORIZONS))).toEqual(Array.from(eager.predict(HORIZONS)));
    expect(() => lazy.fit(y, ctx5m)).toThrow(/not loaded in this thread yet/);
    await lazy.prepare!();
    expect(exportNeural(lazy.fit(y, ctx5m)!)).toEqual(exportNeural(eager));
  });
});

describe('neural forecaster: export and import', () => {
  test('round trip (through JSON) gives identical predictions, also after further updates', () => {
    const y = dailyLoad(3 * PERIOD, 31);
    const m = fitOrThrow(y, ctx5m, { ...fastOpts, steps: 60 });
    m.update(120);
    const json = JSON.parse(JSON.stringify(exportNeural(m))) as unknown;
    const back = importNeural(json);
    expect(Array.from(back.predict(HORIZONS))).toEqual(Array.from(m.predict(HORIZONS)));
    for (const v of [130, 90, 0, 250]) {
      m.update(v);
      back.update(v);
      expect(Array.from(back.predict(HORIZONS))).toEqual(Array.from(m.predict(HORIZONS)));
    }
  });

  test('export has a version and meta, and exporting a foreign model is a TypeError', () => {
    const e = exportNeural(fitOrThrow(dailyLoad(3 * PERIOD, 2), ctx5m, { ...fastOpts, steps: 10 }));
    expect(e.version).toBe(1);
    expect(e.meta.spec.periods).toEqual([PERIOD]);
    expect(e.weights).toHaveLength(5);
    const foreign: FittedModel = { name: 'naive', update: () => undefined, predict: () => new Float64Array(0) };
    expect(() => exportNeural(foreign)).toThrow(/expected a model fitted by neuralForecaster, got 'naive'/);
  });

  test.each([
    ['wrong version', (e: Record<string, unknown>) => ({ ...e, version: 99 }), /version = 99 is invalid; expected 1/],
    ['short weights', (e: Record<string, unknown>) => ({ ...e, weights: (e.weights as number[][]).map((w, i) => (i === 2 ? w.slice(1) : w)) }), /weights\[2\] \(w2\) length/],
    ['short state', (e: Record<string, unknown>) => ({ ...e, state: { origin: 5, recent: [1, 2] } }), /state.recent length = 2 is invalid/],
    ['not an object', () => null, /export = null is invalid/],
  ])('import rejects %s, naming the field', (_label, mutate, message) => {
    const e = exportNeural(fitOrThrow(dailyLoad(3 * PERIOD, 2), ctx5m, { ...fastOpts, steps: 10 }));
    expect(() => importNeural(mutate(e as unknown as Record<string, unknown>))).toThrow(message);
  });
});

describe('neural forecaster: argument errors name the value', () => {
  test.each([
    [{ hidden: 0 }, /option hidden = 0 is invalid; expected an integer >= 1/],
    [{ learningRate: 2 }, /option learningRate = 2 is invalid/],
    [{ windowSeconds: -1 }, /option windowSeconds = -1 is invalid/],
  ])('options %p', (opts, message) => {
    expect(() => neuralForecaster(tf, opts)).toThrow(message);
  });

  test('bad context and horizons', () => {
    const f = neuralForecaster(tf);
    expect(() => f.minHistory({ ...ctx5m, periods: [1.5] })).toThrow(/period 1.5 in ctx.periods is invalid/);
    expect(() => f.minHistory({ ...ctx5m, maxHorizon: 0 })).toThrow(/ctx.maxHorizon = 0 is invalid/);
    const m = fitOrThrow(dailyLoad(3 * PERIOD, 2), ctx5m, { ...fastOpts, steps: 10 });
    expect(() => m.predict([0])).toThrow(/horizon 0 is invalid/);
    expect(() => m.predict([13])).toThrow(/horizon 13 exceeds the maxHorizon 12/);
    const holed = dailyLoad(3 * PERIOD, 2);
    holed[100] = Number.NaN;
    expect(() => f.fit(holed, ctx5m)).toThrow(/history\[100\] = NaN is invalid; expected a finite load >= 0/);
  });
});
