/**
 * The engine loop: the one place that calls both the edges (load sources) and the pure core
 * (WorkloadEngine). collect -> forecast -> plan -> guard happens in WorkloadEngine.ingest; this
 * file schedules it, survives collector failures, and keeps the per-workload status.
 *
 * Schedule: node-cron runs a decision tick (default every 30 s). Tasks are created unref'd (they
 * never keep a process or jest alive on their own) with noOverlap (a slow tick is skipped, not
 * stacked), and destroyed by stop(). Time always comes from the injected clock, so tests drive
 * tick() by hand with a fake clock and schedule nothing.
 *
 * Refits run inside the tick, on the data's clock: the online forecaster refits on its own
 * sample-driven cadence (geometric early on, then every forecast.refitEverySeconds at a phase
 * hashed from the workload's name), so the service's forecasts stay equal to the backtest's, and a
 * fleet's refits are spread over the cadence (about 0.7 per tick for 1,000 workloads refitted
 * daily at 60 s steps) instead of stalling one tick (and the API) with all of them. A model whose
 * fit throws keeps its previous fit and is retried after 1 h, 2 h, 4 h ... (OnlineForecaster).
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Series } from '../domain/series';
import type { PeriodicityReport } from '../domain/periodicity';
import type { FitOutcome, FitRequest } from '../forecast/online';
import type { Forecaster } from '../forecast/types';
import { coldStartMoved, ColdStartTracker, type ColdStartPolicy, type ColdStartView } from './coldStart';
import { fnv1a } from '../util/hash';
import type { ColdStartSource, LoadSource } from './sources';
import type { StateStore } from './store';
import { WorkloadEngine, type WorkloadSpec } from './workloadEngine';

export interface LoopWorkload {
  readonly spec: WorkloadSpec;
  readonly source: LoadSource;
  /** Measured cold starts (coldStart.source kubeStateMetrics); without it spec.coldStartSeconds is used as configured. */
  readonly coldStart?: { readonly source: ColdStartSource; readonly policy: ColdStartPolicy };
}

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', event: string, fields?: Record<string, unknown>) => void;

export interface LoopOptions {
  readonly forecasters: readonly Forecaster[];
  readonly detect: (values: Float64Array, step: number) => PeriodicityReport;
  /** Unix seconds. The only clock the engine reads. */
  readonly clock: () => number;
  /** node-cron expression of the decision tick. Default every 30 s. */
  readonly tickSchedule?: string;
  /** false: schedule nothing (tests call tick() themselves). Default true. */
  readonly schedule?: boolean;
  readonly log?: LogFn;
  /** Workloads collected and decided at once in a tick. Default 16. */
  readonly concurrency?: number;
  /** A decision tick over all workloads took `seconds` (monotonic). */
  readonly onTick?: (seconds: number) => void;
  /**
   * A warm workload's tick waited `seconds` (monotonic) for its refit, due to be installed and
   * still being computed by the fitter: the refit threads are behind. Not called during warm-up.
   */
  readonly onRefitWait?: (workload: string, seconds: number) => void;
  /** A collector query finished after `seconds`; `errorKind` (the PrometheusError kind, else 'error') when it failed. */
  readonly onQuery?: (workload: string, seconds: number, errorKind?: string) => void;
  /** Monotonic milliseconds, for durations. Default performance.now. */
  readonly monoMs?: () => number;
  /**
   * Where workload state persists (see store.ts). On a workload's first tick its state is loaded
   * and replayed, and only the missing tail is asked of the source; without a store every start
   * is a cold start.
   */
  readonly store?: StateStore;
  /**
   * Minimum seconds between two saves of a workload's state (and once more at stop()). Default
   * 900: after a crash, the engine resumes from a state at most 15 minutes old and asks the source
   * for what came since (cheap); at 1,000 workloads of ~0.5 MB (7 days at 60 s, trained engine
   * included) that is ~0.6 MB/s of writes, and the encoding stays a small share of the CPU.
   */
  readonly saveEverySeconds?: number;
  /** A workload's state was looked for: 'restored', 'missing', or why it was not used (then it retrains). */
  readonly onStateLoad?: (workload: string, result: StateLoadResult) => void;
  /** A workload's state was written (ok) or the write failed. */
  readonly onStateSave?: (workload: string, ok: boolean) => void;
  /**
   * Computes refits off this thread (src/runtime/fitPool.ts): each refit a workload's forecaster
   * takes is handed to it, and the workload waits for it only when it falls due (d steps later).
   * A rejected fit is computed in line. None: refits are computed in line, in the tick.
   */
  readonly fitter?: { fit(request: FitRequest): Promise<FitOutcome> };
  /**
   * Awaited before the loop fits in line on this thread with a fitter present (a replay of saved
   * samples or after a cold-start change, a refit the fitter failed): loads what the forecasters
   * defer (Forecaster.prepare). A rejection is logged; the fits then fail as their models say.
   */
  readonly prepareInline?: () => Promise<void>;
}

