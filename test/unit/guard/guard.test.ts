import {
  DEFAULT_GUARD_CONFIG,
  guardStep,
  initialGuardState,
  resolveGuardConfig,
  rollingError,
  type GuardInput,
  type GuardState,
} from '../../../src/guard/guard';

const cfg = DEFAULT_GUARD_CONFIG;
const input = (over: Partial<GuardInput>): GuardInput => ({
  load: 100, dataAgeSeconds: 30, stage: 'ready', hasForecast: true, band: { p50: 100, upper: 130 }, ...over,
});
const trusted: GuardState = { trusted: true, trigger: null, aboveBandSteps: 0, goodSteps: 50, errors: [] };
const recovering = (goodSteps: number): GuardState => ({ trusted: false, trigger: 'FallbackBurst', aboveBandSteps: 0, goodSteps, errors: [] });
/** n error entries ending before `now` = 10,000 with a given WAPE (|err| = wape x 100 on load 100). */
const errorsWith = (n: number, wape: number): Array<[number, number, number]> =>
  Array.from({ length: n }, (_, i) => [10_000 - (n - i) * 15, wape * 100, 100] as [number, number, number]);

describe('guardStep: one step (table)', () => {
  const cases: Array<{ name: string; prev: GuardState; in: Partial<GuardInput>; trusted: boolean; reason: string | null; detail?: RegExp }> = [
    { name: 'trusted stays trusted on a normal step', prev: trusted, in: {}, trusted: true, reason: null },
    { name: 'missing load (NaN)', prev: trusted, in: { load: NaN }, trusted: false, reason: 'FallbackMissingData', detail: /missing or invalid \(NaN\)/ },
    { name: 'non-finite load', prev: trusted, in: { load: Infinity }, trusted: false, reason: 'FallbackMissingData' },
    { name: 'negative load is invalid', prev: trusted, in: { load: -1 }, trusted: false, reason: 'FallbackMissingData' },
    { name: 'stale data: 300 s > 120 s', prev: trusted, in: { dataAgeSeconds: 300 }, trusted: false, reason: 'FallbackStaleData', detail: /data is 300s old \(stale after 120s\)/ },
    { name: 'age exactly at the limit is fresh', prev: trusted, in: { dataAgeSeconds: 120 }, trusted: true, reason: null },
    { name: 'unknown data age is stale', prev: trusted, in: { dataAgeSeconds: NaN }, trusted: false, reason: 'FallbackStaleData' },
    { name: 'warmup', prev: trusted, in: { stage: 'warmup' }, trusted: false, reason: 'FallbackWarmup' },
    { name: 'no forecast for the lead window', prev: trusted, in: { hasForecast: false }, trusted: false, reason: 'FallbackMissingData', detail: /no forecast/ },
    { name: 'burst: 200 > 1.5 x 130', prev: trusted, in: { load: 200 }, trusted: false, reason: 'FallbackBurst', detail: /load 200 is 1.5x the upper band 130 \(burst\)/ },
    { name: 'just under the burst factor, first step above the band', prev: trusted, in: { load: 194 }, trusted: true, reason: null },
    { name: 'third step in a row above the band', prev: { ...trusted, aboveBandSteps: 2 }, in: { load: 131 }, trusted: false, reason: 'FallbackBandExceeded', detail: /3 steps in a row/ },
    { name: 'second step above the band is tolerated', prev: { ...trusted, aboveBandSteps: 1 }, in: { load: 131 }, trusted: true, reason: null },
    { name: 'any load on a zero band is a burst', prev: trusted, in: { load: 1, band: { p50: 0, upper: 0 } }, trusted: false, reason: 'FallbackBurst' },
    { name: 'rolling error 0.6 > 0.5', prev: { ...trusted, errors: errorsWith(20, 0.6) }, in: { load: 100, band: { p50: 40, upper: 130 } }, trusted: false, reason: 'FallbackForecastError', detail: /rolling p50 error 0.60 over the last 60m exceeds 0.5/ },
    { name: 'rolling error 0.45 is tolerated while trusted', prev: { ...trusted, errors: errorsWith(20, 0.45) }, in: {}, trusted: true, reason: null },
    { name: 'too few samples to score an error', prev: { ...trusted, errors: errorsWith(3, 0.9) }, in: {}, trusted: true, reason: null },
    { name: 'recovering: a good step counts', prev: recovering(3), in: {}, trusted: false, reason: 'FallbackRecovering', detail: /4\/10 good steps/ },
    { name: 'recovering: the 10th good step returns to the forecast', prev: recovering(9), in: {}, trusted: true, reason: null },
    { name: 'recovering: error between the thresholds is not good', prev: { ...recovering(9), errors: errorsWith(20, 0.4) }, in: {}, trusted: false, reason: 'FallbackRecovering', detail: /0\/10 good steps, rolling error 0.38/ },
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

describe('resolveGuardConfig', () => {
  it('defaults', () => {
    expect(resolveGuardConfig()).toEqual(DEFAULT_GUARD_CONFIG);
  });
  const cases = [
    { over: { bandExceedSteps: 0 }, msg: /guard.bandExceedSteps is 0, expected an integer >= 1/ },
    { over: { burstFactor: 0.9 }, msg: /guard.burstFactor is 0.9, expected a number >= 1/ },
    { over: { recoverErrorThreshold: 0.7 }, msg: /guard.recoverErrorThreshold is 0.7, expected a number in \(0, errorThreshold 0.5\]/ },
    { over: { staleAfterSeconds: -1 }, msg: /guard.staleAfterSeconds is -1/ },
  ];
  it.each(cases)('rejects $over', ({ over, msg }) => {
    expect(() => resolveGuardConfig(over)).toThrow(msg);
  });
});
