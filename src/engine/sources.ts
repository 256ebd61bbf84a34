/**
 * Where a workload's load comes from. Two implementations: the embedded demo (a generated workload,
 * no network) and Prometheus (the collector's client with the workload's PromQL template).
 * Both return samples on the grid start, start + step, ... (start aligned to a multiple of step),
 * NaN where nothing came back.
 */
import type { PrometheusClient } from '../collector/client';
import { coldStartSeconds, type ColdStartRejection, type ColdStartSample } from '../collector/coldStart';
import { coldStartQueries, queryForWorkload } from '../collector/promql';
import type { Workload } from '../config/schema';
import { demoLoad, type WorkloadShape, defaultShape } from '../demo/workload';
import type { Series } from '../domain/series';

export interface LoadSource {
  /** For logs and /status: "demo" or the Prometheus URL and query. */
  readonly describe: string;
  /** Samples on the grid from align(start) to end (inclusive), every `step` seconds. */
  backfill(start: number, end: number, step: number): Promise<Series>;
  /** The value at the latest grid time <= now; NaN when there is none. */
  latest(now: number, step: number): Promise<{ time: number; value: number }>;
}

/** First grid time >= t on a grid of multiples of `step`. e.g. (1000, 60) -> 1020. */
export const alignUp = (t: number, step: number): number => Math.ceil(t / step) * step;
/** Last grid time <= t. e.g. (1000, 60) -> 960. */
export const alignDown = (t: number, step: number): number => Math.floor(t / step) * step;

/** Number of grid points in [alignUp(start), end]; 0 when the range is empty. */
function gridLength(start: number, end: number, step: number): number {
  const s = alignUp(start, step);
  return end < s ? 0 : Math.floor((end - s) / step) + 1;
}

/**
 * The demo workload: demoLoad(t) sampled at grid times that are not in the future. A pure
 * function of time, so a restarted service sees the same history.
 */
export class DemoSource implements LoadSource {
  readonly describe: string;
  constructor(private readonly shape: WorkloadShape = defaultShape) {
    this.describe = `demo (generated inference workload, seed ${shape.seed}, peak ${shape.peak} rps)`;
  }

  backfill(start: number, end: number, step: number): Promise<Series> {
    const s = alignUp(start, step);
    const n = gridLength(start, end, step);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = demoLoad(s + i * step, this.shape);
    return Promise.resolve({ start: s, step, values });
  }

  latest(now: number, step: number): Promise<{ time: number; value: number }> {
    const t = alignDown(now, step);
    return Promise.resolve({ time: t, value: demoLoad(t, this.shape) });
  }
}

/** A workload's metric from Prometheus (or any server speaking its HTTP API). */
export class PrometheusLoadSource implements LoadSource {
  readonly query: string;
  readonly describe: string;

  constructor(
    private readonly client: PrometheusClient,
    workload: Workload,
  ) {
    this.query = queryForWorkload(workload);
    this.describe = `${client.server} ${this.query}`;
  }

  async backfill(start: number, end: number, step: number): Promise<Series> {
    const s = alignUp(start, step);
    if (gridLength(start, end, step) === 0) return { start: s, step, values: new Float64Array(0) };
    const r = await this.client.backfill(this.query, s, end, step);
    return r.series;
  }

  async latest(now: number, step: number): Promise<{ time: number; value: number }> {
    const t = alignDown(now, step);
    const r = await this.client.instant(this.query, t);
    const first = r.samples[0];
    return { time: t, value: r.samples.length === 1 && first ? first.value : NaN };
  }
}

/** Where a workload's measured cold starts come from: the pods that went from created to ready. */
export interface ColdStartSource {
  readonly describe: string;
  /** The workload's pods at `now`: those measured, and why the others were left out. */
  poll(now: number): Promise<{ samples: ColdStartSample[]; rejected: ColdStartRejection[] }>;
}

/**
 * Cold starts from kube-state-metrics in Prometheus: kube_pod_created and
 * kube_pod_status_ready_time of the workload's pods (coldStartQueries), joined per pod.
 */
export class PrometheusColdStartSource implements ColdStartSource {
  readonly describe: string;
  private readonly queries: { created: string; ready: string };
  private readonly maxSeconds: number;

  constructor(
    private readonly client: PrometheusClient,
    workload: Workload,
  ) {
    if (workload.coldStart.source !== 'kubeStateMetrics') throw new Error(`workload ${workload.name}: coldStart.source is "${workload.coldStart.source}", not kubeStateMetrics`);
    this.maxSeconds = workload.coldStart.maxSeconds;
    this.queries = coldStartQueries(workload);
    this.describe = `${client.server} ${this.queries.created} / ${this.queries.ready}`;
  }

  async poll(now: number): Promise<{ samples: ColdStartSample[]; rejected: ColdStartRejection[] }> {
    const [created, ready] = await Promise.all([this.client.instant(this.queries.created, now), this.client.instant(this.queries.ready, now)]);
    return coldStartSeconds(created.samples, ready.samples, { maxSeconds: this.maxSeconds });
  }
}
