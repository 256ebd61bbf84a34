import type { ReasonCode } from '../domain/decision';
import { formatDuration } from '../util/duration';

/**
 * The normalisation layer, as the Kubernetes HPA's normalizeDesiredReplicasWithBehaviors:
 * stabilise (min over the scale-up window, max over the scale-down window), then rate-limit
 * against recent scale events, then clamp to [min, max]. Numbers in, numbers out.
 *
 * Order matters and follows the HPA: bounds come last so they always win. A schedule that raises
 * the minimum to 10 at 07:00 gets 10 pods at once, whatever the scale-up policy says.
 */

export type PolicyType = 'Pods' | 'Percent';
/** 'Max' picks the policy allowing the largest change (HPA default), 'Min' the smallest; 'Disabled' forbids the direction. */
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingPolicy {
  readonly type: PolicyType;
  /** Pods, or percent of the replicas at the start of the period. */
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: SelectPolicy;
  readonly policies: readonly ScalingPolicy[];
}

export interface Behavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** [unix seconds, replicas] */
export type TimedValue = [number, number];

/**
 * Serialisable (plain JSON) normaliser memory. Compact: the windows are monotone deques, so they
 * hold only the values that can still be a window's max (or min); a steady or rising load keeps
 * one entry. Worst case (steadily falling desired) window / interval entries, 300 s / 15 s = 20.
 */
export interface NormalizeState {
  /** Desired values that can still be the max over the scale-down window; times increasing, values strictly decreasing. */
  readonly downWindow: TimedValue[];
  /** Desired values that can still be the min over the scale-up window; values strictly increasing. */
  readonly upWindow: TimedValue[];
  /** Scale-up events [time, pods added] within the longest scale-up policy period. */
  readonly upEvents: TimedValue[];
  /** Scale-down events [time, pods removed] within the longest scale-down policy period. */
  readonly downEvents: TimedValue[];
}

export const emptyNormalizeState = (): NormalizeState => ({ downWindow: [], upWindow: [], upEvents: [], downEvents: [] });

export interface NormalizeArgs {
  readonly now: number;
  readonly current: number;
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  /** True when `min` (or `max`) came from a schedule bound rather than the global bounds (for the reason code). */
  readonly minFromSchedule: boolean;
  readonly maxFromSchedule: boolean;
  /** True on the very first call: seed the down window with the current count (HPA does the same after a restart). */
  readonly firstCall: boolean;
}

