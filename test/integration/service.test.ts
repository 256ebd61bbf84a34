/**
 * The service end to end in this process: the real express server on 127.0.0.1 (ephemeral port),
 * real HTTP through fetch, the demo source, and a fake clock that the test moves forward.
 * A switchable source stands in for a Prometheus that goes down and comes back.
 */
import { defaultShape } from '../../src/demo/workload';
import type { Series } from '../../src/domain/series';
import { DemoSource, type LoadSource } from '../../src/engine/sources';
import { startService, demoSpec, type Service } from '../../src/cli/serve';
import { classicalForecasters } from '../../src/forecast/models';
import type { Forecaster } from '../../src/forecast/types';

jest.setTimeout(30_000);

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000; // a Wednesday, noon UTC
const forecasters = classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'seasonal-naive');

/** The demo source behind a switch: `down` makes every query fail like an unreachable server. */
class SwitchableSource implements LoadSource {
  down = false;
  private readonly inner = new DemoSource(defaultShape);
  get describe(): string {
    return 'switchable demo';
  }
  backfill(start: number, end: number, step: number): Promise<Series> {
    if (this.down) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9090'), { kind: 'network' }));
    return this.inner.backfill(start, end, step);
  }
  latest(now: number, step: number) {
    return this.inner.latest(now, step);
  }
}

let now = T0;
let service: Service;
let base: string;
const source = new SwitchableSource();
const logs: string[] = [];

beforeAll(async () => {
  service = await startService({
    workloads: [{ spec: { ...demoSpec(1), historySeconds: 2 * 86400 }, source }],
    forecasters,
    clock: () => now,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    version: 'test',
    log: (level, event) => logs.push(`${level} ${event}`),
  });
  base = service.server.url;
});

afterAll(async () => {
  await service?.stop();
});

const get = async (path: string) => {
  const r = await fetch(base + path);
  const text = await r.text();
  return {
    status: r.status,
    type: r.headers.get('content-type') ?? '',
    text,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field below
    json: () => JSON.parse(text) as Record<string, any>,
  };
};

