/**
 * The one schema for prescale's configuration. Everything the service reads from a file goes
 * through `parseConfig`, which returns a deeply frozen `Config` or a `ConfigError` whose issues
 * name the full key path (`workloads[2].capacityPerPod`), the value and what was expected.
 *
 * Strict objects everywhere: an unknown key is a typo until proven otherwise (`minReplica` must
 * not silently fall back to a default of 1).
 */
import { z } from 'zod';
import { parseCron } from '../planner/cron';

/** Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*` (vLLM's `vllm:num_requests_running`). */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Kubernetes object names and namespaces (RFC 1123 subdomain, <= 253 chars). */
const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Prometheus durations as used in range selectors: `30s`, `2m`, `1h` (one unit, enough here). */
const PROM_DURATION_RE = /^[1-9][0-9]*(ms|s|m|h|d|w|y)$/;

const metricName = z.string().regex(METRIC_NAME_RE, 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
const labelName = z.string().regex(LABEL_NAME_RE, 'a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');
const k8sName = z.string().max(253).regex(K8S_NAME_RE, 'a Kubernetes name (lower-case RFC 1123)');
/** Equality matchers added to a query: `{ model_name: "llama-3-8b" }`. */
const matchers = z.record(labelName, z.string()).default({});
const promDuration = z.string().regex(PROM_DURATION_RE, 'a Prometheus duration like 30s, 2m, 1h');

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'an IANA time zone such as UTC or Europe/Paris' },
);

export const scaleTargetSchema = z.strictObject({
  namespace: k8sName,
  kind: z.enum(['Deployment', 'StatefulSet', 'ReplicaSet']).default('Deployment'),
  name: k8sName,
});

/**
 * Which pods belong to the workload, for per-pod queries (GPU, cold start). Either label equality
 * (matched through kube-state-metrics' `kube_pod_labels`) or a pod-name regex. Default when absent:
 * pod names starting with `<target.name>-`, which is how Deployments and StatefulSets name pods.
 */
export const podSelectorSchema = z.union([
  z.strictObject({ matchLabels: z.record(z.string().min(1), z.string()).refine((m) => Object.keys(m).length > 0, 'at least one label') }),
  z.strictObject({ podRegex: z.string().min(1) }),
]);

const qpsMetric = z.strictObject({
  type: z.literal('qps'),
  /** A counter, e.g. `http_requests_total`. */
  counter: metricName,
  matchers,
  /** rate() window: at least 4x the scrape interval is Prometheus' usual advice (15 s -> 1m). */
  rateWindow: promDuration.default('2m'),
});
const responseTimeMetric = z.strictObject({
  type: z.literal('responseTime'),
  /** Histogram base name, without `_bucket`, e.g. `http_request_duration_seconds`. */
  histogram: metricName,
  quantile: z.number().gt(0).lt(1).default(0.95),
  matchers,
  rateWindow: promDuration.default('2m'),
});
const gpuMetric = z.strictObject({
  type: z.literal('gpu'),
  /** DCGM exporter metric; GPU utilisation in percent, averaged over the workload's pods. */
  metric: metricName.default('DCGM_FI_DEV_GPU_UTIL'),
  /** dcgm-exporter's labels for the pod using the GPU (`exported_pod` behind some relabelings). */
  podLabel: labelName.default('pod'),
  namespaceLabel: labelName.default('namespace'),
  matchers,
});
const concurrencyMetric = z.strictObject({
  type: z.literal('concurrency'),
  /** vLLM gauges: running, waiting, or both summed (the load a replica pool must absorb). */
  series: z.enum(['running', 'waiting', 'both']).default('both'),
  matchers,
});
const customMetric = z.strictObject({
  type: z.literal('custom'),
  /** Must return one series (aggregate it: `sum(...)`). */
  query: z.string().min(1),
});

export const metricSchema = z.discriminatedUnion('type', [qpsMetric, responseTimeMetric, gpuMetric, concurrencyMetric, customMetric]);

export const coldStartSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('kubeStateMetrics'),
    /** Used until kube-state-metrics has shown `minSamples` pods going ready. */
    defaultSeconds: z.number().positive().max(86_400),
    /** Cold starts above this are rejected as absurd (a pod that went unready and back). */
    maxSeconds: z.number().positive().max(86_400).default(3_600),
    /** The quantile of measured cold starts the plan uses (0.95: plan for a slow start; a late pod costs more than an early one). */
    quantile: z.number().gt(0).max(1).default(0.95),
    /** Measured pods needed before the measurement replaces defaultSeconds. */
    minSamples: z.number().int().min(1).max(1_000).default(3),
    /** How often kube-state-metrics is asked (two instant queries per workload). */
    refreshSeconds: z.number().int().min(10).max(86_400).default(300),
  }),
  z.strictObject({ source: z.literal('fixed'), seconds: z.number().positive().max(86_400) }),
]);

