/**
 * /metrics: the rolling forecast error and band coverage, scraped over real HTTP and checked
 * against what the API itself forecast one step earlier, minute by minute for an hour (the
 * demo source, a fake clock).
 */
import { defaultShape, demoLoad } from '../../src/demo/workload';
import { startDemoService } from './lib/demoService';
import type { Service } from '../../src/cli/serve';
import { DemoSource } from '../../src/engine/sources';

jest.setTimeout(60_000);

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
let now = T0;
let service: Service;

beforeAll(async () => {
  service = await startDemoService(new DemoSource(defaultShape), () => now, { version: 'test' });
});
afterAll(async () => {
  await service?.stop();
});

const text = async (p: string) => (await fetch(service.server.url + p)).text();
const scrape = (body: string, name: string): number => {
  const m = new RegExp(`^${name}\\{namespace="demo",workload="demo-llm"\\} (\\S+)$`, 'm').exec(body);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
};

test('prescale_forecast_wape and _band_coverage equal the last hour of one-step outcomes seen through the API', async () => {
  let err = 0;
  let abs = 0;
  let covered = 0;
  let n = 0;
  for (let i = 0; i < 60; i++) {
    const f = JSON.parse(await text('/api/v1/workloads/demo/demo-llm/forecast?horizon=1m')) as { origin: number; points: { time: number; p50: number; upper: number }[] };
    const p = f.points[0]!;
    expect(p.time).toBe(now + 60);
    now += 60;
    await service.loop.tick();
    const y = demoLoad(now, defaultShape);
    err += Math.abs(y - p.p50);
    abs += Math.abs(y);
    covered += y <= p.upper ? 1 : 0;
    n++;
  }
  const body = await text('/metrics');
  expect(scrape(body, 'prescale_forecast_accuracy_samples')).toBe(n);
  // Exposition text rounds nothing prom-client does not: compare to 9 significant digits.
  expect(scrape(body, 'prescale_forecast_wape')).toBeCloseTo(err / abs, 9);
  expect(scrape(body, 'prescale_forecast_band_coverage')).toBeCloseTo(covered / n, 9);
  // Sanity on the demo: a 1-minute-ahead p50 on a smooth daily pattern is within 20%.
  expect(err / abs).toBeLessThan(0.2);
  expect(body).toMatch(/^# HELP prescale_forecast_wape Rolling forecast error/m);
});
