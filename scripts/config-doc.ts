/**
 * The configuration reference (docs/configuration.md), generated from the zod schema in
 * src/config/schema.ts so that it cannot drift: `renderConfigReference()` converts the schema to
 * JSON Schema (zod 4's `z.toJSONSchema`, input side: a key with a default is optional), walks it,
 * and writes one row per key with its path, type, allowed values, default and required-ness.
 *
 * Descriptions live here, keyed by path (the schema carries none). Rendering fails, naming the
 * paths, when a key has no description or a description names a key the schema no longer has, and
 * likewise for the ConfigMap keys of src/config/prometheusSource.ts. The embedded example is
 * validated with `parseConfig` on every render.
 *
 * Pure (no I/O): scripts/gen-config-doc.ts writes the file; test/unit/docs/config-doc.test.ts
 * compares it with the committed one.
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { configSchema, parseConfig } from '../src/config/schema';
import { CONFIGMAP_NAME, CONFIGMAP_NAMESPACE, ENV_PROMETHEUS_URL, SOURCE_KEYS } from '../src/config/prometheusSource';

/** The subset of JSON Schema that z.toJSONSchema emits for this schema. */
export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly propertyNames?: JsonSchema;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly $ref?: string;
}

/** One documented key. `when` is the variant condition for keys of a union member, e.g. `type: qps`. */
export interface KeyRow {
  readonly path: string;
  readonly type: string;
  readonly allowed: string;
  readonly default: string;
  readonly required: boolean;
  readonly when: readonly string[];
}