/** AHPA instanceBounds-like: while `cron` matches (minute resolution, in `timeZone`), clamp replicas. */
export const scheduleBoundSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    // The planner's own parser, so that what the schema accepts the planner runs.
    cron: z.string().refine(isCron, { message: 'a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "* 8-19 * * 1-5"' }),
    timeZone: timeZone.default('UTC'),
    minReplicas: z.number().int().min(0),
    maxReplicas: z.number().int().min(1),
  });

export const forecastSchema = z.strictObject({
  /** The quantile pods are planned for; 0.9 = cover the load 9 times in 10. */
  upperQuantile: z.number().gt(0.5).lt(1).default(0.9),
  /** How far ahead to forecast. Must cover the cold start, or a pod asked for now comes too late. */
  horizonSeconds: z.number().int().positive().max(7 * 86_400).default(1_800),
  /** Sample step of the collected series. */
  stepSeconds: z.number().int().min(1).max(3_600).default(60),
  /** History backfilled at start (7 days covers a weekly period once). */
  historySeconds: z.number().int().positive().max(90 * 86_400).default(7 * 86_400),
  /** Regular refit cadence: periodicity detection and a fit of every model on the history kept. */
  refitEverySeconds: z.number().int().min(600).max(7 * 86_400).default(86_400),
});

function isCron(expr: string): boolean {
  try {
    parseCron(expr);
    return true;
  } catch {
    return false;
  }
}

/** Scale to zero (offline inference): allowed only when enabled, which makes minReplicas 0 valid. */
export const scaleToZeroSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Load at or below this counts as none, now and in the forecast's upper band. */
  thresholdLoad: z.number().min(0).default(0),
});

export const workloadSchema = z.strictObject({
  /** Unique id used in metrics, logs and the API. */
  name: z.string().regex(/^[a-zA-Z0-9][-a-zA-Z0-9_.]{0,62}$/, 'a short id ([a-zA-Z0-9][-a-zA-Z0-9_.]*, <= 63 chars)'),
  target: scaleTargetSchema,
  podSelector: podSelectorSchema.optional(),
  metric: metricSchema,
  /** Load one pod serves at 100 % utilisation, in the metric's unit (req/s, requests, % GPU...). */
  capacityPerPod: z.number().positive(),
  /** Fraction of capacity to plan for; 0.7 leaves 30 % headroom. */
  targetUtilization: z.number().gt(0).max(1).default(0.7),
  minReplicas: z.number().int().min(0).default(1),
  maxReplicas: z.number().int().min(1),
  scaleToZero: scaleToZeroSchema.optional(),
  mode: z.enum(['observer', 'proactive', 'reactive', 'auto']).default('observer'),
  coldStart: coldStartSchema,
  schedule: z.array(scheduleBoundSchema).default([]),
  forecast: forecastSchema.default(() => forecastSchema.parse({})),
});

export const prometheusFileSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  timeoutSeconds: z.number().positive().max(300).default(10),
});

