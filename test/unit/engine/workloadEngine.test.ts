/**
 * The engine core, stepped through time with no server and no timers: it must decide exactly as the
 * backtest does, stay put between samples, mark missing data stale, fall back, and recover.
 */
import { forecastPass, planPass } from '../../../src/backtest/replay';
import type { Decision } from '../../../src/domain/decision';
import type { Series } from '../../../src/domain/series';
import { demoSeries } from '../../../src/demo/workload';
import { backtestConfigOf, defaultHorizons, WorkloadEngine, type WorkloadSpec } from '../../../src/engine/workloadEngine';
import { testSpec } from './spec';
import { classicalForecasters } from '../../../src/forecast/models';
import { detectPeriodicity } from '../../../src/periodicity';

const STEP = 300;
const START = Date.UTC(2026, 0, 5) / 1000; // a Monday, 00:00 UTC
const forecasters = () => classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'seasonal-naive');

const spec: WorkloadSpec = testSpec({
  name: 'chat',
  step: STEP,
  coldStartSeconds: 600,
  capacityPerPod: 50,
  maxReplicas: 200,
  horizons: defaultHorizons(3600, STEP),
  historySeconds: 3 * 86400,
});

const series = (start: number, values: Float64Array): Series => ({ start, step: STEP, values });
const N = 2 * 288; // two days at 5 min
const load = demoSeries(START, STEP, N, { seed: 7, peak: 600, burstsPerWeek: 0 });

describe('defaultHorizons', () => {
  it.each([
    ['60 s step, 30 min', 1800, 60, [60, 300, 600, 900, 1800]],
    ['5 min step, 1 h', 3600, 300, [300, 600, 900, 1800, 3600]],
    ['5 min step, 50 min (top rounded to the grid)', 3000, 300, [300, 600, 900, 1800, 3000]],
  ])('%s', (_name, h, step, want) => {
    expect(defaultHorizons(h, step)).toEqual(want);
  });
});

