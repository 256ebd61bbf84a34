import type { Decision, ScalingMode } from '../domain/decision';
import type { Series } from '../domain/series';
import { type ForecastRow, horizonSteps, OnlineForecaster, type OnlineOptions, type Stage, type Target } from '../forecast/online';
import type { Forecaster } from '../forecast/types';
import { decide, initialPlannerState, resolvePlannerConfig, type PlannerConfig, type PlannerConfigInput, type PlannerState } from '../planner';
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

/**
 * The forecaster's targets, in the order both the backtest and the service read them:
 * [one point target per horizon..., the peak over the lead window L, 1 step ahead (the guard's
 * band for the next step), one cold start ahead (the report's lead forecast)].
 * e.g. horizons 10m,1h at step 60 s with a 5 min cold start: points 10 and 60, peak over 6 steps
 * (ceil((300 + 60) / 60)), point 1, point 5.
 */
export function forecastTargets(cfg: Pick<BacktestConfig, 'coldStart' | 'horizons'>, step: number): { targets: Target[]; hs: number[]; L: number; lead: number } {
  const L = leadWindowSteps(cfg, step);
  const lead = leadSteps(cfg.coldStart, step);
  const hs = cfg.horizons.map((h) => horizonSteps(h, step));
  const targets: Target[] = [
    ...hs.map((steps): Target => ({ kind: 'point', steps })),
    { kind: 'peak', steps: L },
    { kind: 'point', steps: 1 },
    { kind: 'point', steps: lead },
  ];
  return { targets, hs, L, lead };
}

export function forecastPass(
  series: Series,
  cfg: BacktestConfig,
  forecasters: readonly Forecaster[],
  detect: OnlineOptions['detect'],
  onProgress?: (done: number, total: number) => void,
): ForecastPass {
  const n = series.values.length;
  const { targets, hs, L, lead } = forecastTargets(cfg, series.step);
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

/** The peak over the lead window as the planner reads it (from the 'peak' target). */
export interface PeakInput {
  readonly p50: number;
  readonly upper: number;
  /** Steps ahead of the peak (1..L). */
  readonly at: number;
}

/**
 * One planner step at a time, as the backtest replays it and the service runs it: the same
 * decide() inputs (load, data age in whole steps since the last finite sample, warmup stage, the
 * peak forecast, the band issued one step earlier) and the same assumed cluster (a PodPool whose new
 * pods are ready one cold start after they are asked for). Sharing this is what makes a service
 * recommendation equal to the backtest's decision on the same data at the same timestamp.
 * Cost per step: one decide() (a few hundred operations) plus O(pending pod cohorts).
 */
export class PlanStepper {
  readonly initialReplicas: number;
  private pool: PodPool;
  private state: PlannerState;
  private lastFinite = -1;
  private index = 0;

  /**
   * @param first the first load sample: the cluster starts at the count it needs at the target
   *   utilisation (e.g. 1,200 rps at 100 x 0.7 per pod -> 18 pods), within the bounds.
   */
  constructor(
    readonly config: PlannerConfig,
    readonly step: number,
    first: number,
  ) {
    const perPod = config.capacityPerPod * config.targetUtilisation;
    this.initialReplicas = Math.min(config.maxReplicas, Math.max(config.minReplicas, Number.isFinite(first) ? Math.ceil(first / perPod) : config.minReplicas));
    this.pool = new PodPool(this.initialReplicas, leadSteps(config.coldStartSeconds, step));
    this.state = initialPlannerState();
  }

  /** The stepper's state as plain data (PlanStepper.restore), for persistence. */
  save(): { initialReplicas: number; pool: ReturnType<PodPool['save']>; state: PlannerState; lastFinite: number; index: number } {
    return { initialReplicas: this.initialReplicas, pool: this.pool.save(), state: this.state, lastFinite: this.lastFinite, index: this.index };
  }

  /** A stepper with `config` resumed from save()'s data. Throws naming the bad field. */
  static restore(config: PlannerConfig, step: number, saved: unknown): PlanStepper {
    const o = saved as Record<string, unknown> | null;
    const int = (k: string, min: number): number => {
      const v = o?.[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`stepper.${k} is ${JSON.stringify(v)}, expected an integer >= ${min}`);
      return v;
    };
    const st = o?.state as PlannerState | undefined;
    if (typeof st !== 'object' || st === null || st.version !== 1) throw new RangeError(`stepper.state is ${JSON.stringify(st)?.slice(0, 60)}, expected a planner state of version 1`);
    const s = new PlanStepper(config, step, NaN);
    (s as { initialReplicas: number }).initialReplicas = int('initialReplicas', 0);
    s.pool = PodPool.restore(o!.pool as { readyAt: unknown; counts: unknown }, leadSteps(config.coldStartSeconds, step));
    s.state = st;
    s.lastFinite = int('lastFinite', -1);
    s.index = int('index', 0);
    return s;
  }

  /** Steps decided so far (the index of the next one). */
  get steps(): number {
    return this.index;
  }

  /** The planner state after the latest step (plain JSON). */
  get plannerState(): PlannerState {
    return this.state;
  }

  /**
   * Decides step `index` (0-based, at `now` = its grid time) from its load `y` (NaN when missing),
   * the peak forecast made at it (null in warmup or when none) and the band forecast for it one
   * step earlier (null when none).
   */
  next(now: number, y: number, warmup: boolean, peak: PeakInput | null, band: { p50: number; upper: number } | null): Decision {
    const i = this.index++;
    if (Number.isFinite(y)) this.lastFinite = i;
    const ready = this.pool.readyAtStep(i);
    const hasForecast = !warmup && peak !== null && Number.isFinite(peak.upper);
    const { decision, next } = decide(
      {
        config: this.config,
        load: y,
        dataAgeSeconds: this.lastFinite < 0 ? Infinity : (i - this.lastFinite) * this.step,
        stage: warmup ? 'warmup' : 'ready',
        forecast: hasForecast ? { time: now + peak.at * this.step, p50: peak.p50, upper: peak.upper } : null,
        band: band && Number.isFinite(band.upper) ? band : null,
        currentReplicas: this.pool.size,
        readyReplicas: ready,
      },
      this.state,
      now,
    );
    this.state = next;
    this.pool.apply(decision.appliedReplicas, i);
    return decision;
  }
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
  const stepper = new PlanStepper(plannerConfig(cfg, step, targetUtilization), step, series.values[0]!);
  const requested = new Int32Array(n);
  const trusted = new Uint8Array(n);
  const reasons: string[] = new Array(n);
  let last: Decision | null = null;
  for (let i = 0; i < n; i++) {
    const now = series.start + i * step;
    const warmup = pass.warmup[i] === 1;
    const decision = stepper.next(
      now,
      series.values[i]!,
      warmup,
      warmup ? null : { p50: pass.peakP50[i]!, upper: pass.peakUpper[i]!, at: pass.peakAt[i]! },
      { p50: pass.bandP50[i]!, upper: pass.bandUpper[i]! },
    );
    requested[i] = decision.appliedReplicas;
    trusted[i] = decision.trusted ? 1 : 0;
    reasons[i] = decision.reason;
    onDecision?.(i, decision);
    last = decision;
  }
  return { requested, initialReplicas: stepper.initialReplicas, trusted, reasons, last };
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
