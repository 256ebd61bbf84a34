/**
 * The engine loop without timers (schedule: false) and with a fake clock: warm-up, failure
 * streaks, config reloads and rejected workload settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultShape } from '../../../src/demo/workload';
import type { Series } from '../../../src/domain/series';
import { EngineLoop, type LoopOptions } from '../../../src/engine/loop';
import { DemoSource, type LoadSource } from '../../../src/engine/sources';
import { StateStore } from '../../../src/engine/store';
import { testSpec } from './spec';
import { classicalForecasters } from '../../../src/forecast/models';
import type { Forecaster } from '../../../src/forecast/types';
import { computeFit, type FitRequest } from '../../../src/forecast/online';
import { detectPeriodicity } from '../../../src/periodicity';

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
const spec = testSpec;

class FailingSource implements LoadSource {
  readonly describe = 'always down';
  calls = 0;
  backfill(): Promise<Series> {
    this.calls++;
    return Promise.reject(Object.assign(new Error('timeout after 10000 ms'), { kind: 'timeout' }));
  }
  latest(): Promise<{ time: number; value: number }> {
    return Promise.reject(new Error('down'));
  }
}

function makeLoop(workloads: ConstructorParameters<typeof EngineLoop>[0], clock: () => number, extra: Partial<LoopOptions> = {}) {
  const logs: string[] = [];
  const queries: (string | undefined)[] = [];
  const loop = new EngineLoop(workloads, {
    forecasters: classicalForecasters().filter((f) => f.name === 'naive'),
    detect: detectPeriodicity,
    clock,
    schedule: false,
    log: (level, event) => logs.push(`${level} ${event}`),
    onQuery: (_w, _s, kind) => queries.push(kind),
    ...extra,
  });
  return { loop, logs, queries };
}

describe('EngineLoop', () => {
  it('collects at most `concurrency` workloads at once, and every one of them', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const demo = new DemoSource(defaultShape);
    const slow: LoadSource = {
      describe: 'slow demo',
      async backfill(start, end, step) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return demo.backfill(start, end, step);
      },
      latest: (now, step) => demo.latest(now, step),
    };
    const workloads = Array.from({ length: 12 }, (_, i) => ({ spec: spec({ id: `w${i}`, historySeconds: 3600 }), source: slow }));
    const { loop } = makeLoop(workloads, () => T0, { concurrency: 3 });
    await loop.start();
    expect(maxInFlight).toBe(3);
    expect(loop.status().every((s) => s.warm)).toBe(true);
  });


  it('warms up from the history window and is ready once every workload has decided', async () => {
    const { loop, logs, queries } = makeLoop([{ spec: spec(), source: new DemoSource(defaultShape) }], () => T0);
    expect(loop.ready).toBe(false);
    await loop.start();
    expect(loop.ready).toBe(true);
    expect(logs).toEqual(['info workload_warm']);
    expect(queries).toEqual([undefined]);
    const st = loop.status()[0]!;
    // 6 h at 60 s from T0 - 6 h (aligned) to T0 inclusive.
    expect(st).toMatchObject({ warm: true, decisions: 361, lastSuccessAt: T0, lastError: null, consecutiveErrors: 0, buildError: null });
    expect(loop.find('llm', 'chat')).toBe(loop.find('llm', 'chat-server'));
    expect(loop.find('other', 'chat')).toBeUndefined();
  });

  it('hands the warm-up\'s refits to the fitter, shows the workload unfed until it has caught up, and decides as in line', async () => {
    const hourly = spec({ refitEverySeconds: 3600 });
    const inline = makeLoop([{ spec: hourly, source: new DemoSource(defaultShape) }], () => T0).loop;
    await inline.start();
    const seen: { index: number; visibleDecision: boolean; warm: boolean; ready: boolean }[] = [];
    const fitter = {
      async fit(req: FitRequest) {
        // Asynchronous like the worker threads: the loop goes on while this is pending.
        await new Promise((r) => setTimeout(r, 1));
        seen.push({ index: req.index, visibleDecision: loop.find('llm', 'chat')!.latestDecision !== null, warm: loop.status()[0]!.warm, ready: loop.ready });
        return computeFit(req, classicalForecasters().filter((f) => f.name === 'naive'), detectPeriodicity);
      },
    };
    const { loop } = makeLoop([{ spec: hourly, source: new DemoSource(defaultShape) }], () => T0, { fitter });
    await loop.start();
    // 6 h of history with hourly refits: several of them, the last ones after decisions began.
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...seen.map((x) => x.index))).toBeGreaterThan(300);
    expect(seen.every((x) => !x.visibleDecision && !x.warm && !x.ready)).toBe(true);
    const [a, b] = [loop.find('llm', 'chat')!, inline.find('llm', 'chat')!];
    expect(loop.status()[0]!.warm).toBe(true);
    expect(a.decisions).toBe(b.decisions);
    expect(a.latestDecision).toEqual(b.latestDecision);
    expect(JSON.stringify(a.plannerState)).toBe(JSON.stringify(b.plannerState));
  });

  it('reports a warm workload waiting for a refit still on the fitter when it falls due, and no wait in the warm-up', async () => {
    const hourly = spec({ refitEverySeconds: 3600 });
    let now = T0;
    let mono = 0;
    let live = false;
    let warmFits = 0;
    let held: { release: () => void } | null = null;
    const fitter = {
      async fit(req: FitRequest) {
        if (!live) warmFits++;
        // Live refits are held until the test lets them go (the refit threads behind).
        else await new Promise<void>((release) => (held = { release }));
        return computeFit(req, classicalForecasters().filter((f) => f.name === 'naive'), detectPeriodicity);
      },
    };
    const waits: number[] = [];
    const { loop } = makeLoop([{ spec: hourly, source: new DemoSource(defaultShape) }], () => now, { fitter, monoMs: () => mono, onRefitWait: (_w, s) => waits.push(s) });
    await loop.start();
    // The warm-up awaits its refits too (each is due 5 samples after it was taken), unreported.
    expect(warmFits).toBeGreaterThanOrEqual(4);
    expect(waits).toEqual([]);
    live = true;
    const releasedAt: number[] = [];
    for (let k = 1; k <= 75; k++) {
      now = T0 + k * 60;
      let done = false;
      const tick = loop.tick().then(() => (done = true));
      // A tick of one workload takes milliseconds; one still running after 500 ms waits for the
      // held refit (due 5 samples after it was taken). Let it go, 2.5 s later by the loop's clock.
      await Promise.race([tick, new Promise((r) => setTimeout(r, 500))]);
      const h = held as { release: () => void } | null;
      if (!done && h) {
        mono += 2500;
        h.release();
        held = null;
        releasedAt.push(k);
      }
      await tick;
    }
    // One hourly refit in 75 minutes, taken live and held; the tick it fell due in waited for it,
    // 2.5 s by the loop's clock, and only that tick.
    expect(releasedAt).toHaveLength(1);
    expect(held).toBeNull();
    expect(waits).toEqual([2.5]);
    expect(loop.status()[0]!.lastError).toBeNull();
  });

  it('loads what a model defers (Forecaster.prepare) before it fits in line a refit the fitter failed', async () => {
    const naive = classicalForecasters().find((f) => f.name === 'naive')!;
    const run = async (withPrepare: boolean) => {
      let loaded = false;
      // Like the network with TensorFlow.js loaded on demand: fit() throws until prepare() resolved.
      const deferred: Forecaster = {
        name: 'deferred',
        minHistory: (ctx) => naive.minHistory(ctx),
        fit(history, ctx) {
          if (!loaded) throw new Error('not loaded in this thread yet');
          return naive.fit(history, ctx);
        },
        prepare: async () => {
          await new Promise((r) => setTimeout(r, 1));
          loaded = true;
        },
      };
      const fitter = { fit: () => Promise.reject(new Error('refit thread died')) };
      const { loop, logs } = makeLoop([{ spec: spec({ refitEverySeconds: 3600 }), source: new DemoSource(defaultShape) }], () => T0, {
        forecasters: [naive, deferred],
        fitter,
        ...(withPrepare ? { prepareInline: () => deferred.prepare!() } : {}),
      });
      await loop.start();
      return { status: loop.status()[0]!, logs };
    };
    const prepared = await run(true);
    expect(prepared.logs).toContain('warn refit_offload_failed');
    expect(prepared.status.warm).toBe(true);
    expect(prepared.status.modelFitFailures).toEqual([]);
    // Without it, the in-line fits of that model fail (it keeps its previous fit, retried later).
    const unprepared = await run(false);
    expect(unprepared.status.modelFitFailures).toEqual([expect.objectContaining({ model: 'deferred', error: 'not loaded in this thread yet' })]);
  });

  it('hands a refit restored from saved state, taken and not yet installed, to the fitter instead of fitting it in line', async () => {
    const naive = classicalForecasters().find((f) => f.name === 'naive')!;
    // 'deferred' fits like naive where it is loaded, and throws where it is not (as the network
    // does in the engine thread before TensorFlow.js is loaded there).
    const deferred = (loaded: boolean): Forecaster => ({
      name: 'deferred',
      minHistory: (ctx) => naive.minHistory(ctx),
      fit(history, ctx) {
        if (!loaded) throw new Error('not loaded in this thread yet');
        return naive.fit(history, ctx);
      },
      restore: (state) => naive.restore!(state),
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'prescale-loop-'));
    try {
      const hourly = { spec: spec({ refitEverySeconds: 3600 }), source: new DemoSource(defaultShape) };
      let now = T0;
      const a = makeLoop([hourly], () => now, { forecasters: [naive, deferred(true)], store: new StateStore(dir) }).loop;
      await a.start();
      // Minute by minute until a refit is taken and not installed yet (installed 5 samples later).
      let pending = false;
      for (let k = 1; k <= 70 && !pending; k++) {
        now = T0 + k * 60;
        await a.tick();
        pending = JSON.stringify(a.find('llm', 'chat')!.save()).includes('"pendingFit":{');
      }
      expect(pending).toBe(true);
      await a.stop(); // saves the state, the pending refit in it
      const requests: number[] = [];
      const fitter = {
        async fit(req: FitRequest) {
          requests.push(req.index);
          return computeFit(req, [naive, deferred(true)], detectPeriodicity);
        },
      };
      now += 10 * 60; // restarted 10 minutes later: the restored refit is due
      const b = makeLoop([hourly], () => now, { forecasters: [naive, deferred(false)], store: new StateStore(dir), fitter }).loop;
      await b.start();
      expect(b.status()[0]!.warm).toBe(true);
      expect(requests).toHaveLength(1);
      expect(b.status()[0]!.modelFitFailures).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backs off a failing source, logs a failure streak once at its start and every 10th time, and counts each failure', async () => {
    let now = T0;
    const src = new FailingSource();
    const { loop, logs, queries } = makeLoop([{ spec: spec(), source: src }], () => now);
    for (let i = 0; i < 12; i++) {
      await loop.tick();
      now += 30;
    }
    // Asked at every tick for the first 3 failures, then after 30 s, 60 s, 120 s, 240 s (backoff):
    // at T0 + 0, 30, 60, 90, 150, 270 in 12 ticks; the next try is due at T0 + 510.
    expect(src.calls).toBe(6);
    expect(queries).toEqual(new Array(6).fill('timeout'));
    expect(logs).toEqual(['warn collect_failed']);
    expect(loop.status()[0]).toMatchObject({ consecutiveErrors: 6, lastError: 'timeout after 10000 ms', lastErrorAt: T0 + 270, nextRetryAt: T0 + 510, warm: false });
    expect(loop.ready).toBe(false);
  });

  it('keeps a workload engine across a reload that does not change it, and rebuilds one that does', async () => {
    const demo = new DemoSource(defaultShape);
    const { loop } = makeLoop([{ spec: spec(), source: demo }], () => T0);
    await loop.start();
    const before = loop.find('llm', 'chat');
    loop.setWorkloads([{ spec: spec(), source: demo }, { spec: spec({ id: 'embed', name: 'embed' }), source: demo }]);
    expect(loop.find('llm', 'chat')).toBe(before);
    expect(loop.find('llm', 'embed')!.decisions).toBe(0);
    loop.setWorkloads([{ spec: spec({ capacityPerPod: 50 }), source: demo }]);
    expect(loop.find('llm', 'chat')).not.toBe(before);
    expect(loop.find('llm', 'embed')).toBeUndefined();
  });

  it('reports rejected settings per workload instead of failing the others', async () => {
    const { loop, logs } = makeLoop(
      [
        { spec: spec({ id: 'bad', name: 'bad', maxReplicas: 0 }), source: new DemoSource(defaultShape) },
        { spec: spec(), source: new DemoSource(defaultShape) },
      ],
      () => T0,
    );
    expect(logs).toEqual(['error workload_invalid']);
    await loop.start();
    expect(loop.find('llm', 'bad')).toBeNull();
    expect(loop.status()[0]!.buildError).toMatch(/maxReplicas is 0/);
    expect(loop.ready).toBe(true);
  });

  it('rejects a bad tick schedule, naming it', () => {
    expect(() => makeLoop([], () => T0, { tickSchedule: 'every 30s' })).toThrow(/tick schedule "every 30s": expected a node-cron expression/);
  });
});
