/**
 * Properties of the whole forecasting engine (periodicity detection + every classical model +
 * ensemble weighting + conformal bands), on hourly series so each case stays small.
 */
import fc from 'fast-check';
import { classicalForecasters } from '../../../src/forecast/models';
import { OnlineForecaster, rollingForecast } from '../../../src/forecast/online';
import { detectPeriodicity } from '../../../src/periodicity';
import { gaussian, mulberry32 } from '../../../src/util/rng';

const STEP = 3600; // hourly samples: a day is 24 of them

describe('forecasting engine properties', () => {
  it('forecasts a perfectly periodic series exactly once the daily pattern is learnt', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 24, maxLength: 24 }), (shape) => {
        const values = Float64Array.from({ length: 24 * 12 }, (_, i) => shape[i % 24]!);
        const of = new OnlineForecaster({
          step: STEP,
          targets: [{ kind: 'point', steps: 1 }, { kind: 'point', steps: 6 }],
          upperQuantile: 0.9,
          seed: 1,
          forecasters: classicalForecasters(),
          detect: detectPeriodicity,
        });
        for (let i = 0; i < values.length; i++) {
          const snap = of.observe(values[i]!);
          if (i < 24 * 9) continue; // detection needs 2 days; the weights need a record
          expect(snap.stage).toBe('daily');
          snap.forecasts!.forEach((f, j) => {
            const h = j === 0 ? 1 : 6;
            const truth = shape[(i + h) % 24]!;
            expect(Math.abs(f.p50 - truth)).toBeLessThanOrEqual(1e-6 * truth);
          });
        }
      }),
      { numRuns: 6, seed: 7 },
    );
  });

  it('never lets a future sample reach a forecast (whole engine, with detection and refits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 60, max: 200 }), fc.double({ min: 0, max: 1e5, noNaN: true }), (seed, cut, junk) => {
        const base = Float64Array.from({ length: 24 * 10 }, (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / 24) + ((seed * (i + 1)) % 17));
        const changed = Float64Array.from(base);
        changed.fill(junk, cut + 1);
        const opts = { horizons: [3600, 6 * 3600], forecasters: classicalForecasters(), detect: detectPeriodicity };
        const a = rollingForecast({ start: 0, step: STEP, values: base }, opts).filter((r) => r.origin <= cut * STEP);
        const b = rollingForecast({ start: 0, step: STEP, values: changed }, opts).filter((r) => r.origin <= cut * STEP);
        expect(b).toEqual(a);
      }),
      { numRuns: 6, seed: 11 },
    );
  });

  it('says which stage it is in as history grows: warmup, level, then daily', () => {
    const of = new OnlineForecaster({ step: 600, targets: [{ kind: 'point', steps: 6 }], upperQuantile: 0.9, seed: 1, forecasters: classicalForecasters(), detect: detectPeriodicity });
    const seen: string[] = [];
    const r = mulberry32(3);
    for (let i = 0; i < 144 * 4; i++) {
      const s = of.observe(200 + 150 * Math.sin((2 * Math.PI * i) / 144) + 10 * gaussian(r));
      if (seen[seen.length - 1] !== s.stage) seen.push(s.stage);
    }
    expect(seen).toEqual(['warmup', 'level', 'daily']);
  });
});
