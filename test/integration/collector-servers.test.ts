import { describeIfAvailable } from '../lib/needs';
/**
 * The collector against real servers speaking the Prometheus HTTP API: Prometheus 2.x (history as
 * TSDB blocks from promtool) and VictoriaMetrics (history imported over HTTP). Seeded history:
 * 7 days of a daily-cycle QPS at 60 s, as a counter and a gauge (test/integration/lib/series.ts).
 *
 * Why samples sit at T0 + 30 + 60 j and the grid at T0 + 60 k: with rate(x[2m]) on Prometheus the
 * window (t-120, t] then holds exactly samples k-2 and k-1 whatever the version's window closure,
 * each 30 s from an edge, so extrapolation stretches 60 s of increase over 120 s of window and
 * divides by 120: rate = (c_{k-1} - c_{k-2}) / 60 = qps_{k-1}, exactly the generated value.
 * VictoriaMetrics' rate takes the last sample before the window as its base instead of
 * extrapolating, so there rate(x[1m]) gives the same (c_{k-1} - c_{k-2}) / 60.
 */
import * as path from 'node:path';
import { createPrometheusClient } from '../../src/collector/client';
import { coldStartSeconds } from '../../src/collector/coldStart';
import { coldStartQueries, queryForWorkload } from '../../src/collector/promql';
import { loadConfig } from '../../src/config/load';
import type { PrometheusSource } from '../../src/config/prometheusSource';
import { generateQps, toOpenMetrics, toPrometheusText, T0, type Gauges } from './lib/series';
import { havePrometheus, startPrometheus, startVictoriaMetrics, victoriaMetricsBin, type RunningServer } from './lib/servers';

const DAYS = 7;
const STEP = 60;
// Grid k = 2 .. 2 + 7 * 1440: 10,081 points, the 7-day window at 60 s; samples up to j = k - 1.
const START = T0 + 2 * STEP;
const END = START + DAYS * 86_400;
const gen = generateQps(DAYS * 1440 + 4, 42);

/**
 * kube-state-metrics as it would look for the `llama-chat` Deployment during the last 10 minutes
 * of the history: pod a ready 95 s after creation, pod b 310 s, pod c not ready yet, and a pod of
 * another Deployment in the same namespace that must not be counted.
 */
const CREATED = END - 3600;
const pods: [string, string, number | undefined][] = [
  ['llama-chat-7d9f-a', 'llama-chat', 95],
  ['llama-chat-7d9f-b', 'llama-chat', 310],
  ['llama-chat-7d9f-c', 'llama-chat', undefined],
  ['other-5c4b-x', 'other', 12],
];
const ksm: Gauges = { kube_pod_created: [], kube_pod_status_ready_time: [], kube_pod_labels: [] };
for (let t = END - 600; t <= END; t += 60) {
  for (const [pod, app, cold] of pods) {
    const l = `namespace="llm",pod="${pod}"`;
    ksm.kube_pod_created!.push([l, CREATED, t]);
    if (cold !== undefined) ksm.kube_pod_status_ready_time!.push([l, CREATED + cold, t]);
    ksm.kube_pod_labels!.push([`${l},label_app_kubernetes_io_name="${app}"`, 1, t]);
  }
}

const source = (url: string): PrometheusSource => ({ url, insecureSkipVerify: false, headers: {}, timeoutMs: 10_000 });

