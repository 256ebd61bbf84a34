import fc from 'fast-check';
import type { Series } from '../../../src/domain/series';
import {
  coverage,
  geometricMean,
  mae,
  pinball,
  pinballLoss,
  scoreRows,
  summarize,
  type ScorableRow,
} from '../../../src/forecast/metrics';

const frozen = (xs: number[]): readonly number[] => Object.freeze(xs.slice());

describe('mae', () => {
  it.each([
    ['exact forecast', [1, 2, 3], [1, 2, 3], 0],
    ['mixed signs of error', [1, 2, 3], [2, 2, 5], 1], // (1 + 0 + 2) / 3
    ['one value', [10], [7.5], 2.5],
    ['negative errors count as absolute', [0, 0], [-4, 4], 4],
  ])('%s', (_name, a, f, want) => {
    expect(mae(frozen(a), frozen(f))).toBeCloseTo(want, 12);
  });

  it('rejects unequal lengths and empty input, naming the counts', () => {
    expect(() => mae([1, 2], [1])).toThrow(/actual has 2 values but forecast has 1/);
    expect(() => mae([], [])).toThrow(/got 0 values/);
  });
});

describe('pinball', () => {
  it('single losses: under-forecast weighs tau, over-forecast 1 - tau', () => {
    expect(pinballLoss(10, 8, 0.9)).toBeCloseTo(1.8, 12); // 0.9 * 2
    expect(pinballLoss(10, 12, 0.9)).toBeCloseTo(0.2, 12); // 0.1 * 2
    expect(pinballLoss(10, 10, 0.9)).toBe(0);
  });

  it('mean over pairs', () => {
    expect(pinball(frozen([10, 10]), frozen([8, 12]), 0.9)).toBeCloseTo(1.0, 12); // (1.8 + 0.2) / 2
    expect(pinball([3, 7, 1], [4, 4, 4], 0.25)).toBeCloseTo((0.75 + 0.75 + 2.25) / 3, 12);
  });

  it('at 0.5 is half the MAE (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
          minLength: 1,
          maxLength: 50,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const f = pairs.map((p) => p[1]);
          expect(pinball(a, f, 0.5)).toBeCloseTo(mae(a, f) / 2, 6);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects a level outside (0, 1)', () => {
    expect(() => pinball([1], [1], 1)).toThrow(/level 1 is not a quantile level/);
    expect(() => pinball([1], [1], 0)).toThrow(/level 0/);
    expect(() => pinball([1], [1], Number.NaN)).toThrow(/level NaN/);
  });
});

describe('coverage', () => {
  it('counts actual <= upper, ties included', () => {
    expect(coverage(frozen([1, 5, 9, 10]), frozen([2, 5, 8, 12]))).toBe(0.75);
    expect(coverage([1, 2], [0, 0])).toBe(0);
  });

  it('rejects unequal lengths', () => {
    expect(() => coverage([1], [1, 2])).toThrow(/coverage: actual has 1 values but forecast has 2/);
  });
});

describe('geometricMean', () => {
  it.each([
    ['ratios 2x and 0.5x average to 1', [2, 0.5], 1],
    ['1 and 4', [1, 4], 2],
    ['one value', [0.85], 0.85],
    ['1, 10, 100', [1, 10, 100], 10],
  ])('%s', (_name, v, want) => {
    expect(geometricMean(frozen(v))).toBeCloseTo(want, 12);
  });

  it('rejects zero, negative, non-finite and empty input with the index', () => {
    expect(() => geometricMean([1, 0])).toThrow(/values\[1\] is 0; expected a finite number > 0/);
    expect(() => geometricMean([-1])).toThrow(/values\[0\] is -1/);
    expect(() => geometricMean([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
    expect(() => geometricMean([])).toThrow(/got 0 values/);
  });
});

describe('scoreRows', () => {
  // start 1000, step 60: sample times 1000, 1060, 1120, 1180, 1240; one missing value at 1180.
  const series: Series = { start: 1000, step: 60, values: new Float64Array([1, 2, 3, Number.NaN, 5]) };
  const row = (origin: number, horizonS: number, p50 = 0, upper = 0): ScorableRow => ({ origin, horizonS, p50, upper });

  it('joins each row with the actual at origin + horizon', () => {
    const rows = Object.freeze([row(1000, 60, 1.5, 2.5), row(1000, 120, 2, 4), row(1060, 180, 4, 6)]);
    expect(scoreRows(rows, series)).toEqual([
      { origin: 1000, horizonS: 60, p50: 1.5, upper: 2.5, actual: 2 },
      { origin: 1000, horizonS: 120, p50: 2, upper: 4, actual: 3 },
      { origin: 1060, horizonS: 180, p50: 4, upper: 6, actual: 5 },
    ]);
  });

  it('drops targets past the end and missing actuals', () => {
    // 1120 + 60 = 1180 is NaN; 1240 + 60 = 1300 is past the end.
    expect(scoreRows([row(1120, 60), row(1240, 60), row(1180, 60)], series).map((r) => r.actual)).toEqual([5]);
  });

  it('drops non-finite actuals as missing', () => {
    const inf: Series = { start: 0, step: 60, values: new Float64Array([1, Number.POSITIVE_INFINITY, 3]) };
    expect(scoreRows([row(0, 60), row(0, 120)], inf).map((r) => r.actual)).toEqual([3]);
  });

  it('keeps only the requested origins', () => {
    const got = scoreRows([row(1000, 120), row(1060, 0), row(1120, 120)], series, { origins: new Set([1000, 1120]) });
    expect(got.map((r) => r.origin)).toEqual([1000, 1120]);
  });

  it('throws on an off-grid or pre-start target and on non-finite forecasts', () => {
    expect(() => scoreRows([row(1000, 30)], series)).toThrow(/1030 is not a sample time of the series \(start 1000, step 60\)/);
    expect(() => scoreRows([row(880, 60)], series)).toThrow(/940 is not a sample time/);
    expect(() => scoreRows([row(1000, 60, Number.NaN, 1)], series)).toThrow(/p50 NaN, upper 1; expected finite/);
  });
});

describe('summarize', () => {
  it('matches the hand-computed example', () => {
    const rows = [
      { origin: 0, horizonS: 60, actual: 10, p50: 8, upper: 12 },
      { origin: 60, horizonS: 60, actual: 10, p50: 11, upper: 9 },
    ];
    const s = summarize(rows, 0.9);
    expect(s.n).toBe(2);
    expect(s.mae).toBeCloseTo(1.5, 12); // (2 + 1) / 2
    expect(s.pinball50).toBeCloseTo(0.75, 12);
    expect(s.pinballUpper).toBeCloseTo(0.55, 12); // (0.1 * 2 + 0.9 * 1) / 2
    expect(s.coverage).toBe(0.5);
  });
});
