/**
 * The OpenAPI 3.0 document of the service, hand-written as a typed object: it is served at
 * /openapi.json, and the integration test checks that every route the server answers is in it.
 */

type Schema =
  | { readonly $ref: string }
  | {
      readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
      readonly nullable?: boolean;
      readonly description?: string;
      readonly enum?: readonly (string | number)[];
      readonly format?: string;
      readonly example?: unknown;
      readonly properties?: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
      readonly items?: Schema;
      readonly additionalProperties?: boolean | Schema;
    };

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly description: string;
  readonly schema: Schema;
}

interface Response {
  readonly description: string;
  readonly content?: Readonly<Record<string, { readonly schema: Schema }>>;
}

interface Operation {
  readonly summary: string;
  readonly description?: string;
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly Parameter[];
  readonly responses: Readonly<Record<string, Response>>;
}

export interface OpenApiDocument {
  readonly openapi: '3.0.3';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, { readonly get: Operation }>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>> };
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string): Response => ({ description, content: { 'application/json': { schema } } });
const err = (description: string): Response => json(ref('Error'), description);
const num = (description: string, nullable = false): Schema => ({ type: 'number', description, ...(nullable ? { nullable } : {}) });
const int = (description: string, nullable = false): Schema => ({ type: 'integer', description, ...(nullable ? { nullable } : {}) });
const str = (description: string, extra: { enum?: readonly string[]; example?: unknown } = {}): Schema => ({ type: 'string', description, ...extra });

const nsParam: Parameter = { name: 'namespace', in: 'path', required: true, description: "The scale target's namespace", schema: { type: 'string' } };
const nameParam: Parameter = { name: 'name', in: 'path', required: true, description: 'The workload name in the config (or its target name)', schema: { type: 'string' } };

const REASONS = [
  'Proactive', 'ReactiveHigher', 'Reactive', 'FallbackBurst', 'FallbackBandExceeded', 'FallbackForecastError', 'FallbackStaleData', 'FallbackMissingData',
  'FallbackWarmup', 'FallbackRecovering', 'ScaleDownStabilized', 'ScaleUpLimited', 'ScaleDownLimited', 'BoundedMin', 'BoundedMax', 'ScheduleBound', 'ScaledToZero', 'Observer',
] as const;

const forecastBand: Schema = {
  type: 'object',
  nullable: true,
  description: 'The forecast peak over the lead window [time, time + leadSeconds] the plan used; null in warmup.',
  properties: {
    p50: num('Highest median forecast over the window'),
    upper: num('Highest upper-quantile forecast over the window'),
    quantile: num('The upper quantile, e.g. 0.9'),
    peakTime: int('Unix seconds of the predicted peak'),
    leadSeconds: int('Cold start + decision interval'),
  },
  required: ['p50', 'upper', 'quantile', 'peakTime', 'leadSeconds'],
};

const workloadRef: Schema = {
  type: 'object',
  properties: { id: str('Workload name in the config'), namespace: str('Target namespace'), name: str('Target name'), kind: str('Target kind', { enum: ['Deployment', 'StatefulSet', 'ReplicaSet'] }) },
  required: ['id', 'namespace', 'name', 'kind'],
};

