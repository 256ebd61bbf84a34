import {
  DEFAULT_GUARD_CONFIG,
  guardStep,
  initialGuardState,
  resolveGuardConfig,
  bandError,
  rollingError,
  type ErrorEntry,
  type GuardInput,
  type GuardState,
} from '../../../src/guard/guard';

const cfg = DEFAULT_GUARD_CONFIG;
const input = (over: Partial<GuardInput>): GuardInput => ({
  load: 100, dataAgeSeconds: 30, stage: 'ready', hasForecast: true, band: { p50: 100, upper: 130 }, ...over,
});
const trusted: GuardState = { trusted: true, trigger: null, aboveBandSteps: 0, goodSteps: 50, errors: [] };
const recovering = (goodSteps: number): GuardState => ({ trusted: false, trigger: 'FallbackBurst', aboveBandSteps: 0, goodSteps, errors: [] });
/**
 * n error entries ending before `now` = 10,000, on load 100 with a band half-width `width`
 * (default 25), each missing by `ratio` half-widths: |err| = ratio x width, WAPE = |err| / 100.
 */
const errorsWith = (n: number, ratio: number, width = 25): ErrorEntry[] =>
  Array.from({ length: n }, (_, i) => [10_000 - (n - i) * 15, ratio * width, 100, width] as const);

describe('guardStep: one step (table)', () => {
  const cases: Array<{ name: string; prev: GuardState; in: Partial<GuardInput>; trusted: boolean; reason: string | null; detail?: RegExp }> = [
    { name: 'trusted stays trusted on a normal step', prev: trusted, in: {}, trusted: true, reason: null },
    { name: 'missing load (NaN)', prev: trusted, in: { load: NaN }, trusted: false, reason: 'FallbackMissingData', detail: /missing or invalid \(NaN\)/ },
    { name: 'non-finite load', prev: trusted, in: { load: Infinity }, trusted: false, reason: 'FallbackMissingData' },
    { name: 'negative load is invalid', prev: trusted, in: { load: -1 }, trusted: false, reason: 'FallbackMissingData' },
    { name: 'stale data: 300 s > 120 s', prev: trusted, in: { dataAgeSeconds: 300 }, trusted: false, reason: 'FallbackStaleData', detail: /data is 5m old, stale after 2m$/ },
    { name: 'age exactly at the limit is fresh', prev: trusted, in: { dataAgeSeconds: 120 }, trusted: true, reason: null },
    { name: 'unknown data age is stale', prev: trusted, in: { dataAgeSeconds: NaN }, trusted: false, reason: 'FallbackStaleData' },
    { name: 'warmup', prev: trusted, in: { stage: 'warmup' }, trusted: false, reason: 'FallbackWarmup' },
    { name: 'no forecast for the lead window', prev: trusted, in: { hasForecast: false }, trusted: false, reason: 'FallbackMissingData', detail: /no forecast/ },
    { name: 'burst: 200 > 1.5 x 130', prev: trusted, in: { load: 200 }, trusted: false, reason: 'FallbackBurst', detail: /load 200 is 1.5x the upper band 130 \(burst\)/ },
    { name: 'just under the burst factor, first step above the band', prev: trusted, in: { load: 194 }, trusted: true, reason: null },
    { name: 'third step in a row above the band', prev: { ...trusted, aboveBandSteps: 2 }, in: { load: 131 }, trusted: false, reason: 'FallbackBandExceeded', detail: /3 steps in a row/ },
    { name: 'second step above the band is tolerated', prev: { ...trusted, aboveBandSteps: 1 }, in: { load: 131 }, trusted: true, reason: null },
    { name: 'any load on a zero band is a burst', prev: trusted, in: { load: 1, band: { p50: 0, upper: 0 } }, trusted: false, reason: 'FallbackBurst' },
    // 21 steps each missing by 80: (20 x 80 + 80) / (20 x 25 + 50) = 3.05 half-widths > 3; WAPE 80 / 100.
    { name: 'rolling error 3.05 half-widths > 3', prev: { ...trusted, errors: errorsWith(20, 3.2) }, in: { load: 100, band: { p50: 20, upper: 70 } }, trusted: false, reason: 'FallbackForecastError', detail: /rolling p50 error 3.05 band half-widths over the last 60m \(WAPE 0.80\) exceeds 3/ },
    // (20 x 70 + 0) / (20 x 25 + 30) = 2.64 <= 3.
    { name: 'rolling error 2.64 half-widths is tolerated while trusted', prev: { ...trusted, errors: errorsWith(20, 2.8) }, in: {}, trusted: true, reason: null },
    // A noisy low-count night: the median misses by 80% of the load (WAPE 0.8, the old rule fell
    // back at 0.5) but the band is 160 wide, so that is 0.5 half-widths: as calibrated, trusted.
    { name: 'noisy night: WAPE 0.8 within a wide band is trusted', prev: { ...trusted, errors: errorsWith(20, 0.5, 160) }, in: {}, trusted: true, reason: null },
    { name: 'too few samples to score an error', prev: { ...trusted, errors: errorsWith(3, 9) }, in: {}, trusted: true, reason: null },
    // A pod serves 15: 10 on a band of 4 is 2.5x but only 6 over it, under one pod's worth.
    { name: 'burst below one pod of excess is not a burst', prev: trusted, in: { load: 10, band: { p50: 2, upper: 4 }, podLoad: 15 }, trusted: true, reason: null },
    { name: 'burst beyond one pod of excess: 25 > 4 + 15', prev: trusted, in: { load: 25, band: { p50: 2, upper: 4 }, podLoad: 15 }, trusted: false, reason: 'FallbackBurst', detail: /load 25 is 6.3x the upper band 4/ },
    { name: 'third step above the band by less than a pod does not count', prev: { ...trusted, aboveBandSteps: 2 }, in: { load: 131, podLoad: 50 }, trusted: true, reason: null },
    { name: 'third step above the band by more than a pod', prev: { ...trusted, aboveBandSteps: 2 }, in: { load: 181, podLoad: 50 }, trusted: false, reason: 'FallbackBandExceeded' },
    { name: 'recovering: a good step counts', prev: recovering(3), in: {}, trusted: false, reason: 'FallbackRecovering', detail: /4\/10 good steps/ },
    { name: 'recovering: the 10th good step returns to the forecast', prev: recovering(9), in: {}, trusted: true, reason: null },
    // (20 x 45 + 0) / (20 x 25 + 30) = 1.70: between recover 1.5 and fallback 3.
    { name: 'recovering: error between the thresholds is not good', prev: { ...recovering(9), errors: errorsWith(20, 1.8) }, in: {}, trusted: false, reason: 'FallbackRecovering', detail: /0\/10 good steps, rolling error 1.70/ },
    { name: 'recovering: above the band by less than a pod is good', prev: recovering(9), in: { load: 131, podLoad: 50 }, trusted: true, reason: null },
    { name: 'recovering: above the band is not good', prev: recovering(9), in: { load: 131 }, trusted: false, reason: 'FallbackRecovering', detail: /0\/10/ },
    { name: 'recovering: no band to check is not good', prev: recovering(9), in: { band: null }, trusted: false, reason: 'FallbackRecovering', detail: /0\/10/ },
  ];
  it.each(cases)('$name', ({ prev, in: over, trusted: wantTrusted, reason, detail }) => {
    const { verdict } = guardStep(input(over), prev, cfg, 10_000);
    expect(verdict.trusted).toBe(wantTrusted);
    expect(verdict.reason).toBe(reason);
    if (detail) expect(verdict.detail).toMatch(detail);
  });
});