/** Every key of the workload config, by path. `[]` marks a list item. */
export const KEY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  prometheus: 'Where Prometheus is, as a last resort: `--prometheus-url`, then `PRESCALE_PROMETHEUS_URL`, then the ConfigMap below take precedence. At most one file of a config directory may set it.',
  'prometheus.url': 'Prometheus base URL, e.g. `http://prometheus.monitoring.svc:9090`.',
  'prometheus.timeoutSeconds': 'Per-request timeout in seconds.',
  workloads: 'The workloads prescale forecasts, one per scale target. A config directory concatenates the lists of its files in file-name order.',
  'workloads[]': 'One workload.',
  'workloads[].name': 'Unique id of the workload, used in metrics, logs and state file names (the API addresses a workload by its target namespace and name).',
  'workloads[].target': 'The object whose replicas are recommended.',
  'workloads[].target.namespace': 'Namespace of the scale target.',
  'workloads[].target.kind': 'Kind of the scale target.',
  'workloads[].target.name': 'Name of the scale target.',
  'workloads[].podSelector': "Which pods belong to the workload, for per-pod queries (GPU utilisation, cold-start measurement). Absent: pod names starting with `<target.name>-`, as Deployments and StatefulSets name their pods.",
  'workloads[].podSelector.matchLabels': "Pod labels that must all match (through kube-state-metrics' `kube_pod_labels`); at least one.",
  'workloads[].podSelector.podRegex': 'A regular expression on pod names (must compile).',
  'workloads[].metric': 'The load signal, read from Prometheus. `type` selects the variant.',
  'workloads[].metric.type': 'Which load signal: request rate from a counter, a latency quantile from a histogram, GPU utilisation from dcgm-exporter, vLLM concurrency, or any PromQL.',
  'workloads[].metric.counter': 'A request counter, e.g. `http_requests_total`; the load is its `rate()`.',
  'workloads[].metric.matchers': 'Label equality matchers added to the query, e.g. `{ model_name: "llama-3-8b" }`.',
  'workloads[].metric.rateWindow': "`rate()` window; at least 4x the scrape interval is Prometheus' usual advice (15 s scrape -> 1m).",
  'workloads[].metric.histogram': 'Histogram base name without `_bucket`, e.g. `http_request_duration_seconds`.',
  'workloads[].metric.quantile': 'Latency quantile computed with `histogram_quantile`, e.g. 0.95 = p95.',
  'workloads[].metric.metric': 'DCGM exporter metric: GPU utilisation in percent, averaged over the workload\'s pods.',
  'workloads[].metric.podLabel': "dcgm-exporter's label naming the pod that uses the GPU (`exported_pod` behind some relabelings).",
  'workloads[].metric.namespaceLabel': "dcgm-exporter's label naming the pod's namespace.",
  'workloads[].metric.series': "vLLM gauges: `running` (`vllm:num_requests_running`), `waiting` (`vllm:num_requests_waiting`) or `both` summed: the load a replica pool must absorb.",
  'workloads[].metric.query': 'Custom PromQL; must return one series (aggregate it, e.g. `sum(...)`).',
  'workloads[].capacityPerPod': "Load one pod serves at 100 % utilisation, in the metric's unit (req/s, concurrent requests, % GPU, seconds of latency...).",
  'workloads[].targetUtilization': 'Fraction of capacity to plan for: 0.7 leaves 30 % headroom. Replicas = ceil(upper-quantile peak / (capacityPerPod x targetUtilization)).',
  'workloads[].minReplicas': 'Lower bound on the recommendation.',
  'workloads[].maxReplicas': 'Upper bound on the recommendation.',
  'workloads[].scaleToZero': 'Scale to zero for offline or batch inference: with it enabled, `minReplicas: 0` is allowed and the planner goes to 0 pods when the load and the forecast upper band over the lead window are at or below `thresholdLoad`; the wake-up is asked one cold start before the forecast load returns.',
  'workloads[].scaleToZero.enabled': 'Turn scale to zero on.',
  'workloads[].scaleToZero.thresholdLoad': 'Load at or below this counts as none (a forecast band is rarely exactly 0: set e.g. 1% of one pod\'s capacity).',
  'workloads[].mode': '`observer`: recommend, report, apply nothing; `proactive`: the forecast (never below the reactive count when scaling in); `reactive`: the HPA formula only; `auto`: max(proactive, reactive). See docs/decisions.md.',
  'workloads[].coldStart': 'Pod created-to-ready time: how far ahead pods are asked for. `source` selects the variant.',
  'workloads[].coldStart.source': '`kubeStateMetrics`: measured from kube-state-metrics through Prometheus; `fixed`: a constant.',
  'workloads[].coldStart.defaultSeconds': 'Cold start used until kube-state-metrics has shown `minSamples` pods going ready.',
  'workloads[].coldStart.maxSeconds': 'Measured cold starts above this are rejected as absurd (a pod that went unready and back).',
  'workloads[].coldStart.quantile': 'The quantile of the measured cold starts (the 200 most recently created pods) the plan uses: 0.95 plans for a slow start, as a late pod costs more than an early one. When it moves by more than 10%, the engine is rebuilt with it by replaying its history.',
  'workloads[].coldStart.minSamples': 'Pods measured before the measurement replaces `defaultSeconds`.',
  'workloads[].coldStart.refreshSeconds': 'How often kube-state-metrics is asked (two instant queries per workload: `kube_pod_created`, `kube_pod_status_ready_time`).',
  'workloads[].coldStart.seconds': 'The cold start in seconds.',
  'workloads[].schedule': "Cron windows that narrow the replica bounds (AHPA's `instanceBounds`). Overlapping windows: the highest min and the lowest max win; if they cross, the max wins.",
  'workloads[].schedule[]': 'One window.',
  'workloads[].schedule[].name': 'A label for messages and dashboards.',
  'workloads[].schedule[].cron': '5-field cron (minute hour day-of-month month day-of-week; `?` and names such as `MON-FRI` allowed) selecting the minutes the bound holds, e.g. `"* 8-19 * * 1-5"` = 08:00-19:59 on weekdays. A 6-field cron (seconds first, as node-cron and CronHPA write them) is rejected.',
  'workloads[].schedule[].timeZone': 'IANA time zone the cron is read in, e.g. `Europe/Paris`.',
  'workloads[].schedule[].minReplicas': 'Minimum replicas while the cron matches.',
  'workloads[].schedule[].maxReplicas': 'Maximum replicas while the cron matches.',
  'workloads[].forecast': 'Forecast settings; every key has a default.',
  'workloads[].forecast.upperQuantile': "The quantile pods are planned for: 0.9 covers the load 9 times in 10 (AHPA's `prediction.quantile: 95` is 0.95).",
  'workloads[].forecast.horizonSeconds': 'How far ahead to forecast; must cover the cold start, or a pod asked for now comes too late.',
  'workloads[].forecast.stepSeconds': 'Sample step of the collected series (and of the forecast).',
  'workloads[].forecast.historySeconds': 'History backfilled at start (7 days covers a weekly period once).',
  'workloads[].forecast.refitEverySeconds': 'Regular refit cadence: periodicity detection and a fit of every model on the history kept (the first days refit more often, as the history grows). Each workload refits at its own phase of the cadence (a hash of its name), so a fleet never refits in one tick. A model whose fit fails keeps its previous fit and is retried after 1 h, then 2 h, 4 h ... up to the cadence.',
};

