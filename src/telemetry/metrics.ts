/**
 * Edge: prescale's own Prometheus metrics, on its OWN registry (never prom-client's global one, so
 * that two services in one process, or a test, never share series).
 *
 * Per-workload gauges read the engine's state at scrape time (collect()): nothing is pushed on the
 * hot path, and a scrape always sees the latest decision. Counters and histograms that describe
 * events (collector queries, ticks) are observed by the loop as they happen.
 *
 * Names follow AHPA's `ahpa_proactive_pods` / `ahpa_reactive_pods` / `ahpa_requested_pods`:
 *   prescale_recommended_replicas{namespace, workload}   what to set now
 *   prescale_proactive_replicas / prescale_reactive_replicas
 *   prescale_observed_load, prescale_forecast_load{quantile="0.5"|"0.9"}
 *   prescale_guard_trusted (1 = forecast in use), prescale_fallbacks_total{reason}
 *   prescale_cold_start_seconds, prescale_data_age_seconds
 *   prescale_collector_query_duration_seconds (histogram), prescale_collector_errors_total{kind}
 *   prescale_tick_duration_seconds (histogram), prescale_config_error
 *   prescale_forecast_wape, prescale_forecast_band_coverage, prescale_forecast_accuracy_samples
 *     (the last hour of one-step-ahead outcomes: WorkloadEngine.accuracy)
 *   prescale_workload_mode{mode} (configured: observer|proactive|reactive|auto), prescale_decision_mode{mode}
 *     (effective: proactive|reactive), prescale_decision_reason{reason}: info-style, 1 on the one
 *     current label value and absent for the others, so series stay at one per workload each (the
 *     value sets are closed: ScalingMode, ReasonCode in src/domain/decision.ts)
 *   prescale_cold_start_quantile_seconds{quantile="0.5"|"0.9"|"0.95"|"0.99"}, prescale_cold_start_samples
 *   prescale_state_loads_total{result}, prescale_state_saves_total{result} (persistence, store.ts)
 *   prescale_refit_threads, prescale_refit_threads_heap_bytes, prescale_refit_threads_wasm_bytes,
 *   prescale_refit_thread_restarts_total (fitPool.ts)
 *   prescale_refit_wait_seconds (histogram): a tick waiting for a refit still on a refit thread
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkloadEngine } from '../engine/workloadEngine';
import { coldStartLead } from '../planner/coldStart';

/** What the metrics read at scrape time. */
export interface MetricsView {
  /** Every configured workload; `engine` null when it could not be built (bad settings). */
  workloads(): readonly { readonly engine: WorkloadEngine | null; readonly id: string; readonly namespace: string }[];
  /** Unix seconds (the service's injected clock). */
  now(): number;
  /** True while the last config reload failed (the service runs on the last good one). */
  configError(): boolean;
  /**
   * Measured cold starts (pod created to ready, seconds) of a workload, when something measures
   * them (src/collector/coldStart.ts). Optional: without it, or with no usable sample, the
   * cold-start quantiles all equal the configured `coldStartSeconds` (the plan's own default).
   */
  coldStartSamples?(namespace: string, workload: string): readonly number[];
  /** The refit threads (src/runtime/fitPool.ts), when the service runs them; null or absent when refits run in the tick. */
  refitThreads?(): { readonly threads: number; readonly heapBytes: number; readonly wasmBytes: number; readonly restarts: number } | null;
}

/** Quantiles of prescale_cold_start_quantile_seconds: the median, and the tail the plan may lead by (p90/p95 defaults, p99 for a bad node). */
export const COLD_START_QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

/**
 * The cold-start distribution a dashboard shows: type-7 quantiles of the usable samples (finite,
 * >= 0; see coldStartLead), or `defaultSeconds` for every quantile when there is none.
 * O(q n log n) for q quantiles over n samples (n <= a few hundred: mergeColdStarts keeps 200).
 *
 * @example coldStartQuantiles([60, 70, 80, 90, 600], 300) // p50 80, p90 0.9 x 4 = 3.6 -> 90 + 0.6 x 510 = 396, p95 498, p99 579.6
 */
