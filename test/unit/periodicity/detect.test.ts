import fc from 'fast-check';
import { DAILY_MIN_HISTORY_S, detectPeriodicity, WEEKLY_MIN_HISTORY_S } from '../../../src/periodicity/detect';
import { seasonalStrength } from '../../../src/periodicity/strength';
import { sine, webLoad, whiteNoise } from './synth';

// Fixed seeds keep CI deterministic; change them locally to explore.
const FC = { seed: Number(process.env.FC_SEED ?? 20261125), numRuns: Number(process.env.FC_RUNS ?? 30) };

describe('detectPeriodicity: properties', () => {
  // [step seconds, period in samples]: calendar and non-calendar periods, 1-min and 5-min steps.
  const cases: ReadonlyArray<readonly [number, number]> = [
    [60, 90], // 90 min
    [60, 37],
    [60, 1440], // 1 day
    [300, 288], // 1 day
    [300, 50], // 250 min
    [60, 500],
    [300, 7],
  ];

  it('finds the period p of a noisy sinusoid (within 1 step or 2%)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.integer({ min: 6, max: 12 }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        ([step, period], cycles, noise, phase, amplitude, seed) => {
          const n = Math.min(cycles * period, 20_000);
          const x = sine({ n, period, amplitude, offset: 3 * amplitude, phase, noise: noise * amplitude, seed });
          const r = detectPeriodicity(x, step);
          expect(r.periodic).toBe(true);
          const top = r.periods[0]!;
          expect(Math.abs(top.samples - period)).toBeLessThanOrEqual(Math.max(1, 0.02 * period));
          expect(top.seconds).toBe(top.samples * step);
          // Sine variance a^2/2 over noise variance: the reported strength is that share.
          expect(top.strength).toBeGreaterThan(0.5 / (0.5 + noise * noise) - 0.1);
        },
      ),
      FC,
    );
  });

  it('reports a constant series (with or without tiny noise) as aperiodic, with a reason', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 10, max: 6000 }),
        fc.constantFrom(60, 300),
        fc.constantFrom(0, 1e-12, 1e-6, 1e-3),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (c, n, step, relNoise, seed) => {
          const x = relNoise === 0 ? new Float64Array(n).fill(c) : whiteNoise(n, relNoise * Math.max(1, Math.abs(c)), seed, c);
          const r = detectPeriodicity(x, step);
          expect(r.periodic).toBe(false);
          expect(r.periods).toEqual([]);
          expect(r.reason).toMatch(/^aperiodic: /);
          if (relNoise === 0) expect(r.reason).toMatch(/flat series/);
        },
      ),
      FC,
    );
  });
});

