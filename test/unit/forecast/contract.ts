/**
 * The contract every Forecaster must honour, as one reusable jest suite (statsforecast/darts style):
 * output shape and range, no input mutation, determinism, fit+update vs a longer fit, typed
 * "not yet" on short history, causality (fast-check), and exact-ish reproduction of a perfectly
 * periodic series. Run it with `runForecasterContract(name, () => model, options)`.
 */
import fc from 'fast-check';
import type { FitContext, Forecaster } from '../../../src/forecast/types';
import { gaussian, mulberry32 } from '../../../src/util/rng';

export interface ContractOptions {
  /**
   * How fit(0..n) + update(n+1..m) must compare with fit(0..m): 'exact' (models whose state is a
   * window of raw values), a relative tolerance (a number), or 'finite' (models that re-estimate
   * parameters only at fit(): just runs and stays finite).
   */
  readonly updateEquivalence?: 'exact' | 'finite' | number;
  /**
   * Largest relative error allowed on a perfectly periodic series (ctx.periods = [P]); undefined
   * skips the case (e.g. naive, which has no seasonal term).
   */
  readonly periodicTolerance?: number;
  /** Whether the model needs ctx.periods to fit at all (seasonal naive). */
  readonly needsPeriod?: boolean;
}

const P = 24;
const CTX: FitContext = { step: 3600, periods: [P], maxHorizon: 12, seed: 7 };
const CTX_NOPERIOD: FitContext = { step: 60, periods: [], maxHorizon: 12, seed: 7 };
const HORIZONS = [1, 3, 6, 12];

/**
 * A seeded load-like series: base 100, a daily sine of amplitude 40, a slow upward drift and
 * Gaussian noise of sd 5, clamped >= 0. Deterministic in `seed`.
 */
export function syntheticLoad(n: number, seed: number, period = P): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = 100 + 40 * Math.sin((2 * Math.PI * i) / period) + 0.05 * i + 5 * gaussian(rand);
    out[i] = Math.max(0, v);
  }
  return out;
}

/** A perfectly periodic series with a non-sinusoidal shape (a plateau and a sharp peak). */
export function periodicSeries(n: number, period: number): Float64Array {
  const shape = (ph: number): number => 50 + 30 * Math.sin((2 * Math.PI * ph) / period) + (ph === Math.floor(period / 3) ? 60 : 0) + (ph > period / 2 ? 15 : 0);
  return Float64Array.from({ length: n }, (_, i) => shape(i % period));
}

