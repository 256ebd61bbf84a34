/**
 * Pure: cold start per pod from kube-state-metrics, as a distribution.
 *
 * kube_pod_created{namespace,pod}            = creation time (unix s)
 * kube_pod_status_ready_time{namespace,pod}  = time the Ready condition last turned true
 * cold start = ready - created, per pod. A pod that went unready and ready again later reports its
 * latest ready time, which is why values above a ceiling are rejected (with that reason).
 */
import type { InstantSample } from './parse';

export interface ColdStartSample {
  readonly namespace: string;
  readonly pod: string;
  /** Pod creation time, unix seconds (identifies the pod across restarts of a same-named pod). */
  readonly created: number;
  readonly seconds: number;
}

export type ColdStartRejectReason = 'not_ready' | 'negative' | 'absurd' | 'not_finite' | 'no_pod_label';

export interface ColdStartRejection {
  readonly pod: string;
  readonly reason: ColdStartRejectReason;
  readonly detail: string;
}

export interface ColdStartOptions {
  /** Cold starts above this are rejected as absurd (config coldStart.maxSeconds, default 3,600). */
  readonly maxSeconds: number;
}

const podKey = (l: Readonly<Record<string, string>>): string | undefined => (l.pod === undefined ? undefined : `${l.namespace ?? ''}/${l.pod}`);

/**
 * Join the two instant-vector results on (namespace, pod). Samples come out sorted by seconds.
 * O(n log n) for n pods.
 * e.g. created 1000, ready 1042 -> 42 s; created 1000, no ready sample -> rejected not_ready.
 */
export function coldStartSeconds(
  created: readonly InstantSample[],
  ready: readonly InstantSample[],
  opts: ColdStartOptions,
): { samples: ColdStartSample[]; rejected: ColdStartRejection[] } {
  const readyBy = new Map<string, number>();
  for (const r of ready) {
    const k = podKey(r.labels);
    if (k !== undefined) readyBy.set(k, r.value);
  }
  const samples: ColdStartSample[] = [];
  const rejected: ColdStartRejection[] = [];
  for (const c of created) {
    const k = podKey(c.labels);
    if (k === undefined) {
      rejected.push({ pod: '(unknown)', reason: 'no_pod_label', detail: `kube_pod_created sample without a pod label: ${JSON.stringify(c.labels)}` });
      continue;
    }
    const r = readyBy.get(k);
    // KSM omits the series, or reports 0, until the pod is ready.
    if (r === undefined || r === 0) {
      rejected.push({ pod: k, reason: 'not_ready', detail: 'no kube_pod_status_ready_time yet' });
      continue;
    }
    const s = r - c.value;
    if (!Number.isFinite(s)) rejected.push({ pod: k, reason: 'not_finite', detail: `created ${c.value}, ready ${r}` });
    else if (s < 0) rejected.push({ pod: k, reason: 'negative', detail: `ready ${r} is ${-s} s before created ${c.value} (clock skew?)` });
    else if (s > opts.maxSeconds) rejected.push({ pod: k, reason: 'absurd', detail: `${s} s > maxSeconds ${opts.maxSeconds} (likely a later readiness flap, not a cold start)` });
    else samples.push({ namespace: c.labels.namespace ?? '', pod: c.labels.pod ?? '', created: c.value, seconds: s });
  }
  samples.sort((a, b) => a.seconds - b.seconds);
  return { samples, rejected };
}

/**
 * Keep a rolling set of observed cold starts across polls (pods come and go): dedupe by
 * (namespace, pod, created), keep the `maxKeep` most recently created. O(n log n).
 */
export function mergeColdStarts(prev: readonly ColdStartSample[], next: readonly ColdStartSample[], maxKeep = 200): ColdStartSample[] {
  const by = new Map<string, ColdStartSample>();
  for (const s of [...prev, ...next]) by.set(`${s.namespace}/${s.pod}@${s.created}`, s);
  return [...by.values()].sort((a, b) => b.created - a.created).slice(0, maxKeep).sort((a, b) => a.seconds - b.seconds);
}
