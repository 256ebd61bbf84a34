/**
 * Kubernetes HorizontalPodAutoscaler (autoscaling/v2) baseline, simulated step by step on the same
 * cluster model as every other policy (src/simulate/cluster.ts).
 *
 * What it mirrors (pkg/controller/podautoscaler, replica_calculator.go and horizontal.go):
 * 1. Metric: demand per ready pod, as a fraction of the per-pod target. The load is spread over
 *    the ready pods (a request-rate or queue-depth style metric, which does not saturate at 100%
 *    like CPU would): usageRatio = load / (ready x capacity x target).
 * 2. Replica calculation (GetResourceReplicas):
 *    - no ready pods, or a missing sample -> no metrics -> keep the current count and record
 *      nothing for the stabilisation window (the real sync fails and changes nothing);
 *    - |usageRatio - 1| <= tolerance (0.1) -> keep the current count;
 *    - otherwise desired = ceil(usageRatio x ready) = ceil(load / (capacity x target));
 *    - scaling up while pods are still starting: the starting pods count at 0% usage, so
 *      newRatio = load / (current x capacity x target); if that is within tolerance or below 1
 *      keep the current count, else ceil(newRatio x current). This is why the real HPA does not
 *      keep adding pods while the last batch is still cold.
 * 3. Behaviour (normalizeDesiredReplicasWithBehaviors): recommendations are stabilised (scale-down
 *    takes the max over the last 300 s, scale-up the min over the last 0 s by default), then the
 *    scale-up rate limit applies: per 15 s period, max(+4 pods, +100%). The real controller syncs
 *    every 15 s; within one replay step the load sample and the ready count are constant, so the
 *    per-period limit compounds floor(step / 15) times per step (60 s step -> 4 periods, up to 16x).
 *    Scale-down's default limit (100% per 15 s) never binds and is not modelled.
 * 4. Bounds: minReplicas (1) and maxReplicas.
 *
 * Example: capacity 10, target 0.7, 4 ready pods, load 35 -> usageRatio 35 / 28 = 1.25 > 1.1 ->
 * desired ceil(35 / 7) = 5. Load 30 -> ratio 1.07, within tolerance -> stays at 4.
 *
 * Pure and deterministic. O(n x (lead + window)) time.
 */
import { leadSteps, PodPool, type ClusterParams } from './cluster';

export interface HpaParams {
  readonly step: number;
  readonly coldStart: number;
  readonly capacity: number;
  /** Target utilisation per pod, in (0, 1]. */
  readonly targetUtilization: number;
  /** Kubernetes default 0.1 (--horizontal-pod-autoscaler-tolerance). */
  readonly tolerance?: number;
  /** Kubernetes default 300 s (behavior.scaleDown.stabilizationWindowSeconds). */
  readonly scaleDownStabilizationSeconds?: number;
  /** Kubernetes default 0 s (behavior.scaleUp.stabilizationWindowSeconds). */
  readonly scaleUpStabilizationSeconds?: number;
  /** Default policy: 4 pods or 100% per 15 s, whichever is more. null disables the limit. */
  readonly scaleUpLimit?: ScaleUpLimit | null;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** Pods running and ready before step 0 (default: enough for load[0] at the target). */
  readonly initialReplicas?: number;
}

export interface ScaleUpLimit {
  readonly pods: number;
  readonly percent: number;
  readonly periodSeconds: number;
}

export const DEFAULT_SCALE_UP_LIMIT: ScaleUpLimit = { pods: 4, percent: 100, periodSeconds: 15 };

/** ceil with 1e-9 slack, so that 35 / 7 = 5.000000000000001 gives 5, not 6. */
const ceilSlack = (x: number): number => Math.ceil(x - 1e-9);

/**
 * One replica calculation (step 2 above). `current` = pods that exist (spec.replicas), `ready` =
 * pods serving. Returns the raw recommendation before stabilisation and limits.
 */
export function hpaRecommendation(
  load: number,
  ready: number,
  current: number,
  capacity: number,
  target: number,
  tolerance: number,
): number {
  if (!Number.isFinite(load) || ready <= 0) return current;
  const usageRatio = load / (ready * capacity * target);
  const unready = current - ready;
  if (unready <= 0 || usageRatio <= 1) {
    if (Math.abs(usageRatio - 1) <= tolerance) return current;
    return ceilSlack(usageRatio * ready);
  }
  const newRatio = load / (current * capacity * target);
  if (Math.abs(newRatio - 1) <= tolerance || newRatio < 1) return current;
  return Math.max(current, ceilSlack(newRatio * current));
}