export function runForecasterContract(name: string, make: () => Forecaster, opts: ContractOptions = {}): void {
  describe(`Forecaster contract: ${name}`, () => {
    const series = syntheticLoad(10 * P, 42);

    test('predict gives one finite value >= 0 per horizon', () => {
      const fit = make().fit(series, CTX);
      expect(fit).not.toBeNull();
      const out = fit!.predict(HORIZONS);
      expect(out).toHaveLength(HORIZONS.length);
      for (const v of out) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
    });

    test('save -> JSON -> restore gives a model that updates and predicts exactly as the saved one', () => {
      const f = make();
      const a = f.fit(series, CTX)!;
      expect(typeof a.save).toBe('function');
      expect(typeof f.restore).toBe('function');
      const b = f.restore!(JSON.parse(JSON.stringify(a.save!())));
      expect(b.name).toBe(name);
      const more = syntheticLoad(2 * P, 43);
      for (const y of more) {
        a.update(y);
        b.update(y);
        expect(Array.from(b.predict(HORIZONS))).toEqual(Array.from(a.predict(HORIZONS)));
      }
    });

    test('restore names the field of a damaged state, never returns a broken model', () => {
      const f = make();
      const saved = JSON.parse(JSON.stringify(f.fit(series, CTX)!.save!())) as Record<string, unknown>;
      expect(() => f.restore!(null)).toThrow(/null\b.*expected/);
      const key = Object.keys(saved)[0]!;
      // The message names the field that was damaged (e.g. "holt-winters.level is \"garbage\", expected ...").
      expect(() => f.restore!({ ...saved, [key]: 'garbage' })).toThrow(new RegExp(`\\b${key}\\b.*expected`));
    });

    test('name is stable across instances and equals the fitted model name', () => {
      const f = make();
      expect(f.name).toBe(name);
      expect(f.fit(series, CTX)!.name).toBe(name);
    });

    test('clamps at 0 on a series that falls to zero', () => {
      // A steep fall to a floor of 0: a trend model would extrapolate below 0 without clamping.
      const falling = Float64Array.from({ length: 10 * P }, (_, i) => Math.max(0, 500 - 3 * i));
      const out = make().fit(falling, CTX)!.predict(HORIZONS);
      for (const v of out) expect(v).toBeGreaterThanOrEqual(0);
    });

    test('does not mutate the input (also accepts a frozen context)', () => {
      const copy = Float64Array.from(series);
      const ctx = Object.freeze({ ...CTX, periods: Object.freeze([...CTX.periods]) });
      const fit = make().fit(series, ctx);
      fit!.predict(HORIZONS);
      fit!.update(123);
      fit!.predict(Object.freeze([...HORIZONS]));
      expect(Array.from(series)).toEqual(Array.from(copy));
    });

    test('is deterministic: two fits give the same forecasts', () => {
      const a = make().fit(series, CTX)!.predict(HORIZONS);
      const b = make().fit(series, CTX)!.predict(HORIZONS);
      expect(Array.from(a)).toEqual(Array.from(b));
    });

    test('fit then update() compares with a fit on the longer history', () => {
      const n = 8 * P;
      const fit = make().fit(series.slice(0, n), CTX)!;
      for (let i = n; i < series.length; i++) fit.update(series[i] as number);
      const viaUpdate = fit.predict(HORIZONS);
      const direct = make().fit(series, CTX)!.predict(HORIZONS);
      const eq = opts.updateEquivalence ?? 'finite';
      for (let j = 0; j < HORIZONS.length; j++) {
        const u = viaUpdate[j] as number;
        const d = direct[j] as number;
        expect(Number.isFinite(u)).toBe(true);
        expect(u).toBeGreaterThanOrEqual(0);
        if (eq === 'exact') expect(u).toBe(d);
        else if (typeof eq === 'number') expect(Math.abs(u - d)).toBeLessThanOrEqual(eq * Math.max(1, Math.abs(d)));
      }
    });

    test('too-short history gives null, minHistory gives a forecast', () => {
      const f = make();
      const min = f.minHistory(CTX);
      expect(min).toBeGreaterThanOrEqual(1);
      expect(f.fit(new Float64Array(0), CTX)).toBeNull();
      if (min > 1) expect(f.fit(series.slice(0, min - 1), CTX)).toBeNull();
      expect(f.fit(series.slice(0, min), CTX)).not.toBeNull();
    });

    test(opts.needsPeriod ? 'without periods gives null' : 'without periods still forecasts', () => {
      const f = make();
      const fit = f.fit(series, CTX_NOPERIOD);
      if (opts.needsPeriod) {
        expect(fit).toBeNull();
      } else {
        const out = fit!.predict(HORIZONS);
        for (const v of out) expect(Number.isFinite(v) && v >= 0).toBe(true);
      }
    });

    test('constant (zero-variance) history forecasts the constant', () => {
      for (const ctx of opts.needsPeriod ? [CTX] : [CTX, CTX_NOPERIOD]) {
        // Long enough for the model's own minimum history (the network needs more than 6 periods without one).
        const flat = new Float64Array(Math.max(6 * P, make().minHistory(ctx))).fill(37);
        const out = make().fit(flat, ctx)!.predict(HORIZONS);
        for (const v of out) expect(v).toBeCloseTo(37, 6);
      }
    });

    test('causality: values after the origin never change the forecast made at the origin', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: Math.max(4 * P, make().minHistory(CTX)), max: Math.max(7 * P, make().minHistory(CTX) + 3 * P) }),
          fc.integer({ min: 1, max: 1000 }),
          fc.double({ min: 0, max: 1e4, noNaN: true }),
          (origin, seed, junk) => {
            const buf = syntheticLoad(origin + P, seed);
            const fit = make().fit(buf.subarray(0, origin), CTX)!;
            const before = Array.from(fit.predict(HORIZONS));
            // Overwrite everything past the origin in the caller's buffer (and the history itself).
            buf.fill(junk, origin);
            buf.fill(junk, 0, origin);
            const after = Array.from(fit.predict(HORIZONS));
            // A fresh fit on a different future also agrees.
            const other = syntheticLoad(origin + P, seed);
            other.fill(junk, origin);
            const fresh = Array.from(make().fit(other.subarray(0, origin), CTX)!.predict(HORIZONS));
            expect(after).toEqual(before);
            expect(fresh).toEqual(before);
          },
        ),
        { numRuns: 8, seed: 2024 },
      );
    });

    if (opts.periodicTolerance !== undefined) {
      const tol = opts.periodicTolerance;
      test(`a perfectly periodic series is forecast within ${tol} relative error`, () => {
        for (const period of [24, 96]) {
          const y = periodicSeries(5 * period + 7, period);
          const ctx: FitContext = { step: 300, periods: [period], maxHorizon: period, seed: 1 };
          const hs = [1, 2, 5, Math.floor(period / 2), period];
          const out = make().fit(y, ctx)!.predict(hs);
          const truth = periodicSeries(y.length + period, period);
          hs.forEach((h, j) => {
            const want = truth[y.length - 1 + h] as number;
            expect(Math.abs((out[j] as number) - want)).toBeLessThanOrEqual(tol * want);
          });
        }
      });
    }
  });
}
