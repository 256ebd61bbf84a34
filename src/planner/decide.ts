import type { Decision, DecisionSource, ForecastPeak, HistoryStage, ReasonCode } from '../domain/decision';
import { guardStep, initialGuardState, type GuardState } from '../guard/guard';
import { proactiveReplicas, reactiveReplicas } from './calculate';
import type { PlannerConfig } from './config';
import { formatDuration } from '../util/duration';
import { formatClock, formatLoad, percentileLabel } from './format';
import { emptyNormalizeState, normalize, type NormalizeState } from './normalize';
import { boundsAt } from './schedule';

/** Everything decide() needs for one step. Plain data. */
export interface DecisionInput {
  readonly config: PlannerConfig;
  /** Current total load in config.loadUnit; NaN when missing. */
  readonly load: number;
  /** Age of the newest data point in seconds (now - its timestamp). */
  readonly dataAgeSeconds: number;
  readonly stage: HistoryStage;
  /** Forecast peak over [now, now + coldStartSeconds + decisionIntervalSeconds] (see peakOverLead); null when none. */
  readonly forecast: ForecastPeak | null;
  /** For the guard: the p50 and upper band that were forecast (earlier) for this moment; null when none. */
  readonly band: { readonly p50: number; readonly upper: number } | null;
  /** Requested (spec) replicas. */
  readonly currentReplicas: number;
  readonly readyReplicas: number;
}

/** The planner's memory between steps. Plain JSON: persist it with JSON.stringify. */
export interface PlannerState {
  readonly version: 1;
  /** Time of the previous decision; null before the first. */
  readonly lastTime: number | null;
  readonly normalize: NormalizeState;
  readonly guard: GuardState;
}

export const initialPlannerState = (): PlannerState => ({ version: 1, lastTime: null, normalize: emptyNormalizeState(), guard: initialGuardState() });

function checkInput(input: DecisionInput, now: number): void {
  const bad = (key: string, value: unknown, expected: string): never => {
    throw new Error(`decide: ${key} is ${JSON.stringify(value)}, expected ${expected}`);
  };
  if (!Number.isFinite(now)) bad('now', now, 'unix seconds');
  if (!(Number.isInteger(input.currentReplicas) && input.currentReplicas >= 0)) bad('currentReplicas', input.currentReplicas, 'an integer >= 0');
  if (!(Number.isInteger(input.readyReplicas) && input.readyReplicas >= 0)) bad('readyReplicas', input.readyReplicas, 'an integer >= 0');
}

const plural = (n: number): string => `${n} pod${n === 1 ? '' : 's'}`;

/**
 * One planning step, in three layers like the Kubernetes HPA:
 * 1. calculate: proactive = ceil(peak upper / (capacity x utilisation)) over the lead window;
 *    reactive = the HPA formula on the current load.
 * 2. guard: trust the forecast, or fall back to reactive (with a reason).
 * 3. normalise: stabilisation, rate limits, bounds (global and scheduled).
 *
 * Pure: no clock (`now` is unix seconds), no hidden state (`prev` in, `next` out).
 * Cost: O(guard error window + stabilisation window), a few hundred operations.
 *
 * The primary `reason` is: Observer in observer mode; else a guard fallback reason; else the last
 * normalisation step that changed the count; else why the target was chosen.
 */
