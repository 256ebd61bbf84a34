/**
 * Pure PromQL builders: one query per metric type, label values escaped, names validated by the
 * config schema. Every query returns at most one series (aggregated), which is what backfill()
 * expects.
 */
import type { MetricSpec, PodSelector, Workload } from '../config/schema';

/** Escape a label value for a double-quoted PromQL string: `\` -> `\\`, `"` -> `\"`, newline -> `\n`. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escape RE2 metacharacters so a literal (a pod-name prefix) can sit inside a regex matcher. */
export function escapeRegex(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** `{a="x",b=~"y.*"}`, sorted by label for stable output; `` when empty. */
export function selector(matchers: readonly Matcher[]): string {
  if (matchers.length === 0) return '';
  const sorted = [...matchers].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return `{${sorted.map((m) => `${m.label}${m.op}"${escapeLabelValue(m.value)}"`).join(',')}}`;
}

const eq = (rec: Readonly<Record<string, string>>): Matcher[] => Object.entries(rec).map(([label, value]) => ({ label, op: '=' as const, value }));

/** The workload's pods, for per-pod queries. */
export interface PodScope {
  readonly namespace: string;
  /** RE2 regex (Prometheus anchors it) over pod names. */
  readonly podRegex: string;
}

/**
 * Pods of a workload by name: an explicit podRegex, or `<target.name>-.*` (Deployment pods are
 * `<name>-<rs hash>-<id>`, StatefulSet pods `<name>-<ordinal>`). A matchLabels selector cannot be
 * written as a pod-name regex; per-pod metrics then use the name prefix too, and the cold start
 * joins kube_pod_labels (see coldStartQueries).
 */
export function workloadScope(w: Pick<Workload, 'target' | 'podSelector'>): PodScope {
  const sel = w.podSelector;
  const podRegex = sel && 'podRegex' in sel ? sel.podRegex : `${escapeRegex(w.target.name)}-.*`;
  return { namespace: w.target.namespace, podRegex };
}

/**
 * The PromQL for a workload's load metric. `scope` narrows per-pod metrics (GPU) to the workload;
 * without it they are averaged over whatever the matchers select.
 *
 * e.g. qps { counter: http_requests_total, matchers: { service: "chat" }, rateWindow: 2m } ->
 *   sum(rate(http_requests_total{service="chat"}[2m]))
 */
export function queryFor(metric: MetricSpec, scope?: PodScope): string {
  switch (metric.type) {
    case 'qps':
      return `sum(rate(${metric.counter}${selector(eq(metric.matchers))}[${metric.rateWindow}]))`;
    case 'responseTime':
      // Buckets summed across instances by `le` first: the quantile of the merged distribution.
      return `histogram_quantile(${metric.quantile}, sum by (le) (rate(${metric.histogram}_bucket${selector(eq(metric.matchers))}[${metric.rateWindow}])))`;
    case 'gpu': {
      const m = eq(metric.matchers);
      if (scope) m.push({ label: metric.namespaceLabel, op: '=', value: scope.namespace }, { label: metric.podLabel, op: '=~', value: scope.podRegex });
      return `avg(${metric.metric}${selector(m)})`;
    }
    case 'concurrency': {
      const names = metric.series === 'both' ? 'vllm:num_requests_running|vllm:num_requests_waiting' : `vllm:num_requests_${metric.series}`;
      // One selector over both names, so a server that has not exported `waiting` yet still gives
      // `running` (a `+` of two sums would give nothing).
      const m: Matcher[] = [{ label: '__name__', op: metric.series === 'both' ? '=~' : '=', value: names }, ...eq(metric.matchers)];
      return `sum(${selector(m)})`;
    }
    case 'custom':
      return metric.query;
  }
}

/** queryFor with the workload's own pod scope. */
export function queryForWorkload(w: Workload): string {
  return queryFor(w.metric, workloadScope(w));
}

/**
 * kube-state-metrics' name for a pod label: `label_` + the key with every character outside
 * [a-zA-Z0-9_] replaced by `_` (`app.kubernetes.io/name` -> `label_app_kubernetes_io_name`).
 * kube-state-metrics 2.x exports only labels allowed by --metric-labels-allowlist.
 */
export function ksmLabelName(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/**
 * Two instant queries whose results feed coldStartSeconds(): each pod's creation time and the time
 * it last became ready (unix seconds), for the workload's pods.
 */
export function coldStartQueries(w: { target: { namespace: string; name: string }; podSelector?: PodSelector | undefined }): { created: string; ready: string } {
  const ns: Matcher = { label: 'namespace', op: '=', value: w.target.namespace };
  const sel = w.podSelector;
  if (sel && 'matchLabels' in sel) {
    const labels = selector([ns, ...Object.entries(sel.matchLabels).map(([k, v]) => ({ label: ksmLabelName(k), op: '=' as const, value: v }))]);
    // `and on(namespace, pod)` keeps the left side's value (the timestamp) for pods that match.
    const join = ` and on(namespace, pod) kube_pod_labels${labels}`;
    return { created: `kube_pod_created${selector([ns])}${join}`, ready: `kube_pod_status_ready_time${selector([ns])}${join}` };
  }
  const scope = workloadScope({ target: { ...w.target, kind: 'Deployment' }, podSelector: sel });
  const s = selector([ns, { label: 'pod', op: '=~', value: scope.podRegex }]);
  return { created: `kube_pod_created${s}`, ready: `kube_pod_status_ready_time${s}` };
}
