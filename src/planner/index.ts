export { decide, initialPlannerState, type DecisionInput, type PlannerState } from './decide';
export { resolvePlannerConfig, DEFAULT_BEHAVIOR, type PlannerConfig, type PlannerConfigInput } from './config';
export { coldStartLead } from './coldStart';
export { peakOverLead, proactiveReplicas, reactiveReplicas, ceilPods, type ReactiveInput, type ReactiveResult } from './calculate';
export { normalize, scaleUpLimit, scaleDownLimit, emptyNormalizeState } from './normalize';
export type { Behavior, ScalingRules, ScalingPolicy, NormalizeState, NormalizeArgs, NormalizeResult, NormalizeStep, TimedValue } from './normalize';
export { parseCron, cronMatches, zonedParts, zonedTimeToUnix, CronError, type CronExpr, type ZonedParts } from './cron';
export { compileInstanceBounds, boundsAt, type InstanceBoundsSpec, type ScheduleBoundSpec, type CompiledWindow, type EffectiveBounds } from './schedule';
export { formatLoad, formatClock, percentileLabel } from './format';
