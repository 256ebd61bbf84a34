/**
 * Measured cold starts in the engine loop. The pods come from a scripted ColdStartSource (the
 * kube-state-metrics queries against a real Prometheus are tested in
 * test/integration/service-coldstart.test.ts); the clock is fake and nothing is scheduled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ColdStartRejection, ColdStartSample } from '../../../src/collector/coldStart';
import { defaultShape } from '../../../src/demo/workload';
import { EngineLoop } from '../../../src/engine/loop';
import { DemoSource, type ColdStartSource } from '../../../src/engine/sources';
import { StateStore } from '../../../src/engine/store';
import { WorkloadEngine } from '../../../src/engine/workloadEngine';
import { classicalForecasters } from '../../../src/forecast/models';
import { detectPeriodicity } from '../../../src/periodicity';
import { testSpec } from './spec';

const T0 = Date.UTC(2026, 0, 7, 8, 0, 0) / 1000;
const forecasters = classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'holt-winters');
const policy = { defaultSeconds: 300, quantile: 0.95, minSamples: 3, refreshSeconds: 300 };

/** Pods as kube-state-metrics would show them: each poll returns what `pods` holds then. */
class ScriptedPods implements ColdStartSource {
  readonly describe = 'scripted pods';
  pods: ColdStartSample[] = [];
  fail: string | null = null;
  polls: number[] = [];
  poll(now: number): Promise<{ samples: ColdStartSample[]; rejected: ColdStartRejection[] }> {
    this.polls.push(now);
    if (this.fail) return Promise.reject(Object.assign(new Error(this.fail), { kind: 'network' }));
    return Promise.resolve({ samples: [...this.pods], rejected: [] });
  }
}
const pods = (xs: number[], from = 0): ColdStartSample[] => xs.map((seconds, i) => ({ namespace: 'llm', pod: `chat-${from + i}`, created: T0 - 86400 + 600 * (from + i), seconds }));

function setup(src: ScriptedPods, store?: StateStore) {
  let now = T0;
  const events: string[] = [];
  const demo = new DemoSource(defaultShape);
  const loop = new EngineLoop([{ spec: testSpec(), source: demo, coldStart: { source: src, policy } }], {
    forecasters,
    detect: detectPeriodicity,
    clock: () => now,
    schedule: false,
    log: (_l, event, fields) => events.push(`${event}${fields?.to !== undefined ? ` ${String(fields.to)}` : ''}`),
    ...(store ? { store } : {}),
  });
  return { loop, events, demo, set: (t: number) => (now = t) };
}

/** An engine that planned with `coldStartSeconds` from the start, fed the same samples. */
async function reference(coldStartSeconds: number, from: number, to: number) {
  const e = new WorkloadEngine(testSpec({ coldStartSeconds }), forecasters, detectPeriodicity);
  e.ingest(await new DemoSource(defaultShape).backfill(from, to, 60), to);
  return e;
}

describe('measured cold start', () => {
  it('plans with the configured default until minSamples pods are measured', async () => {
    const src = new ScriptedPods();
    src.pods = pods([500, 520]);
    const { loop } = setup(src);
    await loop.start();
    expect(loop.find('llm', 'chat')!.spec.coldStartSeconds).toBe(300);
    expect(loop.status()[0]!.coldStart).toMatchObject({ seconds: 300, source: 'default', samples: 2, inUse: 300, from: 'scripted pods', lastPollAt: T0, lastError: null });
    expect(loop.coldStartSamples('llm', 'chat')).toEqual([500, 520]);
  });

  it('then the p95 of the pods: the engine is rebuilt with it and decides as one that always had it', async () => {
    const src = new ScriptedPods();
    const { loop, events, set } = setup(src);
    await loop.start();
    const earliest = T0 - testSpec().historySeconds;
    // Pods measured: [200, 300, 400, 500, 550, 600] -> p95 587.5 -> 588 s.
    src.pods = pods([600, 200, 400, 300, 550, 500]);
    set(T0 + 300);
    await loop.tick();
    const eng = loop.find('llm', 'chat')!;
    expect(eng.spec.coldStartSeconds).toBe(588);
    expect(events).toContain('cold_start_changed 588');
    const ref = await reference(588, earliest, T0 + 300);
    expect(eng.recommendation(T0 + 300)).toEqual(ref.recommendation(T0 + 300));
    expect(eng.recommendation(T0 + 300)!.coldStartSeconds).toBe(588);
    // The lead the forecast band is taken over follows: cold start + one decision step.
    expect(eng.forecast(3600)!.peak!.leadSeconds).toBe(588 + 60);
    expect(loop.status()[0]!.coldStart).toMatchObject({ seconds: 588, source: 'measured', samples: 6, p50: 450, max: 600, inUse: 588 });
  });

  it('keeps the cold start in use for moves within 10%, and polls every refreshSeconds only', async () => {
    const src = new ScriptedPods();
    src.pods = pods([300, 300, 300]);
    const { loop, events, set } = setup(src);
    await loop.start();
    expect(loop.find('llm', 'chat')!.spec.coldStartSeconds).toBe(300);
    src.pods = pods([320, 320, 320, 320], 3); // p95 of [300 x 3, 320 x 4] = 320: +6.7%
    set(T0 + 120);
    await loop.tick(); // not due: polled at T0, refresh 300 s
    set(T0 + 300);
    await loop.tick();
    expect(src.polls).toEqual([T0, T0 + 300]);
    expect(loop.status()[0]!.coldStart).toMatchObject({ seconds: 320, inUse: 300 });
    expect(events.filter((e) => e.startsWith('cold_start_changed'))).toEqual([]);
  });

  it('a failed poll keeps the cold start in use, logs once, and shows in /status', async () => {
    const src = new ScriptedPods();
    src.pods = pods([600, 600, 600]);
    const { loop, events, set } = setup(src);
    await loop.start();
    expect(loop.find('llm', 'chat')!.spec.coldStartSeconds).toBe(600);
    src.fail = 'Prometheus network error: connect ECONNREFUSED';
    for (const k of [1, 2]) {
      set(T0 + 300 * k);
      await loop.tick();
    }
    expect(loop.find('llm', 'chat')!.spec.coldStartSeconds).toBe(600);
    expect(loop.status()[0]!.coldStart).toMatchObject({ inUse: 600, lastError: 'Prometheus network error: connect ECONNREFUSED', lastPollAt: T0 + 600 });
    expect(events.filter((e) => e === 'cold_start_poll_failed')).toHaveLength(1);
    expect(loop.find('llm', 'chat')!.latestDecision!.time).toBe(T0 + 600); // decisions go on
  });

  it('survives a restart: the cold start in use and the pods are saved with the state', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prescale-cold-'));
    try {
      const src = new ScriptedPods();
      src.pods = pods([200, 300, 400, 500, 550, 600]);
      const a = setup(src, new StateStore(dir));
      await a.loop.start();
      a.set(T0 + 120);
      await a.loop.tick();
      await a.loop.stop();
      const before = a.loop.find('llm', 'chat')!.recommendation(T0 + 120);

      const src2 = new ScriptedPods();
      src2.fail = 'down'; // kube-state-metrics unreachable after the restart: the saved pods still count
      const b = setup(src2, new StateStore(dir));
      b.set(T0 + 120);
      await b.loop.start();
      expect(b.loop.find('llm', 'chat')!.spec.coldStartSeconds).toBe(588);
      expect(b.loop.status()[0]!.coldStart).toMatchObject({ samples: 6, inUse: 588, source: 'measured' });
      expect(b.loop.find('llm', 'chat')!.recommendation(T0 + 120)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
