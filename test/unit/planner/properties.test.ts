import fc from 'fast-check';
import type { ScalingMode } from '../../../src/domain/decision';
import { resolvePlannerConfig, type PlannerConfig, type PlannerConfigInput } from '../../../src/planner/config';
import { decide, initialPlannerState, type DecisionInput, type PlannerState } from '../../../src/planner/decide';
import { trustedGuard } from './helpers';

// Properties of the core (fast-check). Numbers are drawn as scaled integers: fast-check's doubles
// favour extreme values (1e-300, 4e-20), which never reach the branches that matter here.
// Runs are kept small (a few hundred cases, short step
// sequences) so the file takes a couple of seconds on a shared 2-core machine.

const T0 = Date.parse('2026-03-23T00:00:00Z') / 1000; // a Monday

const schedules: PlannerConfigInput['instanceBounds'] = [
  { timeZone: 'Europe/Paris', bounds: [{ cron: '* 8-9 * * MON-FRI', minReplicas: 6 }, { cron: '* 0-5 * * *', maxReplicas: 7 }] },
];

const configArbWith = (fixed: { mode?: ScalingMode; zero?: boolean } = {}): fc.Arbitrary<PlannerConfig> => fc
  .record({
    capacityPerPod: fc.integer({ min: 1, max: 500 }),
    targetUtilisation: fc.integer({ min: 30, max: 100 }).map((x) => x / 100),
    minReplicas: fc.integer({ min: 1, max: 5 }),
    extra: fc.integer({ min: 0, max: 40 }),
    mode: fc.constantFrom<ScalingMode>('auto', 'proactive', 'reactive', 'observer'),
    withSchedule: fc.boolean(),
    zero: fc.boolean(),
  })
  .map((raw) => ({ ...raw, ...fixed }))
  .map((r) =>
    resolvePlannerConfig({
      capacityPerPod: r.capacityPerPod,
      targetUtilisation: r.targetUtilisation,
      minReplicas: r.zero ? 0 : r.minReplicas,
      maxReplicas: r.minReplicas + r.extra,
      mode: r.mode,
      scaleToZero: { enabled: r.zero, thresholdLoad: 1 },
      coldStartSeconds: 300,
      decisionIntervalSeconds: 30,
      instanceBounds: r.withSchedule ? schedules : [],
    }),
  );
const configArb = configArbWith();

interface StepArb {
  dt: number;
  load: number;
  upper: number;
  p50Frac: number;
  bandUpper: number;
  current: number;
  readyFrac: number;
  stale: boolean;
  warm: boolean;
  noForecast: boolean;
}

/** True about one time in ten: data problems are the exception, so most steps reach the forecast path. */
const rarely = fc.integer({ min: 0, max: 9 }).map((x) => x === 0);

const stepArb: fc.Arbitrary<StepArb> = fc
  .record({
    dt: fc.integer({ min: 15, max: 120 }),
    load: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 2_000_000 }).map((x) => x / 100) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
      { weight: 1, arbitrary: fc.constant(0) },
    ),
    upper: fc.integer({ min: 0, max: 2_000_000 }).map((x) => x / 100),
    p50Frac: fc.integer({ min: 0, max: 100 }).map((x) => x / 100),
    // The band the guard checks, relative to the load: mostly around it, sometimes far below (bursts).
    bandFactor: fc.integer({ min: 30, max: 300 }).map((x) => x / 100),
    current: fc.integer({ min: 0, max: 80 }),
    readyFrac: fc.integer({ min: 0, max: 100 }).map((x) => x / 100),
    stale: rarely,
    warm: rarely,
    noForecast: rarely,
  })
  .map(({ bandFactor, ...r }) => ({ ...r, bandUpper: (Number.isFinite(r.load) ? r.load : 100) * bandFactor }));

function toInput(config: PlannerConfig, s: StepArb, now: number, current = s.current): DecisionInput {
  return {
    config,
    load: s.load,
    dataAgeSeconds: s.stale ? 600 : 20,
    stage: s.warm ? 'warmup' : 'ready',
    forecast: s.noForecast ? null : { time: now + 200, p50: s.upper * s.p50Frac, upper: s.upper },
    band: { p50: s.bandUpper * 0.8, upper: s.bandUpper },
    currentReplicas: current,
    readyReplicas: Math.floor(current * s.readyFrac),
  };
}

/**
 * A state after a few random steps (stabilisation windows and scale events filled in). When
 * `trusted`, the guard part is then set to trusted: random steps break trust so often (missing
 * data, bursts) that the forecast path would otherwise be checked in a few percent of cases.
 */
function warmState(config: PlannerConfig, steps: StepArb[], trusted: boolean): { state: PlannerState; now: number } {
  let state: PlannerState = initialPlannerState();
  let now = T0;
  for (const s of steps) {
    now += s.dt * 60; // spread over days so schedules switch on and off
    state = decide(toInput(config, s, now), state, now).next;
  }
  return { state: trusted ? { ...state, guard: trustedGuard() } : state, now };
}

const history = fc.array(stepArb, { minLength: 0, maxLength: 6 });

