/**
 * Refits taken at sample k and installed at k + d (OnlineForecaster fitDelaySteps), computed in
 * line or handed out (takeFitRequest / provideFit, as the service does with its worker threads):
 * both give the same forecasts, bit for bit. The hand-out path here crosses the same plain-data
 * boundary as a worker thread (saveFitOutcome, JSON, restoreFitOutcome); the threads themselves
 * are tested in test/integration/fit-pool.test.ts.
 */
import { computeFit, OnlineForecaster, restoreFitOutcome, saveFitOutcome, type FitRequest, type OnlineOptions, type Snapshot } from '../../../src/forecast/online';
import { classicalForecasters } from '../../../src/forecast/models';
import type { Forecaster } from '../../../src/forecast/types';
import { detectPeriodicity } from '../../../src/periodicity';
import { gaussian, mulberry32 } from '../../../src/util/rng';

const STEP = 300;
const forecasters = classicalForecasters();

/** Four days of a daily cycle with noise, at 5-minute steps, a gap of missing samples on day 3. */
function load(seed = 7): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: 4 * 288 }, (_, i) => (i > 700 && i < 712 ? NaN : Math.max(0, 500 + 300 * Math.sin((2 * Math.PI * i) / 288) + 30 * gaussian(r))));
}

const options = (extra: Partial<OnlineOptions> = {}): OnlineOptions => ({
  step: STEP,
  targets: [
    { kind: 'point', steps: 1 },
    { kind: 'peak', steps: 3 },
  ],
  upperQuantile: 0.9,
  seed: 1,
  forecasters,
  detect: detectPeriodicity,
  refitEverySeconds: 86400,
  ...extra,
});

/** Through a worker's boundary: plain data only. */
const viaWorker = (req: FitRequest, fs: readonly Forecaster[] = forecasters) => restoreFitOutcome(JSON.parse(JSON.stringify(saveFitOutcome(computeFit(req, fs, detectPeriodicity)))), fs);

const key = (s: Snapshot) => JSON.stringify({ stage: s.stage, reason: s.stageReason, f: s.forecasts, w: s.weights });