describe('detectPeriodicity: scenarios', () => {
  it('finds daily and weekly (strongest first) under spikes up to 287x, a level shift and a trend', () => {
    // 8 weeks: with 4 weeks, this +60 shift (60% of the daily swing) leaves weekly 0.80 < daily 0.81
    // (a one-week moving-average trend ramps through the shift), and weekly is not reported.
    const x = webLoad({ days: 56, step: 300, seed: 12, spikes: true, levelShift: true, trendPerDay: 3 });
    const r = detectPeriodicity(x, 300);
    expect(r.periodic).toBe(true);
    const labels = r.periods.map((p) => p.label);
    expect(labels).toContain('daily');
    expect(labels).toContain('weekly');
    const daily = r.periods.find((p) => p.label === 'daily')!;
    const weekly = r.periods.find((p) => p.label === 'weekly')!;
    expect(daily.samples).toBe(288);
    expect(weekly.samples).toBe(2016);
    expect(weekly.seconds).toBe(604800);
    for (let i = 1; i < r.periods.length; i++) expect(r.periods[i - 1]!.strength).toBeGreaterThanOrEqual(r.periods[i]!.strength);
    // The report's strength is the public seasonalStrength, so the forecaster sees the same number.
    expect(daily.strength).toBeCloseTo(seasonalStrength(x, 288), 12);
    expect(r.reason).toMatch(/^periodic: .*daily 288 samples \(1 day\)/);
  });

  it('reports daily only (weekly not checked) with 10 days of 1-minute data, and says why', () => {
    const x = webLoad({ days: 10, step: 60, seed: 3 });
    const r = detectPeriodicity(x, 60);
    expect(r.periods.map((p) => [p.label, p.samples])).toEqual([['daily', 1440]]);
    expect(r.reason).toContain('weekly cycle not checked: needs 2 weeks, have 10 days');
  });

  it('works through NaN gaps (a 6 h hole, scattered NaN, missing ends) and says how many were missing', () => {
    const x = webLoad({ days: 21, step: 300, seed: 7 });
    for (let i = 1000; i < 1072; i++) x[i] = NaN;
    for (let i = 0; i < x.length; i += 37) x[i] = NaN;
    x[x.length - 1] = NaN;
    const r = detectPeriodicity(x, 300);
    expect(r.periodic).toBe(true);
    expect(r.periods[0]!.strength).not.toBeNaN();
    expect(r.periods.map((p) => p.label)).toEqual(expect.arrayContaining(['daily', 'weekly']));
    expect(r.reason).toMatch(/\d+ of 6048 samples missing \(\d+%\), interpolated for detection/);
  });

  it('calls a series too short for a daily cycle aperiodic, naming the needed and actual length', () => {
    const x = webLoad({ days: 1, step: 60, seed: 1 }).subarray(0, 300); // 5 h of minutes
    const r = detectPeriodicity(x, 60);
    expect(r.periodic).toBe(false);
    expect(r.reason).toMatch(/^aperiodic: too short to see a daily cycle: needs 2 days, have 5 h/);
    expect(DAILY_MIN_HISTORY_S).toBe(2 * 86400);
    expect(WEEKLY_MIN_HISTORY_S).toBe(14 * 86400);
  });

  it('still finds a short cycle in a series too short for a daily one', () => {
    const x = sine({ n: 300, period: 30, noise: 0.3, seed: 9 });
    const r = detectPeriodicity(x, 60);
    expect(r.periods[0]).toMatchObject({ samples: 30, label: 'other' });
    expect(r.reason).toContain('too short to see a daily cycle: needs 2 days, have 5 h');
  });

  it('calls white noise aperiodic, quoting the strongest candidate and the threshold', () => {
    const r = detectPeriodicity(whiteNoise(4 * 288, 1, 4, 10), 300);
    expect(r.periodic).toBe(false);
    expect(r.reason).toMatch(/^aperiodic: strongest candidate \d+ samples \(.+\) has strength 0\.\d\d (< 0\.3|but is not significant)/);
  });

  it('drops a 12 h harmonic and a 2-day multiple of a daily cycle', () => {
    // A peaky daily cycle has strong 12 h harmonics and ACF peaks at 2, 3 ... days.
    const x = webLoad({ days: 8, step: 300, seed: 21 });
    const r = detectPeriodicity(x, 300);
    expect(r.periods.map((p) => p.samples)).toEqual([288]);
  });

  it('is pure: same output twice, input untouched', () => {
    const x = webLoad({ days: 15, step: 300, seed: 2, spikes: true });
    const copy = Float64Array.from(x);
    const a = detectPeriodicity(x, 300);
    const b = detectPeriodicity(x, 300);
    expect(b).toEqual(a);
    expect(x).toEqual(copy);
  });

  it('handles all-NaN and empty input with a reason', () => {
    expect(detectPeriodicity(new Float64Array(50).fill(NaN), 60).reason).toBe(
      'aperiodic: no finite sample among the 50 given; 50 of 50 samples missing (100%), interpolated for detection',
    );
    expect(detectPeriodicity(new Float64Array(0), 60).reason).toBe('aperiodic: no finite sample among the 0 given');
  });

  it.each([
    ['step', () => detectPeriodicity(new Float64Array(10), 0), /step is 0: expected a positive number of seconds/],
    ['minStrength', () => detectPeriodicity(new Float64Array(10), 60, { minStrength: 1.5 }), /minStrength is 1.5: expected a number in \(0, 1\)/],
    ['maxPeriods', () => detectPeriodicity(new Float64Array(10), 60, { maxPeriods: 0 }), /maxPeriods is 0: expected an integer >= 1/],
    ['minPeriodSamples', () => detectPeriodicity(new Float64Array(10), 60, { minPeriodSamples: 1 }), /minPeriodSamples is 1/],
  ])('rejects a bad %s, naming value and expectation', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});
