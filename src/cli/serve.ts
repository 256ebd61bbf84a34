/**
 * `prescale serve`: the service. Wires config -> sources -> engine loop -> API + metrics, and is the
 * only place that reads the environment, the wall clock and signals.
 *
 *   prescale serve                                    the embedded demo workload (no Prometheus)
 *   prescale serve --config workloads.yaml --prometheus-url http://prometheus:9090
 *   prescale serve --config /etc/prescale --configmap-dir /etc/prescale-source   (hot-reloaded)
 *
 * Logs go to stderr, one JSON object per line: {"time", "level", "event", ...}.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fastPath } from '../api/fastPath';
import { startApiThread, type ApiThread } from '../api/frontThread';
import { createApp, listen, type RunningServer } from '../api/server';
import { clockOf, wallClock, type ClockSpec } from '../runtime/clock';
import { ENGINE_NICE, lowerThisThread, threadNice } from '../runtime/priority';
import { FitPool } from '../runtime/fitPool';
import { createPrometheusClient, type ClientOptions } from '../collector/client';
import { ConfigMapDirWatcher } from '../config/configMapDir';
import { ConfigHolder } from '../config/holder';
import { loadConfig } from '../config/load';
import { ENV_PROMETHEUS_URL, resolvePrometheusSource, type PrometheusSource } from '../config/prometheusSource';
import type { Config, Workload } from '../config/schema';
import { defaultShape } from '../demo/workload';
import { DEFAULT_TICK, EngineLoop, type LogFn, type LoopWorkload } from '../engine/loop';
import { DemoSource, PrometheusColdStartSource, PrometheusLoadSource, type LoadSource } from '../engine/sources';
import { StateStore } from '../engine/store';
import { defaultHorizons, specFromWorkload, type WorkloadSpec } from '../engine/workloadEngine';
import type { Forecaster } from '../forecast/types';
import { detectPeriodicity } from '../periodicity';
import { createMetrics, type ServiceMetrics } from '../telemetry/metrics';
import { parseFlags, usage, UsageError, type FlagSpec } from './args';
import { defaultForecasters } from './models';

const FLAGS: FlagSpec = {
  config: { type: 'string', help: 'workload config: a .yaml/.json file or a directory of them (default: the built-in demo workload)' },
  port: { type: 'string', help: 'listen port (default: $PORT, else 8080)' },
  host: { type: 'string', help: 'listen address (default 0.0.0.0)' },
  'prometheus-url': { type: 'string', help: `Prometheus base URL; overrides ${ENV_PROMETHEUS_URL}, the ConfigMap and the config file` },
  'configmap-dir': { type: 'string', help: 'mounted ConfigMap with prometheusUrl & co (kube-system/application-intelligence), hot-reloaded' },
  tick: { type: 'string', help: `decision tick, a node-cron expression (default "${DEFAULT_TICK}": every 30 s)` },
  models: { type: 'string', help: 'comma-separated subset of naive,seasonal-naive,holt-winters,robust-stl,neural (default all)' },
  'tf-backend': { type: 'string', help: 'auto (default) | node | wasm | cpu' },
  seed: { type: 'string', help: 'seed for model initialisation, default 1' },
  'state-dir': { type: 'string', help: 'where workload state persists across restarts (default: models); "" disables persistence' },
  'single-thread': { type: 'boolean', help: 'serve the API from the engine thread (default: the API has a thread of its own)' },
  'fit-workers': { type: 'string', help: 'worker threads computing refits (default: the cores available, at most 4); 0 computes them in the tick' },
  help: { type: 'boolean', help: 'this text' },
};
const SPEC = 'serve [--config FILE|DIR] [--port N] [--prometheus-url URL] [--configmap-dir DIR]';

/**
 * The demo workload: the generated inference load (peak 1,200 rps, daily cycle, weekend dip,
 * bursts), 100 rps per pod, 5 min cold start (an LLM server loading its weights), 1-minute steps.
 * Three days of history: enough for the daily pattern (detected from 2 days), quick to warm up.
 */
