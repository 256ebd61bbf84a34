import { aggregate, centredMovingAverage, fillMissing, median, rollingMedian } from '../../../src/periodicity/robust';
import { formatDuration } from '../../../src/periodicity/format';
import { seasonalStrength } from '../../../src/periodicity/strength';
import { sine, webLoad, whiteNoise } from './synth';

describe('seasonalStrength', () => {
  // Sine of amplitude a has variance a^2/2; with noise SD s: F = (a^2/2) / (a^2/2 + s^2).
  it.each([
    { name: 'sine, noise SD 0.5, 20 cycles', n: 2000, period: 100, noise: 0.5, expected: 0.5 / 0.75 },
    { name: 'sine, noise SD 1, 10 cycles', n: 1440, period: 144, noise: 1, expected: 0.5 / 1.5 },
    { name: 'sine, noise SD 0.2, 2 cycles', n: 576, period: 288, noise: 0.2, expected: 0.5 / 0.54 },
  ])('$name -> about $expected', ({ n, period, noise, expected }) => {
    const f = seasonalStrength(sine({ n, period, noise, seed: 11 }), period);
    expect(Math.abs(f - expected)).toBeLessThan(0.05);
  });

  it('is about 0 for white noise even with 2 cycles (naive Hyndman would give 1/k = 0.5)', () => {
    for (const seed of [1, 2, 3]) {
      expect(seasonalStrength(whiteNoise(576, 1, seed), 288)).toBeLessThan(0.06);
      expect(seasonalStrength(whiteNoise(5760, 1, seed), 288)).toBeLessThan(0.03);
    }
  });

  it('is not moved much by 287x spikes, a level shift or a trend', () => {
    const clean = webLoad({ days: 14, step: 300, seed: 5 });
    const dirty = webLoad({ days: 14, step: 300, seed: 5, spikes: true, levelShift: true, trendPerDay: 5 });
    const fc = seasonalStrength(clean, 288);
    const fd = seasonalStrength(dirty, 288);
    expect(fc).toBeGreaterThan(0.6);
    expect(Math.abs(fd - fc)).toBeLessThan(0.1);
  });

  it('interpolates NaN gaps and never returns NaN; 0 with fewer than two full periods', () => {
    const x = sine({ n: 2000, period: 100, noise: 0.3, seed: 4 });
    const gappy = Float64Array.from(x);
    for (let i = 300; i < 340; i++) gappy[i] = NaN;
    gappy[0] = NaN;
    gappy[1999] = Infinity;
    const f = seasonalStrength(gappy, 100);
    expect(Number.isFinite(f)).toBe(true);
    expect(Math.abs(f - seasonalStrength(x, 100))).toBeLessThan(0.05);
    expect(seasonalStrength(x.subarray(0, 199), 100)).toBe(0);
    expect(seasonalStrength(new Float64Array(500).fill(NaN), 100)).toBe(0);
    expect(seasonalStrength(new Float64Array(500).fill(7), 100)).toBe(0);
  });

  it('does not mutate its input and rejects a bad period, naming it', () => {
    const x = sine({ n: 400, period: 40, noise: 0.5, seed: 2 });
    const copy = Float64Array.from(x);
    seasonalStrength(x, 40);
    expect(x).toEqual(copy);
    expect(() => seasonalStrength(x, 1)).toThrow(/period is 1: expected an integer >= 2/);
    expect(() => seasonalStrength(x, 2.5)).toThrow(/period is 2.5/);
  });
});

describe('robust helpers', () => {
  it('fillMissing trims the ends and interpolates inside', () => {
    const f = fillMissing(Float64Array.from([NaN, 1, NaN, 3, NaN, NaN, 9, NaN]));
    expect(Array.from(f.values)).toEqual([1, 2, 3, 5, 7, 9]);
    expect(f.offset).toBe(1);
    expect(f.interpolated).toBe(3);
  });

  it('rollingMedian equals a naive window median', () => {
    const x = whiteNoise(200, 1, 8);
    const fast = rollingMedian(x, 7);
    for (const i of [0, 1, 3, 100, 197, 199]) {
      const w = x.subarray(Math.max(0, i - 3), Math.min(200, i + 4));
      expect(fast[i]).toBeCloseTo(median(w), 12);
    }
  });

  it('centredMovingAverage removes a cycle of exactly the window (even and odd) and keeps a line', () => {
    for (const p of [24, 25]) {
      const x = new Float64Array(10 * p);
      for (let i = 0; i < x.length; i++) x[i] = 2 * i + 5 * Math.sin((2 * Math.PI * i) / p);
      const t = centredMovingAverage(x, p);
      for (const i of [p, 5 * p + 3, 9 * p]) expect(t[i]).toBeCloseTo(2 * i, 6);
    }
  });

  it('aggregate keeps a last bin holding at least half a bin', () => {
    expect(Array.from(aggregate(Float64Array.from([1, 2, 3, 4, 5, 6, 7]), 3))).toEqual([2, 5]);
    expect(Array.from(aggregate(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 3))).toEqual([2, 5, 7.5]);
  });

  it.each([
    [604800, '1 week'],
    [172800, '2 days'],
    [86400, '1 day'],
    [18000, '5 h'],
    [5400, '90 min'],
    [828000, '9.6 days'],
    [45, '45 s'],
  ])('formatDuration(%d) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