/** Largest count reachable from `current` within one step under the scale-up policy. */
export function scaleUpCap(current: number, stepSeconds: number, limit: ScaleUpLimit): number {
  const periods = Math.max(1, Math.floor(stepSeconds / limit.periodSeconds + 1e-9));
  let cap = current;
  for (let k = 0; k < periods; k++) {
    cap = Math.max(cap + limit.pods, Math.ceil(cap * (1 + limit.percent / 100) - 1e-9));
  }
  return cap;
}

export interface HpaRun {
  /** The decision at each step (spec.replicas after the HPA ran at t_i). */
  readonly requested: Int32Array;
  /** Ready pods the HPA saw at each step (equals simulateCluster's `ready` for these decisions). */
  readonly ready: Int32Array;
  /** Initial pods used, to pass to simulateCluster as initialReplicas. */
  readonly initialReplicas: number;
}

function check(p: HpaParams): void {
  if (!(p.targetUtilization > 0 && p.targetUtilization <= 1)) {
    throw new RangeError(`targetUtilization: got ${p.targetUtilization}, expected a fraction in (0, 1]`);
  }
  if (!(Number.isFinite(p.capacity) && p.capacity > 0)) {
    throw new RangeError(`capacity: got ${p.capacity}, expected load per pod > 0`);
  }
  if (!(Number.isFinite(p.step) && p.step > 0)) throw new RangeError(`step: got ${p.step}, expected seconds > 0`);
  const tol = p.tolerance ?? 0.1;
  if (!(tol >= 0 && tol < 1)) throw new RangeError(`tolerance: got ${tol}, expected a fraction in [0, 1)`);
}

/** Simulate the HPA over the whole trace. */
export function hpaPolicy(load: Float64Array, p: HpaParams): HpaRun {
  check(p);
  const n = load.length;
  const tol = p.tolerance ?? 0.1;
  const minR = p.minReplicas ?? 1;
  const maxR = p.maxReplicas ?? Number.MAX_SAFE_INTEGER;
  const limit = p.scaleUpLimit === undefined ? DEFAULT_SCALE_UP_LIMIT : p.scaleUpLimit;
  // A window of W seconds keeps recommendations with timestamp > now - W (time.After(cutoff)):
  // 300 s at a 60 s step -> this step and the 4 before it.
  const downKeep = Math.max(1, Math.ceil((p.scaleDownStabilizationSeconds ?? 300) / p.step - 1e-9));
  const upKeep = Math.max(1, Math.ceil((p.scaleUpStabilizationSeconds ?? 0) / p.step - 1e-9));
  const first = load[0] as number;
  const initial =
    p.initialReplicas ??
    Math.min(maxR, Math.max(minR, Number.isFinite(first) ? ceilSlack(first / (p.capacity * p.targetUtilization)) : minR));
  const pool = new PodPool(initial, leadSteps(p.coldStart, p.step));
  const requested = new Int32Array(n);
  const ready = new Int32Array(n);
  const recs = new Int32Array(n).fill(-1);
  let current = initial;
  for (let i = 0; i < n; i++) {
    const r = pool.readyAtStep(i);
    ready[i] = r;
    const l = load[i] as number;
    if (!Number.isFinite(l) || r <= 0) {
      // No metrics: the real controller fails this sync, changes nothing and records no
      // recommendation (recs[i] stays -1, skipped by the windows below).
      requested[i] = current;
      pool.apply(current, i);
      continue;
    }
    const rec = Math.min(maxR, Math.max(minR, hpaRecommendation(l, r, current, p.capacity, p.targetUtilization, tol)));
    recs[i] = rec;
    let up = rec;
    let down = rec;
    for (let k = Math.max(0, i - upKeep + 1); k <= i; k++) if ((recs[k] as number) >= 0) up = Math.min(up, recs[k] as number);
    for (let k = Math.max(0, i - downKeep + 1); k <= i; k++) down = Math.max(down, recs[k] as number);
    let next = current;
    if (next < up) next = up;
    if (next > down) next = down;
    if (limit !== null && next > current) next = Math.min(next, scaleUpCap(current, p.step, limit));
    next = Math.min(maxR, Math.max(minR, next));
    requested[i] = next;
    pool.apply(next, i);
    current = next;
  }
  return { requested, ready, initialReplicas: initial };
}

/** Convenience: the ClusterParams matching an HPA run, for simulateCluster. */
export function hpaClusterParams(p: HpaParams, run: HpaRun, firstScored: number): ClusterParams {
  return { step: p.step, coldStart: p.coldStart, capacity: p.capacity, firstScored, initialReplicas: run.initialReplicas };
}
