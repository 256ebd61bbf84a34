/**
 * Cold start measured per workload from kube-state-metrics, end to end: a real Prometheus (Debian
 * `prometheus`, on 127.0.0.1) holds the workload's load history and kube-state-metrics series
 * (`kube_pod_created`, `kube_pod_status_ready_time`) loaded with `promtool tsdb create-blocks-from
 * openmetrics`; the service reads a YAML config with `coldStart.source: kubeStateMetrics`.
 *
 * Six pods with cold starts 200..600 s exist at start: the service plans with their p95 (588 s)
 * from its first decision, and decides exactly as `prescale backtest` with a 588 s cold start.
 * Twenty minutes in, six new pods take 900 s each (a bigger model, a colder node pool): the p95
 * moves to 900 s, the engine is rebuilt by replaying its history, and decides as the backtest
 * with 900 s. The service's clock is fake (the history is in 2025); Prometheus is real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Service } from '../../src/cli/serve';
import { defaultShape, demoLoad } from '../../src/demo/workload';
import type { Decision } from '../../src/domain/decision';
import { describeIfAvailable } from '../lib/needs';
import { backtestDecisions, startConfiguredService } from './lib/configuredService';
import { havePrometheus, startPrometheus, type RunningServer } from './lib/servers';

jest.setTimeout(120_000);

const STEP = 60;
const TS = Date.UTC(2025, 0, 6, 8, 0) / 1000;
const HISTORY = 2 * 86400;
const T_LIVE = TS + HISTORY; // Wednesday 08:00 UTC, in the morning ramp
const LIVE = 40; // minutes stepped live
const N = HISTORY / STEP + LIVE + 30;
const MODELS = ['naive', 'seasonal-naive', 'holt-winters'];

const CONFIG = `
workloads:
  - name: demo-llm
    target: { namespace: demo, name: demo-llm }
    metric: { type: custom, query: 'sum(demo_load)' }
    capacityPerPod: 100
    targetUtilization: 0.7
    minReplicas: 1
    maxReplicas: 60
    coldStart: { source: kubeStateMetrics, defaultSeconds: 300, refreshSeconds: 60 }
    forecast: { stepSeconds: 60, horizonSeconds: 3600, historySeconds: ${HISTORY} }
`;

/** [pod, created, cold start s]: the first six exist from 2 h before the start, the next six are created 5 min into it. */
const PODS: [string, number, number][] = [
  ...[200, 300, 400, 500, 550, 600].map((s, i): [string, number, number] => [`demo-llm-6b7c9-a${i}`, T_LIVE - 7200 + 600 * i, s]),
  ...Array.from({ length: 6 }, (_, i): [string, number, number] => [`demo-llm-8f2d1-b${i}`, T_LIVE + 300, 900]),
];
// The old pods are deleted when the new ones are ready: their series end there.
const OLD_GONE = T_LIVE + 300 + 900;

function openMetrics(values: Float64Array): string {
  const lines = ['# TYPE demo_load gauge'];
  // Each grid value 30 s before its grid time: an evaluation at grid time t sees exactly it.
  values.forEach((v, j) => lines.push(`demo_load{job="demo"} ${String(v)} ${TS + j * STEP - 30}`));
  const end = TS + N * STEP;
  const series = (name: string, value: (p: (typeof PODS)[number]) => number, from: (p: (typeof PODS)[number]) => number) => {
    lines.push(`# TYPE ${name} gauge`);
    for (const p of PODS) {
      const last = p[0].includes('-a') ? OLD_GONE : end;
      for (let t = from(p); t <= last; t += 60) lines.push(`${name}{namespace="demo",pod="${p[0]}"} ${value(p)} ${t}`);
    }
  };
  series('kube_pod_created', (p) => p[1], (p) => p[1]);
  // kube-state-metrics shows the ready time once the pod is ready.
  series('kube_pod_status_ready_time', (p) => p[1] + p[2], (p) => p[1] + p[2]);
  lines.push('# EOF', '');
  return lines.join('\n');
}

