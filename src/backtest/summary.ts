import type { DataQualityReport, Series } from '../domain/series';
import type { Scores } from '../simulate/cluster';
import type { SweepResult } from '../simulate/sweep';
import type { BacktestConfig, Comparison, ForecastPass } from './replay';

export interface SweepSummary {
  readonly utilization: number | null;
  readonly scores: Scores | null;
  readonly text: string;
  readonly reason: string;
}

/** summary.json: the scores of prescale, the HPA and the oracle, and the sweep when one ran. */
export function summarize(a: {
  trace: string;
  series: Series;
  cfg: BacktestConfig;
  pass: ForecastPass;
  cmp: Comparison;
  dataQuality: DataQualityReport;
  timings: Record<string, number>;
  notes: readonly string[];
}) {
  const { cmp, cfg, series } = a;
  const sweep = (r: SweepResult): SweepSummary => ({
    utilization: r.chosen?.utilization ?? null,
    scores: r.chosen?.scores ?? null,
    text: r.chosen ? `target ${r.chosen.utilization.toFixed(3)} -> cost ${r.chosen.scores.cost.toFixed(2)}, overloaded ${(100 * r.chosen.scores.overloadedShare).toFixed(2)}%` : 'no target meets the SLO',
    reason: r.reason,
  });
  const s = cmp.sweeps ? { prescale: sweep(cmp.sweeps.prescale), hpa: sweep(cmp.sweeps.hpa) } : null;
  const oracleCost = cmp.oracle.cluster.scores.cost;
  return {
    trace: a.trace,
    steps: series.values.length,
    stepSeconds: series.step,
    start: new Date(series.start * 1000).toISOString(),
    firstScored: cmp.params.firstScored,
    settings: {
      coldStartSeconds: cfg.coldStart,
      capacityPerPod: cfg.capacity,
      targetUtilization: cfg.targetUtilization,
      upperQuantile: cfg.upperQuantile,
      mode: cfg.mode ?? 'auto',
      slo: cfg.slo ?? 0.005,
      horizonsSeconds: cfg.horizons,
      seed: cfg.seed,
    },
    dataQuality: { missing: a.dataQuality.missing, nonFinite: a.dataQuality.nonFinite, negative: a.dataQuality.negative, messages: a.dataQuality.messages },
    forecaster: {
      stages: a.pass.stages.map(([i, stage, reason]) => ({ from: new Date((series.start + i * series.step) * 1000).toISOString(), stage, reason })),
      finalWeights: a.pass.weights,
      refits: a.pass.refits.length,
    },
    scores: { prescale: cmp.prescale.cluster.scores, hpa: cmp.hpa.cluster.scores, oracle: cmp.oracle.cluster.scores },
    ratios: {
      prescaleCostOverHpa: cmp.prescale.cluster.scores.cost / cmp.hpa.cluster.scores.cost,
      prescaleCostOverOracle: cmp.prescale.cluster.scores.cost / oracleCost,
      hpaCostOverOracle: cmp.hpa.cluster.scores.cost / oracleCost,
    },
    fallbackShare: 1 - cmp.prescale.plan.trusted.reduce((x, t) => x + t, 0) / series.values.length,
    sweep: s,
    ...(s?.prescale.scores && s.hpa.scores ? { sweepCostRatio: s.prescale.scores.cost / s.hpa.scores.cost } : {}),
    timings: a.timings,
    notes: a.notes,
  };
}
