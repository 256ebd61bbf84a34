import type { ScalingMode } from '../domain/decision';
import { resolveGuardConfig, type GuardConfig } from '../guard/guard';
import { assertTimeZone } from './cron';
import type { Behavior, ScalingRules } from './normalize';
import { compileInstanceBounds, type CompiledWindow, type InstanceBoundsSpec } from './schedule';

/** What an operator writes (every key optional except capacityPerPod). */
export interface PlannerConfigInput {
  /** Load one pod serves at 100% utilisation, in `loadUnit` (e.g. 160 rps, or 8 concurrent requests). */
  readonly capacityPerPod: number;
  /** Fraction of capacity to plan for, in (0, 1]. Default 0.7 (Knative's container-concurrency-target-percentage): 30% headroom for noise inside a step. */
  readonly targetUtilisation?: number;
  /** Default 1; 0 only with scaleToZero.enabled. */
  readonly minReplicas?: number;
  /** Default 100. */
  readonly maxReplicas?: number;
  /** AHPA-style cron bounds, see schedule.ts. */
  readonly instanceBounds?: readonly InstanceBoundsSpec[];
  readonly behavior?: { readonly scaleUp?: Partial<ScalingRules>; readonly scaleDown?: Partial<ScalingRules> };
  /** Default 'auto'. */
  readonly mode?: ScalingMode;
  /**
   * Scale to zero (offline inference). `thresholdLoad` (default 0): load at or below it counts as
   * none, now and in the forecast upper band. A model's upper band is rarely exactly 0, so set it to
   * a tiny load, e.g. 1% of one pod's capacity.
   */
  readonly scaleToZero?: { readonly enabled?: boolean; readonly thresholdLoad?: number };
  /** Seconds between samples of the load series. Default 60. Sets the guard's default staleness: 2 steps. */
  readonly dataStepSeconds?: number;
  /** Cold start lead in seconds (a high percentile of created-to-ready; see coldStartLead). Default 120. */
  readonly coldStartSeconds?: number;
  /** The percentile behind coldStartSeconds, for messages only. Default 0.95. */
  readonly coldStartPercentile?: number;
  /** Seconds between decisions. Default 15 (the HPA's sync period). */
  readonly decisionIntervalSeconds?: number;
  /** HPA tolerance. Default 0.1: no reactive change while the usage ratio is within 10% of target. */
  readonly tolerance?: number;
  /** The forecast's upper quantile, for messages. Default 0.9. */
  readonly upperQuantile?: number;
  /** Unit of load in messages. Default 'rps'. */
  readonly loadUnit?: string;
  /** Time zone for clock times in messages. Default 'UTC'. */
  readonly messageTimeZone?: string;
  readonly guard?: Partial<GuardConfig>;
}

/** Validated, defaulted, frozen. Build once with resolvePlannerConfig; pass to every decide() call. */
export interface PlannerConfig {
  readonly capacityPerPod: number;
  readonly targetUtilisation: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly instanceBounds: readonly CompiledWindow[];
  readonly behavior: Behavior;
  readonly mode: ScalingMode;
  readonly scaleToZero: { readonly enabled: boolean; readonly thresholdLoad: number };
  readonly coldStartSeconds: number;
  readonly coldStartPercentile: number;
  readonly decisionIntervalSeconds: number;
  readonly tolerance: number;
  readonly upperQuantile: number;
  readonly loadUnit: string;
  readonly messageTimeZone: string;
  readonly guard: GuardConfig;
}

/**
 * HPA-like defaults, tuned for slow-starting inference pods:
 * - scale-up: the larger of +100% and +4 pods per 15 s (the HPA's own default), no up window.
 * - scale-down: at most -10% per 60 s after a 300 s stabilisation window (the HPA's window; the
 *   rate is slower than the HPA's -100%/15 s because a pod given up costs a full cold start,
 *   minutes for an LLM server, to get back).
 */
export const DEFAULT_BEHAVIOR: Behavior = Object.freeze({
  scaleUp: Object.freeze({
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max' as const,
    policies: Object.freeze([
      Object.freeze({ type: 'Percent' as const, value: 100, periodSeconds: 15 }),
      Object.freeze({ type: 'Pods' as const, value: 4, periodSeconds: 15 }),
    ]),
  }),
  scaleDown: Object.freeze({
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max' as const,
    policies: Object.freeze([Object.freeze({ type: 'Percent' as const, value: 10, periodSeconds: 60 })]),
  }),
});

const MODES: readonly ScalingMode[] = ['observer', 'proactive', 'reactive', 'auto'];

function fail(key: string, value: unknown, expected: string): never {
  throw new Error(`planner config: ${key} is ${JSON.stringify(value)}, expected ${expected}`);
}

function rules(input: Partial<ScalingRules> | undefined, def: ScalingRules, key: string): ScalingRules {
  const r = { ...def, ...(input ?? {}) };
  if (!(Number.isFinite(r.stabilizationWindowSeconds) && r.stabilizationWindowSeconds >= 0 && r.stabilizationWindowSeconds <= 3600)) {
    fail(`${key}.stabilizationWindowSeconds`, r.stabilizationWindowSeconds, 'seconds in [0, 3600] (the HPA limit)');
  }
  if (!['Max', 'Min', 'Disabled'].includes(r.selectPolicy)) fail(`${key}.selectPolicy`, r.selectPolicy, "'Max', 'Min' or 'Disabled'");
  if (!Array.isArray(r.policies)) fail(`${key}.policies`, r.policies, 'a list of {type, value, periodSeconds}');
  r.policies.forEach((p, i) => {
    if (p.type !== 'Pods' && p.type !== 'Percent') fail(`${key}.policies[${i}].type`, p.type, "'Pods' or 'Percent'");
    if (!(Number.isInteger(p.value) && p.value > 0)) fail(`${key}.policies[${i}].value`, p.value, 'an integer > 0');
    if (!(Number.isInteger(p.periodSeconds) && p.periodSeconds > 0 && p.periodSeconds <= 1800)) {
      fail(`${key}.policies[${i}].periodSeconds`, p.periodSeconds, 'an integer in [1, 1800] (the HPA limit)');
    }
  });
  if (r.selectPolicy !== 'Disabled' && r.policies.length === 0) fail(`${key}.policies`, r.policies, "at least one policy unless selectPolicy is 'Disabled'");
  return Object.freeze({ ...r, policies: Object.freeze(r.policies.map((p) => Object.freeze({ ...p }))) });
}

