import { parseConfig, formatPath, ConfigError } from '../../../src/config/schema';

/** A minimal valid workload; tests override one field at a time. */
const base = () => ({
  name: 'web',
  target: { namespace: 'shop', name: 'web' },
  metric: { type: 'qps', counter: 'http_requests_total' },
  capacityPerPod: 50,
  maxReplicas: 10,
  coldStart: { source: 'fixed', seconds: 60 },
});

function issuesOf(doc: unknown) {
  const r = parseConfig(doc, 'test.yaml');
  if (r.ok) throw new Error('expected a failure');
  return r.error.issues;
}

describe('parseConfig', () => {
  test('applies defaults and freezes deeply', () => {
    const r = parseConfig({ workloads: [base()] }, 't');
    if (!r.ok) throw r.error;
    const w = r.value.workloads[0]!;
    expect(w.minReplicas).toBe(1);
    expect(w.mode).toBe('observer');
    expect(w.targetUtilization).toBe(0.7);
    expect(w.forecast).toEqual({ upperQuantile: 0.9, horizonSeconds: 1800, stepSeconds: 60, historySeconds: 604800, refitEverySeconds: 86400 });
    expect(w.target.kind).toBe('Deployment');
    expect(Object.isFrozen(r.value)).toBe(true);
    expect(Object.isFrozen(w.forecast)).toBe(true);
    expect(Object.isFrozen(r.value.workloads)).toBe(true);
  });

  const cases: { name: string; patch: (w: Record<string, unknown>) => void; path: string; message: RegExp; value?: unknown }[] = [
    { name: 'non-positive capacity', patch: (w) => (w.capacityPerPod = 0), path: 'workloads[2].capacityPerPod', message: /value must be > 0/, value: 0 },
    { name: 'wrong type', patch: (w) => (w.maxReplicas = '10'), path: 'workloads[2].maxReplicas', message: /expected number/, value: '10' },
    { name: 'fractional replicas', patch: (w) => (w.maxReplicas = 2.5), path: 'workloads[2].maxReplicas', message: /int/i, value: 2.5 },
    { name: 'min > max', patch: (w) => (w.minReplicas = 11), path: 'workloads[2].minReplicas', message: /must be <= maxReplicas \(10\)/, value: 11 },
    {
      name: 'horizon shorter than cold start',
      patch: (w) => {
        w.coldStart = { source: 'kubeStateMetrics', defaultSeconds: 900 };
        w.forecast = { horizonSeconds: 600 };
      },
      path: 'workloads[2].forecast.horizonSeconds',
      message: /must be >= the cold start \(900 s/,
      value: 600,
    },
    { name: 'unknown key (typo)', patch: (w) => (w.minReplica = 2), path: 'workloads[2]', message: /unknown key\(s\) "minReplica"/ },
    { name: 'utilisation above 1', patch: (w) => (w.targetUtilization = 1.5), path: 'workloads[2].targetUtilization', message: /<= 1/, value: 1.5 },
    { name: 'bad mode', patch: (w) => (w.mode = 'predictive'), path: 'workloads[2].mode', message: /observer|proactive/, value: 'predictive' },
    { name: 'bad metric name', patch: (w) => (w.metric = { type: 'qps', counter: 'http requests' }), path: 'workloads[2].metric.counter', message: /metric name/, value: 'http requests' },
    { name: 'unknown metric type', patch: (w) => (w.metric = { type: 'cpu' }), path: 'workloads[2].metric.type', message: /'qps' \| 'responseTime'/, value: 'cpu' },
    {
      name: 'schedule min > max',
      patch: (w) => (w.schedule = [{ cron: '* 8-19 * * 1-5', minReplicas: 5, maxReplicas: 3 }]),
      path: 'workloads[2].schedule[0].minReplicas',
      message: /<= schedule\[0\]\.maxReplicas \(3\)/,
      value: 5,
    },
    { name: 'bad cron', patch: (w) => (w.schedule = [{ cron: '* 25 * * *', minReplicas: 1, maxReplicas: 3 }]), path: 'workloads[2].schedule[0].cron', message: /cron/, value: '* 25 * * *' },
    {
      name: 'bad time zone',
      patch: (w) => (w.schedule = [{ cron: '* 8 * * *', timeZone: 'Mars/Olympus', minReplicas: 1, maxReplicas: 3 }]),
      path: 'workloads[2].schedule[0].timeZone',
      message: /IANA time zone/,
      value: 'Mars/Olympus',
    },
    { name: 'upper quantile <= 0.5', patch: (w) => (w.forecast = { upperQuantile: 0.5 }), path: 'workloads[2].forecast.upperQuantile', message: /> 0.5/, value: 0.5 },
    { name: 'missing target', patch: (w) => delete w.target, path: 'workloads[2].target', message: /required/ },
    { name: 'bad pod regex', patch: (w) => (w.podSelector = { podRegex: 'web-(' }), path: 'workloads[2].podSelector.podRegex', message: /not a valid regular expression/, value: 'web-(' },
  ];

  test.each(cases)('rejects $name, naming the key, value and range', ({ patch, path, message, value }) => {
    const w = base() as Record<string, unknown>;
    patch(w);
    const other = (n: string) => ({ ...base(), name: n });
    const issues = issuesOf({ workloads: [other('a'), other('b'), w] });
    const hit = issues.find((i) => i.path === path);
    expect(hit).toBeDefined();
    expect(hit!.message).toMatch(message);
    if (value !== undefined) expect(hit!.value).toEqual(value);
  });

  test('error message lists every issue with path and value', () => {
    const r = parseConfig({ workloads: [{ ...base(), capacityPerPod: -3, maxReplicas: 0 }] }, 'cfg.yaml');
    expect(r.ok).toBe(false);
    const e = (r as { error: ConfigError }).error;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain('cfg.yaml');
    expect(e.message).toContain('workloads[0].capacityPerPod: value must be > 0 (got -3)');
    expect(e.message).toContain('workloads[0].maxReplicas: value must be >= 1 (got 0)');
  });

  test('rejects duplicate names, unknown top-level keys and an empty list', () => {
    expect(issuesOf({ workloads: [base(), base()] }).map((i) => i.path)).toContain('workloads[1].name');
    expect(issuesOf({ workloads: [base()], prometheous: {} })[0]!.message).toMatch(/prometheous/);
    expect(issuesOf({ workloads: [] })[0]).toMatchObject({ path: 'workloads', message: 'number of items must be >= 1' });
    expect(issuesOf({ workloads: [base()], prometheus: { url: 'ftp://x' } })[0]!.path).toBe('prometheus.url');
  });

  test('formatPath', () => {
    expect(formatPath(['workloads', 2, 'capacityPerPod'])).toBe('workloads[2].capacityPerPod');
    expect(formatPath([])).toBe('(root)');
  });
});