export function coldStartQuantiles(samples: readonly number[], defaultSeconds: number): { quantile: number; seconds: number }[] {
  return COLD_START_QUANTILES.map((q) => ({ quantile: q, seconds: coldStartLead(samples, q, defaultSeconds) }));
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** A collector query finished (seconds; `errorKind` set when it failed). */
  observeQuery(workload: string, seconds: number, errorKind?: string): void;
  /** A decision tick over all workloads finished. */
  observeTick(seconds: number): void;
  /** A workload's persisted state was looked for at start ('restored', 'missing', or the reason it was retrained). */
  observeStateLoad(workload: string, result: string): void;
  /** A workload's state was written (ok) or not. */
  observeStateSave(workload: string, ok: boolean): void;
  /** A refit computed on a refit thread (seconds there), or one that failed there (then computed in line). */
  observeRefit(seconds: number, ok: boolean): void;
  /** A warm workload's tick waited for its refit, due and still on a refit thread (seconds). */
  observeRefitWait(seconds: number): void;
}

/**
 * Builds the registry. `defaultMetrics` adds prom-client's process metrics (CPU, memory, event
 * loop lag) to the same registry; tests turn it off to keep scrapes small.
 */
export function createMetrics(view: MetricsView, opts: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'prescale_' });
  const labelNames = ['namespace', 'workload'] as const;

  /** A per-workload gauge filled from the engine at scrape time; NaN/null values are skipped. */
  const perWorkload = (name: string, help: string, read: (e: WorkloadEngine, now: number) => number | null | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        const now = view.now();
        for (const w of view.workloads()) {
          if (!w.engine) continue;
          const v = read(w.engine, now);
          if (v !== null && v !== undefined && Number.isFinite(v)) this.set({ namespace: w.namespace, workload: w.id }, v);
        }
      },
    });
  };
  const rec = (e: WorkloadEngine, now: number) => e.recommendation(now);
  perWorkload('prescale_recommended_replicas', 'Replicas prescale recommends now (what an HPA/KEDA consuming prescale scales to).', (e, n) => rec(e, n)?.replicas);
  perWorkload('prescale_proactive_replicas', 'Replicas the forecast alone asks for (peak upper quantile over the cold-start lead).', (e, n) => rec(e, n)?.proactive);
  perWorkload('prescale_reactive_replicas', 'Replicas the HPA formula asks for on the current load.', (e, n) => rec(e, n)?.reactive);
  perWorkload('prescale_observed_load', 'Latest observed load, in the workload metric unit.', (e, n) => rec(e, n)?.load);
  perWorkload('prescale_guard_trusted', '1 when the forecast is trusted (proactive), 0 in reactive fallback.', (e, n) => {
    const r = rec(e, n);
    return r ? (r.mode === 'proactive' ? 1 : 0) : null;
  });
  perWorkload('prescale_cold_start_seconds', 'Cold start (pod created to ready, high percentile) the plan uses.', (e) => e.spec.coldStartSeconds);
  perWorkload('prescale_model_fit_failing', 'Models whose latest fit failed (each keeps its previous fit and is retried with backoff; /status names them and the error).', (e) => e.fitFailures.length);
  perWorkload('prescale_data_age_seconds', 'Seconds since the newest finite load sample.', (e, n) => e.dataAge(n));
  perWorkload('prescale_decision_timestamp_seconds', 'Unix time of the latest decision (the grid time of its sample).', (e, n) => rec(e, n)?.time);

  const acc = (e: WorkloadEngine) => e.accuracy();
  perWorkload(
    'prescale_forecast_wape',
    'Rolling forecast error: WAPE of the one-step-ahead p50 over the last hour, sum|actual - p50| / sum|actual| (0.1 = 10%).',
    (e) => acc(e)?.wape,
  );
  perWorkload(
    'prescale_forecast_band_coverage',
    'Rolling band coverage: share of the last hour of actuals at or under the one-step-ahead upper quantile (target: that quantile, e.g. 0.9).',
    (e) => acc(e)?.coverage,
  );
  perWorkload('prescale_forecast_accuracy_samples', 'Outcomes behind prescale_forecast_wape and prescale_forecast_band_coverage (at most one hour of steps).', (e) => acc(e)?.samples);

  /**
   * An info-style gauge: value 1 on the label value `read` returns for each workload, no series
   * for the other values (a value that changes makes the old series go stale in Prometheus).
   */
  const perWorkloadLabel = (name: string, help: string, label: string, read: (e: WorkloadEngine, now: number) => string | null | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames: [...labelNames, label],
      registers: [registry],
      collect() {
        this.reset();
        const now = view.now();
        for (const w of view.workloads()) {
          if (!w.engine) continue;
          const v = read(w.engine, now);
          if (v !== null && v !== undefined) this.set({ namespace: w.namespace, workload: w.id, [label]: v }, 1);
        }
      },
    });
  };
  perWorkloadLabel('prescale_workload_mode', 'Configured scaling mode (observer, proactive, reactive, auto): 1 on the configured one.', 'mode', (e) => e.spec.mode);
  perWorkloadLabel('prescale_decision_mode', 'Effective mode of the latest decision (proactive: forecast in use; reactive: HPA formula or fallback): 1 on the current one.', 'mode', (e, n) => rec(e, n)?.mode);
  perWorkloadLabel(
    'prescale_decision_reason',
    'Reason code of the latest decision (Proactive, ReactiveHigher, Fallback*, ScaleDownStabilized, Observer, ...): 1 on the current one, absent for the others.',
    'reason',
    (e, n) => rec(e, n)?.reason,
  );

  new Gauge({
    name: 'prescale_cold_start_quantile_seconds',
    help: 'Cold-start distribution (pod created to ready), by quantile, from the measured samples; every quantile equals the configured cold start while there is no sample (prescale_cold_start_samples 0).',
    labelNames: [...labelNames, 'quantile'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of view.workloads()) {
        if (!w.engine) continue;
        const samples = view.coldStartSamples?.(w.namespace, w.id) ?? [];
        for (const { quantile, seconds } of coldStartQuantiles(samples, w.engine.spec.coldStartSeconds)) {
          this.set({ namespace: w.namespace, workload: w.id, quantile: String(quantile) }, seconds);
        }
      }
    },
  });
  new Gauge({
    name: 'prescale_cold_start_samples',
    help: 'Usable measured cold-start samples behind prescale_cold_start_quantile_seconds (0: the quantiles are the configured default).',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of view.workloads()) {
        if (!w.engine) continue;
        const samples = view.coldStartSamples?.(w.namespace, w.id) ?? [];
        this.set({ namespace: w.namespace, workload: w.id }, samples.filter((x) => Number.isFinite(x) && x >= 0).length);
      }
    },
  });

  new Gauge({
    name: 'prescale_forecast_load',
    help: 'Forecast peak load over the cold-start lead window, by quantile (0.5 and the configured upper).',
    labelNames: [...labelNames, 'quantile'],
    registers: [registry],
    collect() {
      this.reset();
      const now = view.now();
      for (const w of view.workloads()) {
        const f = w.engine?.recommendation(now)?.forecast;
        if (!f) continue;
        this.set({ namespace: w.namespace, workload: w.id, quantile: '0.5' }, f.p50);
        this.set({ namespace: w.namespace, workload: w.id, quantile: String(f.quantile) }, f.upper);
      }
    },
  });

  new Counter({
    name: 'prescale_fallbacks_total',
    help: 'Entries into reactive fallback, by reason (a run of decisions with the same reason counts once; backfill included).',
    labelNames: [...labelNames, 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of view.workloads()) {
        for (const [reason, n] of w.engine?.fallbacks ?? []) this.inc({ namespace: w.namespace, workload: w.id, reason }, n);
      }
    },
  });

  new Gauge({
    name: 'prescale_config_error',
    help: '1 when the last configuration reload failed (the service keeps the last good config), else 0.',
    registers: [registry],
    collect() {
      this.set(view.configError() ? 1 : 0);
    },
  });

  const queryDuration = new Histogram({
    name: 'prescale_collector_query_duration_seconds',
    help: 'Duration of collector queries (including retries), per workload.',
    labelNames: ['workload'],
    // 5 ms (a 7-day query_range on loopback) to 30 s (three timeouts with backoff).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const queryErrors = new Counter({
    name: 'prescale_collector_errors_total',
    help: 'Collector queries that failed after retries, by error kind (timeout, network, http, status_error, ...).',
    labelNames: ['workload', 'kind'],
    registers: [registry],
  });
  const refitDuration = new Histogram({
    name: 'prescale_refit_duration_seconds',
    help: 'Duration of one refit (periodicity detection + a fit of every model) on a refit thread.',
    // ~50 ms with the classical models on 7 days at 60 s, ~1 s with the network.
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const refits = new Counter({
    name: 'prescale_refits_offloaded_total',
    help: 'Refits handed to the refit threads, by result (error: computed in line instead).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'prescale_refit_threads',
    help: 'Refit worker threads running (0: refits are computed in the tick).',
    registers: [registry],
    collect() {
      this.set(view.refitThreads?.()?.threads ?? 0);
    },
  });
  new Gauge({
    name: 'prescale_refit_threads_heap_bytes',
    help: "The refit threads' V8 heaps after their last idle collection (1 s after a refit), summed; 0 before their first.",
    registers: [registry],
    collect() {
      this.set(view.refitThreads?.()?.heapBytes ?? 0);
    },
  });
  new Gauge({
    name: 'prescale_refit_threads_wasm_bytes',
    help: "The refit threads' WebAssembly memories (the network's wasm backend; it grows and never shrinks) at their last idle collection, summed; 0 without the network on wasm.",
    registers: [registry],
    collect() {
      this.set(view.refitThreads?.()?.wasmBytes ?? 0);
    },
  });
  new Counter({
    name: 'prescale_refit_thread_restarts_total',
    help: 'Refit threads replaced because one died or overran its timeout (its refit is then computed in line).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(view.refitThreads?.()?.restarts ?? 0);
    },
  });
  const tickDuration = new Histogram({
    name: 'prescale_tick_duration_seconds',
    help: 'Duration of one decision tick over all workloads (collection included).',
    // The budget is 2 s for 1,000 workloads; buckets bracket it.
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });

  const refitWait = new Histogram({
    name: 'prescale_refit_wait_seconds',
    help: "Time a workload's decision waited for its refit, due to be installed (at least 5 minutes of data, and one step, after it was taken) but still being computed on a refit thread. Any count here means the refit threads are behind; the tick duration includes these waits.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });

  const stateLoads = new Counter({
    name: 'prescale_state_loads_total',
    help: 'Persisted workload state looked for at start, by result: restored, missing, or why it was retrained instead (corrupt, old_version, spec_changed, unreadable, expired).',
    labelNames: ['workload', 'result'],
    registers: [registry],
  });
  const stateSaves = new Counter({
    name: 'prescale_state_saves_total',
    help: 'Workload state writes to the state directory, by result (ok, error).',
    labelNames: ['workload', 'result'],
    registers: [registry],
  });

  return {
    registry,
    observeStateLoad(workload, result) {
      stateLoads.inc({ workload, result });
    },
    observeStateSave(workload, ok) {
      stateSaves.inc({ workload, result: ok ? 'ok' : 'error' });
    },
    observeQuery(workload, seconds, errorKind) {
      queryDuration.observe({ workload }, seconds);
      if (errorKind !== undefined) queryErrors.inc({ workload, kind: errorKind });
    },
    observeTick(seconds) {
      tickDuration.observe(seconds);
    },
    observeRefit(seconds, ok) {
      if (ok) refitDuration.observe(seconds);
      refits.inc({ result: ok ? 'ok' : 'error' });
    },
    observeRefitWait(seconds) {
      refitWait.observe(seconds);
    },
  };
}