describe('prescale serve (demo source, fake clock)', () => {
  it('warms up from the backfill and serves a full recommendation', async () => {
    expect(logs).toContain('info workload_warm');
    const r = await get('/api/v1/workloads/demo/demo-llm/recommendation');
    expect(r.status).toBe(200);
    const rec = r.json();
    expect(rec.workload).toEqual({ id: 'demo-llm', namespace: 'demo', name: 'demo-llm', kind: 'Deployment' });
    expect(rec.time).toBe(T0); // the last grid step <= now
    expect(Number.isInteger(rec.replicas)).toBe(true);
    expect(rec.replicas).toBeGreaterThanOrEqual(rec.bounds.min);
    expect(rec.replicas).toBeLessThanOrEqual(rec.bounds.max);
    expect(['proactive', 'reactive']).toContain(rec.mode);
    expect(typeof rec.reason).toBe('string');
    expect(rec.message.length).toBeGreaterThan(10);
    for (const k of ['proactive', 'reactive', 'forecast', 'coldStartSeconds', 'modelStage', 'dataAgeSeconds', 'validUntil', 'stale']) expect(rec).toHaveProperty(k);
    expect(rec.coldStartSeconds).toBe(300);
    expect(rec.dataAgeSeconds).toBe(0);
    expect(rec.validUntil).toBe(T0 + 60 + 120);
    // Noon on a weekday: ~1,200 rps x ~0.95 at 70 rps per pod -> well above the night's few pods.
    expect(rec.replicas).toBeGreaterThan(8);
    expect(rec.forecast.upper).toBeGreaterThanOrEqual(rec.forecast.p50);

    const list = (await get('/api/v1/workloads')).json();
    expect(list.workloads).toHaveLength(1);
    expect(list.workloads[0]).toMatchObject({ warm: true, replicas: rec.replicas, links: { recommendation: '/api/v1/workloads/demo/demo-llm/recommendation' } });
  });

  it('moves with the clock: one decision per new sample, none in between', async () => {
    now = T0 + 30;
    await service.loop.tick();
    expect((await get('/api/v1/workloads/demo/demo-llm/recommendation')).json().time).toBe(T0);
    now = T0 + 125;
    await service.loop.tick();
    const rec = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    expect(rec.time).toBe(T0 + 120);
    expect(rec.dataAgeSeconds).toBe(5);
  });

  it('serves the forecast, and rejects a bad horizon naming the parameter, the value and the range', async () => {
    const f = (await get('/api/v1/workloads/demo/demo-llm/forecast?horizon=30m')).json();
    expect(f.points.map((p: { horizonSeconds: number }) => p.horizonSeconds)).toEqual([60, 300, 600, 900, 1800]);
    expect(f.points[0].time).toBe(f.origin + 60);
    for (const bad of ['2h', 'soon', '10s']) {
      const r = await get(`/api/v1/workloads/demo/demo-llm/forecast?horizon=${bad}`);
      expect(r.status).toBe(400);
      expect(r.type).toMatch(/application\/json/);
      expect(r.json().error).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'horizon', value: bad, expected: expect.stringMatching(/from 1m to 1h/) });
    }
  });

  it('answers 404 JSON for an unknown workload and an unknown route', async () => {
    const r = await get('/api/v1/workloads/demo/nope/recommendation');
    expect(r.status).toBe(404);
    expect(r.json().error).toMatchObject({ code: 'WORKLOAD_NOT_FOUND', namespace: 'demo', name: 'nope' });
    expect(r.json().error.message).toMatch(/configured: demo\/demo-llm/);
    const r2 = await get('/api/v1/nothing');
    expect(r2.status).toBe(404);
    expect(r2.json().error.code).toBe('NOT_FOUND');
  });

  it('speaks the External Metrics API and KEDA metrics-api shapes', async () => {
    const rec = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    const ext = (await get('/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/prescale-recommended-replicas?labelSelector=workload%3Ddemo-llm')).json();
    expect(ext).toMatchObject({ kind: 'ExternalMetricValueList', apiVersion: 'external.metrics.k8s.io/v1beta1' });
    expect(ext.items).toEqual([{ metricName: 'prescale-recommended-replicas', metricLabels: { workload: 'demo-llm', target: 'demo-llm' }, timestamp: new Date(rec.time * 1000).toISOString().replace('.000Z', 'Z'), value: String(rec.replicas) }]);
    expect((await get('/apis/external.metrics.k8s.io/v1beta1/namespaces/other/prescale-recommended-replicas')).json().items).toEqual([]);
    expect((await get('/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/cpu')).status).toBe(404);
    expect((await get('/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/prescale-recommended-replicas?labelSelector=workload%20in%20(a)')).status).toBe(400);
    expect((await get('/api/v1/keda/demo/demo-llm')).json()).toEqual({ replicas: rec.replicas });
  });

  it('exports the per-workload series on /metrics from its own registry', async () => {
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/text\/plain/);
    const rec = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    const lbl = '{namespace="demo",workload="demo-llm"}';
    expect(m.text).toContain(`prescale_recommended_replicas${lbl} ${rec.replicas}`);
    for (const name of ['prescale_proactive_replicas', 'prescale_reactive_replicas', 'prescale_observed_load', 'prescale_guard_trusted', 'prescale_cold_start_seconds', 'prescale_data_age_seconds']) {
      expect(m.text).toMatch(new RegExp(`^${name}\\{namespace="demo",workload="demo-llm"\\} [0-9.e+-]+$`, 'm'));
    }
    expect(m.text).toMatch(/^prescale_forecast_load\{namespace="demo",workload="demo-llm",quantile="0.9"\} /m);
    expect(m.text).toMatch(/^prescale_tick_duration_seconds_count 3$/m); // warm-up + the two ticks above
    expect(m.text).toContain('prescale_config_error 0');
    // Own registry: no default process metrics were asked for, so none leak in from the global one.
    expect(m.text).not.toContain('process_cpu');
  });

  it('keeps serving the last decision, stale, while the source is down; falls back; then recovers', async () => {
    const before = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    source.down = true;
    now = before.time + 90; // the next sample is late, but within the 2-step grace
    await service.loop.tick();
    let rec = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    expect(rec.time).toBe(before.time);
    expect(rec.replicas).toBe(before.replicas);
    expect(rec.dataAgeSeconds).toBe(90);
    expect(rec.stale).toBe(false);
    const status = (await get('/status')).json();
    expect(status.workloads[0]).toMatchObject({ consecutiveErrors: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });

    now = before.time + 300; // 5 minutes without data: stale, and the missing steps are decided as missing
    await service.loop.tick();
    rec = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    expect(rec.stale).toBe(true);
    expect(rec.dataAgeSeconds).toBe(300);
    expect(rec.mode).toBe('reactive');
    expect(rec.reason).toMatch(/^Fallback(MissingData|StaleData)$/);
    const m = (await get('/metrics')).text;
    expect(m).toMatch(/^prescale_collector_errors_total\{workload="demo-llm",kind="network"\} 2$/m);
    expect(m).toMatch(/^prescale_fallbacks_total\{namespace="demo",workload="demo-llm",reason="Fallback(MissingData|StaleData)"\} [1-9]/m);

    source.down = false;
    now = before.time + 360;
    await service.loop.tick();
    rec = (await get('/api/v1/workloads/demo/demo-llm/recommendation')).json();
    expect(rec.time).toBe(before.time + 360);
    expect(rec.stale).toBe(false);
    expect(rec.dataAgeSeconds).toBe(0);
    expect((await get('/status')).json().workloads[0]).toMatchObject({ consecutiveErrors: 0, lastError: null });
  });

  it('answers health, readiness and status', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json().ready).toBe(true);
    const st = (await get('/status')).json();
    expect(st).toMatchObject({ version: 'test', ready: true, time: now });
  });

  it('documents every route in /openapi.json', async () => {
    const r = await get('/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toMatch(/^3\./);
    const served = [
      '/api/v1/workloads',
      '/api/v1/workloads/{namespace}/{name}/recommendation',
      '/api/v1/workloads/{namespace}/{name}/forecast',
      '/api/v1/keda/{namespace}/{name}',
      '/apis/external.metrics.k8s.io/v1beta1',
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}',
      '/healthz',
      '/readyz',
      '/status',
      '/metrics',
      '/openapi.json',
    ];
    expect(Object.keys(doc.paths).sort()).toEqual([...served].sort());
    // Each documented path answers (not the catch-all 404) when its placeholders are filled in.
    for (const p of served) {
      const url = p.replace('{namespace}', 'demo').replace('{name}', 'demo-llm').replace('{metric}', 'prescale-recommended-replicas');
      const res = await get(url);
      expect({ p, status: res.status }).toEqual({ p, status: 200 });
    }
    // Every $ref resolves.
    const refs = [...r.text.matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref);
  });
});

