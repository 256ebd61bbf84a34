import type { Decision } from '../../../src/domain/decision';
import type { QuantileForecast } from '../../../src/forecast/types';
import { peakOverLead } from '../../../src/planner/calculate';
import { resolvePlannerConfig, type PlannerConfigInput } from '../../../src/planner/config';
import { decide, initialPlannerState, type PlannerState } from '../../../src/planner/decide';

/**
 * A tiny closed loop for scenario tests: pods become ready `coldStartSeconds` after they are
 * requested; removing pods removes the newest (not yet ready) first. The forecast is the
 * `forecastLoad` function (the truth unless told otherwise) with an upper band at `upperFactor` x.
 */
export interface SimOptions {
  readonly cfg: Partial<PlannerConfigInput>;
  readonly start: number;
  readonly steps: number;
  readonly load: (t: number) => number;
  readonly forecastLoad?: (t: number) => number;
  readonly upperFactor?: number;
  readonly dataAge?: (t: number) => number;
  readonly initialPods: number;
  readonly state?: PlannerState;
}

export interface SimRow {
  readonly t: number;
  readonly load: number;
  readonly ready: number;
  readonly current: number;
  readonly decision: Decision;
}

export const simBase: PlannerConfigInput = {
  capacityPerPod: 100,
  targetUtilisation: 1,
  minReplicas: 1,
  maxReplicas: 100,
  coldStartSeconds: 540,
  decisionIntervalSeconds: 60,
};

export function simulate(o: SimOptions): { rows: SimRow[]; state: PlannerState } {
  const config = resolvePlannerConfig({ ...simBase, ...o.cfg });
  const interval = config.decisionIntervalSeconds;
  const lead = config.coldStartSeconds + interval;
  const fc = o.forecastLoad ?? o.load;
  const k = o.upperFactor ?? 1.2;
  // Ready times of requested pods, oldest first; initial pods are ready.
  let pods: number[] = Array.from({ length: o.initialPods }, () => -Infinity);
  let state = o.state ?? initialPlannerState();
  const rows: SimRow[] = [];
  for (let i = 0; i < o.steps; i++) {
    const t = o.start + i * interval;
    const points: QuantileForecast[] = [];
    for (let h = 1; h * 60 <= lead + 60; h++) {
      const v = fc(t + h * 60);
      points.push({ time: t + h * 60, horizonSteps: h, p50: v, upper: v * k });
    }
    const ready = pods.filter((r) => r <= t).length;
    const load = o.load(t);
    const { decision, next } = decide(
      {
        config,
        load,
        dataAgeSeconds: o.dataAge ? o.dataAge(t) : 30,
        stage: 'ready',
        forecast: peakOverLead(points, t, lead),
        band: { p50: fc(t), upper: fc(t) * k },
        currentReplicas: pods.length,
        readyReplicas: ready,
      },
      state,
      t,
    );
    rows.push({ t, load, ready, current: pods.length, decision });
    state = next;
    const target = decision.appliedReplicas;
    if (target > pods.length) pods = pods.concat(Array.from({ length: target - pods.length }, () => t + config.coldStartSeconds));
    else if (target < pods.length) pods = [...pods].sort((a, b) => a - b).slice(0, target);
  }
  return { rows, state };
}

/** Steps where ready capacity could not serve the load. */
export const underProvisioned = (rows: readonly SimRow[], perPod: number): number =>
  rows.filter((r) => Number.isFinite(r.load) && r.ready * perPod < r.load).length;