/** What happened to a workload's persisted state at start. Everything but restored/missing means a retrain. */
export type StateLoadResult = 'restored' | 'missing' | 'corrupt' | 'old_version' | 'spec_changed' | 'unreadable' | 'expired';

/** What /status and /api/v1/workloads show about a workload besides its recommendation. */
export interface WorkloadStatus {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly source: string;
  /** True once history was backfilled and a first decision made. */
  readonly warm: boolean;
  readonly decisions: number;
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly consecutiveErrors: number;
  /** While the source fails: when it is asked again (backoff), else null. */
  readonly nextRetryAt: number | null;
  /** Set when the workload's settings could not be turned into an engine. */
  readonly buildError: string | null;
  /** The cold start planned with, and where it comes from. */
  readonly coldStart: ColdStartStatus;
  /** Models whose latest fit failed: each keeps its previous fit and is retried with backoff. */
  readonly modelFitFailures: readonly { readonly model: string; readonly error: string; readonly failures: number }[];
}

export interface ColdStartStatus extends Omit<ColdStartView, 'source'> {
  /** 'fixed' when configured so, else 'measured' or 'default' (too few pods measured yet). */
  readonly source: ColdStartView['source'] | 'fixed';
  /** What the engine plans with now (it follows `seconds` when that moves by more than 10%). */
  readonly inUse: number;
  /** Where measurements come from: null when the cold start is configured as fixed. */
  readonly from: string | null;
  readonly lastPollAt: number | null;
  readonly lastError: string | null;
}

interface ColdStartEntry {
  readonly tracker: ColdStartTracker;
  readonly source: ColdStartSource;
  polledAt: number | null;
  lastError: string | null;
}

interface Entry {
  /** As configured: the identity of the workload (config reloads, persisted state). */
  readonly spec: WorkloadSpec;
  /** Measured cold starts; null when the cold start is fixed. */
  readonly cold: ColdStartEntry | null;
  readonly source: LoadSource;
  readonly key: string;
  engine: WorkloadEngine | null;
  buildError: string | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  consecutiveErrors: number;
  /** While failing: no query before this time (unix s); see collectBackoffSeconds. */
  retryAt: number | null;
  /** The state store was consulted (once per engine). */
  loadTried: boolean;
  lastSavedAt: number | null;
  /** The refit handed to the fitter, settled when it is given back to its engine. */
  fitting: Promise<void> | null;
}

/**
 * Seconds to wait before asking a failing source again after `failures` consecutive failures: none
 * for the first 2 (every tick: a blip), then 30 s, 60 s, 120 s, 240 s, and 300 s from then on.
 */
export function collectBackoffSeconds(failures: number): number {
  return failures < 3 ? 0 : Math.min(300, 30 * 2 ** (failures - 3));
}

/** State files written at once. */
const SAVE_CONCURRENCY = 4;

/** Workloads collected at once (see LoopOptions.concurrency). */
export const DEFAULT_CONCURRENCY = 16;

