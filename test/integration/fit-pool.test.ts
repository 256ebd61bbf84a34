/**
 * Refits on real worker threads (src/runtime/fitPool.ts): the outcome equals the in-line one,
 * two workers run at once, and the failure paths reject (the caller then fits in line) without
 * losing the pool.
 */
import { computeFit, saveFitOutcome, type FitRequest } from '../../src/forecast/online';
import { classicalForecasters } from '../../src/forecast/models';
import type { Forecaster } from '../../src/forecast/types';
import { detectPeriodicity } from '../../src/periodicity';
import { FitPool } from '../../src/runtime/fitPool';
import { defaultForecasters } from '../../src/cli/models';
import { demoSpec, startService, type ServiceOptions } from '../../src/cli/serve';
import { defaultShape } from '../../src/demo/workload';
import { DemoSource } from '../../src/engine/sources';
import { gaussian, mulberry32 } from '../../src/util/rng';

jest.setTimeout(60_000);

const forecasters = classicalForecasters();

function request(index: number, seed: number, days = 3): FitRequest {
  const r = mulberry32(seed);
  const history = Float64Array.from({ length: days * 1440 }, (_, i) => Math.max(0, 800 + 500 * Math.sin((2 * Math.PI * i) / 1440) + 40 * gaussian(r)));
  return { index, history, step: 60, maxHorizon: 60, seed: 1, periods: [] };
}

const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

describe('FitPool', () => {
  let pool: FitPool;
  beforeAll(async () => {
    pool = await FitPool.start({ size: 2, forecasters });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('computes on the workers what computeFit computes in line, model by model', async () => {
    const reqs = [request(4319, 1), request(4319, 2), request(4319, 3), request(2000, 4, 2)];
    const outs = await Promise.all(reqs.map((r) => pool.fit(r)));
    reqs.forEach((r, i) => {
      const inline = saveFitOutcome(computeFit(r, forecasters, detectPeriodicity));
      expect(plain(saveFitOutcome(outs[i]!))).toEqual(plain(inline));
      expect(outs[i]!.report!.periodic).toBe(true);
      // The restored models forecast as the in-line ones.
      const fresh = computeFit(r, forecasters, detectPeriodicity);
      outs[i]!.models.forEach((slot, j) => {
        const a = 'model' in slot ? slot.model : null;
        const b = fresh.models[j]!;
        const bm = 'model' in b ? b.model : null;
        expect(Array.from(a!.predict([1, 30, 60]))).toEqual(Array.from(bm!.predict([1, 30, 60])));
      });
    });
    expect(pool.fits).toBe(4);
    expect(pool.fitSeconds).toBeGreaterThan(0);
  });

  it('uses both workers at once: 8 refits take less wall time than their summed time on the workers', async () => {
    const before = pool.fitSeconds;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 }, (_, i) => pool.fit(request(4319, 10 + i, 5))));
    const wall = (performance.now() - t0) / 1000;
    // Not a speed claim (the machine is shared): only that the work overlapped at all.
    expect(pool.fitSeconds - before).toBeGreaterThan(wall * 1.05);
  });

  it('an idle worker collects its garbage, reports its heap, and goes on with the next refit', async () => {
    await pool.fit(request(4319, 30, 5));
    const collections = pool.idleCollections;
    await new Promise((r) => setTimeout(r, 1500));
    expect(pool.idleCollections).toBeGreaterThan(collections);
    expect(pool.heapBytes).toBeGreaterThan(1e6);
    expect(pool.heapBytes).toBeLessThan(200e6);
    expect(pool.wasmBytes).toBe(0); // no TensorFlow.js in the classical models
    const r = request(4319, 31, 3);
    expect(plain(saveFitOutcome(await pool.fit(r)))).toEqual(plain(saveFitOutcome(computeFit(r, forecasters, detectPeriodicity))));
    expect(pool.restarts).toBe(0);
  });

  it('rejects a refit whose worker takes too long, replaces the worker, and goes on', async () => {
    const slow = await FitPool.start({ size: 1, forecasters, timeoutSeconds: 0.001 });
    try {
      await expect(slow.fit(request(4319, 5, 7))).rejects.toThrow(/took longer than/);
      expect(slow.failures).toBe(1);
      expect(slow.restarts).toBe(1);
      // The replacement is started in the background: a later fit is answered (or rejected the same way).
      await new Promise((r) => setTimeout(r, 3000));
      expect(slow.size).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('refuses models a worker cannot build by name (only the built-in models are offloaded)', async () => {
    const custom: Forecaster = { ...forecasters[0]!, name: 'custom', minHistory: () => 1, fit: () => null };
    await expect(FitPool.start({ size: 1, forecasters: [custom] })).rejects.toThrow(/custom/);
  });

  it('rejects fits once closed', async () => {
    const p = await FitPool.start({ size: 1, forecasters: forecasters.slice(0, 1) });
    await p.close();
    await expect(p.fit(request(100, 1, 1))).rejects.toThrow(/closed/);
  });
});

/** One demo workload with a day of history, on one refit thread, its clock fixed, no schedule. */
const oneThreadService = (opts: Pick<ServiceOptions, 'forecasters'> & Partial<ServiceOptions>) =>
  startService({
    workloads: [{ spec: { ...demoSpec(1), historySeconds: 86400 }, source: new DemoSource(defaultShape) }],
    clock: () => Date.UTC(2026, 0, 7, 12, 0, 0) / 1000,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    fitWorkers: 1,
    ...opts,
  });

it('a service whose models cannot be built on a worker starts anyway, with its refits in the tick', async () => {
  const custom: Forecaster = { ...forecasters[0]!, name: 'custom', minHistory: () => 1, fit: () => null };
  const logs: string[] = [];
  const service = await oneThreadService({ forecasters: [custom], log: (level, event) => logs.push(`${level} ${event}`) });
  try {
    expect(service.fitPool).toBeNull();
    expect(logs).toContain('warn fit_workers_failed');
    expect(service.loop.status()[0]!.warm).toBe(true);
  } finally {
    await service.stop();
  }
});

it('with the network on wasm, a service exports its refit threads\' WebAssembly memory apart from their V8 heaps', async () => {
  const { forecasters: withNet } = await defaultForecasters({ seed: 1, models: 'naive,neural', tfBackend: 'wasm', lazyTf: true });
  const service = await oneThreadService({ forecasters: withNet, tfBackend: 'wasm' });
  try {
    const pool = service.fitPool!;
    // The warm-up's refits went to the thread; it reports once idle (1 s after the last one).
    for (let i = 0; i < 50 && pool.idleCollections === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(pool.idleCollections).toBeGreaterThan(0);
    // At least the backend's initial memory (16 MiB on tfjs-backend-wasm 4.x), in whole pages.
    expect(pool.wasmBytes).toBeGreaterThanOrEqual(16 * 2 ** 20);
    expect(pool.wasmBytes % 65536).toBe(0);
    const metrics = await (await fetch(`${service.server.url}/metrics`)).text();
    expect(Number(/^prescale_refit_threads_wasm_bytes (\d+)$/m.exec(metrics)?.[1])).toBe(pool.wasmBytes);
    expect(Number(/^prescale_refit_threads_heap_bytes (\d+)$/m.exec(metrics)?.[1])).toBe(pool.heapBytes);
  } finally {
    await service.stop();
  }
});