describe('guardStep: over time', () => {
  const stepAll = (inputs: Array<Partial<GuardInput>>, start: GuardState): Array<{ trusted: boolean; reason: string | null }> => {
    let s = start;
    return inputs.map((over, i) => {
      const r = guardStep(input(over), s, cfg, 1000 + i * 15);
      s = JSON.parse(JSON.stringify(r.next)) as GuardState; // the state must survive JSON
      return { trusted: r.verdict.trusted, reason: r.verdict.reason };
    });
  };

  it('starts distrusted and trusts the forecast after exactly 10 good steps', () => {
    const out = stepAll(Array.from({ length: 12 }, () => ({})), initialGuardState());
    expect(out.map((o) => o.trusted)).toEqual([false, false, false, false, false, false, false, false, false, true, true, true]);
  });

  it('hysteresis: alternating good and above-band steps never return to the forecast', () => {
    const flap = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? {} : { load: 140 }));
    expect(stepAll(flap, recovering(0)).some((o) => o.trusted)).toBe(false);
  });

  it('a burst, then calm: fallback for the burst, recovering for 9 steps, then trusted', () => {
    const seq = [{ load: 300 }, ...Array.from({ length: 10 }, () => ({}))];
    const out = stepAll(seq, trusted);
    expect(out[0]).toEqual({ trusted: false, reason: 'FallbackBurst' });
    expect(out.slice(1, 10).every((o) => o.reason === 'FallbackRecovering')).toBe(true);
    expect(out[10]).toEqual({ trusted: true, reason: null });
  });

  it('a data outage resets the recovery count', () => {
    const seq = [...Array.from({ length: 8 }, () => ({})), { load: NaN }, ...Array.from({ length: 9 }, () => ({}))];
    const out = stepAll(seq, recovering(0));
    expect(out[8]?.reason).toBe('FallbackMissingData');
    expect(out.every((o) => !o.trusted)).toBe(true);
  });

  it('keeps only the last hour of errors', () => {
    let s = initialGuardState();
    for (let i = 0; i < 400; i++) s = guardStep(input({}), s, cfg, i * 15).next;
    // (now - 3600, now] at 15 s steps holds 240 entries.
    expect(s.errors).toHaveLength(240);
  });
});