export function demoSpec(seed = 1): WorkloadSpec {
  const step = 60;
  return {
    id: 'demo-llm',
    namespace: 'demo',
    name: 'demo-llm',
    kind: 'Deployment',
    step,
    coldStartSeconds: 300,
    capacityPerPod: 100,
    targetUtilization: 0.7,
    upperQuantile: 0.9,
    mode: 'auto',
    minReplicas: 1,
    maxReplicas: 60,
    instanceBounds: [],
    horizons: defaultHorizons(3600, step),
    historySeconds: 3 * 86400,
    loadUnit: 'rps',
    seed,
  };
}

export interface ServiceOptions {
  /** Workloads and their sources (see demoWorkloads / prometheusWorkloads). */
  readonly workloads: readonly LoopWorkload[];
  readonly forecasters: readonly Forecaster[];
  /**
   * Unix seconds. A ClockSpec (the wall clock, or a SharedClock's) can be read by the API thread
   * too, and is needed for `apiThread`.
   */
  readonly clock: (() => number) | ClockSpec;
  readonly port: number;
  readonly host?: string;
  /** false: no cron task; the caller drives loop.tick(). Default true. */
  readonly schedule?: boolean;
  readonly tickSchedule?: string;
  readonly log?: LogFn;
  readonly version?: string;
  /** prom-client's process metrics in the registry. Default true. */
  readonly defaultMetrics?: boolean;
  readonly statusExtras?: () => Record<string, unknown>;
  readonly configError?: () => boolean;
  /** Directory where workload state persists (see src/engine/store.ts); none: no persistence. */
  readonly stateDir?: string;
  /** Seconds between state saves per workload (default DEFAULT_SAVE_EVERY, 900). */
  readonly saveEverySeconds?: number;
  /**
   * Worker threads computing refits (src/runtime/fitPool.ts), built with the same models by name
   * (`forecasters` must be built-in models). 0 or none: refits computed in the tick.
   */
  readonly fitWorkers?: number;
  /** The TensorFlow.js backend the fit workers load (as --tf-backend). */
  readonly tfBackend?: string;
  /**
   * Serve the API from its own thread (src/api/front.ts): the polled read routes are answered
   * there, the rest forwarded to the express app in this thread. Needs a ClockSpec `clock`.
   * Default false.
   */
  readonly apiThread?: boolean;
  /**
   * With the API thread: lower this (the engine's) thread's priority below it (Linux; default
   * true). The process's main thread keeps the lower priority afterwards.
   */
  readonly lowerEnginePriority?: boolean;
  /**
   * Without `apiThread`: false sends every request through express (the fast path's own test
   * compares both). Default true. The API thread always answers the polled routes itself.
   */
  readonly fastPath?: boolean;
}

export interface Service {
  readonly loop: EngineLoop;
  readonly metrics: ServiceMetrics;
  readonly server: RunningServer;
  /** The refit threads (null when refits run in the tick). */
  readonly fitPool: FitPool | null;
  /** The API thread's Linux thread id (null without an API thread, or where it cannot be read). */
  readonly apiThreadId: number | null;
  /** A new set of workloads (a config reload): see EngineLoop.setWorkloads. */
  setWorkloads(workloads: readonly LoopWorkload[]): void;
  /** Stops the tick, waits for one in flight, closes the server and its connections. */
  stop(): Promise<void>;
}

/** The demo source for the demo spec. */
export function demoWorkloads(seed = 1): LoopWorkload[] {
  return [{ spec: demoSpec(seed), source: new DemoSource(defaultShape) }];
}

/** One Prometheus-backed source per configured workload. */
export function prometheusWorkloads(cfg: Config, source: PrometheusSource, seed = 1, clientOptions: ClientOptions = {}): LoopWorkload[] {
  const client = createPrometheusClient(source, clientOptions);
  return cfg.workloads.map((w: Workload): LoopWorkload => {
    const c = w.coldStart;
    const coldStart =
      c.source === 'kubeStateMetrics'
        ? { source: new PrometheusColdStartSource(client, w), policy: { defaultSeconds: c.defaultSeconds, quantile: c.quantile, minSamples: c.minSamples, refreshSeconds: c.refreshSeconds } }
        : undefined;
    return { spec: specFromWorkload(w, seed), source: new PrometheusLoadSource(client, w) as LoadSource, ...(coldStart ? { coldStart } : {}) };
  });
}

