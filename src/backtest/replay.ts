import type { Decision, ScalingMode } from '../domain/decision';
import type { Series } from '../domain/series';
import { type ForecastRow, horizonSteps, OnlineForecaster, type OnlineOptions, type Stage, type Target } from '../forecast/online';
import type { Forecaster } from '../forecast/types';
import { decide, initialPlannerState, resolvePlannerConfig, type PlannerConfig, type PlannerConfigInput } from '../planner';
import { leadSteps, PodPool, simulateCluster, type ClusterParams, type ClusterResult } from '../simulate/cluster';
import { hpaClusterParams, hpaPolicy } from '../simulate/hpa';
import { oraclePolicy } from '../simulate/oracle';
import { sweepUtilization, type SweepResult } from '../simulate/sweep';

/**
 * The backtest, pure: one causal pass of the online forecaster over the trace, then the planner
 * replayed against the cluster model, side by side with the Kubernetes HPA and the oracle.
 *
 * Causality: the forecast pass consumes one sample per step; the planner at step i sees the load
 * at i, the forecasts made at i, and the pods that its own earlier decisions made ready by i.
 * Nothing reads a sample after i, so a run on a prefix of a trace gives the same rows.
 */
export interface BacktestConfig {
  /** Seconds from asking for a pod to it serving (a high percentile of the measured distribution). */
  readonly coldStart: number;
  /** Load one pod serves at 100% utilisation. */
  readonly capacity: number;
  readonly targetUtilization: number;
  /** Horizons for forecasts.csv, in seconds. */
  readonly horizons: readonly number[];
  readonly upperQuantile: number;
  readonly seed: number;
  readonly mode?: ScalingMode;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** Overloaded-time SLO for the sweep and the summary (default 0.005). */
  readonly slo?: number;
  /** Steps before this are not scored (default: the start of day 2). */
  readonly firstScored?: number;
  readonly planner?: Partial<PlannerConfigInput>;
  readonly online?: Partial<OnlineOptions>;
}

/** Everything the planner needs from the forecaster, per step (NaN where there was none). */
export interface ForecastPass {
  readonly rows: ForecastRow[];
  /** Peak over the lead window [i+1, i+L]: p50, upper and its offset in steps. */
  readonly peakP50: Float64Array;
  readonly peakUpper: Float64Array;
  readonly peakAt: Int32Array;
  /** The forecast issued at i-1 for step i (what the guard compares the load with). */
  readonly bandP50: Float64Array;
  readonly bandUpper: Float64Array;
  /** The forecast issued one cold start before step i, for step i (for the report). */
  readonly leadP50: Float64Array;
  readonly leadUpper: Float64Array;
  readonly warmup: Uint8Array;
  /** Stage changes: [index, stage, reason]. */
  readonly stages: ReadonlyArray<readonly [number, Stage, string]>;
  readonly weights: Readonly<Record<string, number>>;
  readonly refits: readonly number[];
}

export function leadWindowSteps(cfg: Pick<BacktestConfig, 'coldStart'>, step: number): number {
  // Decisions are made once per step here, so the decision interval is one step.
  return Math.max(1, Math.ceil((cfg.coldStart + step) / step - 1e-9));
}