describe('rollingError (WAPE of the median)', () => {
  it('worked example: y = [100, 100], p50 = [80, 130] -> 50 / 200', () => {
    expect(rollingError([[0, 20, 100], [15, 30, 100]], 1, 0)).toBeCloseTo(0.25, 12);
  });
  it('null with too few samples, no load, or mean load under the floor', () => {
    expect(rollingError([[0, 20, 100]], 2, 0)).toBeNull();
    expect(rollingError([[0, 5, 0], [15, 5, 0]], 1, 0)).toBeNull();
    expect(rollingError([[0, 1, 0.5], [15, 1, 0.5]], 1, 1)).toBeNull();
  });
});

describe('bandError (median error in band half-widths)', () => {
  const e = (err: number, load: number, width: number): ErrorEntry => [0, err, load, width];
  it('worked example: errors 20 and 30 on half-widths 25 and 25 -> 1.0', () => {
    expect(bandError([e(20, 100, 25), e(30, 100, 25)], 1, 0)).toBeCloseTo(1, 12);
  });
  it('weights by width: one wide night step does not dominate', () => {
    // Day: miss 10 on width 40; night: miss 6 on a load of 8 (WAPE 0.75) but width 10 -> 16 / 50.
    expect(bandError([e(10, 200, 40), e(6, 8, 10)], 1, 0)).toBeCloseTo(0.32, 12);
  });
  it('a zero-width band: Infinity when the median missed, 0 when it did not', () => {
    expect(bandError([e(5, 100, 0), e(5, 100, 0)], 1, 0)).toBe(Infinity);
    expect(bandError([e(0, 100, 0), e(0, 100, 0)], 1, 0)).toBe(0);
  });
  it('the same null rules as rollingError (samples, load floor)', () => {
    expect(bandError([e(20, 100, 25)], 2, 0)).toBeNull();
    expect(bandError([e(5, 0, 5), e(5, 0, 5)], 1, 0)).toBeNull();
    expect(bandError([e(1, 0.5, 1), e(1, 0.5, 1)], 1, 1)).toBeNull();
  });
  it('a calibrated Laplace forecast scores about 0.62 (the basis of the thresholds)', () => {
    // Laplace(0, b) errors: E|e| = b, the p90 half-width is b ln 5; deterministic quantile grid.
    const n = 2000;
    const b = 10;
    const entries = Array.from({ length: n }, (_, i) => {
      const u = (i + 0.5) / n;
      const err = u < 0.5 ? b * Math.log(2 * u) : -b * Math.log(2 - 2 * u);
      return e(Math.abs(err), 100, b * Math.log(5));
    });
    expect(bandError(entries, 1, 0)).toBeCloseTo(1 / Math.log(5), 2);
  });
});

describe('guardStep: minExcessPods 0 restores the purely relative rules', () => {
  it('a 2.5x excess of 6 with a 15-load pod is a burst when minExcessPods is 0', () => {
    const c = resolveGuardConfig({ minExcessPods: 0 });
    const { verdict } = guardStep(input({ load: 10, band: { p50: 2, upper: 4 }, podLoad: 15 }), trusted, c, 10_000);
    expect(verdict.reason).toBe('FallbackBurst');
  });
  it('without podLoad the excess rule has no floor either', () => {
    const { verdict } = guardStep(input({ load: 10, band: { p50: 2, upper: 4 } }), trusted, cfg, 10_000);
    expect(verdict.reason).toBe('FallbackBurst');
  });
});

describe('resolveGuardConfig', () => {
  it('defaults', () => {
    expect(resolveGuardConfig()).toEqual(DEFAULT_GUARD_CONFIG);
  });
  const cases = [
    { over: { bandExceedSteps: 0 }, msg: /guard.bandExceedSteps is 0, expected an integer >= 1/ },
    { over: { burstFactor: 0.9 }, msg: /guard.burstFactor is 0.9, expected a number >= 1/ },
    { over: { recoverErrorThreshold: 3.5 }, msg: /guard.recoverErrorThreshold is 3.5, expected a number in \(0, errorThreshold 3\]/ },
    { over: { minExcessPods: -1 }, msg: /guard.minExcessPods is -1, expected a number of pods >= 0/ },
    { over: { staleAfterSeconds: -1 }, msg: /guard.staleAfterSeconds is -1/ },
  ];
  it.each(cases)('rejects $over', ({ over, msg }) => {
    expect(() => resolveGuardConfig(over)).toThrow(msg);
  });
});
