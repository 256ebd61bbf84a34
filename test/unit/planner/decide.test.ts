import type { ReasonCode } from '../../../src/domain/decision';
import { recoverSteps, resolvePlannerConfig, type PlannerConfigInput } from '../../../src/planner/config';
import { decide, initialPlannerState, type DecisionInput, type PlannerState } from '../../../src/planner/decide';
import { NOW, baseConfig, deepFreeze, makeInput, trustedState } from './helpers';

interface Case {
  name: string;
  input: DecisionInput;
  prev?: PlannerState;
  want: { desired: number; recommended: number; applied?: number; reason: ReasonCode; reasons?: ReasonCode[]; source?: string; message?: RegExp };
}

const cases: Case[] = [
  {
    name: 'auto: the forecast sets the target (1,840 rps -> 19 pods)',
    input: makeInput({}),
    want: {
      desired: 19, recommended: 19, reason: 'Proactive', source: 'proactive',
      message: /^proactive: p90 forecast 1,840 rps at 14:05 needs 19 pods; cold start p95 9m40s$/,
    },
  },
  {
    name: 'auto: reactive beats a low forecast (1,500 rps on 10 pods -> 15 > 8)',
    input: makeInput({ load: 1500, forecast: { time: NOW + 300, p50: 700, upper: 800 }, band: { p50: 1400, upper: 1600 } }),
    want: {
      desired: 15, recommended: 15, reason: 'ReactiveHigher', source: 'reactive',
      message: /^reactive: load 1,500 rps on 10 ready pods needs 15 pods \(target 100 rps per pod\), above the forecast's 8$/,
    },
  },
  {
    name: 'proactive mode: scaling up follows the forecast alone (12, not reactive 15)',
    input: makeInput({ cfg: { mode: 'proactive' }, load: 1500, forecast: { time: NOW + 300, p50: 1100, upper: 1200 }, band: { p50: 1400, upper: 1600 } }),
    want: { desired: 12, recommended: 12, reason: 'Proactive' },
  },
  {
    name: 'proactive mode: predictive scale-in stops at the reactive count (7), then the policy (-10%/60 s) gives 9',
    input: makeInput({ cfg: { mode: 'proactive' }, load: 700, forecast: { time: NOW + 300, p50: 250, upper: 300 }, band: { p50: 700, upper: 800 } }),
    want: { desired: 7, recommended: 9, reason: 'ScaleDownLimited', reasons: ['ReactiveHigher', 'ScaleDownLimited'] },
  },
  {
    name: 'proactive mode: scale-in stops at the current count when reactive wants more (forecast 5, reactive 15, current 10)',
    input: makeInput({ cfg: { mode: 'proactive' }, load: 1500, forecast: { time: NOW + 300, p50: 400, upper: 500 }, band: { p50: 1400, upper: 1600 } }),
    want: { desired: 10, recommended: 10, reason: 'ReactiveHigher', message: /^proactive: scale-in to the forecast's 5 stopped at 10 pods; reactive load 1,500 rps/ },
  },
  {
    name: 'proactive mode: a higher forecast (12) than the case above gives more pods, not fewer (monotone)',
    input: makeInput({ cfg: { mode: 'proactive' }, load: 1500, forecast: { time: NOW + 300, p50: 1100, upper: 1200 }, band: { p50: 1400, upper: 1600 } }),
    want: { desired: 12, recommended: 12, reason: 'Proactive' },
  },
  {
    name: 'reactive mode: the HPA formula, forecast ignored (900 rps on 6 ready -> 9)',
    input: makeInput({ cfg: { mode: 'reactive' }, load: 900, currentReplicas: 6, readyReplicas: 6 }),
    want: { desired: 9, recommended: 9, reason: 'Reactive', message: /^reactive: load 900 rps on 6 ready pods needs 9 pods/ },
  },
  {
    name: 'reactive mode within tolerance keeps the count',
    input: makeInput({ cfg: { mode: 'reactive' }, load: 1050 }),
    want: { desired: 10, recommended: 10, reason: 'Reactive', message: /within 10% of target; keeping 10 pods/ },
  },
  {
    name: 'observer: recommends 19, applies the current 10',
    input: makeInput({ cfg: { mode: 'observer' } }),
    want: {
      desired: 19, recommended: 19, applied: 10, reason: 'Observer', reasons: ['Observer', 'Proactive'],
      message: /^observer: would set 19 pods \(proactive: p90 forecast 1,840 rps at 14:05 needs 19 pods; cold start p95 9m40s\); keeping 10 pods$/,
    },
  },
  {
    name: 'fallback on a burst: 1,500 rps is 3x the 500 band -> reactive 15',
    input: makeInput({ load: 1500, band: { p50: 400, upper: 500 } }),
    want: {
      desired: 15, recommended: 15, reason: 'FallbackBurst', source: 'reactive',
      message: /^fallback \(load 1,500 is 3\.0x the upper band 500 \(burst\)\): reactive load 1,500 rps on 10 ready pods needs 15 pods/,
    },
  },
  {
    name: 'missing load: hold the current count',
    input: makeInput({ load: NaN }),
    want: { desired: 10, recommended: 10, reason: 'FallbackMissingData', source: 'hold', message: /^fallback \(current load is missing or invalid \(NaN\)\): holding 10 pods$/ },
  },
  {
    name: 'stale data: hold even with a load value',
    input: makeInput({ load: 3000, dataAgeSeconds: 600 }),
    want: { desired: 10, recommended: 10, reason: 'FallbackStaleData', source: 'hold', message: /data is 10m old, stale after 2m\)/ },
  },
  {
    name: 'no forecast for the lead window: reactive (1,500 rps -> 15), not a hold',
    input: makeInput({ load: 1500, forecast: null }),
    want: { desired: 15, recommended: 15, reason: 'FallbackMissingData', source: 'reactive', message: /^fallback \(no forecast for the lead window\): reactive load 1,500 rps/ },
  },
  {
    name: 'reactive mode needs no forecast',
    input: makeInput({ cfg: { mode: 'reactive' }, load: 1500, forecast: null }),
    want: { desired: 15, recommended: 15, reason: 'Reactive', source: 'reactive' },
  },
  {
    name: 'reactive mode holds on missing data',
    input: makeInput({ cfg: { mode: 'reactive' }, load: NaN }),
    want: { desired: 10, recommended: 10, reason: 'FallbackMissingData', source: 'hold', message: /^reactive: current load is missing or invalid \(NaN\); holding 10 pods$/ },
  },
  {
    name: 'warmup: reactive (1,500 rps -> 15)',
    input: makeInput({ load: 1500, stage: 'warmup' }),
    want: { desired: 15, recommended: 15, reason: 'FallbackWarmup', source: 'reactive' },
  },
  {
    name: 'fallback reason stays primary when a limit also applies',
    input: makeInput({ load: 4000, band: { p50: 400, upper: 500 } }),
    want: { desired: 40, recommended: 20, reason: 'FallbackBurst', reasons: ['FallbackBurst', 'ScaleUpLimited'] },
  },
  {
    name: 'capped at maxReplicas 50',
    input: makeInput({ forecast: { time: NOW + 600, p50: 8000, upper: 9000 }, currentReplicas: 40, readyReplicas: 40, load: 4000, band: { p50: 4000, upper: 5000 } }),
    want: { desired: 90, recommended: 50, reason: 'BoundedMax', reasons: ['Proactive', 'ScaleUpLimited', 'BoundedMax'], message: /capped at maxReplicas 50 \(wanted 80\)/ },
  },
  {
    name: 'a schedule raises the minimum (weekdays 15:00-16:59 Paris, min 25)',
    input: makeInput({ cfg: { instanceBounds: [{ timeZone: 'Europe/Paris', bounds: [{ cron: '* 15-16 * * MON-FRI', minReplicas: 25 }] }] } }),
    want: { desired: 19, recommended: 25, reason: 'ScheduleBound', message: /raised to scheduled minReplicas 25 \(wanted 19\) \(schedule '\* 15-16 \* \* MON-FRI' in Europe\/Paris\)/ },
  },
  {
    name: 'scale to zero: no load and no forecast load over the lead window',
    input: makeInput({ cfg: { minReplicas: 0, scaleToZero: { enabled: true } }, load: 0, forecast: { time: NOW + 60, p50: 0, upper: 0 }, band: { p50: 0, upper: 0 }, currentReplicas: 1, readyReplicas: 1 }),
    want: { desired: 0, recommended: 0, reason: 'ScaledToZero', source: 'zero', message: /^scale to zero: load 0 rps and p90 forecast 0 rps over the next 10m$/ },
  },
  {
    name: 'no scale to zero while the forecast sees load inside the lead window',
    input: makeInput({ cfg: { minReplicas: 0, scaleToZero: { enabled: true } }, load: 0, forecast: { time: NOW + 500, p50: 20, upper: 50 }, band: { p50: 0, upper: 0 }, currentReplicas: 1, readyReplicas: 1 }),
    want: { desired: 1, recommended: 1, reason: 'Proactive' },
  },
  {
    name: 'scale to zero disabled: no load still plans 1 pod',
    input: makeInput({ load: 0, forecast: { time: NOW + 60, p50: 0, upper: 0 }, band: { p50: 0, upper: 0 }, currentReplicas: 1, readyReplicas: 1 }),
    want: { desired: 1, recommended: 1, reason: 'Proactive' },
  },
  {
    name: 'wake from zero one lead ahead: forecast 250 rps -> 3 pods while load is still 0',
    input: makeInput({ cfg: { minReplicas: 0, scaleToZero: { enabled: true } }, load: 0, forecast: { time: NOW + 590, p50: 200, upper: 250 }, band: { p50: 0, upper: 0 }, currentReplicas: 0, readyReplicas: 0 }),
    want: { desired: 3, recommended: 3, reason: 'Proactive' },
  },
];

