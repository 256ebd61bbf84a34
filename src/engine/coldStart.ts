/**
 * A workload's measured cold start, pure: the rolling set of pods seen going from created to
 * ready (kube-state-metrics, joined by src/collector/coldStart.ts) and the cold start the plan
 * uses, a high quantile of them (planner/coldStart.ts coldStartLead), or the configured default
 * until `minSamples` pods have been measured.
 *
 * The cold start shapes the forecast itself (the lead window whose peak the planner plans on),
 * so a new value means a rebuilt engine (a replay of its history, see EngineLoop). `moved` keeps
 * that to real changes: more than 10% away from the value in use.
 */
import { mergeColdStarts, type ColdStartSample } from '../collector/coldStart';
import { coldStartLead } from '../planner/coldStart';

export interface ColdStartPolicy {
  readonly defaultSeconds: number;
  /** e.g. 0.95. */
  readonly quantile: number;
  readonly minSamples: number;
  /** Seconds between two polls of kube-state-metrics. */
  readonly refreshSeconds: number;
}

/** Pods kept (the most recently created): enough for a stable p95, recent enough to follow a new image or node pool. */
export const COLD_START_KEEP = 200;

/** A relative change below this keeps the cold start in use (no rebuild). */
export const COLD_START_TOLERANCE = 0.1;

export interface ColdStartView {
  /** The cold start planned with, whole seconds. */
  readonly seconds: number;
  readonly source: 'measured' | 'default';
  /** Pods measured (at most COLD_START_KEEP). */
  readonly samples: number;
  readonly p50: number | null;
  readonly max: number | null;
}

export class ColdStartTracker {
  private pods: ColdStartSample[] = [];

  constructor(readonly policy: ColdStartPolicy) {}

  /** Adds the pods of one poll (deduplicated by namespace, pod and creation time). O(n log n). */
  add(samples: readonly ColdStartSample[]): void {
    this.pods = mergeColdStarts(this.pods, samples, COLD_START_KEEP);
  }

  /** Measured seconds, ascending. */
  get seconds(): readonly number[] {
    return this.pods.map((p) => p.seconds);
  }

  get samples(): readonly ColdStartSample[] {
    return this.pods;
  }

  /**
   * The cold start to plan with: the configured quantile of the measured pods rounded up to a
   * whole second, or the default with fewer than minSamples. e.g. [200, 300, 400, 500, 550, 600]
   * at 0.95 -> 587.5 -> 588 s.
   */
  view(): ColdStartView {
    const xs = this.seconds;
    const measured = xs.length >= this.policy.minSamples;
    return {
      seconds: measured ? Math.ceil(coldStartLead(xs, this.policy.quantile, this.policy.defaultSeconds)) : this.policy.defaultSeconds,
      source: measured ? 'measured' : 'default',
      samples: xs.length,
      p50: xs.length > 0 ? coldStartLead(xs, 0.5) : null,
      max: xs.length > 0 ? xs[xs.length - 1]! : null,
    };
  }
}

/** True when `next` is more than COLD_START_TOLERANCE away from `current`. e.g. 300 -> 320: false; 300 -> 340: true. */
export function coldStartMoved(current: number, next: number): boolean {
  return Math.abs(next - current) > COLD_START_TOLERANCE * current;
}