/** The ConfigMap keys (src/config/prometheusSource.ts SOURCE_KEYS), with what each means. */
export const CONFIGMAP_KEY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  prometheusUrl: 'Required. Prometheus base URL (http or https), e.g. `http://prometheus.monitoring.svc:9090`. Same key as AHPA.',
  prometheusBearerToken: 'Sent as `Authorization: Bearer <token>`. Exclusive with basic auth.',
  prometheusBasicAuthUsername: 'Basic auth user; needs `prometheusBasicAuthPassword`.',
  prometheusBasicAuthPassword: 'Basic auth password; needs `prometheusBasicAuthUsername`.',
  prometheusCaBundle: 'PEM certificate(s) trusted for https.',
  prometheusInsecureSkipVerify: '`true` or `false` (default `false`): skip TLS verification.',
  prometheusHeaders: 'Extra request headers: a JSON object, or one `Name: value` per line (e.g. `X-Scope-OrgID: prod`). `Authorization`, `Host`, `Content-Type` and `Content-Length` are refused.',
  prometheusTimeoutSeconds: 'Per-request timeout in seconds, in [0.1, 300]; default 10.',
};

/**
 * Rules across keys (the schema's superRefine), which JSON Schema cannot express. Written by hand:
 * keep in step with `configSchema.superRefine` in src/config/schema.ts.
 */
const CROSS_FIELD_RULES: readonly string[] = [
  '`workloads[].name` is unique across all workloads (and all files of a config directory).',
  '`workloads[].minReplicas` <= `workloads[].maxReplicas`.',
  '`workloads[].minReplicas` is 0 only with `workloads[].scaleToZero.enabled: true`.',
  '`workloads[].forecast.horizonSeconds` >= the cold start (`coldStart.seconds`, or `coldStart.defaultSeconds`): pods asked for now are ready only after it.',
  '`workloads[].forecast.horizonSeconds` >= `workloads[].forecast.stepSeconds`.',
  '`workloads[].coldStart.defaultSeconds` <= `workloads[].coldStart.maxSeconds`.',
  '`workloads[].schedule[].minReplicas` <= `workloads[].schedule[].maxReplicas`.',
  '`workloads[].podSelector.podRegex` compiles as a JavaScript regular expression.',
  'Every object is strict: an unknown key is an error (`minReplica` is not silently ignored).',
];

/** A minimal valid config; parsed on every render so the doc never shows an invalid one. */
export const MINIMAL_EXAMPLE = `workloads:
  - name: llama-chat
    target: { namespace: llm, name: llama-chat }
    metric: { type: concurrency }
    capacityPerPod: 32
    maxReplicas: 40
    coldStart: { source: fixed, seconds: 420 }
`;

