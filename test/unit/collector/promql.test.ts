import { escapeLabelValue, escapeRegex, queryFor, selector, workloadScope, coldStartQueries, ksmLabelName } from '../../../src/collector/promql';
import { metricSchema } from '../../../src/config/schema';

const m = (x: unknown) => metricSchema.parse(x);

describe('escaping', () => {
  test('label values: backslash, quote, newline', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(selector([{ label: 'path', op: '=', value: '/x"y' }])).toBe('{path="/x\\"y"}');
  });
  test('a hostile value cannot close the selector', () => {
    const q = queryFor(m({ type: 'qps', counter: 'reqs_total', matchers: { svc: 'a"} or vector(1) #' } }));
    expect(q).toBe('sum(rate(reqs_total{svc="a\\"} or vector(1) #"}[2m]))');
  });
  test('regex metacharacters in names', () => {
    expect(escapeRegex('my.app')).toBe('my\\.app');
    // RE2 `my\.app-.*` inside a PromQL string doubles the backslash.
    expect(selector([{ label: 'pod', op: '=~', value: 'my\\.app-.*' }])).toBe('{pod=~"my\\\\.app-.*"}');
  });
});

describe('queryFor', () => {
  const scope = { namespace: 'llm', podRegex: 'llama-.*' };
  test.each([
    ['qps', { type: 'qps', counter: 'http_requests_total', matchers: { service: 'web', code: '200' } }, 'sum(rate(http_requests_total{code="200",service="web"}[2m]))'],
    ['qps custom window', { type: 'qps', counter: 'x_total', rateWindow: '5m' }, 'sum(rate(x_total[5m]))'],
    [
      'responseTime',
      { type: 'responseTime', histogram: 'http_request_duration_seconds', quantile: 0.99, matchers: { service: 's' } },
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="s"}[2m])))',
    ],
    ['gpu scoped to pods', { type: 'gpu' }, 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod=~"llama-.*"})'],
    ['gpu exported labels', { type: 'gpu', podLabel: 'exported_pod', namespaceLabel: 'exported_namespace' }, 'avg(DCGM_FI_DEV_GPU_UTIL{exported_namespace="llm",exported_pod=~"llama-.*"})'],
    ['vllm both', { type: 'concurrency', matchers: { model_name: 'm' } }, 'sum({__name__=~"vllm:num_requests_running|vllm:num_requests_waiting",model_name="m"})'],
    ['vllm waiting', { type: 'concurrency', series: 'waiting' }, 'sum({__name__="vllm:num_requests_waiting"})'],
    ['custom', { type: 'custom', query: 'sum(up)' }, 'sum(up)'],
  ])('%s', (_n, spec, expected) => {
    expect(queryFor(m(spec), scope)).toBe(expected);
  });
  test('gpu without scope averages over the matchers only', () => {
    expect(queryFor(m({ type: 'gpu', matchers: { gpu: '0' } }))).toBe('avg(DCGM_FI_DEV_GPU_UTIL{gpu="0"})');
  });
});

describe('scopes and cold-start queries', () => {
  const target = { namespace: 'llm', kind: 'Deployment' as const, name: 'llama.chat' };
  test('default pod regex is the escaped name prefix', () => {
    expect(workloadScope({ target, podSelector: undefined })).toEqual({ namespace: 'llm', podRegex: 'llama\\.chat-.*' });
    expect(workloadScope({ target, podSelector: { podRegex: 'x-[0-9]+' } }).podRegex).toBe('x-[0-9]+');
  });
  test('matchLabels joins kube_pod_labels with sanitised label names', () => {
    expect(ksmLabelName('app.kubernetes.io/name')).toBe('label_app_kubernetes_io_name');
    const q = coldStartQueries({ target, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'llama' } } });
    expect(q.created).toBe('kube_pod_created{namespace="llm"} and on(namespace, pod) kube_pod_labels{label_app_kubernetes_io_name="llama",namespace="llm"}');
    expect(q.ready.startsWith('kube_pod_status_ready_time{namespace="llm"} and on(namespace, pod)')).toBe(true);
  });
  test('without labels, the pod-name regex', () => {
    expect(coldStartQueries({ target }).created).toBe('kube_pod_created{namespace="llm",pod=~"llama\\\\.chat-.*"}');
  });
});
