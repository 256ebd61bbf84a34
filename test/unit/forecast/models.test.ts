import { holtWinters, naive, robustStl, seasonalNaive } from '../../../src/forecast/models';
import type { FitContext } from '../../../src/forecast/types';
import { gaussian, mulberry32 } from '../../../src/util/rng';

const ctx = (periods: number[], maxHorizon: number): FitContext => ({ step: 3600, periods, maxHorizon, seed: 1 });

describe('naive', () => {
  test('forecasts the last value, and the updated one after update()', () => {
    const fit = naive().fit(Float64Array.of(3, 9, 4), ctx([], 5))!;
    expect(Array.from(fit.predict([1, 5]))).toEqual([4, 4]);
    fit.update(11);
    expect(Array.from(fit.predict([2]))).toEqual([11]);
  });

  test('rejects a horizon that is not a positive integer, naming it', () => {
    const fit = naive().fit(Float64Array.of(1), ctx([], 5))!;
    expect(() => fit.predict([0])).toThrow(/horizon 0 is invalid/);
    expect(() => fit.predict([2.5])).toThrow(/horizon 2.5/);
  });
});

describe('seasonal naive', () => {
  // History y[i] = i for i = 0..9 (t = 9), period 5.
  const y = Float64Array.from({ length: 10 }, (_, i) => i);
  test.each([
    { h: 1, want: 5, why: 'y[t+1-5]' },
    { h: 5, want: 9, why: 'y[t+5-5]' },
    { h: 6, want: 5, why: 'y[t+6-10]' },
    { h: 12, want: 6, why: 'y[t+12-15]' },
  ])('h=$h -> $want ($why)', ({ h, want }) => {
    expect(seasonalNaive(5).fit(y, ctx([], 12))!.predict([h])[0]).toBe(want);
  });

  test('the explicit period wins over ctx.periods; none at all gives null', () => {
    expect(seasonalNaive(5).fit(y, ctx([3], 12))!.predict([1])[0]).toBe(5);
    expect(seasonalNaive(3).fit(y, ctx([5], 12))!.predict([1])[0]).toBe(7);
    expect(seasonalNaive().fit(y, ctx([], 12))).toBeNull();
    expect(() => seasonalNaive(2.5).fit(y, ctx([], 12))).toThrow(/period 2.5 is invalid/);
  });
});

describe('holt-winters', () => {
  test('continues a linear trend without periods, damped', () => {
    // y = 10 + 2i, i = 0..199: last value 408, the undamped line gives 410 at h=1 and 428 at h=10.
    const y = Float64Array.from({ length: 200 }, (_, i) => 10 + 2 * i);
    const [f1, f10, f50] = Array.from(holtWinters().fit(y, ctx([], 50))!.predict([1, 10, 50]));
    expect(f1).toBeGreaterThan(409);
    expect(f1).toBeLessThan(411);
    expect(f10).toBeGreaterThan(418);
    expect(f10).toBeLessThanOrEqual(428 + 1e-6);
    // Damped: 50 steps ahead stays below the line (508) but above the last value.
    expect(f50).toBeGreaterThan(f10 as number);
    expect(f50).toBeLessThan(508);
  });

  test('falls back to level+trend when history is shorter than two periods', () => {
    const y = Float64Array.from({ length: 30 }, (_, i) => 50 + (i % 2));
    const hw = holtWinters();
    expect(hw.minHistory(ctx([24], 5))).toBe(48);
    expect(hw.fit(y, ctx([24], 5))).toBeNull();
    expect(hw.fit(y, ctx([], 5))!.predict([1])[0]).toBeCloseTo(50.5, 0);
  });
});

/** Hourly load: daily sine (amplitude 30), weekends (days 5 and 6 of each week) 40 lower, base 100. */
function weeklyTruth(i: number): number {
  const day = Math.floor(i / 24) % 7;
  return 100 + 30 * Math.sin((2 * Math.PI * (i % 24)) / 24) - (day >= 5 ? 40 : 0);
}

function noisy(n: number, sd: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from({ length: n }, (_, i) => Math.max(0, weeklyTruth(i) + sd * gaussian(rand)));
}

describe('robust-stl', () => {
  test('recovers daily and weekly patterns from a noisy series', () => {
    // 5 weeks minus 2 days: the origin is Friday 23:00, so the next 24 h are the weekend drop.
    const n = 5 * 168 - 48;
    const y = noisy(n, 3, 11);
    const hs = Array.from({ length: 24 }, (_, k) => k + 1);
    const withWeekly = robustStl().fit(y, ctx([24, 168], 24))!.predict(hs);
    const dailyOnly = robustStl().fit(y, ctx([24], 24))!.predict(hs);
    const mae = (f: Float64Array): number => hs.reduce((acc, h, j) => acc + Math.abs((f[j] as number) - weeklyTruth(n - 1 + h)), 0) / hs.length;
    // Noise sd 3: a pattern recovered from ~4 weeks is within ~2 of the truth; the weekday level
    // (40 higher) would cost ~40 if the weekly term were missed.
    expect(mae(withWeekly)).toBeLessThan(3);
    expect(mae(dailyOnly)).toBeGreaterThan(10);
  });

  test('is not moved by a single 100x spike, inside the history or at the origin', () => {
    const n = 4 * 168;
    const clean = noisy(n, 3, 5);
    const hs = [1, 2, 6, 12, 24];
    const c = ctx([24, 168], 24);
    const base = robustStl().fit(clean, c)!.predict(hs);
    for (const at of [n - 100, n - 1]) {
      const spiked = Float64Array.from(clean);
      spiked[at] = 100 * (spiked[at] as number);
      const out = robustStl().fit(spiked, c)!.predict(hs);
      hs.forEach((h, j) => {
        // Within 10% of the clean forecast (a level of ~100 against a spike of ~10,000).
        expect(Math.abs((out[j] as number) - (base[j] as number))).toBeLessThan(0.1 * (base[j] as number));
      });
    }
  });

  test('update() carries the pattern forward without refitting', () => {
    const n = 4 * 168;
    const y = noisy(n + 30, 3, 8);
    const fit = robustStl().fit(y.slice(0, n), ctx([24, 168], 24))!;
    for (let i = n; i < n + 30; i++) fit.update(y[i] as number);
    const hs = [1, 6, 12];
    const out = fit.predict(hs);
    hs.forEach((h, j) => expect(Math.abs((out[j] as number) - weeklyTruth(n + 29 + h))).toBeLessThan(8));
  });

  test('without periods: a step up in level is followed within a few samples', () => {
    // 200 samples at 50 then 20 at 80 (noise sd 1): a genuine shift, not a spike.
    const rand = mulberry32(3);
    const y = Float64Array.from({ length: 220 }, (_, i) => (i < 200 ? 50 : 80) + gaussian(rand));
    const f = robustStl().fit(y, ctx([], 10))!.predict([1, 10]);
    for (const v of f) expect(Math.abs(v - 80)).toBeLessThan(5);
  });
});
