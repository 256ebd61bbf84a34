import type { GuardState } from '../../../src/guard/guard';
import { resolvePlannerConfig, type PlannerConfigInput } from '../../../src/planner/config';
import { initialPlannerState, type DecisionInput, type PlannerState } from '../../../src/planner/decide';

/** 2026-07-06 (a Monday) 13:55 UTC: the peak below is at 14:05. */
export const NOW = Date.parse('2026-07-06T13:55:00Z') / 1000;

/** Round numbers: 100 rps per pod at 100%, so pods = ceil(load / 100). Lead = 580 + 20 = 600 s. */
export const baseConfig: PlannerConfigInput = {
  capacityPerPod: 100,
  targetUtilisation: 1,
  minReplicas: 1,
  maxReplicas: 50,
  coldStartSeconds: 580,
  decisionIntervalSeconds: 20,
};

export const trustedGuard = (): GuardState => ({ trusted: true, trigger: null, aboveBandSteps: 0, goodSteps: 50, errors: [] });

/** A state as after some steps with a trusted forecast and no scaling history. */
export const trustedState = (): PlannerState => ({ ...initialPlannerState(), lastTime: NOW - 20, guard: trustedGuard() });

export function makeInput(over: Partial<DecisionInput> & { cfg?: Partial<PlannerConfigInput> } = {}): DecisionInput {
  const { cfg, ...rest } = over;
  return {
    config: resolvePlannerConfig({ ...baseConfig, ...(cfg ?? {}) }),
    load: 1000,
    dataAgeSeconds: 20,
    stage: 'ready',
    forecast: { time: NOW + 600, p50: 1500, upper: 1840 },
    band: { p50: 1000, upper: 1200 },
    currentReplicas: 10,
    readyReplicas: 10,
    ...rest,
  };
}

export function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}
