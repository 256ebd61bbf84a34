import type { QuantileForecast } from '../../../src/forecast/types';
import { ceilPods, peakOverLead, proactiveReplicas, reactiveReplicas } from '../../../src/planner/calculate';
import { coldStartLead } from '../../../src/planner/coldStart';

describe('proactiveReplicas = ceil(peak upper / (capacity x utilisation))', () => {
  const cases = [
    { name: 'worked example', upper: 1840, cap: 160, util: 0.9, want: 13 }, // 1840 / 144 = 12.78
    { name: 'exact multiple, floating dust forgiven', upper: 12, cap: 10, util: 0.6, want: 2 }, // 12 / 6.000000000000001
    { name: 'just above a multiple', upper: 144.5, cap: 160, util: 0.9, want: 2 },
    { name: 'zero load', upper: 0, cap: 100, util: 0.7, want: 0 },
    { name: 'negative forecast clamps to 0', upper: -5, cap: 100, util: 0.7, want: 0 },
  ];
  it.each(cases)('$name', ({ upper, cap, util, want }) => {
    expect(proactiveReplicas(upper, cap, util)).toBe(want);
  });
  it('ceilPods', () => {
    expect(ceilPods(2.0000000000000004)).toBe(2);
    expect(ceilPods(2.001)).toBe(3);
  });
});

describe('reactiveReplicas (HPA formula with tolerance 0.1)', () => {
  const base = { capacityPerPod: 100, targetUtilisation: 1, tolerance: 0.1 };
  const cases = [
    { name: 'ratio 1.5 -> ceil(1.5 x 6) = 9', load: 900, ready: 6, current: 6, want: 9, within: false },
    { name: 'ratio 1.05 within tolerance keeps current', load: 630, ready: 6, current: 6, want: 6, within: true },
    { name: 'ratio 0.9 exactly at tolerance keeps current', load: 540, ready: 6, current: 7, want: 7, within: true },
    { name: 'ratio 0.5 -> 3', load: 300, ready: 6, current: 6, want: 3, within: false },
    { name: 'ratio over ready pods, not requested ones', load: 900, ready: 3, current: 6, want: 9, within: false },
    { name: 'no ready pod: from load alone (Knative activator path)', load: 250, ready: 0, current: 0, want: 3, within: false },
    { name: 'no ready pod yet, more already requested', load: 250, ready: 0, current: 5, want: 5, within: false },
    { name: 'no ready pod, no load: keep requested', load: 0, ready: 0, current: 2, want: 2, within: false },
    { name: 'zero load on ready pods -> 0 (bounds and the zero rule decide later)', load: 0, ready: 4, current: 4, want: 0, within: false },
  ];
  it.each(cases)('$name', ({ load, ready, current, want, within }) => {
    const r = reactiveReplicas({ ...base, load, readyReplicas: ready, currentReplicas: current });
    expect(r.replicas).toBe(want);
    expect(r.withinTolerance).toBe(within);
  });
});

describe('peakOverLead', () => {
  const pts = (xs: Array<[number, number, number]>): QuantileForecast[] =>
    xs.map(([time, p50, upper], i) => ({ time, horizonSteps: i + 1, p50, upper }));
  it('takes the highest upper (and its time) and the highest p50 inside [now, now + lead]', () => {
    const p = peakOverLead(pts([[60, 10, 20], [120, 30, 35], [180, 25, 40], [240, 99, 999]]), 0, 180);
    expect(p).toEqual({ time: 180, upper: 40, p50: 30 });
  });
  it('includes the first point after the window when none falls on its end (coarse grid)', () => {
    expect(peakOverLead(pts([[300, 1, 2], [600, 5, 9], [900, 1, 1]]), 0, 450)).toEqual({ time: 600, upper: 9, p50: 5 });
  });
  it('does not include a later point when one falls exactly on the end', () => {
    expect(peakOverLead(pts([[300, 1, 2], [600, 5, 9]]), 0, 300)).toEqual({ time: 300, upper: 2, p50: 1 });
  });
  it('skips past and non-finite points; null when nothing usable', () => {
    expect(peakOverLead(pts([[-60, 9, 9], [60, NaN, 5]]), 0, 120)).toBeNull();
    expect(peakOverLead([], 0, 120)).toBeNull();
  });
  it('does not mutate its input', () => {
    const xs = Object.freeze(pts([[60, 1, 2]]).map((p) => Object.freeze(p)));
    expect(() => peakOverLead(xs, 0, 60)).not.toThrow();
  });
});

describe('coldStartLead (type 7 percentile of created-to-ready seconds)', () => {
  const cases = [
    { name: 'worked example: p95 of 5 samples', xs: [60, 70, 80, 90, 600], p: 0.95, def: 120, want: 498 },
    { name: 'median of an even count interpolates', xs: [100, 200, 300, 400], p: 0.5, def: 0, want: 250 },
    { name: 'order does not matter', xs: [600, 60, 90, 80, 70], p: 0.95, def: 120, want: 498 },
    { name: 'p100 is the max', xs: [5, 50, 500], p: 1, def: 0, want: 500 },
    { name: 'one sample', xs: [42], p: 0.95, def: 120, want: 42 },
    { name: 'no samples -> default', xs: [], p: 0.95, def: 120, want: 120 },
    { name: 'NaN, Infinity and negatives ignored', xs: [NaN, Infinity, -3, 30], p: 0.95, def: 120, want: 30 },
  ];
  it.each(cases)('$name', ({ xs, p, def, want }) => {
    expect(coldStartLead(Object.freeze([...xs]), p, def)).toBeCloseTo(want, 9);
  });
  it('errors name the argument, the value and what was expected', () => {
    expect(() => coldStartLead([1], 95, 0)).toThrow(/percentile is 95, expected a fraction in \(0, 1\] \(did you mean 0.95\?\)/);
    expect(() => coldStartLead([1], 0, 0)).toThrow(/percentile is 0/);
    expect(() => coldStartLead([1], 0.9, -1)).toThrow(/defaultSeconds is -1, expected a finite number >= 0/);
  });
});