export function forecastPass(
  series: Series,
  cfg: BacktestConfig,
  forecasters: readonly Forecaster[],
  detect: OnlineOptions['detect'],
  onProgress?: (done: number, total: number) => void,
): ForecastPass {
  const n = series.values.length;
  const L = leadWindowSteps(cfg, series.step);
  const lead = leadSteps(cfg.coldStart, series.step);
  const hs = cfg.horizons.map((h) => horizonSteps(h, series.step));
  const targets: Target[] = [
    ...hs.map((steps): Target => ({ kind: 'point', steps })),
    { kind: 'peak', steps: L },
    { kind: 'point', steps: 1 },
    { kind: 'point', steps: lead },
  ];
  const of = new OnlineForecaster({
    step: series.step,
    targets,
    upperQuantile: cfg.upperQuantile,
    seed: cfg.seed,
    forecasters,
    detect,
    ...cfg.online,
  });
  const nan = () => new Float64Array(n).fill(NaN);
  const out = {
    rows: [] as ForecastRow[],
    peakP50: nan(),
    peakUpper: nan(),
    peakAt: new Int32Array(n),
    bandP50: nan(),
    bandUpper: nan(),
    leadP50: nan(),
    leadUpper: nan(),
    warmup: new Uint8Array(n),
    stages: [] as Array<readonly [number, Stage, string]>,
  };
  let lastStage = '';
  for (let i = 0; i < n; i++) {
    const snap = of.observe(series.values[i]!);
    const key = `${snap.stage}|${snap.stageReason}`;
    if (key !== lastStage && (snap.stage !== 'warmup' || i === 0)) {
      out.stages.push([i, snap.stage, snap.stageReason]);
      lastStage = key;
    }
    const f = snap.forecasts;
    if (!f) {
      out.warmup[i] = 1;
    } else {
      const origin = series.start + i * series.step;
      for (let j = 0; j < hs.length; j++) out.rows.push({ origin, horizonS: cfg.horizons[j]!, p50: f[j]!.p50, upper: f[j]!.upper });
      const peak = f[hs.length]!;
      out.peakP50[i] = peak.p50;
      out.peakUpper[i] = peak.upper;
      out.peakAt[i] = peak.peakAt ?? L;
      if (i + 1 < n) {
        out.bandP50[i + 1] = f[hs.length + 1]!.p50;
        out.bandUpper[i + 1] = f[hs.length + 1]!.upper;
      }
      if (i + lead < n) {
        out.leadP50[i + lead] = f[hs.length + 2]!.p50;
        out.leadUpper[i + lead] = f[hs.length + 2]!.upper;
      }
    }
    if (onProgress && (i % 1000 === 0 || i === n - 1)) onProgress(i + 1, n);
  }
  return { ...out, weights: of.latest()?.weights ?? {}, refits: of.refits };
}

export interface PlanRun {
  readonly requested: Int32Array;
  readonly initialReplicas: number;
  /** Per step: 1 when the forecast was trusted (proactive), else 0 (reactive fallback). */
  readonly trusted: Uint8Array;
  readonly reasons: string[];
  /** Decisions whose message changed, for the report and logs (every step would be 40k lines). */
  readonly last: Decision | null;
}

export function plannerConfig(cfg: BacktestConfig, step: number, targetUtilization: number): PlannerConfig {
  return resolvePlannerConfig({
    capacityPerPod: cfg.capacity,
    targetUtilisation: targetUtilization,
    coldStartSeconds: cfg.coldStart,
    decisionIntervalSeconds: step,
    dataStepSeconds: step,
    upperQuantile: cfg.upperQuantile,
    loadUnit: 'units',
    ...(cfg.mode ? { mode: cfg.mode } : {}),
    ...(cfg.minReplicas !== undefined ? { minReplicas: cfg.minReplicas } : {}),
    maxReplicas: cfg.maxReplicas ?? 100000,
    ...cfg.planner,
  });
}