export interface NormalizeStep {
  readonly code: ReasonCode;
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

export interface NormalizeResult {
  readonly replicas: number;
  /** Each step that changed the count, in order. */
  readonly steps: readonly NormalizeStep[];
  readonly next: NormalizeState;
}

/** Push into a monotone deque and read its front. `keepGreater` true gives a max-deque. O(1) amortised. */
function slide(deque: readonly TimedValue[], now: number, value: number, windowSeconds: number, keepGreater: boolean): { next: TimedValue[]; front: number } {
  // HPA keeps recommendations strictly newer than now - window.
  const cutoff = now - windowSeconds;
  let start = 0;
  while (start < deque.length && (deque[start] as TimedValue)[0] <= cutoff) start++;
  const next = deque.slice(start).map((e) => [e[0], e[1]] as TimedValue);
  while (next.length > 0) {
    const back = (next[next.length - 1] as TimedValue)[1];
    if (keepGreater ? back <= value : back >= value) next.pop();
    else break;
  }
  next.push([now, value]);
  return { next, front: (next[0] as TimedValue)[1] };
}

function changeInPeriod(events: readonly TimedValue[], now: number, periodSeconds: number): number {
  let sum = 0;
  for (const [t, n] of events) if (t > now - periodSeconds) sum += n;
  return sum;
}

/**
 * Highest count scale-up may reach now (HPA calculateScaleUpLimitWithBehaviors).
 * periodStart = current - added + removed within each policy's period; Pods: periodStart + value;
 * Percent: ceil(periodStart x (1 + value/100)). 'Max' takes the largest proposal.
 * Never below 1 from zero: a Percent-only policy would otherwise never wake a workload at 0.
 * @example current 10, +100% or +4 per 15 s, no recent events -> max(20, 14) = 20
 */
export function scaleUpLimit(current: number, now: number, rules: ScalingRules, up: readonly TimedValue[], down: readonly TimedValue[]): number {
  if (rules.selectPolicy === 'Disabled' || rules.policies.length === 0) return current;
  let result = rules.selectPolicy === 'Max' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const periodStart = current - changeInPeriod(up, now, p.periodSeconds) + changeInPeriod(down, now, p.periodSeconds);
    const proposed = p.type === 'Pods' ? periodStart + p.value : Math.ceil(periodStart * (1 + p.value / 100));
    result = rules.selectPolicy === 'Max' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Math.max(result, current === 0 ? 1 : current);
}

/**
 * Lowest count scale-down may reach now (HPA calculateScaleDownLimitWithBehaviors).
 * Pods: periodStart - value; Percent: floor(periodStart x (1 - value/100)). 'Max' (the largest
 * change) takes the smallest proposal.
 * @example current 20, -10% per 60 s, no recent events -> floor(18) = 18
 * @example current 20, 2 pods removed 30 s ago -> periodStart 22 -> floor(19.8) = 19
 */
export function scaleDownLimit(current: number, now: number, rules: ScalingRules, up: readonly TimedValue[], down: readonly TimedValue[]): number {
  if (rules.selectPolicy === 'Disabled' || rules.policies.length === 0) return current;
  let result = rules.selectPolicy === 'Max' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const periodStart = current - changeInPeriod(up, now, p.periodSeconds) + changeInPeriod(down, now, p.periodSeconds);
    const proposed = p.type === 'Pods' ? periodStart - p.value : Math.floor(periodStart * (1 - p.value / 100));
    result = rules.selectPolicy === 'Max' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return Math.min(Math.max(result, 0), current);
}

function describePolicies(r: ScalingRules, sign: '+' | '-'): string {
  const parts = r.policies.map((p) => `${sign}${p.value}${p.type === 'Percent' ? '%' : ' pods'} per ${formatDuration(p.periodSeconds)}`);
  if (parts.length <= 1) return parts[0] ?? 'disabled';
  return `${r.selectPolicy === 'Min' ? 'min' : 'max'} of ${parts.join(' and ')}`;
}

function prune(events: readonly TimedValue[], now: number, rules: ScalingRules): TimedValue[] {
  const longest = rules.policies.reduce((m, p) => Math.max(m, p.periodSeconds), 0);
  return events.filter((e) => e[0] > now - longest).map((e) => [e[0], e[1]] as TimedValue);
}

/**
 * Stabilise, rate-limit and bound `desired`. O(window entries + events), both small.
 * @example current 10, desired 4 at t=0 after desired 10 at t=-120, down window 300 s -> held at 10 (ScaleDownStabilized)
 */
export function normalize(a: NormalizeArgs, behavior: Behavior, state: NormalizeState): NormalizeResult {
  const steps: NormalizeStep[] = [];
  const seeded: readonly TimedValue[] =
    a.firstCall && state.downWindow.length === 0 && behavior.scaleDown.stabilizationWindowSeconds > 0
      ? [[a.now - 1e-6, a.current]]
      : state.downWindow;
  const down = slide(seeded, a.now, a.desired, behavior.scaleDown.stabilizationWindowSeconds, true);
  const up = slide(state.upWindow, a.now, a.desired, behavior.scaleUp.stabilizationWindowSeconds, false);

  let r = a.current;
  if (r < up.front) r = up.front;
  if (r > down.front) r = down.front;
  if (r > a.desired && a.desired < a.current) {
    steps.push({
      code: 'ScaleDownStabilized',
      from: a.desired,
      to: r,
      message: `scale-down to ${a.desired} held at ${r}: highest recommendation in the last ${formatDuration(behavior.scaleDown.stabilizationWindowSeconds)}`,
    });
  } else if (r < a.desired && a.desired > a.current) {
    steps.push({
      code: 'ScaleUpLimited',
      from: a.desired,
      to: r,
      message: `scale-up to ${a.desired} held at ${r}: lowest recommendation in the last ${formatDuration(behavior.scaleUp.stabilizationWindowSeconds)}`,
    });
  }

  if (r > a.current) {
    const limit = scaleUpLimit(a.current, a.now, behavior.scaleUp, state.upEvents, state.downEvents);
    if (r > limit) {
      steps.push({ code: 'ScaleUpLimited', from: r, to: limit, message: `scale-up to ${r} limited to ${limit} by policy (${describePolicies(behavior.scaleUp, '+')})` });
      r = limit;
    }
  } else if (r < a.current) {
    const limit = scaleDownLimit(a.current, a.now, behavior.scaleDown, state.upEvents, state.downEvents);
    if (r < limit) {
      steps.push({ code: 'ScaleDownLimited', from: r, to: limit, message: `scale-down to ${r} limited to ${limit} by policy (${describePolicies(behavior.scaleDown, '-')})` });
      r = limit;
    }
  }

  if (r > a.max) {
    steps.push({
      code: a.maxFromSchedule ? 'ScheduleBound' : 'BoundedMax',
      from: r,
      to: a.max,
      message: `capped at ${a.maxFromSchedule ? 'scheduled ' : ''}maxReplicas ${a.max} (wanted ${r})`,
    });
    r = a.max;
  } else if (r < a.min) {
    steps.push({
      code: a.minFromSchedule ? 'ScheduleBound' : 'BoundedMin',
      from: r,
      to: a.min,
      message: `raised to ${a.minFromSchedule ? 'scheduled ' : ''}minReplicas ${a.min} (wanted ${r})`,
    });
    r = a.min;
  }

  const upEvents = prune(state.upEvents, a.now, behavior.scaleUp);
  const downEvents = prune(state.downEvents, a.now, behavior.scaleDown);
  if (r > a.current) upEvents.push([a.now, r - a.current]);
  if (r < a.current) downEvents.push([a.now, a.current - r]);
  return { replicas: r, steps, next: { downWindow: down.next, upWindow: up.next, upEvents, downEvents } };
}