describe('WorkloadEngine', () => {
  it('decides at every step exactly as the backtest does, whatever the tick sizes', () => {
    const cfg = backtestConfigOf(spec);
    const s = series(START, load);
    const pass = forecastPass(s, cfg, forecasters(), detectPeriodicity);
    const want: Decision[] = [];
    planPass(s, pass, cfg, cfg.targetUtilization, (_i, d) => want.push(d));

    const eng = new WorkloadEngine(spec, forecasters(), detectPeriodicity);
    const got: Decision[] = [];
    // Backfill the first day in one call, then ticks of 1, 2 and 3 steps, as a service would.
    let i = 288;
    eng.ingest(series(START, load.subarray(0, i)), START + (i - 1) * STEP);
    expect(eng.decisions).toBe(i);
    let k = 0;
    while (i < N) {
      const take = Math.min(N - i, 1 + (k++ % 3));
      const now = START + (i + take - 1) * STEP + 10; // 10 s after the newest sample's grid time
      eng.ingest(series(START + i * STEP, load.subarray(i, i + take)), now);
      got.push(eng.latestDecision!);
      i += take;
    }
    expect(eng.decisions).toBe(N);
    // The last decision of each tick equals the backtest's decision at the same timestamp.
    for (const d of got) {
      const w = want[(d.time - START) / STEP]!;
      expect({ t: d.time, r: d.appliedReplicas, reason: d.reason, trusted: d.trusted }).toEqual({ t: w.time, r: w.appliedReplicas, reason: w.reason, trusted: w.trusted });
    }
    // The test would be empty if the forecast never took over: it must have, on this daily pattern.
    expect(want.filter((d) => d.trusted).length).toBeGreaterThan(N / 4);
  });

  it('steps through a ramp: replicas rise ahead of the load, and the recommendation is JSON-safe', () => {
    const eng = new WorkloadEngine(spec, forecasters(), detectPeriodicity);
    // Day 1 and a half: 00:00 day 1 to 12:00 day 2 covers the day-2 morning ramp (07:00-10:00).
    const n = 288 + 144;
    const recs: { t: number; replicas: number; load: number | null }[] = [];
    for (let i = 0; i < n; i++) {
      const t = START + i * STEP;
      eng.ingest(series(t, load.subarray(i, i + 1)), t);
      const r = eng.recommendation(t)!;
      recs.push({ t, replicas: r.replicas, load: r.load });
    }
    const at = (h: number) => recs[288 + h * 12]!.replicas;
    // 04:00 trough to 11:00 plateau: 600 x ~0.15 rps -> a few pods; 600 x ~0.85 -> ~15 pods at 35 rps per pod.
    expect(at(11)).toBeGreaterThan(2 * at(4));
    const r = eng.recommendation(START + (n - 1) * STEP + 30)!;
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.time).toBe(START + (n - 1) * STEP);
    expect(r.dataAgeSeconds).toBe(30);
    expect(r.stale).toBe(false);
    expect(r.validUntil).toBe(r.time + STEP + 2 * STEP);
    expect(r.bounds).toEqual({ min: 1, max: 200 });
    expect(r.coldStartSeconds).toBe(600);
    expect(r.modelStage).not.toBe('warmup');
  });

  it('waits for a late sample, then feeds it as missing: stale, fallback, and recovery', () => {
    const eng = new WorkloadEngine(spec, forecasters(), detectPeriodicity);
    const day = 288;
    eng.ingest(series(START, load.subarray(0, day + 60)), START + (day + 59) * STEP);
    const before = eng.recommendation(START + (day + 59) * STEP)!;
    expect(before.mode).toBe('proactive');
    const last = START + (day + 59) * STEP;

    // The collector returns nothing. Within the grace (2 steps) nothing is fed: same decision, ageing data.
    const empty = series(last + STEP, new Float64Array(0));
    expect(eng.ingest(empty, last + STEP + 60)).toBe(0);
    const held = eng.recommendation(last + STEP + 60)!;
    expect(held.time).toBe(before.time);
    expect(held.replicas).toBe(before.replicas);
    expect(held.dataAgeSeconds).toBe(STEP + 60);
    // stale after 2 steps (the guard's default, 600 s)
    expect(eng.recommendation(last + 2 * STEP + 1)!.stale).toBe(true);

    // Past the grace: the missing steps are fed, and the guard falls back (holding replicas, HPA semantics).
    const fed = eng.ingest(empty, last + 4 * STEP);
    expect(fed).toBe(2);
    const fb = eng.recommendation(last + 4 * STEP)!;
    expect(fb.mode).toBe('reactive');
    expect(fb.reason).toMatch(/^Fallback(MissingData|StaleData)$/);
    expect(fb.load).toBe(before.load); // the last finite observation, reported as such
    expect(fb.dataAgeSeconds).toBe(4 * STEP);
    expect([...eng.fallbacks.keys()].some((k) => k === 'FallbackMissingData' || k === 'FallbackStaleData')).toBe(true);

    // Data comes back (the gap stays a gap): fresh data, and the forecast is trusted again within an hour.
    let i = day + 62;
    const modes: string[] = [];
    for (; i < day + 74; i++) {
      const t = START + i * STEP;
      eng.ingest(series(t, load.subarray(i, i + 1)), t);
      const r = eng.recommendation(t)!;
      expect(r.load).toBe(load[i]);
      expect(r.stale).toBe(false);
      modes.push(r.mode);
    }
    expect(modes).toContain('proactive');
  });

  it('rejects samples on another step, naming both', () => {
    const eng = new WorkloadEngine(spec, forecasters(), detectPeriodicity);
    expect(() => eng.ingest({ start: START, step: 60, values: new Float64Array(3) }, START)).toThrow(/every 60 s, expected every 300 s/);
  });
});