export function openApiDocument(version: string): OpenApiDocument {
  return {
    openapi: '3.0.3',
    info: {
      title: 'prescale',
      version,
      description:
        'Predictive autoscaling recommendations per workload: calibrated quantile forecasts, planned one cold start ahead, with a reactive fallback. ' +
        'Errors are JSON: {"error": {"code", "message", ...}}.',
    },
    paths: {
      '/api/v1/workloads': {
        get: {
          summary: 'List workloads with their current recommendation',
          operationId: 'listWorkloads',
          tags: ['workloads'],
          responses: { '200': json({ type: 'object', properties: { workloads: { type: 'array', items: ref('WorkloadSummary') } }, required: ['workloads'] }, 'The configured workloads') },
        },
      },
      '/api/v1/workloads/{namespace}/{name}/recommendation': {
        get: {
          summary: "A workload's current recommendation",
          operationId: 'getRecommendation',
          tags: ['workloads'],
          parameters: [nsParam, nameParam],
          responses: {
            '200': json(ref('Recommendation'), 'The latest decision'),
            '404': err('Unknown workload'),
            '503': err('No decision yet (warming up), or the workload settings were rejected'),
          },
        },
      },
      '/api/v1/workloads/{namespace}/{name}/forecast': {
        get: {
          summary: "A workload's latest forecast up to a horizon",
          operationId: 'getForecast',
          tags: ['workloads'],
          parameters: [
            nsParam,
            nameParam,
            { name: 'horizon', in: 'query', required: false, description: 'How far ahead, e.g. 30m or 1h (default: the configured forecast horizon)', schema: { type: 'string', example: '1h' } },
          ],
          responses: {
            '200': json(ref('Forecast'), 'Forecast points at the configured horizons up to `horizon`'),
            '400': err('Bad horizon: the error names the parameter, the value and the accepted range'),
            '404': err('Unknown workload'),
            '503': err('No forecast yet (warming up)'),
          },
        },
      },
      '/api/v1/keda/{namespace}/{name}': {
        get: {
          summary: 'KEDA metrics-api scaler JSON: {"replicas": N}',
          description: 'Use with a ScaledObject trigger of type metrics-api, valueLocation "replicas", targetValue "1" (AverageValue): KEDA then asks for N pods.',
          operationId: 'getKedaMetric',
          tags: ['autoscalers'],
          parameters: [nsParam, nameParam],
          responses: { '200': json({ type: 'object', properties: { replicas: int('Recommended replicas') }, required: ['replicas'] }, 'The recommendation'), '404': err('Unknown workload'), '503': err('No decision yet') },
        },
      },
      '/apis/external.metrics.k8s.io/v1beta1': {
        get: {
          summary: 'External metrics API discovery (APIResourceList)',
          operationId: 'externalMetricsDiscovery',
          tags: ['autoscalers'],
          responses: { '200': json({ type: 'object', additionalProperties: true }, 'APIResourceList with the metric prescale-recommended-replicas') },
        },
      },
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}': {
        get: {
          summary: 'Kubernetes External Metrics API: ExternalMetricValueList',
          description:
            'metric prescale-recommended-replicas: one item per workload in the namespace (labels workload, target), value = recommended replicas. ' +
            'An HPA with an External metric, target type AverageValue 1, scales to it.',
          operationId: 'getExternalMetric',
          tags: ['autoscalers'],
          parameters: [
            nsParam,
            { name: 'metric', in: 'path', required: true, description: 'prescale-recommended-replicas', schema: { type: 'string', enum: ['prescale-recommended-replicas'] } },
            { name: 'labelSelector', in: 'query', required: false, description: 'Equality selector on workload or target, e.g. workload=chat', schema: { type: 'string' } },
          ],
          responses: { '200': json(ref('ExternalMetricValueList'), 'The values'), '400': err('Bad labelSelector'), '404': err('Unknown metric') },
        },
      },
      '/healthz': { get: { summary: 'Liveness: the process answers', operationId: 'healthz', tags: ['operations'], responses: { '200': json({ type: 'object' }, 'Alive') } } },
      '/readyz': {
        get: { summary: 'Readiness: every workload has a decision', operationId: 'readyz', tags: ['operations'], responses: { '200': json({ type: 'object' }, 'Ready'), '503': json({ type: 'object' }, 'Warming up') } },
      },
      '/status': {
        get: {
          summary: 'Service status: config (with the last reload error), source, per-workload collection state',
          operationId: 'status',
          tags: ['operations'],
          responses: { '200': json({ type: 'object', additionalProperties: true }, 'Status') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (prescale_* series, own registry)',
          operationId: 'metrics',
          tags: ['operations'],
          responses: { '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', operationId: 'openapi', tags: ['operations'], responses: { '200': json({ type: 'object' }, 'OpenAPI 3.0 document') } } },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: str('Stable code', { enum: ['BAD_PARAMETER', 'BAD_REQUEST', 'NOT_FOUND', 'WORKLOAD_NOT_FOUND', 'NOT_READY', 'WORKLOAD_INVALID', 'INTERNAL'] }),
                message: str('What went wrong, for a person'),
                parameter: str('BAD_PARAMETER: the parameter'),
                value: { description: 'BAD_PARAMETER: the value received' } as Schema,
                expected: str('BAD_PARAMETER: what was expected'),
              },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
        Recommendation: {
          type: 'object',
          properties: {
            workload: workloadRef,
            time: int('Unix seconds of the decision (the grid time of its sample)'),
            replicas: int('Replicas to run now'),
            mode: str('Who set it: the forecast or the reactive fallback', { enum: ['proactive', 'reactive'] }),
            configuredMode: str('The configured mode', { enum: ['observer', 'proactive', 'reactive', 'auto'] }),
            reason: str('Main reason code', { enum: REASONS }),
            reasons: { type: 'array', items: str('Reason code', { enum: REASONS }) },
            message: str('A sentence with numbers and units'),
            proactive: int('Replicas the forecast asks for', true),
            reactive: int('Replicas the HPA formula asks for', true),
            bounds: { type: 'object', properties: { min: int('Effective min'), max: int('Effective max') }, required: ['min', 'max'] },
            forecast: forecastBand,
            load: num('Latest observed load', true),
            loadUnit: str('Unit of load'),
            coldStartSeconds: num('Cold start the plan uses'),
            modelStage: str('Forecaster stage', { enum: ['warmup', 'level', 'daily', 'weekly', 'seasonal'] }),
            modelStageReason: str('Why that stage'),
            dataAgeSeconds: num('Seconds since the newest finite sample', true),
            stale: { type: 'boolean', description: 'Data older than the guard staleness limit' },
            validUntil: int('Unix seconds after which this should not be used without a newer one'),
          },
          required: ['workload', 'time', 'replicas', 'mode', 'reason', 'message', 'proactive', 'reactive', 'bounds', 'forecast', 'coldStartSeconds', 'modelStage', 'dataAgeSeconds', 'stale', 'validUntil'],
        },
        WorkloadSummary: {
          type: 'object',
          properties: {
            workload: workloadRef,
            warm: { type: 'boolean' },
            replicas: int('Recommended replicas', true),
            mode: str('proactive or reactive', { enum: ['proactive', 'reactive'] }),
            reason: str('Main reason code', { enum: REASONS }),
            stale: { type: 'boolean' },
            lastError: str('Last collector error, if the latest query failed'),
            links: { type: 'object', additionalProperties: { type: 'string' } },
          },
          required: ['workload', 'warm'],
        },
        Forecast: {
          type: 'object',
          properties: {
            workload: workloadRef,
            origin: int('Unix seconds of the latest sample'),
            quantile: num('Upper quantile'),
            modelStage: str('Forecaster stage'),
            points: {
              type: 'array',
              items: {
                type: 'object',
                properties: { horizonSeconds: int('Ahead of origin'), time: int('Unix seconds'), p50: num('Median'), upper: num('Upper quantile') },
                required: ['horizonSeconds', 'time', 'p50', 'upper'],
              },
            },
            peak: forecastBand,
            weights: { type: 'object', additionalProperties: { type: 'number' }, description: 'Ensemble weight per model' },
          },
          required: ['workload', 'origin', 'quantile', 'points'],
        },
        ExternalMetricValueList: {
          type: 'object',
          properties: {
            kind: str('ExternalMetricValueList', { enum: ['ExternalMetricValueList'] }),
            apiVersion: str('external.metrics.k8s.io/v1beta1', { enum: ['external.metrics.k8s.io/v1beta1'] }),
            metadata: { type: 'object' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  metricName: str('Metric name'),
                  metricLabels: { type: 'object', additionalProperties: { type: 'string' } },
                  timestamp: str('RFC 3339 time of the decision', { example: '2026-01-05T10:00:00Z' }),
                  value: str('Kubernetes quantity, e.g. "12"'),
                },
                required: ['metricName', 'metricLabels', 'timestamp', 'value'],
              },
            },
          },
          required: ['kind', 'apiVersion', 'metadata', 'items'],
        },
      },
    },
  };
}