describe('planner properties', () => {
  it('replicas always stay within the effective bounds, and observer never changes them', () => {
    fc.assert(
      fc.property(configArb, history, stepArb, fc.boolean(), (config, hist, step, trusted) => {
        const { state, now } = warmState(config, hist, trusted);
        const t = now + step.dt;
        const { decision } = decide(toInput(config, step, t), state, t);
        expect(decision.recommendedReplicas).toBeGreaterThanOrEqual(decision.minReplicas);
        expect(decision.recommendedReplicas).toBeLessThanOrEqual(decision.maxReplicas);
        expect(decision.minReplicas).toBeGreaterThanOrEqual(config.minReplicas);
        expect(decision.maxReplicas).toBeLessThanOrEqual(config.maxReplicas);
        expect(Number.isInteger(decision.recommendedReplicas)).toBe(true);
        if (config.mode === 'observer') expect(decision.appliedReplicas).toBe(step.current);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['auto', 'proactive', 'observer'] as const)('%s mode: more forecast load never gives fewer replicas (all else equal)', (mode) => {
    // A sweep of forecast peaks from one state and input: desired and recommended never decrease.
    // Peaks are drawn as multiples of the current load so that the sweep crosses the interesting
    // counts (current, reactive) instead of mostly landing far above them.
    const sweep = fc.array(fc.integer({ min: 0, max: 250 }).map((x) => x / 100), { minLength: 2, maxLength: 16 }).map((xs) => [...xs].sort((a, b) => a - b));
    fc.assert(
      fc.property(configArbWith({ mode }), history, stepArb, sweep, fc.boolean(), (config, hist, rawStep, factors, trusted) => {
        const { state, now } = warmState(config, hist, trusted);
        // Trusted runs get clean data, so that the forecast path (where the modes differ) is what is swept.
        const load = Number.isFinite(rawStep.load) ? rawStep.load : 1000;
        const step = trusted ? { ...rawStep, stale: false, warm: false, load, bandUpper: Math.max(rawStep.bandUpper, load) } : rawStep;
        const t = now + step.dt;
        let prev = { desired: -1, recommended: -1 };
        const scale = Number.isFinite(step.load) && step.load > 0 ? step.load : 1000;
        for (const f of factors) {
          const upper = f * scale;
          const d = decide(toInput(config, { ...step, noForecast: false, upper, p50Frac: 0.5 }, t), state, t).decision;
          expect(d.desiredReplicas).toBeGreaterThanOrEqual(prev.desired);
          expect(d.recommendedReplicas).toBeGreaterThanOrEqual(prev.recommended);
          prev = { desired: d.desiredReplicas, recommended: d.recommendedReplicas };
        }
      }),
      { numRuns: 100 },
    );
  });

  it('no scale-down inside the stabilisation window: never below the highest recommendation of the last 300 s', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { minLength: 1, maxLength: 25 }), (config, steps) => {
        const W = config.behavior.scaleDown.stabilizationWindowSeconds;
        let state = initialPlannerState();
        let now = T0;
        let current = steps[0]?.current ?? 1;
        // [time, desired] of every step, plus the seed: the current count before the first step.
        const seen: Array<[number, number]> = [[now - 1e-6, current]];
        for (const s of steps) {
          now += s.dt;
          const { decision, next } = decide(toInput(config, s, now, current), state, now);
          seen.push([now, decision.desiredReplicas]);
          const windowMax = Math.max(...seen.filter(([t]) => t > now - W).map(([, d]) => d));
          if (decision.recommendedReplicas < current) {
            expect(decision.recommendedReplicas).toBeGreaterThanOrEqual(Math.min(windowMax, decision.maxReplicas));
          }
          state = next;
          current = decision.appliedReplicas;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('auto mode never goes below the reactive count (up to the max bound and the scale-up rate)', () => {
    const autoNoZero = configArbWith({ mode: 'auto', zero: false });
    fc.assert(
      fc.property(autoNoZero, history, stepArb, fc.boolean(), (config, hist, step, trusted) => {
        const { state, now } = warmState(config, hist, trusted);
        const t = now + step.dt;
        const { decision: d } = decide(toInput(config, step, t), state, t);
        if (d.reactiveReplicas === null) return;
        if (d.source !== 'hold') expect(d.desiredReplicas).toBeGreaterThanOrEqual(d.reactiveReplicas);
        const floor = d.reactiveReplicas <= d.currentReplicas ? d.reactiveReplicas : Math.min(d.reactiveReplicas, d.currentReplicas + 1);
        if (d.source !== 'hold') expect(d.recommendedReplicas).toBeGreaterThanOrEqual(Math.min(floor, d.maxReplicas));
      }),
      { numRuns: 200 },
    );
  });

  it('state stays small and JSON-serialisable over a long run', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { minLength: 50, maxLength: 120 }), (config, steps) => {
        let state = initialPlannerState();
        let now = T0;
        for (const s of steps) {
          now += Math.min(s.dt, 30);
          state = decide(toInput(config, s, now), state, now).next;
        }
        expect(JSON.parse(JSON.stringify(state))).toEqual(state);
        // Down window: at most 300 s / 15 s + 1 entries; events within the longest policy period.
        expect(state.normalize.downWindow.length).toBeLessThanOrEqual(21);
        expect(state.guard.errors.length).toBeLessThanOrEqual(3600 / 15);
      }),
      { numRuns: 20 },
    );
  });
});