describe('the scheduled tick', () => {
  it('ticks on its node-cron schedule and stops cleanly', async () => {
    let ticks = 0;
    const s = await startService({
      workloads: [{ spec: { ...demoSpec(1), historySeconds: 3600 }, source: new DemoSource(defaultShape) }],
      forecasters,
      clock: () => T0,
      port: 0,
      host: '127.0.0.1',
      tickSchedule: '* * * * * *',
      defaultMetrics: false,
      log: (_l, event) => {
        if (event === 'workload_warm') ticks++;
      },
    });
    const url = s.server.url;
    const count = async () => Number(/^prescale_tick_duration_seconds_count (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    const first = await count();
    await new Promise((r) => setTimeout(r, 2200));
    expect(await count()).toBeGreaterThan(first);
    expect(ticks).toBe(1);
    await s.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('models that load what they fit with on demand', () => {
  it('are prepared before the warm-up when every fit runs in the engine thread (no refit threads)', async () => {
    const naive = forecasters.find((f) => f.name === 'naive')!;
    let prepared = 0;
    // Like the network with TensorFlow.js loaded on demand (src/runtime/tf.ts, lazyTf).
    const deferred: Forecaster = {
      name: 'deferred',
      minHistory: (ctx) => naive.minHistory(ctx),
      fit(history, ctx) {
        if (prepared === 0) throw new Error('not loaded in this thread yet');
        return naive.fit(history, ctx);
      },
      prepare: async () => {
        await new Promise((r) => setTimeout(r, 5));
        prepared++;
      },
    };
    const s = await startService({
      workloads: [{ spec: { ...demoSpec(1), historySeconds: 6 * 3600, refitEverySeconds: 3600 }, source: new DemoSource(defaultShape) }],
      forecasters: [naive, deferred],
      clock: () => T0,
      port: 0,
      host: '127.0.0.1',
      schedule: false,
      defaultMetrics: false,
      fitWorkers: 0,
    });
    try {
      expect(prepared).toBe(1);
      const st = s.loop.status()[0]!;
      expect(st.warm).toBe(true);
      expect(st.modelFitFailures).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