describe('decide (table)', () => {
  it.each(cases)('$name', ({ input, prev, want }) => {
    const { decision } = decide(deepFreeze(input), deepFreeze(prev ?? trustedState()), NOW);
    expect(decision.desiredReplicas).toBe(want.desired);
    expect(decision.recommendedReplicas).toBe(want.recommended);
    expect(decision.appliedReplicas).toBe(want.applied ?? want.recommended);
    expect(decision.reason).toBe(want.reason);
    if (want.reasons) expect(decision.reasons).toEqual(want.reasons);
    if (want.source) expect(decision.source).toBe(want.source);
    if (want.message) expect(decision.message).toMatch(want.message);
    expect(decision.time).toBe(NOW);
    expect(decision.leadSeconds).toBe(600);
  });
});

describe('decide: shape', () => {
  it('state and decision survive a JSON round trip, and the next step is the same from either', () => {
    const a = decide(makeInput({ load: 1500 }), initialPlannerState(), NOW);
    const json = JSON.parse(JSON.stringify(a.next)) as PlannerState;
    expect(json).toEqual(a.next);
    expect(JSON.parse(JSON.stringify(a.decision))).toEqual(a.decision);
    const b1 = decide(makeInput({ load: 400 }), a.next, NOW + 20);
    const b2 = decide(makeInput({ load: 400 }), json, NOW + 20);
    expect(b2).toEqual(b1);
  });

  it('is deterministic and does not mutate its inputs', () => {
    const input = deepFreeze(makeInput({ load: 1500 }));
    const prev = deepFreeze(trustedState());
    expect(decide(input, prev, NOW)).toEqual(decide(input, prev, NOW));
  });

  it('the first call starts distrusted (reactive until the forecast proves itself)', () => {
    const { decision } = decide(makeInput({ load: 1500 }), initialPlannerState(), NOW);
    expect(decision.trusted).toBe(false);
    expect(decision.reason).toBe('FallbackRecovering');
    expect(decision.desiredReplicas).toBe(15);
  });

  it('rejects bad replica counts with the field name', () => {
    expect(() => decide(makeInput({ currentReplicas: -1 }), trustedState(), NOW)).toThrow(/decide: currentReplicas is -1, expected an integer >= 0/);
    expect(() => decide(makeInput({ readyReplicas: 1.5 }), trustedState(), NOW)).toThrow(/readyReplicas is 1.5/);
    expect(() => decide(makeInput(), trustedState(), NaN)).toThrow(/decide: now is null, expected unix seconds/);
  });
});