/** Replays the planner over the trace with the given forecasts: one decision per step. */
export function planPass(
  series: Series,
  pass: ForecastPass,
  cfg: BacktestConfig,
  targetUtilization: number,
  onDecision?: (i: number, d: Decision) => void,
): PlanRun {
  const n = series.values.length;
  const step = series.step;
  const pc = plannerConfig(cfg, step, targetUtilization);
  const first = series.values[0]!;
  const initial = Math.min(pc.maxReplicas, Math.max(pc.minReplicas, Number.isFinite(first) ? Math.ceil(first / (cfg.capacity * targetUtilization)) : pc.minReplicas));
  const pool = new PodPool(initial, leadSteps(cfg.coldStart, step));
  const requested = new Int32Array(n);
  const trusted = new Uint8Array(n);
  const reasons: string[] = new Array(n);
  let state = initialPlannerState();
  let lastFinite = -1;
  let last: Decision | null = null;
  for (let i = 0; i < n; i++) {
    const now = series.start + i * step;
    const y = series.values[i]!;
    if (Number.isFinite(y)) lastFinite = i;
    const ready = pool.readyAtStep(i);
    const hasForecast = !pass.warmup[i] && Number.isFinite(pass.peakUpper[i]!);
    const { decision, next } = decide(
      {
        config: pc,
        load: y,
        dataAgeSeconds: lastFinite < 0 ? Infinity : (i - lastFinite) * step,
        stage: pass.warmup[i] ? 'warmup' : 'ready',
        forecast: hasForecast ? { time: now + pass.peakAt[i]! * step, p50: pass.peakP50[i]!, upper: pass.peakUpper[i]! } : null,
        band: Number.isFinite(pass.bandUpper[i]!) ? { p50: pass.bandP50[i]!, upper: pass.bandUpper[i]! } : null,
        currentReplicas: pool.size,
        readyReplicas: ready,
      },
      state,
      now,
    );
    state = next;
    requested[i] = decision.appliedReplicas;
    trusted[i] = decision.trusted ? 1 : 0;
    reasons[i] = decision.reason;
    pool.apply(decision.appliedReplicas, i);
    onDecision?.(i, decision);
    last = decision;
  }
  return { requested, initialReplicas: initial, trusted, reasons, last };
}

export interface PolicyResult {
  readonly targetUtilization: number;
  readonly requested: Int32Array;
  readonly cluster: ClusterResult;
}

export interface Comparison {
  readonly params: ClusterParams;
  readonly prescale: PolicyResult & { readonly plan: PlanRun };
  readonly hpa: PolicyResult;
  readonly oracle: PolicyResult;
  readonly sweeps?: { readonly prescale: SweepResult; readonly hpa: SweepResult };
}

/** Scores prescale, the HPA and the oracle on the same trace and cluster model. */
export function compare(series: Series, pass: ForecastPass, cfg: BacktestConfig, opts: { sweep?: boolean; onDecision?: (i: number, d: Decision) => void } = {}): Comparison {
  const step = series.step;
  const load = series.values;
  const firstScored = Math.min(load.length - 1, cfg.firstScored ?? Math.ceil(86400 / step));
  const base = { step, coldStart: cfg.coldStart, capacity: cfg.capacity, firstScored };
  const plan = planPass(series, pass, cfg, cfg.targetUtilization, opts.onDecision);
  const prescale = {
    targetUtilization: cfg.targetUtilization,
    requested: plan.requested,
    plan,
    cluster: simulateCluster(load, plan.requested, { ...base, initialReplicas: plan.initialReplicas }),
  };
  const hpaParams = (u: number) => ({ step, coldStart: cfg.coldStart, capacity: cfg.capacity, targetUtilization: u, ...(cfg.minReplicas !== undefined ? { minReplicas: cfg.minReplicas } : {}) });
  const hpaRun = hpaPolicy(load, hpaParams(cfg.targetUtilization));
  const hpa = { targetUtilization: cfg.targetUtilization, requested: hpaRun.requested, cluster: simulateCluster(load, hpaRun.requested, hpaClusterParams(hpaParams(cfg.targetUtilization), hpaRun, firstScored)) };
  const oracleReq = oraclePolicy(load, { step, coldStart: cfg.coldStart, capacity: cfg.capacity });
  const oracle = { targetUtilization: 1, requested: oracleReq, cluster: simulateCluster(load, oracleReq, base) };
  const result: Comparison = { params: base, prescale, hpa, oracle };
  if (!opts.sweep) return result;
  const slo = cfg.slo ?? 0.005;
  const sweeps = {
    prescale: sweepUtilization(
      (u) => {
        const r = planPass(series, pass, cfg, u);
        return { requested: r.requested, initialReplicas: r.initialReplicas };
      },
      load,
      base,
      { slo },
    ),
    hpa: sweepUtilization((u) => hpaPolicy(load, hpaParams(u)), load, base, { slo }),
  };
  return { ...result, sweeps };
}