/**
 * Starts the service in this process: listens first (so /healthz answers during warm-up), then
 * warms up every workload (backfill + decide through the history), then schedules the tick.
 */
export async function startService(opts: ServiceOptions): Promise<Service> {
  if (opts.apiThread && typeof opts.clock === 'function') throw new Error('startService: the API thread needs a clock both threads can read (a ClockSpec: the wall clock or a SharedClock), not a function');
  const clock = typeof opts.clock === 'function' ? opts.clock : clockOf(opts.clock);
  let loop: EngineLoop | null = null;
  let front: ApiThread | null = null;
  let pool: FitPool | null = null;
  const metrics = createMetrics(
    {
      workloads: () => loop?.workloads() ?? [],
      coldStartSamples: (ns, id) => loop?.coldStartSamples(ns, id) ?? [],
      now: clock,
      configError: opts.configError ?? (() => false),
      refitThreads: () => (pool ? { threads: pool.size, heapBytes: pool.heapBytes, wasmBytes: pool.wasmBytes, restarts: pool.restarts } : null),
    },
    { defaultMetrics: opts.defaultMetrics ?? true },
  );
  if (opts.fitWorkers) {
    try {
      pool = await FitPool.start({ size: opts.fitWorkers, forecasters: opts.forecasters, onFit: (s, ok) => metrics.observeRefit(s, ok), ...(opts.tfBackend !== undefined ? { tfBackend: opts.tfBackend } : {}) });
      opts.log?.('info', 'fit_workers', { threads: pool.size });
    } catch (err) {
      // e.g. a model backend that cannot load in a worker thread: the refits run in the tick, as with 0.
      opts.log?.('warn', 'fit_workers_failed', { error: (err as Error).message, action: 'refits computed in the tick' });
    }
  }
  // Models that load what they fit with on demand (the network's TensorFlow.js, when the refits
  // were meant for refit threads) load it now if every fit runs here.
  const prepare = async () => {
    await Promise.all(opts.forecasters.map((f) => f.prepare?.()));
  };
  if (!pool) await prepare();
  loop = new EngineLoop(opts.workloads, {
    ...(pool ? { fitter: pool, prepareInline: prepare } : {}),
    forecasters: opts.forecasters,
    detect: detectPeriodicity,
    clock,
    ...(opts.tickSchedule !== undefined ? { tickSchedule: opts.tickSchedule } : {}),
    ...(opts.schedule !== undefined ? { schedule: opts.schedule } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    onTick: (s) => {
      metrics.observeTick(s);
      if (front && loop) front.publish(loop);
    },
    onQuery: (w, s, kind) => metrics.observeQuery(w, s, kind),
    onRefitWait: (_w, s) => metrics.observeRefitWait(s),
    ...(opts.stateDir ? { store: new StateStore(opts.stateDir) } : {}),
    ...(opts.saveEverySeconds !== undefined ? { saveEverySeconds: opts.saveEverySeconds } : {}),
    onStateLoad: (w, r) => metrics.observeStateLoad(w, r),
    onStateSave: (w, ok) => metrics.observeStateSave(w, ok),
  });
  const app = createApp({
    backend: loop,
    metrics,
    clock,
    version: opts.version ?? '0.0.0',
    ...(opts.statusExtras ? { statusExtras: opts.statusExtras } : {}),
    onError: (err, req) => opts.log?.('error', 'request_failed', { method: req.method, path: req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  });
  const l0 = loop;
  let server: RunningServer;
  let internal: RunningServer | null = null;
  if (opts.apiThread) {
    try {
      // express on a private loopback port; the API thread owns the service's port.
      internal = await listen(app, 0, '127.0.0.1');
      front = await startApiThread({ port: opts.port, host: opts.host ?? '0.0.0.0', internalPort: internal.port, clock: opts.clock as ClockSpec });
    } catch (err) {
      // e.g. the port is taken: nothing started here outlives the failed start.
      await internal?.close();
      await pool?.close();
      throw err;
    }
    server = front;
    // The API thread (started above, at this thread's priority) gets the CPU before the engine's
    // work: see src/runtime/priority.ts. Threads started from here on inherit the lower priority.
    if (opts.lowerEnginePriority !== false && lowerThisThread(ENGINE_NICE)) {
      opts.log?.('info', 'engine_priority', { nice: ENGINE_NICE });
      // A thread is born at the priority of the thread that starts it, and cannot raise it back
      // without privilege: a second service in one process (tests, benchmarks) gets an API thread
      // at the engine's priority, with no precedence over the engine's work. Say so.
      const apiNice = threadNice(front.threadId);
      if (apiNice !== null && apiNice >= ENGINE_NICE) opts.log?.('warn', 'api_thread_priority', { nice: apiNice, engineNice: ENGINE_NICE, message: 'the API thread was started by a thread already lowered, so it has no precedence over the engine' });
    }
  } else {
    server = await listen(app, opts.port, opts.host, opts.fastPath === false ? undefined : fastPath((ns, name) => l0.find(ns, name)?.recommendationBase(), clock)).catch(async (err: unknown) => {
      await pool?.close();
      throw err;
    });
  }
  opts.log?.('info', 'listening', { url: server.url });
  const l = loop;
  const started = l.start().catch((err: unknown) => opts.log?.('error', 'warmup_failed', { error: (err as Error).message }));
  await started;
  return {
    loop: l,
    metrics,
    server,
    fitPool: pool,
    apiThreadId: front?.threadId ?? null,
    setWorkloads(workloads) {
      l.setWorkloads(workloads);
      // Removed or changed workloads leave the API thread's table now, not at the next tick.
      front?.publish(l);
    },
    async stop() {
      await l.stop();
      await server.close();
      await internal?.close();
      await pool?.close();
    },
  };
}

const jsonLog: LogFn = (level, event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
};

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function parsePort(raw: string, from: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${from} "${raw}": expected a port number in [0, 65535]`);
  return n;
}

export async function runServeCli(argv: readonly string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS);
  if (flags.help) {
    process.stdout.write(`${usage(SPEC, FLAGS)}\n`);
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"\n${usage(SPEC, FLAGS)}`);
  const port = typeof flags.port === 'string' ? parsePort(flags.port, '--port') : process.env.PORT ? parsePort(process.env.PORT, 'PORT') : 8080;
  const seed = flags.seed === undefined ? 1 : Number(flags.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed "${String(flags.seed)}": expected an integer`);
  const clock = wallClock;
  const log = jsonLog;
  // Signals are caught from the start: one that arrives while the service is still warming up is
  // honoured as soon as it is up (a pod can be terminated at any moment).
  let pendingSignal: string | null = null;
  let onSignal: ((signal: string) => void) | null = null;
  const signal = (name: string) => () => (onSignal ? onSignal(name) : (pendingSignal ??= name));
  process.once('SIGINT', signal('SIGINT'));
  process.once('SIGTERM', signal('SIGTERM'));
  const stateDir = typeof flags['state-dir'] === 'string' ? flags['state-dir'] : 'models';
  const fitWorkers = flags['fit-workers'] === undefined ? Math.min(4, availableParallelism()) : Number(flags['fit-workers']);
  if (!(Number.isInteger(fitWorkers) && fitWorkers >= 0 && fitWorkers <= 64)) throw new UsageError(`--fit-workers "${String(flags['fit-workers'])}": expected an integer from 0 to 64`);

  const holder = new ConfigHolder<Config>();
  const sourceHolder = new ConfigHolder<PrometheusSource>();
  const configPath = typeof flags.config === 'string' ? flags.config : undefined;
  if (configPath !== undefined) {
    const r = await loadConfig(configPath);
    // No last good config exists at start: a bad one is a usage error (exit 2), not a crash loop of retries.
    if (!holder.offer(r, clock())) throw new UsageError(holder.lastError!.message);
  }
  let watcher: ConfigMapDirWatcher | undefined;
  if (typeof flags['configmap-dir'] === 'string') {
    watcher = new ConfigMapDirWatcher({ dir: flags['configmap-dir'] });
    const first = await watcher.start();
    if (!sourceHolder.offer(first, clock())) log('warn', 'configmap_invalid', { error: sourceHolder.lastError!.message });
  }
  const resolveSource = () => {
    const cfg = holder.current;
    return resolvePrometheusSource({
      ...(typeof flags['prometheus-url'] === 'string' ? { flagUrl: flags['prometheus-url'] } : {}),
      ...(process.env[ENV_PROMETHEUS_URL] ? { envUrl: process.env[ENV_PROMETHEUS_URL] } : {}),
      ...(sourceHolder.current ? { configMap: sourceHolder.current } : {}),
      ...(cfg?.prometheus ? { file: cfg.prometheus } : {}),
    });
  };

  let workloads: LoopWorkload[];
  let sourceText: string;
  const cfg = holder.current;
  if (!cfg) {
    workloads = demoWorkloads(seed);
    sourceText = workloads[0]!.source.describe;
    log('info', 'demo_mode', { message: 'no --config: serving the built-in demo workload (generated load, no Prometheus)', workload: 'demo/demo-llm' });
  } else {
    const src = resolveSource();
    if (!src.ok) throw new UsageError(src.error.message);
    workloads = prometheusWorkloads(cfg, src.value.source, seed);
    sourceText = `${src.value.source.url} (from ${src.value.from})`;
  }

  // With refit threads, this thread loads TensorFlow.js only if it ever fits the network itself.
  const { forecasters, notes } = await defaultForecasters({ seed, models: flags.models as string | undefined, tfBackend: flags['tf-backend'] as string | undefined, lazyTf: fitWorkers > 0 });
  for (const n of notes) log('info', 'models', { note: n });

  const service = await startService({
    workloads,
    forecasters,
    clock: { kind: 'wall' },
    apiThread: flags['single-thread'] !== true,
    port,
    ...(typeof flags.host === 'string' ? { host: flags.host } : {}),
    ...(typeof flags.tick === 'string' ? { tickSchedule: flags.tick } : {}),
    log,
    ...(stateDir ? { stateDir } : {}),
    fitWorkers,
    ...(typeof flags['tf-backend'] === 'string' ? { tfBackend: flags['tf-backend'] } : {}),
    version: packageVersion(),
    configError: () => holder.lastError !== undefined || sourceHolder.lastError !== undefined,
    statusExtras: () => {
      const c = holder.snapshot();
      const s = sourceHolder.snapshot();
      return {
        source: sourceText,
        config: { path: configPath ?? null, generation: c.generation, acceptedAt: c.acceptedAt ?? null, lastError: c.lastError ? { message: c.lastError.message, issues: c.lastError.issues, at: c.failedAt } : null },
        configMap: watcher ? { generation: s.generation, acceptedAt: s.acceptedAt ?? null, lastError: s.lastError ? { message: s.lastError.message, issues: s.lastError.issues, at: s.failedAt } : null } : null,
      };
    },
  });

  // A changed ConfigMap switches the Prometheus source without a restart; a bad one keeps the last good.
  watcher?.onChange((r) => {
    if (!sourceHolder.offer(r, clock())) {
      log('error', 'configmap_rejected', { error: sourceHolder.lastError!.message });
      return;
    }
    const c = holder.current;
    const src = resolveSource();
    if (!c || !src.ok) return;
    service.setWorkloads(prometheusWorkloads(c, src.value.source, seed));
    sourceText = `${src.value.source.url} (from ${src.value.from})`;
    log('info', 'source_changed', { source: sourceText });
  });

  await new Promise<void>((resolve) => {
    onSignal = (name: string) => {
      log('info', 'stopping', { signal: name });
      watcher?.stop();
      void service.stop().then(resolve, resolve);
    };
    if (pendingSignal) onSignal(pendingSignal);
  });
  return 0;
}