describe('deferred refits', () => {
  it('a refit handed out and given back d steps later forecasts exactly as one computed in line', () => {
    const y = load();
    const inline = new OnlineForecaster(options());
    const handed = new OnlineForecaster(options());
    let given = 0;
    let queue: FitRequest[] = [];
    for (let i = 0; i < y.length; i++) {
      // Give back whatever is awaited before the next sample (as the service's loop does).
      if (handed.fitAwaited) {
        for (const req of queue) handed.provideFit(req.index, viaWorker(req));
        given += queue.length;
        queue = [];
      }
      expect(handed.fitAwaited).toBe(false);
      const a = inline.observe(y[i]!);
      const b = handed.observe(y[i]!);
      expect({ i, b: key(b) }).toEqual({ i, b: key(a) });
      const req = handed.takeFitRequest();
      if (req) queue.push(req);
      expect(handed.takeFitRequest()).toBeNull(); // handed out once
    }
    expect(given).toBeGreaterThan(5);
    expect(inline.refits).toEqual(handed.refits);
  });

  it('the outcome given back is the one installed (not recomputed): one from other data changes the forecasts', () => {
    const y = load();
    const inline = new OnlineForecaster(options());
    const handed = new OnlineForecaster(options());
    let differ = 0;
    for (let i = 0; i < y.length; i++) {
      const a = inline.observe(y[i]!);
      const b = handed.observe(y[i]!);
      if (key(a) !== key(b)) differ++;
      const req = handed.takeFitRequest();
      // A refit on the history scaled by 2: the models then forecast twice the load.
      if (req) handed.provideFit(req.index, viaWorker({ ...req, history: req.history.map((v) => 2 * v) }));
    }
    expect(differ).toBeGreaterThan(100);
  });

  it('installs a refit d steps after it is taken: the periods and models change then, not before', () => {
    const y = load();
    const d = 4;
    const f = new OnlineForecaster(options({ fitDelaySteps: d }));
    const stages: string[] = [];
    for (const v of y) stages.push(f.observe(v).stageReason);
    // The refit at the 2-day mark (576 samples) finds the daily period: its reason appears d steps later.
    const k = f.refits.find((r) => r >= 2 * 288 - 1)!;
    expect(k).toBeDefined();
    expect(stages[k + d]).not.toBe(stages[k + d - 1]);
    expect(stages[k + d]).toMatch(/daily/);
    expect(stages[k + d - 1]).toBe(stages[k]);
  });

  it('awaits a handed-out refit when it falls due; given back (or abandoned: computed in line) it continues as in line', () => {
    const y = load();
    const inline = new OnlineForecaster(options());
    const handed = new OnlineForecaster(options());
    let awaited = 0;
    let pending: FitRequest | null = null;
    for (let i = 0; i < y.length; i++) {
      if (handed.fitAwaited) {
        awaited++;
        expect(pending).not.toBeNull();
        // Every other one is abandoned (a worker that died): computed in line at install.
        if (awaited % 2 === 0) handed.abandonFit(pending!.index);
        else handed.provideFit(pending!.index, viaWorker(pending!));
        expect(handed.fitAwaited).toBe(false);
        expect(handed.takeFitRequest()).toBeNull(); // an abandoned refit is not handed out again
        pending = null;
      }
      expect(key(handed.observe(y[i]!))).toEqual(key(inline.observe(y[i]!)));
      pending = handed.takeFitRequest() ?? pending;
    }
    expect(awaited).toBeGreaterThan(4);
  });

  it('an outcome for a refit no longer pending is ignored', () => {
    const y = load();
    const a = new OnlineForecaster(options());
    const b = new OnlineForecaster(options());
    let stale: FitRequest | null = null;
    for (let i = 0; i < y.length; i++) {
      const sa = a.observe(y[i]!);
      const sb = b.observe(y[i]!);
      expect(key(sb)).toEqual(key(sa));
      const r = b.takeFitRequest();
      if (r) {
        if (stale) b.provideFit(stale.index, viaWorker(stale)); // the previous, long installed
        b.abandonFit(r.index);
        stale = r;
      }
    }
    expect(stale).not.toBeNull();
  });

  it('saved with a refit pending, a restored forecaster installs it at the same sample and continues identically', () => {
    const y = load();
    const f = new OnlineForecaster(options());
    let cut = -1;
    for (let i = 0; i < y.length; i++) {
      f.observe(y[i]!);
      if (i > 2 * 288 && f.takeFitRequest()) {
        cut = i;
        break;
      }
    }
    expect(cut).toBeGreaterThan(0);
    const saved = JSON.parse(JSON.stringify(f.save()));
    expect(saved.pendingFit).not.toBeNull();
    const g = OnlineForecaster.restore(options(), saved);
    const ref = new OnlineForecaster(options());
    for (let i = 0; i <= cut; i++) ref.observe(y[i]!);
    // The restored one's refit is handed out again (the thread that had it is gone).
    const req = g.takeFitRequest();
    expect(req?.index).toBe(cut);
    g.provideFit(req!.index, viaWorker(req!));
    f.abandonFit(cut);
    for (let i = cut + 1; i < y.length; i++) {
      const want = key(ref.observe(y[i]!));
      expect(key(g.observe(y[i]!))).toEqual(want);
      expect(key(f.observe(y[i]!))).toEqual(want);
    }
  });

  it('a fit that throws on the other side keeps the previous model, as in line', () => {
    let calls = 0;
    const flaky: Forecaster = {
      ...forecasters[0]!,
      name: forecasters[0]!.name,
      fit(h, ctx) {
        calls++;
        if (calls % 3 === 0) throw new Error('numerical failure');
        return forecasters[0]!.fit(h, ctx);
      },
    };
    const fs = [flaky, forecasters[1]!];
    const y = load();
    const failures: number[] = [];
    const f = new OnlineForecaster(options({ forecasters: fs }));
    for (let i = 0; i < y.length; i++) {
      if (f.fitAwaited) throw new Error('given back at once below');
      f.observe(y[i]!);
      const req = f.takeFitRequest();
      if (req) f.provideFit(req.index, viaWorker(req, fs));
      failures.push(f.fitFailures.length);
    }
    expect(Math.max(...failures)).toBe(1);
    expect(f.fitFailures.length === 0 || f.fitFailures[0]!.error === 'numerical failure').toBe(true);
    expect(f.latest()!.forecasts!.every((t) => Number.isFinite(t.p50))).toBe(true);
  });
});
