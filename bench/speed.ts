/**
 * Speed benchmark: `npm run bench:speed -- [TRACE.csv]` (default: the 4-week 1-minute NASA July trace).
 *
 * Measures, in one run on this machine:
 *  - a full `prescale backtest` replay (forecast pass with every model, neural training included,
 *    plus the planner, HPA and oracle replays) -> goal <= 60 s on 2 cores;
 *  - the same with the utilisation sweep -> goal <= 120 s;
 *  - peer: R's forecast::stlf over the same trace at hourly origins (a tenth of the origins
 *    prescale forecasts at, since prescale forecasts at every step), run fresh (no cache), when
 *    Rscript is present.
 * Also prints CPU time, since these machines are shared: wall time includes other tenants' load.
 * Periodicity detection speed has its own bench: `npm run bench:periodicity`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quantile } from 'simple-statistics';
import { compare, forecastPass, type BacktestConfig } from '../src/backtest/replay';
import { defaultForecasters } from '../src/cli/models';
import { detectPeriodicity } from '../src/periodicity';
import { cleanSeries } from '../src/series/clean';
import { loadTrace, scoredOrigins } from './lib/traces';
import { runStlf, stlfAvailable } from './peers/stlf';

function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

async function main(): Promise<void> {
  const trace = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '../shared/data/traces/nasa_http_jul95_1min.csv';
  const { series } = cleanSeries(loadTrace(trace), { maxFillSeconds: 0 });
  const { forecasters, notes } = await defaultForecasters({ seed: 1 });
  const finite = Array.from(series.values).filter(Number.isFinite);
  const cfg: BacktestConfig = { coldStart: 600, capacity: quantile(finite, 0.99) / 10, targetUtilization: 0.7, horizons: [600, 3600], upperQuantile: 0.9, seed: 1 };
  console.log(`# speed: ${path.basename(trace)}, ${series.values.length} steps of ${series.step} s; ${notes.join('; ')}`);

  const fp = timed(() => forecastPass(series, cfg, forecasters, detectPeriodicity));
  const plan = timed(() => compare(series, fp.value, cfg));
  const full = fp.wall + plan.wall;
  console.log(`backtest (forecast pass ${fp.wall.toFixed(1)} s + plan/HPA/oracle ${plan.wall.toFixed(1)} s): ${full.toFixed(1)} s wall, ${(fp.cpu + plan.cpu).toFixed(1)} s cpu, ${fp.value.refits.length} refits -> ${full <= 60 ? 'PASS' : 'FAIL'} (goal <= 60 s)`);
  const sweep = timed(() => compare(series, fp.value, cfg, { sweep: true }));
  const withSweep = fp.wall + sweep.wall;
  console.log(`backtest with --sweep-utilization: ${withSweep.toFixed(1)} s wall, ${(fp.cpu + sweep.cpu).toFixed(1)} s cpu -> ${withSweep <= 120 ? 'PASS' : 'FAIL'} (goal <= 120 s)`);
  console.log(`per step: ${((1e6 * fp.wall) / series.values.length).toFixed(0)} us forecasting (${forecasters.length} models, 2 horizons + the lead-window peak)`);

  const avail = stlfAvailable();
  if (!avail.ok) {
    console.log(`peer skipped: ${avail.why}`);
    return;
  }
  const origins = scoredOrigins(series, 2 * 86400, 3600);
  const tmp = mkdtempSync(path.join(tmpdir(), 'prescale-speed-'));
  try {
    const r = runStlf(trace, 'speed', origins, [600, 3600], tmp);
    const perOriginPeer = r.seconds / origins.length;
    const perOriginUs = fp.wall / series.values.length;
    console.log(`peer R forecast::stlf: ${origins.length} hourly origins in ${r.seconds.toFixed(1)} s wall (${r.cpuSeconds.toFixed(1)} s cpu): ${(1000 * perOriginPeer).toFixed(1)} ms per origin`);
    console.log(`ratio: prescale forecasts ${series.values.length} origins (every step) in ${(fp.wall / r.seconds).toFixed(2)}x the time stlf takes for ${origins.length}; per origin prescale is ${(perOriginPeer / perOriginUs).toFixed(0)}x faster`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