export function decide(input: DecisionInput, prev: PlannerState, now: number): { decision: Decision; next: PlannerState } {
  checkInput(input, now);
  const cfg = input.config;
  const current = input.currentReplicas;
  const leadSeconds = cfg.coldStartSeconds + cfg.decisionIntervalSeconds;
  const unit = cfg.loadUnit;
  const perPod = cfg.capacityPerPod * cfg.targetUtilisation;
  const loadOk = Number.isFinite(input.load) && input.load >= 0;
  // Fresh, usable load: the reactive formula can run. (A missing forecast alone does not stop it.)
  const dataOk = loadOk && Number.isFinite(input.dataAgeSeconds) && input.dataAgeSeconds <= cfg.guard.staleAfterSeconds;
  const forecast = input.forecast && Number.isFinite(input.forecast.upper) && Number.isFinite(input.forecast.p50) ? input.forecast : null;

  // 1. Calculate.
  const reactive = loadOk
    ? reactiveReplicas({
        load: input.load,
        readyReplicas: input.readyReplicas,
        currentReplicas: current,
        capacityPerPod: cfg.capacityPerPod,
        targetUtilisation: cfg.targetUtilisation,
        tolerance: cfg.tolerance,
      })
    : null;
  const proactive = forecast ? proactiveReplicas(forecast.upper, cfg.capacityPerPod, cfg.targetUtilisation) : null;

  // 2. Guard (always stepped, so its memory stays current across mode changes).
  const g = guardStep(
    { load: input.load, dataAgeSeconds: input.dataAgeSeconds, stage: input.stage, hasForecast: forecast !== null, band: input.band, podLoad: perPod },
    prev.guard,
    cfg.guard,
    now,
  );

  const reactiveText = (): string => {
    if (!reactive || !loadOk) return `holding ${plural(current)}`;
    if (reactive.withinTolerance) {
      return `load ${formatLoad(input.load)} ${unit} on ${plural(input.readyReplicas)} is within ${Math.round(cfg.tolerance * 100)}% of target; keeping ${plural(current)}`;
    }
    const on = input.readyReplicas > 0 ? ` on ${input.readyReplicas} ready pod${input.readyReplicas === 1 ? '' : 's'}` : ' with no ready pods';
    return `load ${formatLoad(input.load)} ${unit}${on} needs ${plural(reactive.replicas)} (target ${formatLoad(perPod)} ${unit} per pod)`;
  };
  const proactiveText = (p: number, f: ForecastPeak): string =>
    `${percentileLabel(cfg.upperQuantile)} forecast ${formatLoad(f.upper)} ${unit} at ${formatClock(f.time, cfg.messageTimeZone)} needs ${plural(p)}; ` +
    `cold start ${percentileLabel(cfg.coldStartPercentile)} ${formatDuration(cfg.coldStartSeconds)}`;

  let desired: number;
  let source: DecisionSource;
  let calcReason: ReasonCode;
  let calcMessage: string;
  const useForecast = cfg.mode !== 'reactive' && g.verdict.trusted && proactive !== null && forecast !== null && reactive !== null;

  if (cfg.mode === 'reactive') {
    if (reactive && dataOk) {
      desired = reactive.replicas;
      source = 'reactive';
      calcReason = 'Reactive';
      calcMessage = `reactive: ${reactiveText()}`;
    } else {
      desired = current;
      source = 'hold';
      calcReason = g.verdict.reason ?? 'FallbackMissingData';
      calcMessage = `reactive: ${g.verdict.detail}; holding ${plural(current)}`;
    }
  } else if (useForecast) {
    // auto (and observer): the reactive count is a floor at all times.
    // proactive: the forecast alone scales up; predictive scale-in stops at the reactive count, but
    // the reactive count never pushes above the current one (that would be reactive scale-up):
    // e.g. current 10, forecast 5, reactive 15 -> 10 (hold); forecast 5, reactive 7 -> 7.
    // Capping at current keeps the mode monotone in the forecast (forecast 12 gives 12 >= 10).
    const r = cfg.mode === 'proactive' ? (proactive < current ? Math.min(reactive.replicas, current) : 0) : reactive.replicas;
    if (r > proactive) {
      desired = r;
      source = 'reactive';
      calcReason = 'ReactiveHigher';
      calcMessage =
        r < reactive.replicas
          ? `proactive: scale-in to the forecast's ${proactive} stopped at ${plural(r)}; reactive ${reactiveText()}`
          : `reactive: ${reactiveText()}, above the forecast's ${proactive}`;
    } else {
      desired = proactive;
      source = 'proactive';
      calcReason = 'Proactive';
      calcMessage = `proactive: ${proactiveText(proactive, forecast)}`;
    }
  } else {
    const reason = g.verdict.reason ?? 'FallbackMissingData';
    const trigger = reason === 'FallbackRecovering' && prev.guard.trigger ? ` after ${prev.guard.trigger}` : '';
    if (reactive && dataOk) {
      desired = reactive.replicas;
      source = 'reactive';
      calcMessage = `fallback (${g.verdict.detail}${trigger}): reactive ${reactiveText()}`;
    } else {
      // HPA semantics: no usable metric, no change.
      desired = current;
      source = 'hold';
      calcMessage = `fallback (${g.verdict.detail}): holding ${plural(current)}`;
    }
    calcReason = reason;
  }

  // Scale to zero: nothing now and (unless reactive mode) nothing forecast over the lead window.
  // Wake-up needs no special case: the forecast rises above the threshold one lead ahead of the load.
  const bounds = boundsAt(now, cfg.minReplicas, cfg.maxReplicas, cfg.instanceBounds);
  const thr = cfg.scaleToZero.thresholdLoad;
  const forecastQuiet = cfg.mode === 'reactive' || forecast === null || forecast.upper <= thr;
  const zero = cfg.scaleToZero.enabled && bounds.min === 0 && loadOk && input.load <= thr && forecastQuiet && source !== 'hold';
  if (zero) {
    desired = 0;
    source = 'zero';
    calcReason = 'ScaledToZero';
    const fc = forecast ? ` and ${percentileLabel(cfg.upperQuantile)} forecast ${formatLoad(forecast.upper)} ${unit}` : '';
    calcMessage = `scale to zero: load ${formatLoad(input.load)} ${unit}${fc} over the next ${formatDuration(leadSeconds)}`;
  } else if (source !== 'hold') {
    // Outside the zero rule a planned count is never 0 (0 pods cannot serve the tiny load left).
    desired = Math.max(desired, 1);
  }

  // 3. Normalise.
  const n = normalize(
    {
      now,
      current,
      desired,
      min: bounds.min,
      max: bounds.max,
      minFromSchedule: bounds.min > cfg.minReplicas,
      maxFromSchedule: bounds.max < cfg.maxReplicas,
      firstCall: prev.lastTime === null,
    },
    cfg.behavior,
    prev.normalize,
  );
  const recommended = n.replicas;
  const observer = cfg.mode === 'observer';
  const applied = observer ? current : recommended;

  const reasons: ReasonCode[] = [calcReason, ...n.steps.map((s) => s.code)];
  let message = [calcMessage, ...n.steps.map((s) => s.message)].join('; ');
  const lastStep = n.steps[n.steps.length - 1];
  let reason: ReasonCode = calcReason.startsWith('Fallback') ? calcReason : (lastStep?.code ?? calcReason);
  if (bounds.matched.length > 0 && n.steps.some((s) => s.code === 'ScheduleBound')) {
    message += ` (schedule '${bounds.matched.join("', '")}' in ${bounds.timeZone})`;
  }
  if (observer) {
    reasons.unshift('Observer');
    reason = 'Observer';
    message = `observer: would set ${plural(recommended)} (${message}); keeping ${plural(current)}`;
  }

  const decision: Decision = {
    time: now,
    mode: cfg.mode,
    source,
    trusted: g.verdict.trusted,
    reason,
    reasons,
    message,
    currentReplicas: current,
    readyReplicas: input.readyReplicas,
    proactiveReplicas: proactive,
    reactiveReplicas: reactive ? reactive.replicas : null,
    desiredReplicas: desired,
    recommendedReplicas: recommended,
    appliedReplicas: applied,
    minReplicas: bounds.min,
    maxReplicas: bounds.max,
    leadSeconds,
    forecastPeak: forecast,
  };
  // In observer mode nothing was scaled: keep the stabilisation windows (they describe what was
  // recommended) but not scale events, which would throttle recommendations for scaling that never happened.
  const normNext: NormalizeState = observer
    ? { ...n.next, upEvents: prev.normalize.upEvents.map((e) => [e[0], e[1]]), downEvents: prev.normalize.downEvents.map((e) => [e[0], e[1]]) }
    : n.next;
  return { decision, next: { version: 1, lastTime: now, normalize: normNext, guard: g.next } };
}
