/**
 * /metrics: the info-style label gauges (configured mode, effective decision mode, decision
 * reason) and the cold-start quantiles, scraped over real HTTP from a running service (demo
 * source, fake clock) and checked against what the API itself reports for the same decision,
 * including across a change of reason (an injected source outage -> a Fallback* reason).
 */
import type { Service } from '../../src/cli/serve';
import { startDemoService } from './lib/demoService';
import { defaultShape } from '../../src/demo/workload';
import type { Series } from '../../src/domain/series';
import { DemoSource, type LoadSource } from '../../src/engine/sources';
import { COLD_START_QUANTILES, createMetrics } from '../../src/telemetry/metrics';

jest.setTimeout(60_000);

/** A demo source whose queries time out while `failing` is set: a Prometheus outage. */
class FlakySource implements LoadSource {
  readonly describe = 'demo with an outage';
  failing = false;
  private readonly inner = new DemoSource(defaultShape);
  backfill(start: number, end: number, step: number): Promise<Series> {
    if (this.failing) return Promise.reject(Object.assign(new Error('Prometheus timeout (injected)'), { kind: 'timeout' }));
    return this.inner.backfill(start, end, step);
  }
  latest(now: number, step: number): Promise<{ time: number; value: number }> {
    if (this.failing) return Promise.reject(Object.assign(new Error('Prometheus timeout (injected)'), { kind: 'timeout' }));
    return this.inner.latest(now, step);
  }
}

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
let now = T0;
let service: Service;
const source = new FlakySource();

beforeAll(async () => {
  service = await startDemoService(source, () => now, { version: 'test' });
});
afterAll(async () => {
  await service?.stop();
});

const text = async (p: string) => (await fetch(service.server.url + p)).text();

/** Every sample of `name` for the demo workload: the extra label's value -> the sample value. */
function series(body: string, name: string, label: string): Map<string, number> {
  const re = new RegExp(`^${name}\\{namespace="demo",workload="demo-llm",${label}="([^"]*)"\\} (\\S+)$`, 'gm');
  return new Map([...body.matchAll(re)].map((m) => [m[1]!, Number(m[2])]));
}

interface Rec {
  readonly mode: string;
  readonly configuredMode: string;
  readonly reason: string;
}
const recommendation = async () => JSON.parse(await text('/api/v1/workloads/demo/demo-llm/recommendation')) as Rec;

/** Scrapes and checks the three label gauges against the API; returns the current reason. */
async function checkAgainstApi(): Promise<string> {
  const r = await recommendation();
  const body = await text('/metrics');
  // One series each, with value 1 on the current label value; no 0-valued series for the others.
  expect(series(body, 'prescale_workload_mode', 'mode')).toEqual(new Map([[r.configuredMode, 1]]));
  expect(series(body, 'prescale_decision_mode', 'mode')).toEqual(new Map([[r.mode, 1]]));
  expect(series(body, 'prescale_decision_reason', 'reason')).toEqual(new Map([[r.reason, 1]]));
  return r.reason;
}

test('mode and reason gauges carry exactly the API decision, and the old reason series goes away when it changes', async () => {
  const body = await text('/metrics');
  expect(body).toMatch(/^# TYPE prescale_decision_reason gauge$/m);
  expect(series(body, 'prescale_workload_mode', 'mode')).toEqual(new Map([['auto', 1]])); // demoSpec's mode
  const seen = new Set<string>([await checkAgainstApi()]);
  for (let i = 0; i < 3; i++) {
    now += 60;
    await service.loop.tick();
    seen.add(await checkAgainstApi());
  }
  const before = [...seen];
  expect(before.every((r) => !r.startsWith('Fallback'))).toBe(true);

  // 6 minutes without data: past the stale-data limit, the guard falls back (the dashboard test
  // uses the same outage length).
  source.failing = true;
  let last = '';
  for (let i = 0; i < 6; i++) {
    now += 60;
    await service.loop.tick();
    last = await checkAgainstApi();
  }
  expect(last).toMatch(/^Fallback(StaleData|MissingData)$/);
  const reasons = series(await text('/metrics'), 'prescale_decision_reason', 'reason');
  for (const r of before) expect(reasons.has(r)).toBe(false);
  expect(series(await text('/metrics'), 'prescale_decision_mode', 'mode')).toEqual(new Map([['reactive', 1]]));
  source.failing = false;
});

test('cold-start quantiles: the configured 300 s without samples (the demo), type-7 quantiles with samples', async () => {
  const body = await text('/metrics');
  expect(series(body, 'prescale_cold_start_quantile_seconds', 'quantile')).toEqual(new Map(COLD_START_QUANTILES.map((q) => [String(q), 300])));
  expect(body).toMatch(/^prescale_cold_start_samples\{namespace="demo",workload="demo-llm"\} 0$/m);

  // The same engines seen through a view that has measured samples (a collector would supply
  // them). NaN and a negative value are dropped: 5 usable samples.
  const samples = [600, 60, Number.NaN, 80, -5, 70, 90];
  const m = createMetrics(
    { workloads: () => service.loop.workloads(), now: () => now, configError: () => false, coldStartSamples: (ns, w) => (ns === 'demo' && w === 'demo-llm' ? samples : []) },
    { defaultMetrics: false },
  );
  const text2 = await m.registry.metrics();
  // Sorted 60 70 80 90 600; type 7: p50 at 2 -> 80; p90 at 3.6 -> 90 + 0.6 x 510 = 396;
  // p95 at 3.8 -> 90 + 0.8 x 510 = 498; p99 at 3.96 -> 90 + 0.96 x 510 = 579.6.
  const q = series(text2, 'prescale_cold_start_quantile_seconds', 'quantile');
  expect([...q.keys()]).toEqual(['0.5', '0.9', '0.95', '0.99']);
  expect(q.get('0.5')).toBeCloseTo(80, 9);
  expect(q.get('0.9')).toBeCloseTo(396, 9);
  expect(q.get('0.95')).toBeCloseTo(498, 9);
  expect(q.get('0.99')).toBeCloseTo(579.6, 9);
  expect(text2).toMatch(/^prescale_cold_start_samples\{namespace="demo",workload="demo-llm"\} 5$/m);
});