describeIfAvailable('cold start measured from kube-state-metrics in a real Prometheus', havePrometheus() ? undefined : 'prometheus/promtool not installed', () => {
  let dir: string;
  let prom: RunningServer;
  let service: Service;
  let now = T_LIVE;
  const values = new Float64Array(N);
  for (let j = 0; j < N; j++) values[j] = demoLoad(TS + j * STEP, defaultShape);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'prescale-svc-cold-'));
    prom = await startPrometheus({ openMetrics: openMetrics(values) });
    service = await startConfiguredService({ dir, yaml: CONFIG, promUrl: prom.url, models: MODELS, clock: () => now, timeoutMs: 5000 });
  });

  afterAll(async () => {
    await service?.stop();
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const rec = async () => (await (await fetch(`${service.server.url}/api/v1/workloads/demo/demo-llm/recommendation`)).json()) as { time: number; replicas: number; reason: string; mode: string; coldStartSeconds: number };
  /** The backtest's decisions on the same values with a given cold start. */
  const backtest = (coldStart: number): Decision[] =>
    backtestDecisions({ ...service.loop.find('demo', 'demo-llm')!.spec, coldStartSeconds: coldStart }, { start: TS, step: STEP, values: values.slice(0, HISTORY / STEP + LIVE + 1) }, MODELS);
  const same = (r: Awaited<ReturnType<typeof rec>>, d: Decision) => {
    expect({ time: r.time, replicas: r.replicas, reason: r.reason, mode: r.mode }).toEqual({ time: d.time, replicas: d.appliedReplicas, reason: d.reason, mode: d.trusted ? 'proactive' : 'reactive' });
  };

  it('plans with the p95 of the measured pods from the first decision, as the backtest with that cold start', async () => {
    const r = await rec();
    expect(r.coldStartSeconds).toBe(588); // [200, 300, 400, 500, 550, 600]: 550 + 0.75 x 50 = 587.5
    const want = backtest(588);
    same(r, want[HISTORY / STEP]!);
    const st = (await (await fetch(`${service.server.url}/status`)).json()) as { workloads: { coldStart: Record<string, unknown> }[] };
    expect(st.workloads[0]!.coldStart).toMatchObject({ seconds: 588, source: 'measured', samples: 6, inUse: 588, lastError: null });
    const metrics = await (await fetch(`${service.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^prescale_cold_start_seconds\{namespace="demo",workload="demo-llm"\} 588$/m);
    expect(metrics).toMatch(/^prescale_cold_start_samples\{namespace="demo",workload="demo-llm"\} 6$/m);
    expect(metrics).toMatch(/^prescale_cold_start_quantile_seconds\{namespace="demo",workload="demo-llm",quantile="0.5"\} 450$/m);
  });

  it('follows the distribution when slower pods arrive: rebuilt with the new p95, deciding as the backtest with it', async () => {
    const before = backtest(588);
    const after = backtest(900);
    const seen: number[] = [];
    for (let k = 1; k <= LIVE; k++) {
      now = T_LIVE + k * STEP + 5;
      await service.loop.tick();
      const r = await rec();
      seen.push(r.coldStartSeconds);
      same(r, (r.coldStartSeconds === 900 ? after : before)[HISTORY / STEP + k]!);
    }
    // The new pods are ready 20 min in (created at +5 min, 900 s): measured at the next poll.
    const switchAt = seen.indexOf(900) + 1;
    expect(switchAt).toBe(20);
    expect(seen.slice(switchAt - 1).every((s) => s === 900)).toBe(true);
    expect(seen.slice(0, switchAt - 1).every((s) => s === 588)).toBe(true);
    // A 900 s cold start plans further ahead: in the morning ramp it asks for more pods than 588 s did.
    const k = LIVE;
    expect(after[HISTORY / STEP + k]!.appliedReplicas).toBeGreaterThanOrEqual(before[HISTORY / STEP + k]!.appliedReplicas);
    const metrics = await (await fetch(`${service.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^prescale_cold_start_seconds\{namespace="demo",workload="demo-llm"\} 900$/m);
    expect(metrics).toMatch(/^prescale_cold_start_samples\{namespace="demo",workload="demo-llm"\} 12$/m);
  });
});
