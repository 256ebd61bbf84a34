/**
 * Seeded test history for the real-server integration tests: a QPS series with a daily cycle and
 * noise, written as a counter (so rate() has something to do) and as a gauge.
 *
 * Sample j sits at T0 + 30 + 60 j (half a step off the query grid, see prometheus.ts for why):
 *   counter_j = counter_{j-1} + 60 * qps_j
 */
import { mulberry32, gaussian } from '../../../src/util/rng';

/** 2025-01-06T00:00:00Z, a Monday. Fixed, so every run stores the same blocks. */
export const T0 = 1_736_121_600;
export const SAMPLE_OFFSET = 30;
export const SAMPLE_STEP = 60;

export interface Generated {
  /** qps_j for sample j. */
  readonly qps: Float64Array;
  readonly counter: Float64Array;
  /** Unix seconds of sample j. */
  time(j: number): number;
}

/** `n` samples; qps = 100 * (1 + 0.5 sin(2 pi t / 1 day)) * (1 + 0.05 N(0,1)), floored at 0. */
export function generateQps(n: number, seed = 42): Generated {
  const rand = mulberry32(seed);
  const qps = new Float64Array(n);
  const counter = new Float64Array(n);
  // Start the counter high so Prometheus' extrapolation never clips at zero.
  let c = 1_000_000;
  for (let j = 0; j < n; j++) {
    const t = T0 + SAMPLE_OFFSET + SAMPLE_STEP * j;
    const q = Math.max(0, 100 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400)) * (1 + 0.05 * gaussian(rand)));
    qps[j] = q;
    if (j > 0) c += SAMPLE_STEP * q;
    counter[j] = c;
  }
  return { qps, counter, time: (j) => T0 + SAMPLE_OFFSET + SAMPLE_STEP * j };
}

/**
 * OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: families grouped, counter
 * samples named `<family>_total`, timestamps in seconds, `# EOF` last.
 */
/** A gauge family for extra series (kube-state-metrics, say): name -> [labels, value, unix s][]. */
export type Gauges = Record<string, [string, number, number][]>;

export function toOpenMetrics(g: Generated, labels = 'job="gen"', extra: Gauges = {}): string {
  const lines: string[] = ['# TYPE gen_requests counter'];
  for (let j = 0; j < g.qps.length; j++) lines.push(`gen_requests_total{${labels}} ${g.counter[j]} ${g.time(j)}`);
  lines.push('# TYPE gen_load gauge');
  for (let j = 0; j < g.qps.length; j++) lines.push(`gen_load{${labels}} ${g.qps[j]} ${g.time(j)}`);
  for (const [name, samples] of Object.entries(extra)) {
    lines.push(`# TYPE ${name} gauge`);
    for (const [l, v, t] of samples) lines.push(`${name}{${l}} ${v} ${t}`);
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

/** Prometheus text exposition with millisecond timestamps, for VictoriaMetrics' import endpoint. */
export function toPrometheusText(g: Generated, labels = 'job="gen"', extra: Gauges = {}): string {
  const lines: string[] = [];
  for (const [name, samples] of Object.entries(extra)) for (const [l, v, t] of samples) lines.push(`${name}{${l}} ${v} ${t * 1000}`);
  for (let j = 0; j < g.qps.length; j++) {
    const ms = g.time(j) * 1000;
    lines.push(`gen_requests_total{${labels}} ${g.counter[j]} ${ms}`, `gen_load{${labels}} ${g.qps[j]} ${ms}`);
  }
  return lines.join('\n') + '\n';
}