/** `[0, 300]`, `(0, 1)`, `>= 1`... from JSON Schema bounds; '' when unbounded. */
export function formatRange(s: JsonSchema): string {
  // zod writes int() as [MIN_SAFE_INTEGER, MAX_SAFE_INTEGER]: those are no bound to a reader.
  const bound = (v: number | undefined) => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);
  const lo = bound(s.exclusiveMinimum ?? s.minimum);
  const hi = bound(s.exclusiveMaximum ?? s.maximum);
  const loOpen = s.exclusiveMinimum !== undefined;
  const hiOpen = s.exclusiveMaximum !== undefined;
  if (lo !== undefined && hi !== undefined) return `${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
  if (lo !== undefined) return `${loOpen ? '>' : '>='} ${lo}`;
  if (hi !== undefined) return `${hiOpen ? '<' : '<='} ${hi}`;
  return '';
}

const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
/** Pipes inside table cells must be escaped, also inside code spans (GitHub renders `\|` as `|`). */
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function typeOf(s: JsonSchema): string {
  if (s.$ref !== undefined) throw new Error(`config doc: unexpected $ref ${s.$ref}; render with reused: 'inline'`);
  if (s.const !== undefined) return 'string';
  if (s.type === 'object' && s.properties === undefined) return 'map of string to string';
  if (s.type === 'array') return 'list';
  if (s.anyOf || s.oneOf) return 'object (one of the variants below)';
  return s.type ?? 'any';
}

function allowedOf(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.enum) parts.push(`one of ${s.enum.map(code).join(', ')}`);
  if (s.const !== undefined) parts.push(code(s.const));
  const range = formatRange(s);
  if (range !== '') parts.push(range);
  if (s.format === 'uri') parts.push('an http(s) URL');
  if (s.pattern !== undefined) parts.push(`matches ${code(s.pattern)}`);
  if (s.minLength !== undefined && s.minLength > 0) parts.push(`non-empty`);
  if (s.maxLength !== undefined) parts.push(`at most ${s.maxLength} characters`);
  if (s.minItems !== undefined) parts.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  const keys = s.propertyNames;
  if (keys?.pattern !== undefined) parts.push(`keys match ${code(keys.pattern)}`);
  else if (keys?.minLength !== undefined && keys.minLength > 0) parts.push('keys non-empty');
  return parts.join('; ');
}

function defaultOf(s: JsonSchema): string {
  if (s.default === undefined) return '';
  // An object default whose keys are documented one by one (`forecast`): say so, not the JSON.
  if (s.properties !== undefined && typeof s.default === 'object' && s.default !== null) return 'each key\'s default';
  return code(s.default);
}

/** The property that is a `const` in every member of a union (`type`, `source`), if any. */
function discriminatorOf(variants: readonly JsonSchema[]): string | undefined {
  const first = variants[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined));
}

/**
 * Depth-first walk, in schema order. Union members (discriminated or not) contribute their keys
 * under the union's path, each with a `when` naming the variant; the discriminator gets one row
 * listing every value. O(keys).
 */
export function collectRows(s: JsonSchema, path: string, required: boolean, when: readonly string[], out: KeyRow[]): void {
  const variants = s.oneOf ?? s.anyOf;
  if (path !== '') out.push({ path, type: typeOf(s), allowed: allowedOf(s), default: defaultOf(s), required, when });
  if (s.properties) {
    const req = new Set(s.required ?? []);
    for (const [k, v] of Object.entries(s.properties)) collectRows(v, path === '' ? k : `${path}.${k}`, req.has(k), when, out);
  }
  if (s.type === 'array' && s.items) collectRows(s.items, `${path}[]`, true, when, out);
  if (variants) {
    const disc = discriminatorOf(variants);
    if (disc !== undefined) {
      const values = variants.map((v) => v.properties?.[disc]?.const);
      out.push({ path: `${path}.${disc}`, type: 'string', allowed: `one of ${values.map(code).join(', ')}`, default: '', required: true, when });
    }
    for (const v of variants) {
      const props = v.properties ?? {};
      const label = disc !== undefined ? `${disc}: ${String(props[disc]?.const)}` : `using ${Object.keys(props).map(code).join(', ')}`;
      const req = new Set(v.required ?? []);
      for (const [k, p] of Object.entries(props)) {
        if (k === disc) continue;
        collectRows(p, `${path}.${k}`, req.has(k), [...when, label], out);
      }
    }
  }
}

/**
 * Rows with the same path, type, allowed values, default and required-ness (a key shared by several
 * variants, like `metric.matchers`) become one row listing every variant. Order: first occurrence.
 */
export function mergeRows(rows: readonly KeyRow[]): KeyRow[] {
  const out: KeyRow[] = [];
  for (const r of rows) {
    const same = out.find((o) => o.path === r.path && o.type === r.type && o.allowed === r.allowed && o.default === r.default && o.required === r.required);
    if (same) out[out.indexOf(same)] = { ...same, when: [...same.when, ...r.when] };
    else out.push(r);
  }
  return out;
}

/** The rows of the workload config, from the live schema. */
export function configRows(): KeyRow[] {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  const rows: KeyRow[] = [];
  collectRows(json, '', true, [], rows);
  return mergeRows(rows);
}

/** Keys without a description, and descriptions of keys that do not exist: both are errors. */
export function descriptionProblems(paths: readonly string[], descriptions: Readonly<Record<string, string>>, what: string): string[] {
  const have = new Set(paths);
  const missing = [...have].filter((p) => (descriptions[p] ?? '').trim() === '');
  const stale = Object.keys(descriptions).filter((p) => !have.has(p));
  return [
    ...missing.map((p) => `${what} ${p} has no description: add one to ${what === 'ConfigMap key' ? 'CONFIGMAP_KEY_DESCRIPTIONS' : 'KEY_DESCRIPTIONS'} in scripts/config-doc.ts`),
    ...stale.map((p) => `${what} ${p} is described but not in the schema: remove or rename it in scripts/config-doc.ts`),
  ];
}

/** Where a `when` list reads well in the table: `type: qps, responseTime`. */
function formatWhen(when: readonly string[]): string {
  if (when.length === 0) return '';
  const [head] = when;
  const sameKey = head !== undefined && head.includes(': ') && when.every((w) => w.split(': ')[0] === head.split(': ')[0]);
  if (sameKey) return `${head.split(': ')[0]}: ${when.map((w) => code(w.split(': ')[1])).join(', ')}`;
  return when.join('; ');
}

/**
 * docs/configuration.md as a string. Deterministic: the same schema gives the same bytes.
 * @throws Error listing every key without a description (or described but absent), and an invalid example.
 */
export function renderConfigReference(): string {
  const rows = configRows();
  const problems = [
    ...descriptionProblems(rows.map((r) => r.path), KEY_DESCRIPTIONS, 'key'),
    ...descriptionProblems(SOURCE_KEYS, CONFIGMAP_KEY_DESCRIPTIONS, 'ConfigMap key'),
  ];
  const example = parseConfig(parseYaml(MINIMAL_EXAMPLE), 'the minimal example in scripts/config-doc.ts');
  if (!example.ok) problems.push(example.error.message);
  if (problems.length > 0) throw new Error(`config doc:\n  - ${problems.join('\n  - ')}`);

  const table = [
    '| key | type | allowed | default | required | description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const when = formatWhen(r.when);
      const required = r.required ? (when === '' ? 'yes' : `yes, when ${when}`) : when === '' ? 'no' : `no (${when})`;
      return `| ${cell(`\`${r.path}\``)} | ${cell(r.type)} | ${cell(r.allowed)} | ${cell(r.default)} | ${cell(required)} | ${cell(KEY_DESCRIPTIONS[r.path] ?? '')} |`;
    }),
  ];
  const cmTable = ['| key | meaning |', '| --- | --- |', ...SOURCE_KEYS.map((k) => `| \`${k}\` | ${cell(CONFIGMAP_KEY_DESCRIPTIONS[k] ?? '')} |`)];

  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts and src/config/prometheusSource.ts by',
    '     `npx tsx scripts/gen-config-doc.ts`. Do not edit by hand: edit the schema or the',
    '     descriptions in scripts/config-doc.ts and regenerate. test/unit/docs/config-doc.test.ts',
    '     fails when this file differs from the generator output. -->',
    '',
    'prescale reads two things:',
    '',
    '- the **workload config** (`prescale serve --config FILE|DIR`): YAML or JSON, one file or a',
    '  directory of `.yaml`/`.yml`/`.json` files merged in file-name order;',
    `- **where Prometheus is**: the ConfigMap \`${CONFIGMAP_NAMESPACE}/${CONFIGMAP_NAME}\` (mounted with`,
    `  \`--configmap-dir\` and hot-reloaded), overridden by \`${ENV_PROMETHEUS_URL}\`, itself overridden by`,
    '  `--prometheus-url`; `prometheus.url` in the workload config is the last fallback. A flag or',
    '  environment URL replaces only the URL: credentials, CA and headers from the ConfigMap are kept.',
    '',
    'Errors name the full key path, the value and what was expected, e.g.',
    '`workloads[2].capacityPerPod: value must be > 0 (got -3)`.',
    '',
    '## A minimal workload config',
    '',
    '```yaml',
    MINIMAL_EXAMPLE.trimEnd(),
    '```',
    '',
    'A complete example with every metric type: [fixtures/config/prescale.yaml](../fixtures/config/prescale.yaml)',
    '(also a test fixture).',
    '',
    '## Workload config keys',
    '',
    '`[]` marks an item of a list. "required: yes, when type: `qps`" means the key belongs to that',
    'variant of a union and is required there; a key of another variant is an error.',
    '',
    ...table,
    '',
    '## Rules across keys',
    '',
    ...CROSS_FIELD_RULES.map((r) => `- ${r}`),
    '',
    'Not configurable in the workload config (built-in planner defaults, see',
    '[decisions.md](decisions.md)): the HPA tolerance (0.1), the scale-down stabilisation window (300 s),',
    'the scale-up and scale-down rate limits, and the guard thresholds.',
    '',
    `## ConfigMap \`${CONFIGMAP_NAMESPACE}/${CONFIGMAP_NAME}\``,
    '',
    "Same name, namespace and `prometheusUrl` key as Alibaba AHPA's. Other keys (AHPA's own, for",
    'example) are ignored; an unknown key starting with `prometheus` is an error, as it is most likely a',
    'typo. Credentials in a ConfigMap are readable by anyone who can read ConfigMaps in',
    `\`${CONFIGMAP_NAMESPACE}\`: prefer a mounted Secret with the same keys. Example:`,
    '[deploy/configmap-application-intelligence.yaml](../deploy/configmap-application-intelligence.yaml).',
    '',
    ...cmTable,
    '',
  ].join('\n');
}