/** Default save cadence, seconds (see LoopOptions.saveEverySeconds). */
export const DEFAULT_SAVE_EVERY = 900;

/** Default tick: every 30 s (twice per 60 s sample, so a sample is picked up within 30 s). */
export const DEFAULT_TICK = '*/30 * * * * *';

/** The key of a name within a namespace. No configured namespace or name holds a NUL, so no other split of a key matches. */
const at = (namespace: string, name: string): string => `${namespace}\u0000${name}`;

export class EngineLoop {
  private entries: Entry[] = [];
  /** Entries by namespace and workload id, and by namespace and workload name (the first one). */
  private byId = new Map<string, Entry>();
  private byName = new Map<string, Entry>();
  private readonly saveQueue: { e: Entry; now: number }[] = [];
  private readonly saveQueued = new Set<Entry>();
  private readonly saveAgain = new Map<Entry, number>();
  private saving = 0;
  private readonly saveWaiters: (() => void)[] = [];
  private tasks: ScheduledTask[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private started = false;
  private readonly log: LogFn;
  private readonly mono: () => number;

  constructor(
    workloads: readonly LoopWorkload[],
    private readonly opts: LoopOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
    this.mono = opts.monoMs ?? (() => performance.now());
    if (opts.tickSchedule !== undefined && !cron.validate(opts.tickSchedule)) {
      throw new RangeError(`tick schedule "${opts.tickSchedule}": expected a node-cron expression such as "*/30 * * * * *"`);
    }
    this.setWorkloads(workloads);
  }

  /**
   * Replace the workload set (a config reload). A workload whose spec and source are unchanged
   * keeps its engine and history; a new or changed one starts cold and is backfilled at the next tick.
   */
  setWorkloads(workloads: readonly LoopWorkload[]): void {
    const old = new Map(this.entries.map((e) => [e.key, e]));
    this.entries = workloads.map((w) => {
      const key = `${JSON.stringify(w.spec)}|${w.source.describe}|${w.coldStart ? `${w.coldStart.source.describe} ${JSON.stringify(w.coldStart.policy)}` : ''}`;
      const kept = old.get(key);
      if (kept) return kept;
      const cold = w.coldStart ? { tracker: new ColdStartTracker(w.coldStart.policy), source: w.coldStart.source, polledAt: null, lastError: null } : null;
      const e: Entry = { spec: w.spec, cold, source: w.source, key, engine: null, buildError: null, lastSuccessAt: null, lastError: null, lastErrorAt: null, consecutiveErrors: 0, retryAt: null, loadTried: false, lastSavedAt: null, fitting: null };
      try {
        e.engine = new WorkloadEngine(w.spec, this.opts.forecasters, this.opts.detect);
      } catch (err) {
        e.buildError = (err as Error).message;
        this.log('error', 'workload_invalid', { workload: w.spec.id, error: e.buildError });
      }
      return e;
    });
    // find() runs for every API request: a lookup, not a scan of 1,000 entries.
    this.byId = new Map();
    this.byName = new Map();
    for (const e of this.entries) {
      const id = at(e.spec.namespace, e.spec.id);
      const name = at(e.spec.namespace, e.spec.name);
      if (!this.byId.has(id)) this.byId.set(id, e);
      if (!this.byName.has(name)) this.byName.set(name, e);
    }
  }

  /** Warm up (backfill every workload's history and decide through it), then schedule the tick. */
  async start(): Promise<void> {
    this.started = true;
    await this.tick();
    // The warm-up's state files are written before start() returns (later ones in the background).
    await this.flushSaves();
    if (this.stopped || this.opts.schedule === false) return;
    const task = cron.schedule(this.opts.tickSchedule ?? DEFAULT_TICK, () => this.tick(), { name: 'prescale-tick', noOverlap: true, unref: true });
    this.tasks.push(task);
  }

  /** Destroys the scheduled tasks and waits for a tick in flight. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    const tasks = this.tasks;
    this.tasks = [];
    for (const t of tasks) await t.destroy();
    await this.running;
    await this.saveAll();
  }

  /** Writes every workload's state now (a no-op without a store). Never throws: failures are logged. */
  async saveAll(): Promise<void> {
    if (!this.opts.store) return;
    const now = this.opts.clock();
    for (const e of this.entries) this.enqueueSave(e, now);
    await this.flushSaves();
  }

  /** Resolves once every queued state write has finished. */
  flushSaves(): Promise<void> {
    if (this.saveQueue.length === 0 && this.saving === 0) return Promise.resolve();
    return new Promise((resolve) => this.saveWaiters.push(resolve));
  }

  /**
   * Queues a workload's state write, at most SAVE_CONCURRENCY at a time, off the tick: a tick
   * never waits for the disk, and the encoded files (hundreds of kB each) are not all in memory
   * at once. A workload already queued is not queued twice.
   */
  private enqueueSave(e: Entry, now: number): void {
    const queued = this.saveQueue.find((q) => q.e === e);
    if (queued) {
      queued.now = now; // not started yet: it will write the state as it is when it starts
      return;
    }
    if (this.saveQueued.has(e)) {
      this.saveAgain.set(e, now); // being written: write again after it, with what changed since
      return;
    }
    this.saveQueued.add(e);
    this.saveQueue.push({ e, now });
    this.pumpSaves();
  }

  private pumpSaves(): void {
    while (this.saving < SAVE_CONCURRENCY && this.saveQueue.length > 0) {
      const { e, now } = this.saveQueue.shift()!;
      this.saving++;
      void this.save(e, now).finally(() => {
        this.saving--;
        this.saveQueued.delete(e);
        const again = this.saveAgain.get(e);
        if (again !== undefined) {
          this.saveAgain.delete(e);
          this.enqueueSave(e, again);
        }
        this.pumpSaves();
        if (this.saving === 0 && this.saveQueue.length === 0) for (const w of this.saveWaiters.splice(0)) w();
      });
    }
  }

  private async save(e: Entry, now: number): Promise<void> {
    const store = this.opts.store;
    const eng = e.engine;
    const h = eng?.history();
    const ps = eng?.plannerState;
    if (!store || !h || !ps) return;
    try {
      const coldStart = e.cold ? { seconds: eng.spec.coldStartSeconds, samples: e.cold.tracker.samples } : undefined;
      const engine = eng.save();
      await store.save({ id: e.spec.id, spec: e.spec, start: h.start, values: h.values, plannerState: ps, savedAt: now, ...(coldStart ? { coldStart } : {}), ...(engine !== null ? { engine } : {}) });
      this.opts.onStateSave?.(e.spec.id, true);
    } catch (err) {
      this.opts.onStateSave?.(e.spec.id, false);
      this.log('warn', 'state_save_failed', { workload: e.spec.id, error: (err as Error).message });
    }
  }

  /**
   * Loads a workload's persisted state: the saved engine as is (trained models, bands, planner),
   * or, when that snapshot does not fit, a fresh engine replaying the saved samples (the retrain
   * path, deterministic). Any unusable state leaves a fresh engine, which the tick then backfills
   * from the source as on a cold start.
   */
  private async restore(e: Entry, store: StateStore, now: number): Promise<void> {
    const id = e.spec.id;
    const result = (r: StateLoadResult, level: 'debug' | 'info' | 'warn', event: string, fields: Record<string, unknown> = {}) => {
      this.opts.onStateLoad?.(id, r);
      this.log(level, event, { workload: id, result: r, ...fields });
    };
    const out = await store.load(e.spec);
    if (out.kind === 'missing') return result('missing', 'debug', 'state_missing');
    if (out.kind === 'rejected') return result(out.reason, 'warn', 'state_rejected', { error: out.message, action: 'retrain from the source' });
    const st = out.state;
    const step = e.spec.step;
    const end = st.start + (st.values.length - 1) * step;
    // Saved before the start of the history window: nothing in it is still wanted; a cold start is cheaper.
    if (st.values.length === 0 || end < now - e.spec.historySeconds) return result('expired', 'info', 'state_expired', { savedAt: st.savedAt, action: 'retrain from the source' });
    // Samples from the future: the clock went backwards or the file is not ours.
    if (end > now) return result('corrupt', 'warn', 'state_rejected', { error: `last sample at ${end} is after now (${now})`, action: 'retrain from the source' });
    const t0 = this.mono();
    // The measured cold starts and the value the engine planned with (not re-derived: a value
    // within 10% of the measurement is kept, and the engine must plan as it did).
    const spec = e.cold && st.coldStart ? { ...e.spec, coldStartSeconds: st.coldStart.seconds } : e.spec;
    if (e.cold && st.coldStart) e.cold.tracker.add(st.coldStart.samples);
    if (st.engine !== undefined) {
      try {
        e.engine = WorkloadEngine.restore(spec, this.opts.forecasters, this.opts.detect, st.engine);
        e.lastSavedAt = st.savedAt;
        return result('restored', 'info', 'state_restored', { from: 'snapshot', samples: st.values.length, to: end, savedAt: st.savedAt, restoreSeconds: (this.mono() - t0) / 1000 });
      } catch (err) {
        // e.g. a model whose saved shape changed with the code: retrain from the saved samples.
        this.log('warn', 'state_snapshot_rejected', { workload: id, error: (err as Error).message, action: 'replay the saved samples' });
      }
    }
    await this.prepareInline(id);
    try {
      e.engine = new WorkloadEngine(spec, this.opts.forecasters, this.opts.detect);
      e.engine.replay(st.start, st.values);
    } catch (err) {
      e.engine = new WorkloadEngine(e.spec, this.opts.forecasters, this.opts.detect);
      return result('corrupt', 'warn', 'state_rejected', { error: `replay failed: ${(err as Error).message}`, action: 'retrain from the source' });
    }
    // The replay is deterministic: a different planner state means the code or models changed since the save.
    const same = JSON.stringify(e.engine!.plannerState) === JSON.stringify(st.plannerState);
    if (!same) this.log('warn', 'state_replay_mismatch', { workload: id, message: 'replayed planner state differs from the saved one (code or models changed); using the replayed one' });
    e.lastSavedAt = st.savedAt;
    result('restored', 'info', 'state_restored', { from: 'replay', samples: st.values.length, start: st.start, to: end, savedAt: st.savedAt, replaySeconds: (this.mono() - t0) / 1000, plannerStateMatches: same });
  }

  /** True once every buildable workload has made a decision (warm-up done). */
  get ready(): boolean {
    return this.started && this.entries.some((e) => e.engine) && this.entries.every((e) => !e.engine || e.engine.latestDecision !== null);
  }

  /**
   * One decision tick over all workloads: collect what is new since each engine's next grid time,
   * feed it, decide. A failing collector never throws out of here: the workload keeps its last
   * decision (its data age grows), and once the grace period has passed the engine feeds the
   * missing steps as missing so the guard falls back. Concurrent calls share one run.
   */
  tick(): Promise<void> {
    if (this.running) return this.running;
    const run = this.tickOnce().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  private async tickOnce(): Promise<void> {
    const t0 = this.mono();
    const now = this.opts.clock();
    // Workloads are collected concurrently, but at most `concurrency` at a time: at start every
    // workload backfills its whole history (7 days at 60 s: 10,080 points, ~0.5 MB of JSON), and
    // 1,000 of those at once would flood Prometheus and hold them all in memory together.
    const entries = this.entries;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        await this.tickWorkload(entries[next++]!, now);
        // Let the API answer between two workloads: a tick over 1,000 workloads (or one with a
        // refit in it) must not hold a request for its whole length.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all(Array.from({ length: Math.min(entries.length, this.opts.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
    this.opts.onTick?.((this.mono() - t0) / 1000);
  }

  private async tickWorkload(e: Entry, now: number): Promise<void> {
    if (!e.engine || this.stopped) return;
    const store = this.opts.store;
    if (store && !e.loadTried) {
      e.loadTried = true;
      try {
        await this.restore(e, store, now);
      } catch (err) {
        // Never a crash: an unexpected failure (a bug) degrades to a cold start.
        e.engine = new WorkloadEngine(e.spec, this.opts.forecasters, this.opts.detect);
        this.opts.onStateLoad?.(e.spec.id, 'corrupt');
        this.log('error', 'state_restore_failed', { workload: e.spec.id, error: (err as Error).stack ?? String(err) });
      }
    }
    if (e.cold && (e.cold.polledAt === null || now - e.cold.polledAt >= e.cold.tracker.policy.refreshSeconds)) await this.pollColdStart(e, e.cold, now);
    const eng = e.engine;
    const step = e.spec.step;
    const earliest = now - e.spec.historySeconds;
    // From the next expected grid time (or the start of the history window on the first run).
    const from = Math.max(eng.nextTime ?? earliest, earliest);
    let series: Series;
    if (Math.ceil(from / step) * step > now) {
      // The next sample is not due yet (a 30 s tick on a 60 s grid): no query, nothing to feed.
      return;
    }
    // Nothing new: the engine still ages its data and, past the grace period, feeds the missing
    // steps as missing (so the guard falls back).
    const nothing: Series = { start: Math.ceil(from / step) * step, step, values: new Float64Array(0) };
    // A failing source is asked less and less often (collectBackoffSeconds).
    if (e.retryAt !== null && now < e.retryAt) return this.feed(e, eng, nothing, now, store);
    const q0 = this.mono();
    try {
      series = await e.source.backfill(from, now, step);
      this.opts.onQuery?.(e.spec.id, (this.mono() - q0) / 1000);
      if (e.lastError !== null) this.log('info', 'collect_recovered', { workload: e.spec.id, afterFailures: e.consecutiveErrors });
      e.lastError = null;
      e.consecutiveErrors = 0;
      e.retryAt = null;
      e.lastSuccessAt = now;
    } catch (err) {
      const msg = (err as Error).message;
      const kind = (err as { kind?: string }).kind ?? 'error';
      e.lastError = msg;
      e.lastErrorAt = now;
      e.consecutiveErrors++;
      const wait = collectBackoffSeconds(e.consecutiveErrors);
      e.retryAt = wait > 0 ? now + wait : null;
      this.opts.onQuery?.(e.spec.id, (this.mono() - q0) / 1000, kind);
      // One line when a failure streak starts, then every 10th: a down Prometheus must not flood the log.
      if (e.consecutiveErrors === 1 || e.consecutiveErrors % 10 === 0) this.log('warn', 'collect_failed', { workload: e.spec.id, consecutive: e.consecutiveErrors, error: msg });
      series = nothing;
    }
    return this.feed(e, eng, series, now, store);
  }

  /** Hands a refit to the fitter; gives it back to the engine when computed, or for an in-line fit when not. */
  private offload(e: Entry, eng: WorkloadEngine, fitter: NonNullable<LoopOptions['fitter']>, req: FitRequest): Promise<void> {
    return fitter.fit(req).then(
      (out) => eng.provideFit(req.index, out),
      async (err: unknown) => {
        this.log('warn', 'refit_offload_failed', { workload: e.spec.id, error: (err as Error).message, action: 'refit in line' });
        await this.prepareInline(e.spec.id);
        eng.abandonFit(req.index);
      },
    );
  }

  /** opts.prepareInline, never throwing: a failure is logged, and the in-line fits fail as their models say. */
  private async prepareInline(workload: string): Promise<void> {
    try {
      await this.opts.prepareInline?.();
    } catch (err) {
      this.log('warn', 'inline_fit_prepare_failed', { workload, error: (err as Error).message, action: 'fit in line anyway; models that need what failed keep their previous fit' });
    }
  }

  /** Feeds what was collected (maybe nothing) to the engine, saves and logs. */
  private async feed(e: Entry, eng: WorkloadEngine, series: Series, now: number, store: StateStore | undefined): Promise<void> {
    const before = eng.latestDecision?.reason;
    const failingBefore = eng.fitFailures.length;
    const wasWarm = eng.latestDecision !== null;
    const fitter = this.opts.fitter;
    // The warm-up (a workload's first feed, days of history at once) hands its refits to the
    // fitter too, so that the fleet's warm-ups use every refit thread while this one replays the
    // next workloads (the tick feeds `concurrency` workloads at once). While it waits for them,
    // readers see an engine that was never fed (not warm, as before the feed) in its place: a
    // workload is not seen half-fed, only caught up.
    const unfed = !wasWarm && fitter && series.values.length > 0 ? new WorkloadEngine(eng.spec, this.opts.forecasters, this.opts.detect) : null;
    if (unfed) e.engine = unfed;
    let fed = 0;
    try {
      // A refit taken before this feed and not handed out yet (one restored from saved state)
      // goes to the fitter first: ingest would otherwise compute it in line when it falls due.
      const restored = fitter ? eng.takeFitRequest() : null;
      if (restored) e.fitting = this.offload(e, eng, fitter!, restored);
      for (;;) {
        fed += eng.ingest(series, now, fitter !== undefined);
        if (!fitter) break;
        const req = eng.takeFitRequest();
        if (req) e.fitting = this.offload(e, eng, fitter, req);
        if (eng.fitAwaited) {
          // Only a request handed out above is awaited, and e.fitting is the promise for it.
          if (!e.fitting) throw new Error('a refit is awaited but none is being computed');
          const w0 = this.mono();
          await e.fitting;
          if (wasWarm) this.opts.onRefitWait?.(e.spec.id, (this.mono() - w0) / 1000);
        }
        else if (!req) break;
      }
    } catch (err) {
      // A bug or bad data in one workload must not stop the others: keep its last decision, say why.
      e.lastError = `engine: ${(err as Error).message}`;
      e.lastErrorAt = now;
      this.log('error', 'engine_failed', { workload: e.spec.id, error: (err as Error).stack ?? String(err) });
      return;
    } finally {
      // Unless something replaced it meanwhile (nothing does today: a reload builds new entries).
      if (unfed && e.engine === unfed) e.engine = eng;
    }
    const d = eng.latestDecision;
    for (const f of eng.fitFailures.length !== failingBefore ? eng.fitFailures : []) this.log('warn', 'model_fit_failed', { workload: e.spec.id, model: f.model, error: f.error, failures: f.failures, action: 'keep the previous fit, retry later' });
    const every = this.opts.saveEverySeconds ?? DEFAULT_SAVE_EVERY;
    if (store && fed > 0 && (e.lastSavedAt === null || now - e.lastSavedAt >= every)) {
      // The first save (after warm-up) is backdated by a phase hashed from the workload's name, so
      // that a fleet warmed up together writes its files spread over the cadence, not all in one tick.
      e.lastSavedAt = e.lastSavedAt === null ? now - (fnv1a(e.spec.id) % Math.max(1, every)) : now;
      this.enqueueSave(e, now);
    }
    if (!wasWarm && d) this.log('info', 'workload_warm', { workload: e.spec.id, steps: fed, replicas: d.appliedReplicas, stage: eng.stage });
    else if (d && fed > 0 && d.reason !== before) this.log('info', 'decision', { workload: e.spec.id, replicas: d.appliedReplicas, reason: d.reason, message: d.message });
  }

  /**
   * Asks for the workload's pods' cold starts, and when the cold start to plan with moved by more
   * than 10% from the one in use, rebuilds the engine with it by replaying its history (the
   * forecaster's lead-window target and the planner's lead follow the cold start; the replay keeps
   * the engine equal to a backtest run with the new value). Never throws: a failed poll keeps the
   * cold start in use, logged and shown in /status.
   */
  private async pollColdStart(e: Entry, cold: ColdStartEntry, now: number): Promise<void> {
    cold.polledAt = now;
    const q0 = this.mono();
    try {
      const r = await cold.source.poll(now);
      this.opts.onQuery?.(e.spec.id, (this.mono() - q0) / 1000);
      cold.tracker.add(r.samples);
      if (cold.lastError !== null) this.log('info', 'cold_start_poll_recovered', { workload: e.spec.id });
      cold.lastError = null;
      if (r.rejected.length > 0) this.log('debug', 'cold_start_pods_skipped', { workload: e.spec.id, pods: r.rejected.slice(0, 5) });
    } catch (err) {
      this.opts.onQuery?.(e.spec.id, (this.mono() - q0) / 1000, (err as { kind?: string }).kind ?? 'error');
      if (cold.lastError === null) this.log('warn', 'cold_start_poll_failed', { workload: e.spec.id, error: (err as Error).message, action: 'keep the cold start in use' });
      cold.lastError = (err as Error).message;
      return;
    }
    const eng = e.engine;
    const v = cold.tracker.view();
    if (!eng || !coldStartMoved(eng.spec.coldStartSeconds, v.seconds)) return;
    await this.prepareInline(e.spec.id);
    const t0 = this.mono();
    const fresh = new WorkloadEngine({ ...eng.spec, coldStartSeconds: v.seconds }, this.opts.forecasters, this.opts.detect);
    const h = eng.history();
    if (h) fresh.replay(h.start, h.values);
    e.engine = fresh;
    this.log('info', 'cold_start_changed', { workload: e.spec.id, from: eng.spec.coldStartSeconds, to: v.seconds, source: v.source, pods: v.samples, replayedSamples: h?.values.length ?? 0, replaySeconds: (this.mono() - t0) / 1000 });
  }

  /** Measured cold-start seconds of a workload (ascending; empty when none or fixed), for /metrics. */
  coldStartSamples(namespace: string, id: string): readonly number[] {
    return this.byId.get(at(namespace, id))?.cold?.tracker.seconds ?? [];
  }

  /** Every workload with its engine (null when its settings were rejected). */
  workloads(): readonly { readonly id: string; readonly namespace: string; readonly name: string; readonly engine: WorkloadEngine | null }[] {
    return this.entries.map((e) => ({ id: e.spec.id, namespace: e.spec.namespace, name: e.spec.name, engine: e.engine }));
  }

  /** Finds a workload by target namespace and workload name (or, failing that, target name). */
  find(namespace: string, name: string): WorkloadEngine | null | undefined {
    const e = this.byId.get(at(namespace, name)) ?? this.byName.get(at(namespace, name));
    return e ? e.engine : undefined;
  }

  status(): WorkloadStatus[] {
    return this.entries.map((e) => ({
      id: e.spec.id,
      namespace: e.spec.namespace,
      name: e.spec.name,
      source: e.source.describe,
      warm: e.engine?.latestDecision != null,
      decisions: e.engine?.decisions ?? 0,
      lastSuccessAt: e.lastSuccessAt,
      lastError: e.lastError,
      lastErrorAt: e.lastErrorAt,
      consecutiveErrors: e.consecutiveErrors,
      nextRetryAt: e.retryAt,
      buildError: e.buildError,
      coldStart: this.coldStartStatus(e),
      modelFitFailures: (e.engine?.fitFailures ?? []).map((f) => ({ model: f.model, error: f.error, failures: f.failures })),
    }));
  }

  private coldStartStatus(e: Entry): ColdStartStatus {
    const inUse = e.engine?.spec.coldStartSeconds ?? e.spec.coldStartSeconds;
    if (!e.cold) return { seconds: e.spec.coldStartSeconds, source: 'fixed', samples: 0, p50: null, max: null, inUse, from: null, lastPollAt: null, lastError: null };
    return { ...e.cold.tracker.view(), inUse, from: e.cold.source.describe, lastPollAt: e.cold.polledAt, lastError: e.cold.lastError };
  }
}
