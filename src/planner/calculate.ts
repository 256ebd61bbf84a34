import type { ForecastPeak } from '../domain/decision';
import type { QuantileForecast } from '../forecast/types';

/**
 * The calculation layer: load -> replicas, two ways. Pure arithmetic, O(1) except peakOverLead.
 */

/**
 * ceil() that forgives floating-point dust: 12 / (10 x 0.6) is 2.0000000000000004 in binary and
 * must give 2 pods, not 3. A margin of 1e-9 pods is far below any real load difference.
 */
export function ceilPods(x: number): number {
  return Math.max(0, Math.ceil(x - 1e-9));
}

/**
 * Proactive (Knative's formula, asked one lead ahead):
 * pods = ceil(peak upper forecast / (capacity per pod x target utilisation)).
 * @example 1840 rps, 160 rps per pod at 0.9 -> ceil(1840 / 144) = ceil(12.78) = 13 pods
 */
export function proactiveReplicas(peakUpper: number, capacityPerPod: number, targetUtilisation: number): number {
  return ceilPods(Math.max(0, peakUpper) / (capacityPerPod * targetUtilisation));
}

export interface ReactiveInput {
  /** Current total load (finite, >= 0). */
  readonly load: number;
  readonly readyReplicas: number;
  readonly currentReplicas: number;
  readonly capacityPerPod: number;
  readonly targetUtilisation: number;
  /** HPA tolerance: no change while |ratio - 1| <= tolerance (default 0.1). */
  readonly tolerance: number;
}

export interface ReactiveResult {
  readonly replicas: number;
  /** Usage ratio per ready pod: (load / ready) / (capacity x utilisation); NaN with no ready pod. */
  readonly ratio: number;
  readonly withinTolerance: boolean;
}

/**
 * Reactive (the Kubernetes HPA formula): ratio = (load / ready) / target per pod;
 * replicas = ceil(ratio x ready), unchanged (current) while |ratio - 1| <= tolerance.
 * With no ready pod the HPA cannot average, so the count comes from load alone (Knative's
 * activator path): ceil(load / target per pod), never below pods already requested.
 * @example load 900, 6 ready, target 100 x 1.0 -> ratio 1.5 -> ceil(9) = 9 pods
 * @example load 630, 6 ready, target 100 -> ratio 1.05, within 0.1 -> current count
 */
export function reactiveReplicas(i: ReactiveInput): ReactiveResult {
  const perPod = i.capacityPerPod * i.targetUtilisation;
  if (i.readyReplicas <= 0) {
    if (i.load <= 0) return { replicas: i.currentReplicas, ratio: NaN, withinTolerance: false };
    return { replicas: Math.max(i.currentReplicas, ceilPods(i.load / perPod)), ratio: NaN, withinTolerance: false };
  }
  const ratio = i.load / i.readyReplicas / perPod;
  if (Math.abs(ratio - 1) <= i.tolerance) {
    return { replicas: i.currentReplicas, ratio, withinTolerance: true };
  }
  return { replicas: ceilPods(ratio * i.readyReplicas), ratio, withinTolerance: false };
}

/**
 * The forecast peak over the lead window [now, now + leadSeconds]: the highest upper quantile
 * (and its time) and the highest p50. The first point after now + leadSeconds is included when no
 * point falls exactly on the window's end, so that a coarse grid (300 s) still covers the window.
 * Points that are not finite are skipped. O(n). Null when no usable point lies in the window.
 * @example now 0, lead 600, points at 300, 600, 900 -> uses 300 and 600
 */
export function peakOverLead(points: readonly QuantileForecast[], now: number, leadSeconds: number): ForecastPeak | null {
  const end = now + leadSeconds;
  let best: ForecastPeak | null = null;
  let p50 = -Infinity;
  let coveredEnd = false;
  let firstAfter: QuantileForecast | null = null;
  const take = (p: QuantileForecast): void => {
    if (!Number.isFinite(p.upper) || !Number.isFinite(p.p50)) return;
    if (best === null || p.upper > best.upper) best = { time: p.time, p50: 0, upper: p.upper };
    p50 = Math.max(p50, p.p50);
  };
  for (const p of points) {
    if (p.time < now) continue;
    if (p.time <= end) {
      take(p);
      if (p.time === end) coveredEnd = true;
    } else if (firstAfter === null || p.time < firstAfter.time) {
      firstAfter = p;
    }
  }
  if (!coveredEnd && firstAfter !== null) take(firstAfter);
  if (best === null) return null;
  const b: ForecastPeak = best;
  return { time: b.time, upper: b.upper, p50 };
}