function suite(name: string, available: () => string | undefined, start: () => Promise<RunningServer>, rateWindow: string) {
  describeIfAvailable(`collector against ${name}`, available(), () => {
    let server: RunningServer;
    let requests = 0;
    beforeAll(async () => {
      server = await start();
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    }, 15_000);

    test('a 7-day backfill at 60 s equals the generated series after rate()', async () => {
      const client = createPrometheusClient(source(server.url), { onRequest: () => requests++ });
      requests = 0;
      const t = Date.now();
      const r = await client.backfill(`sum(rate(gen_requests_total[${rateWindow}]))`, START, END, STEP);
      const ms = Date.now() - t;
      console.log(`${name}: 7-day backfill, ${r.series.values.length} points, ${r.chunks} request(s), ${ms} ms`);
      expect(r.chunks).toBe(1);
      expect(requests).toBe(1);
      expect(r.series.values.length).toBe(10_081);
      expect(r.quality).toMatchObject({ expected: 10_081, present: 10_081, missing: 0, nan: 0, infinite: 0, offGrid: 0, seriesCount: 1, trailingMissing: 0 });
      let worst = 0;
      for (let i = 0; i < r.series.values.length; i++) {
        const expected = gen.qps[i + 1] as number; // grid k = i + 2 -> qps_{k-1}
        worst = Math.max(worst, Math.abs((r.series.values[i] as number) - expected) / expected);
      }
      // Prometheus keeps float64: counters near 6e7 carry ~1e-8 absolute error, < 1e-9 relative to
      // ~100 req/s. VictoriaMetrics stores 12 significant digits: ~1e-12 relative on a gauge,
      // ~6e7 * 1e-12 / 60 ~ 1e-6 absolute on a rate of counters, so 1e-7 relative bounds both.
      expect(worst).toBeLessThan(1e-7);
    });

    test('a range over 11,000 points is chunked and stitched without a seam', async () => {
      const client = createPrometheusClient(source(server.url), { onRequest: () => requests++ });
      requests = 0;
      // 7 days at 30 s = 20,161 points -> 2 requests (11,000 + 9,161).
      const r = await client.backfill('last_over_time(gen_load[1m])', START, END, 30);
      expect(r.chunks).toBe(2);
      expect(requests).toBe(2);
      expect(r.series.values.length).toBe(20_161);
      expect(r.quality.missing).toBe(0);
      for (let i = 0; i < r.series.values.length; i++) {
        const t = START + 30 * i;
        // The window (t-60, t] holds the sample j with T0 + 30 + 60 j <= t < T0 + 90 + 60 j.
        const j = Math.floor((t - T0 - 30) / 60);
        // 1e-11: VictoriaMetrics' 12 significant digits; Prometheus gives the exact float.
        if (!(Math.abs((r.series.values[i] as number) - (gen.qps[j] as number)) <= 1e-11 * (gen.qps[j] as number))) throw new Error(`point ${i} (t=${t}): got ${r.series.values[i]}, expected qps[${j}] = ${gen.qps[j]}`);
      }
    });

    test('a range past the data reports the stale tail; an unknown metric is all missing', async () => {
      const client = createPrometheusClient(source(server.url));
      const r = await client.backfill('last_over_time(gen_load[1m])', END - 600, END + 1200, STEP);
      expect(r.series.values.length).toBe(31);
      // Samples stop at j = 10,083 (t = END + 150). Prometheus 2.x's closed window [t-60, t] still
      // sees it at END + 210 (17 points lost: END + 240 .. END + 1200); a left-open window
      // (VictoriaMetrics, Prometheus 3) loses it from END + 210 on (18 points).
      expect([17, 18]).toContain(r.quality.trailingMissing);
      expect(r.quality.missing).toBe(r.quality.trailingMissing);
      expect(r.series.values[r.series.values.length - r.quality.trailingMissing - 1]).toBeCloseTo(gen.qps[10_083] as number, 8);
      const none = await client.backfill('sum(no_such_metric)', START, START + 3600, STEP);
      expect(none.quality).toMatchObject({ missing: 61, seriesCount: 0, trailingMissing: 0 });
    });

    test('instant query, and a bad query is a typed non-retried error', async () => {
      const client = createPrometheusClient(source(server.url), { onRequest: () => requests++ });
      const t = T0 + 2 * 86_400;
      const r = await client.instant('last_over_time(gen_load[1m])', t);
      expect(r.samples).toHaveLength(1);
      expect(r.samples[0]!.value).toBeCloseTo(gen.qps[Math.floor((t - T0 - 30) / 60)] as number, 8);
      expect(r.samples[0]!.labels.job).toBe('gen');
      requests = 0;
      // Prometheus says errorType bad_data (HTTP 400); VictoriaMetrics puts the HTTP status there ("422").
      const err = await client.instant('sum(rate(gen_requests_total[2m])', t).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'PrometheusError', kind: 'status_error', retryable: false, attempts: 1, server: server.url });
      expect([400, 422]).toContain((err as { httpStatus: number }).httpStatus);
      expect((err as Error).message).toContain('sum(rate(gen_requests_total[2m])');
      expect(requests).toBe(1);
    });

    test('cold starts from kube-state-metrics, by pod-name regex and by matchLabels join', async () => {
      const client = createPrometheusClient(source(server.url));
      const target = { namespace: 'llm', name: 'llama-chat' };
      for (const podSelector of [undefined, { matchLabels: { 'app.kubernetes.io/name': 'llama-chat' } }]) {
        const q = coldStartQueries({ target, podSelector });
        const [created, ready] = await Promise.all([client.instant(q.created, END), client.instant(q.ready, END)]);
        const r = coldStartSeconds(created.samples, ready.samples, { maxSeconds: 3600 });
        expect(r.samples.map((x) => [x.pod, x.seconds])).toEqual([
          ['llama-chat-7d9f-a', 95],
          ['llama-chat-7d9f-b', 310],
        ]);
        expect(r.rejected.map((x) => [x.pod, x.reason])).toEqual([['llm/llama-chat-7d9f-c', 'not_ready']]);
      }
    });

    test('every query template of the shipped example config is valid PromQL here', async () => {
      const client = createPrometheusClient(source(server.url));
      const cfg = await loadConfig(path.join(__dirname, '../../fixtures/config/prescale.yaml'));
      if (!cfg.ok) throw cfg.error;
      for (const w of cfg.value.workloads) {
        // No such series in this history: a valid query gives an empty result, a bad one a 400/422.
        const r = await client.instant(queryForWorkload(w), END);
        expect(r.samples.length).toBeLessThanOrEqual(1);
      }
    });

    test('several series where one is expected is a typed error', async () => {
      const client = createPrometheusClient(source(server.url));
      await expect(client.backfill('{job="gen"}', START, START + 600, STEP)).rejects.toMatchObject({ kind: 'multiple_series' });
    });
  });
}

suite(
  'Prometheus',
  () => (havePrometheus() ? undefined : '/usr/bin/prometheus or promtool not installed (apt-get install prometheus)'),
  () => startPrometheus({ openMetrics: toOpenMetrics(gen, undefined, ksm) }),
  '2m',
);

const vmBin = victoriaMetricsBin();
suite(
  'VictoriaMetrics',
  () => (vmBin ? undefined : 'victoria-metrics not installed (apt-get install victoria-metrics)'),
  () => startVictoriaMetrics(vmBin as string, { promText: toPrometheusText(gen, undefined, ksm) }),
  '1m',
);
