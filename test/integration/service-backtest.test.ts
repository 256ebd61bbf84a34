/**
 * The service's recommendation equals what `prescale backtest` decides on the same data at the same
 * timestamp: the same demo load is served live (fake clock, ticks of one sample) and written as a
 * trace for the real CLI (a child process), with the same settings as flags.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoSpec, startService } from '../../src/cli/serve';
import { defaultShape, demoLoad } from '../../src/demo/workload';
import { DemoSource } from '../../src/engine/sources';
import { classicalForecasters } from '../../src/forecast/models';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
const T0 = Date.UTC(2026, 0, 8, 7, 45, 0) / 1000; // Thursday 07:45 UTC: the morning ramp (centred on 08:30) follows
const HISTORY = 2 * 86400;
const LIVE = 30; // minutes stepped live after the warm-up
const MODELS = ['naive', 'seasonal-naive'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'prescale-svc-bt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Serves the demo workload live for LIVE minutes after its warm-up; returns each minute's recommendation. */
async function serveLive(fitWorkers: number): Promise<{ time: number; replicas: number; mode: string; reason: string }[]> {
  let now = T0;
  const service = await startService({
    workloads: [{ spec, source: new DemoSource(defaultShape) }],
    forecasters: classicalForecasters().filter((f) => MODELS.includes(f.name)),
    clock: () => now,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    fitWorkers,
  });
  const served: { time: number; replicas: number; mode: string; reason: string }[] = [];
  try {
    for (let k = 0; k <= LIVE; k++) {
      now = T0 + k * 60 + 7; // 7 s after each sample's grid time
      await service.loop.tick();
      const r = (await (await fetch(`${service.server.url}/api/v1/workloads/demo/demo-llm/recommendation`)).json()) as { time: number; replicas: number; mode: string; reason: string };
      served.push({ time: r.time, replicas: r.replicas, mode: r.mode, reason: r.reason });
    }
    // With worker threads, the refits falling due live were computed there (the warm-up fits in
    // line); the demo workload's refit phase puts one in this half hour.
    if (fitWorkers > 0) {
      expect(service.fitPool!.fits).toBeGreaterThanOrEqual(1);
      const metrics = await (await fetch(`${service.server.url}/metrics`)).text();
      expect(Number(/^prescale_refits_offloaded_total\{result="ok"\} (\d+)$/m.exec(metrics)?.[1])).toBe(service.fitPool!.fits);
      expect(metrics).toMatch(/^prescale_refit_duration_seconds_count [1-9]/m);
      // Exported from the start (0 until a tick waits for a refit still on a thread).
      expect(metrics).toMatch(/^prescale_refit_wait_seconds_count \d+$/m);
      // The refit threads collect their garbage 1 s after their last refit and report their heap.
      const pool = service.fitPool!;
      for (let i = 0; i < 50 && pool.idleCollections === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(pool.idleCollections).toBeGreaterThan(0);
      const after = await (await fetch(`${service.server.url}/metrics`)).text();
      expect(after).toMatch(new RegExp(`^prescale_refit_threads ${fitWorkers}$`, 'm'));
      expect(Number(/^prescale_refit_threads_heap_bytes (\d+)$/m.exec(after)?.[1])).toBe(pool.heapBytes);
      expect(pool.heapBytes).toBeGreaterThan(1e6);
      expect(Number(/^prescale_refit_threads_wasm_bytes (\d+)$/m.exec(after)?.[1])).toBe(pool.wasmBytes);
      expect(after).toMatch(/^prescale_refit_thread_restarts_total 0$/m);
    } else {
      expect(await (await fetch(`${service.server.url}/metrics`)).text()).toMatch(/^prescale_refit_threads 0$/m);
    }
  } finally {
    await service.stop();
  }
  return served;
}

const spec = { ...demoSpec(1), historySeconds: HISTORY };

it('serves, minute by minute, the decisions the backtest CLI writes for the same data, with refits in the tick or on worker threads', async () => {
  const inline = await serveLive(0);
  const threaded = await serveLive(2);
  expect(threaded).toEqual(inline);
  const served = inline;

  // The same samples as a trace: from the start of the service's history window to the last live step.
  const start = T0 - HISTORY;
  const lines = ['timestamp,value'];
  for (let t = start; t <= T0 + LIVE * 60; t += 60) lines.push(`${new Date(t * 1000).toISOString()},${String(demoLoad(t, defaultShape))}`);
  const trace = path.join(dir, 'demo.csv');
  writeFileSync(trace, `${lines.join('\n')}\n`);
  const out = path.join(dir, 'out');
  const args = [
    path.join(ROOT, 'bin', 'prescale.js'), 'backtest', trace, '--out', out, '--quiet',
    '--cold-start', `${spec.coldStartSeconds}s`, '--capacity', String(spec.capacityPerPod), '--target-utilization', String(spec.targetUtilization),
    '--quantile', String(spec.upperQuantile), '--mode', spec.mode, '--min-replicas', String(spec.minReplicas), '--max-replicas', String(spec.maxReplicas),
    '--horizons', spec.horizons.map((h) => `${h}s`).join(','), '--models', MODELS.join(','), '--seed', String(spec.seed),
  ];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 100_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const rows = new Map(
    readFileSync(path.join(out, 'decisions.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
      const [ts, replicas, mode, reason] = l.split(',');
      return [Date.parse(ts!) / 1000, { replicas: Number(replicas), mode: mode!, reason: reason! }] as const;
    }),
  );
  expect(served.map((s) => s.time)).toEqual(Array.from({ length: LIVE + 1 }, (_, k) => T0 + k * 60));
  for (const s of served) expect({ time: s.time, ...rows.get(s.time) }).toEqual(s);
  // Not a flat stretch: the ramp moves the recommendation.
  expect(new Set(served.map((s) => s.replicas)).size).toBeGreaterThan(1);
});