/** Guard recovery in decisions: 150 s of good steps, at least 1. @example 15 s -> 10; 60 s -> 3; 300 s -> 1 */
export function recoverSteps(decisionIntervalSeconds: number): number {
  return Math.max(1, Math.ceil(150 / decisionIntervalSeconds - 1e-9));
}

/**
 * Validates `input` onto the defaults and compiles the schedules, in one place.
 * @throws Error naming the key, the value and what was expected.
 */
export function resolvePlannerConfig(input: PlannerConfigInput): PlannerConfig {
  const cap = input.capacityPerPod;
  if (!(Number.isFinite(cap) && cap > 0)) fail('capacityPerPod', cap, 'a load per pod > 0 (e.g. 160 rps)');
  const util = input.targetUtilisation ?? 0.7;
  if (!(Number.isFinite(util) && util > 0 && util <= 1)) fail('targetUtilisation', util, 'a fraction in (0, 1], e.g. 0.7');
  const zeroEnabled = input.scaleToZero?.enabled ?? false;
  const threshold = input.scaleToZero?.thresholdLoad ?? 0;
  if (!(Number.isFinite(threshold) && threshold >= 0)) fail('scaleToZero.thresholdLoad', threshold, 'a load >= 0');
  const min = input.minReplicas ?? 1;
  if (!(Number.isInteger(min) && min >= 0)) fail('minReplicas', min, 'an integer >= 0');
  if (min === 0 && !zeroEnabled) fail('minReplicas', min, '>= 1 unless scaleToZero.enabled is true');
  const max = input.maxReplicas ?? 100;
  if (!(Number.isInteger(max) && max >= Math.max(1, min))) fail('maxReplicas', max, `an integer >= max(1, minReplicas ${min})`);
  const mode = input.mode ?? 'auto';
  if (!MODES.includes(mode)) fail('mode', mode, `one of ${MODES.join(', ')}`);
  const cold = input.coldStartSeconds ?? 120;
  if (!(Number.isFinite(cold) && cold >= 0)) fail('coldStartSeconds', cold, 'seconds >= 0');
  const coldP = input.coldStartPercentile ?? 0.95;
  if (!(coldP > 0 && coldP <= 1)) fail('coldStartPercentile', coldP, 'a fraction in (0, 1], e.g. 0.95');
  const interval = input.decisionIntervalSeconds ?? 15;
  if (!(Number.isFinite(interval) && interval > 0)) fail('decisionIntervalSeconds', interval, 'seconds > 0');
  const tolerance = input.tolerance ?? 0.1;
  if (!(Number.isFinite(tolerance) && tolerance >= 0 && tolerance < 1)) fail('tolerance', tolerance, 'a fraction in [0, 1), e.g. 0.1');
  const upperQ = input.upperQuantile ?? 0.9;
  if (!(upperQ > 0.5 && upperQ < 1)) fail('upperQuantile', upperQ, 'a quantile in (0.5, 1), e.g. 0.9');
  const tz = input.messageTimeZone ?? 'UTC';
  try {
    assertTimeZone(tz);
  } catch {
    fail('messageTimeZone', tz, "an IANA time zone such as 'UTC' or 'Europe/Paris'");
  }
  const unit = input.loadUnit ?? 'rps';
  if (typeof unit !== 'string' || unit.trim() === '') fail('loadUnit', unit, "a unit name such as 'rps'");
  const dataStep = input.dataStepSeconds ?? 60;
  if (!(Number.isFinite(dataStep) && dataStep > 0)) fail('dataStepSeconds', dataStep, 'seconds > 0, e.g. 60');
  const behavior = Object.freeze({
    scaleUp: rules(input.behavior?.scaleUp, DEFAULT_BEHAVIOR.scaleUp, 'behavior.scaleUp'),
    scaleDown: rules(input.behavior?.scaleDown, DEFAULT_BEHAVIOR.scaleDown, 'behavior.scaleDown'),
  });
  const instanceBounds = compileInstanceBounds(input.instanceBounds ?? []);
  return Object.freeze({
    capacityPerPod: cap,
    targetUtilisation: util,
    minReplicas: min,
    maxReplicas: max,
    instanceBounds,
    behavior,
    mode,
    scaleToZero: Object.freeze({ enabled: zeroEnabled, thresholdLoad: threshold }),
    coldStartSeconds: cold,
    coldStartPercentile: coldP,
    decisionIntervalSeconds: interval,
    tolerance,
    upperQuantile: upperQ,
    loadUnit: unit,
    messageTimeZone: tz,
    // Data older than two samples is stale unless the operator says otherwise.
    // Recovery takes 150 s of good decisions (10 at the default 15 s interval), not a fixed count:
    // 10 decisions of 300 s would keep a recovered forecast out for 50 min, reacting to every ramp
    // one cold start late (on the 5-min dev traces a 10-step recovery cost 5-25% more pods).
    guard: resolveGuardConfig({ staleAfterSeconds: 2 * dataStep, recoverGoodSteps: recoverSteps(interval), ...(input.guard ?? {}) }),
  });
}
