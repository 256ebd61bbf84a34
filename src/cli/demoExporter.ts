/**
 * The compose stack's demo workload: a tiny Prometheus exporter whose request counter follows the
 * generated inference load of src/demo/workload.ts (daily cycle, weekend dip, steep morning ramp,
 * noise), with time COMPRESSED so that a whole day passes in minutes and the dashboards fill fast.
 *
 *   GET /metrics
 *     demo_requests_total{namespace="demo",deployment="demo-llm"}             counter of requests
 *     kube_deployment_status_replicas_available{namespace="demo",deployment="demo-llm"}
 *                                                                             simulated ready pods
 *     kube_pod_created{namespace="demo",pod="demo-llm-..."}, kube_pod_status_ready_time{...}
 *                                      each simulated pod, as kube-state-metrics shows them
 *
 * Time: simulated = DEMO_SIM_START + (real - started) * DEMO_SPEEDUP. With the default speed-up 60,
 * one simulated day lasts 24 real minutes, the 07:00-10:00 morning ramp 3 minutes.
 * Bursts: the generated load has ~2 seeded flash crowds a week, rarely seen in a short demo, so every
 * DEMO_BURST_EVERY_S real seconds (default 600) the rate is multiplied by 2.5 for DEMO_BURST_S real
 * seconds (default 60): at 1,200 rps peak, a burst at the peak is 3,000 rps.
 * Ready pods (there is no cluster in the compose stack): a Deployment that follows prescale's
 * recommendation (PRESCALE_URL, polled every 5 s): a new pod is ready DEMO_COLD_START_S real
 * seconds (default 60) x 0.8..1.5 (seeded) after it is created, a scale-down deletes the newest
 * pods first. The workload dashboard shows ready pods lagging the recommendation by a cold start,
 * and prescale measures that cold start from the per-pod series (coldStart: kubeStateMetrics).
 *
 * Run: `prescale demo-exporter` (PORT, default 9100), as docker-compose.yml does.
 */
import * as http from 'node:http';
import { defaultShape, demoLoad } from '../demo/workload';
import { mulberry32 } from '../util/rng';
import { UsageError } from './args';

/** Parses a positive number from the environment. @throws UsageError naming the variable and the value. */
function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}="${raw}": expected a positive number`);
  return n;
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runDemoExporterCli(argv: readonly string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError(`demo-exporter takes no arguments (got "${argv.join(' ')}"): it reads PORT, PRESCALE_URL and DEMO_* from the environment`);

  const PORT = envNumber('PORT', 9100);
  const SPEEDUP = envNumber('DEMO_SPEEDUP', 60);
  // Monday 2026-01-05 06:00 UTC: the demo starts one hour before the morning ramp.
  const SIM_START = envNumber('DEMO_SIM_START', Date.UTC(2026, 0, 5, 6, 0, 0) / 1000);
  const BURST_EVERY = envNumber('DEMO_BURST_EVERY_S', 600);
  const BURST_LEN = envNumber('DEMO_BURST_S', 60);
  const BURST_FACTOR = 2.5; // the generated load's own flash-crowd factor
  const COLD_START = envNumber('DEMO_COLD_START_S', 60);
  const PRESCALE_URL = process.env.PRESCALE_URL ?? 'http://prescale:8080';
  const LABELS = 'namespace="demo",deployment="demo-llm"';

  const started = Date.now() / 1000;

  /** Requests per second at real time `t` (unix seconds). */
  function rateAt(t: number): number {
    const elapsed = t - started;
    const sim = SIM_START + elapsed * SPEEDUP;
    // The burst starts half-way through each period: the first one comes 5 minutes in.
    const inBurst = (elapsed + BURST_EVERY / 2) % BURST_EVERY < BURST_LEN;
    return demoLoad(sim, defaultShape) * (inBurst ? BURST_FACTOR : 1);
  }

  let total = 0;
  let integratedTo = started;
  /** Integrates the rate up to `t` in 1 s sub-steps (left Riemann sum): the counter never decreases. */
  function advance(t: number): void {
    while (integratedTo < t) {
      const dt = Math.min(1, t - integratedTo);
      total += rateAt(integratedTo) * dt;
      integratedTo += dt;
    }
  }

  interface Pod {
    readonly name: string;
    /** Unix seconds, whole (as kube-state-metrics reports them). */
    readonly created: number;
    readonly ready: number;
  }
  const rand = mulberry32(7);
  let podSeq = 0;
  const newPod = (created: number): Pod => {
    const id = (podSeq++).toString(36).padStart(5, '0');
    return { name: `demo-llm-5f8d7c9b4-${id}`, created, ready: created + Math.round(COLD_START * (0.8 + 0.7 * rand())) };
  };
  // One pod, ready when the exporter starts.
  const pods: Pod[] = [{ ...newPod(Math.floor(started) - COLD_START), ready: Math.floor(started) }];
  const readyPods = (now: number): number => pods.filter((p) => p.ready <= now).length;

  async function pollPrescale(): Promise<void> {
    let want: number | null = null;
    try {
      const r = await fetch(`${PRESCALE_URL}/api/v1/workloads/demo/demo-llm/recommendation`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) {
        const body = (await r.json()) as { replicas?: unknown };
        if (typeof body.replicas === 'number') want = body.replicas;
      }
    } catch {
      // prescale not up yet: the pods stay where they are
    }
    if (want === null) return;
    const now = Math.floor(Date.now() / 1000);
    while (pods.length < want) pods.push(newPod(now));
    // Scale-down deletes the newest pods first (not-ready ones before ready ones, as a ReplicaSet does).
    while (pods.length > Math.max(1, want)) pods.pop();
  }

  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found: try /metrics\n');
      return;
    }
    const now = Date.now() / 1000;
    advance(now);
    const podLabels = (p: Pod) => `namespace="demo",pod="${p.name}"`;
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# HELP demo_requests_total Requests served by the demo inference workload (time-compressed daily pattern).',
        '# TYPE demo_requests_total counter',
        `demo_requests_total{${LABELS}} ${total.toFixed(3)}`,
        '# HELP kube_deployment_status_replicas_available Simulated ready pods: prescale\'s recommendation one cold start ago.',
        '# TYPE kube_deployment_status_replicas_available gauge',
        `kube_deployment_status_replicas_available{${LABELS}} ${readyPods(now)}`,
        '# HELP kube_pod_created Simulated pods: creation time.',
        '# TYPE kube_pod_created gauge',
        ...pods.map((p) => `kube_pod_created{${podLabels(p)}} ${p.created}`),
        '# HELP kube_pod_status_ready_time Simulated pods: time the pod became ready (ready pods only).',
        '# TYPE kube_pod_status_ready_time gauge',
        ...pods.filter((p) => p.ready <= now).map((p) => `kube_pod_status_ready_time{${podLabels(p)}} ${p.ready}`),
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, () => resolve());
  });
  process.stderr.write(`demo exporter on :${PORT}/metrics (speed-up x${SPEEDUP}, burst every ${BURST_EVERY} s)\n`);
  const poll = setInterval(() => void pollPrescale(), 5000);
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(poll);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