export const configSchema = z
  .strictObject({
    /** Optional here: the ConfigMap or PRESCALE_PROMETHEUS_URL usually provides it. */
    prometheus: prometheusFileSchema.optional(),
    workloads: z.array(workloadSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.workloads.forEach((w, i) => {
      const at = (...p: (string | number)[]) => ['workloads', i, ...p];
      const prev = seen.get(w.name);
      if (prev !== undefined) {
        ctx.addIssue({ code: 'custom', path: at('name'), input: w.name, message: `duplicate workload name, already used by workloads[${prev}]` });
      }
      seen.set(w.name, i);
      if (w.minReplicas > w.maxReplicas) {
        ctx.addIssue({ code: 'custom', path: at('minReplicas'), input: w.minReplicas, message: `must be <= maxReplicas (${w.maxReplicas})` });
      }
      if (w.minReplicas === 0 && !w.scaleToZero?.enabled) {
        ctx.addIssue({ code: 'custom', path: at('minReplicas'), input: 0, message: 'must be >= 1 unless scaleToZero.enabled is true' });
      }
      const coldStart = w.coldStart.source === 'fixed' ? w.coldStart.seconds : w.coldStart.defaultSeconds;
      if (w.forecast.horizonSeconds < coldStart) {
        ctx.addIssue({
          code: 'custom',
          path: at('forecast', 'horizonSeconds'),
          input: w.forecast.horizonSeconds,
          message: `must be >= the cold start (${coldStart} s from coldStart): pods asked for now are ready only after it`,
        });
      }
      if (w.forecast.horizonSeconds < w.forecast.stepSeconds) {
        ctx.addIssue({ code: 'custom', path: at('forecast', 'horizonSeconds'), input: w.forecast.horizonSeconds, message: `must be >= forecast.stepSeconds (${w.forecast.stepSeconds})` });
      }
      if (w.coldStart.source === 'kubeStateMetrics' && w.coldStart.defaultSeconds > w.coldStart.maxSeconds) {
        ctx.addIssue({ code: 'custom', path: at('coldStart', 'defaultSeconds'), input: w.coldStart.defaultSeconds, message: `must be <= coldStart.maxSeconds (${w.coldStart.maxSeconds})` });
      }
      w.schedule.forEach((b, j) => {
        if (b.minReplicas > b.maxReplicas) {
          ctx.addIssue({ code: 'custom', path: at('schedule', j, 'minReplicas'), input: b.minReplicas, message: `must be <= schedule[${j}].maxReplicas (${b.maxReplicas})` });
        }
      });
      if (w.podSelector && 'podRegex' in w.podSelector) {
        try {
          new RegExp(w.podSelector.podRegex);
        } catch (e) {
          ctx.addIssue({ code: 'custom', path: at('podSelector', 'podRegex'), input: w.podSelector.podRegex, message: `not a valid regular expression: ${(e as Error).message}` });
        }
      }
    });
  });

export type Config = DeepReadonly<z.output<typeof configSchema>>;
export type Workload = Config['workloads'][number];
export type MetricSpec = Workload['metric'];
export type ColdStartSpec = Workload['coldStart'];
export type PodSelector = NonNullable<Workload['podSelector']>;
export type ScheduleBound = Workload['schedule'][number];

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** One problem in a config, with the full path of the key. */
export interface ConfigIssue {
  /** `workloads[2].capacityPerPod`; `(root)` for the document itself. */
  readonly path: string;
  readonly message: string;
  /** The offending value, when there is one (absent for a missing key). */
  readonly value?: unknown;
}

/** `['workloads', 2, 'capacityPerPod']` -> `workloads[2].capacityPerPod`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Zod's issue -> our issue: the message says what was expected, with the range when there is one. */
function toIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = formatPath(issue.path);
  let value = issue.input;
  // A discriminated union reports the whole object at the discriminator's path: show the key's value.
  const last = issue.path[issue.path.length - 1];
  if (typeof last === 'string' && value !== null && typeof value === 'object' && !Array.isArray(value) && last in value) {
    value = (value as Record<string, unknown>)[last];
  }
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return { path, message };
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const op = issue.code === 'too_small' ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
    const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
    const what = issue.origin === 'array' ? 'number of items' : issue.origin === 'string' ? 'length' : 'value';
    message = `${what} must be ${op} ${String(bound)}`;
  }
  if (issue.code === 'invalid_type' && value === undefined) message = `required (${issue.expected})`;
  return value === undefined ? { path, message } : { path, message, value };
}

/** Stable codes: invalid (schema), syntax (YAML/JSON), unreadable (I/O). */
export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_SYNTAX' | 'CONFIG_UNREADABLE';

export class ConfigError extends Error {
  constructor(
    /** Where the config came from (file path, `ConfigMap kube-system/application-intelligence`). */
    readonly origin: string,
    readonly issues: readonly ConfigIssue[],
    readonly code: ConfigErrorCode = 'CONFIG_INVALID',
  ) {
    super(
      `${code === 'CONFIG_INVALID' ? 'invalid config' : code === 'CONFIG_SYNTAX' ? 'config syntax error' : 'config unreadable'} in ${origin}:\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}${'value' in i ? ` (got ${describeValue(i.value)})` : ''}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfigError };

/** Recursively Object.freeze a plain value tree. O(size). */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** Validate a parsed document (from YAML or JSON). Pure apart from the cron/time-zone checks. */
export function parseConfig(doc: unknown, origin: string): ParseResult<Config> {
  const r = configSchema.safeParse(doc, { reportInput: true });
  if (!r.success) return { ok: false, error: new ConfigError(origin, r.error.issues.map(toIssue)) };
  return { ok: true, value: deepFreeze(r.data) as Config };
}