describe('resolvePlannerConfig: errors name the key, the value and what was expected', () => {
  const cases: Array<{ over: Partial<PlannerConfigInput>; msg: RegExp }> = [
    { over: { capacityPerPod: 0 }, msg: /capacityPerPod is 0, expected a load per pod > 0/ },
    { over: { targetUtilisation: 70 }, msg: /targetUtilisation is 70, expected a fraction in \(0, 1\]/ },
    { over: { minReplicas: 0 }, msg: /minReplicas is 0, expected >= 1 unless scaleToZero.enabled is true/ },
    { over: { minReplicas: 5, maxReplicas: 4 }, msg: /maxReplicas is 4, expected an integer >= max\(1, minReplicas 5\)/ },
    { over: { mode: 'turbo' as never }, msg: /mode is "turbo", expected one of observer, proactive, reactive, auto/ },
    { over: { messageTimeZone: 'CET+1' }, msg: /messageTimeZone is "CET\+1", expected an IANA time zone/ },
    { over: { behavior: { scaleDown: { stabilizationWindowSeconds: 7200 } } }, msg: /behavior.scaleDown.stabilizationWindowSeconds is 7200, expected seconds in \[0, 3600\]/ },
    { over: { behavior: { scaleUp: { policies: [{ type: 'Pod' as never, value: 4, periodSeconds: 15 }] } } }, msg: /behavior.scaleUp.policies\[0\].type is "Pod", expected 'Pods' or 'Percent'/ },
    { over: { guard: { burstFactor: 0 } }, msg: /guard.burstFactor is 0/ },
    { over: { instanceBounds: [{ bounds: [{ cron: '* * * *', minReplicas: 2 }] }] }, msg: /instanceBounds\[0\].bounds\[0\].cron: cron '\* \* \* \*' has 4 fields/ },
  ];
  it.each(cases)('$msg', ({ over, msg }) => {
    expect(() => resolvePlannerConfig({ ...baseConfig, ...over })).toThrow(msg);
  });
  it('fills HPA-like defaults', () => {
    const c = resolvePlannerConfig({ capacityPerPod: 8 });
    expect(c.mode).toBe('auto');
    expect(c.targetUtilisation).toBe(0.7);
    expect(c.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(c.guard.bandExceedSteps).toBe(3);
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('staleness defaults to two data steps, unless set', () => {
    expect(resolvePlannerConfig({ capacityPerPod: 8 }).guard.staleAfterSeconds).toBe(120);
    expect(resolvePlannerConfig({ capacityPerPod: 8, dataStepSeconds: 300 }).guard.staleAfterSeconds).toBe(600);
    expect(resolvePlannerConfig({ capacityPerPod: 8, dataStepSeconds: 300, guard: { staleAfterSeconds: 90 } }).guard.staleAfterSeconds).toBe(90);
    expect(() => resolvePlannerConfig({ capacityPerPod: 8, dataStepSeconds: 0 })).toThrow(/dataStepSeconds is 0, expected seconds > 0/);
  });
  it.each([
    { name: 'the 15 s default interval keeps 10 steps', interval: 15, steps: 10 },
    { name: '20 s -> ceil(7.5) = 8', interval: 20, steps: 8 },
    { name: '60 s (1-min replay) -> 3', interval: 60, steps: 3 },
    { name: '300 s (5-min replay) -> 1, not 50 min', interval: 300, steps: 1 },
  ])('guard recovery is 150 s of good decisions: $name', ({ interval, steps }) => {
    expect(recoverSteps(interval)).toBe(steps);
    expect(resolvePlannerConfig({ capacityPerPod: 8, decisionIntervalSeconds: interval }).guard.recoverGoodSteps).toBe(steps);
  });
  it('an explicit guard.recoverGoodSteps wins over the derived one', () => {
    expect(resolvePlannerConfig({ capacityPerPod: 8, decisionIntervalSeconds: 300, guard: { recoverGoodSteps: 4 } }).guard.recoverGoodSteps).toBe(4);
  });
});
