/**
 * Scaling benchmark: `npm run bench:scaling -- ../shared/data/traces [--only a,b] [--models ...]`
 *
 * Settings (from the planning issue): cold start 10 min; capacity = 99th-percentile load / 10;
 * SLO = overloaded time <= 0.5% of steps, scored from day 2. For each trace, prescale and the
 * Kubernetes HPA are each swept over target utilisation (the cheapest target meeting the SLO),
 * and the perfect-foresight oracle gives the lower bound on cost. Prints a table, the goals with
 * PASS/FAIL, and writes bench/out/scaling.{md,json}.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { quantile } from 'simple-statistics';
import { compare, forecastPass, type BacktestConfig } from '../src/backtest/replay';
import { defaultForecasters } from '../src/cli/models';
import { detectPeriodicity } from '../src/periodicity';
import { cleanSeries } from '../src/series/clean';
import { loadTrace } from './lib/traces';

interface Row {
  trace: string;
  steps: number;
  prescaleUtil: number | null;
  prescaleCost: number | null;
  prescaleOverloaded: number | null;
  hpaUtil: number | null;
  hpaCost: number | null;
  hpaOverloaded: number | null;
  oracleCost: number;
  seconds: number;
  forecastSeconds: number;
}

const geo = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? '../shared/data/traces';
  const flag = (k: string) => {
    const i = args.indexOf(`--${k}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = flag('only')?.split(',');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .filter((f) => !only || only.some((o) => f.includes(o)))
    .sort();
  const { forecasters, notes } = await defaultForecasters({ seed: 1, models: flag('models') });
  console.log(`# scaling benchmark: ${files.length} traces from ${dir}; ${notes.join('; ')}`);
  console.log('# cold start 10m; capacity = p99 / 10; SLO overloaded <= 0.5% of steps from day 2; sweep 0.30..1.00 + bisection');
  const rows: Row[] = [];
  for (const f of files) {
    const t0 = performance.now();
    const { series } = cleanSeries(loadTrace(path.join(dir, f)), { maxFillSeconds: 0 });
    const finite = Array.from(series.values).filter(Number.isFinite);
    const capacity = quantile(finite, 0.99) / 10;
    const cfg: BacktestConfig = { coldStart: 600, capacity, targetUtilization: 0.7, horizons: [600], upperQuantile: 0.9, seed: 1, slo: 0.005 };
    const pass = forecastPass(series, cfg, forecasters, detectPeriodicity);
    const tf = performance.now();
    const cmp = compare(series, pass, cfg, { sweep: true });
    const p = cmp.sweeps!.prescale.chosen;
    const h = cmp.sweeps!.hpa.chosen;
    const row: Row = {
      trace: f.replace(/\.csv$/, ''),
      steps: series.values.length,
      prescaleUtil: p?.utilization ?? null,
      prescaleCost: p?.scores.cost ?? null,
      prescaleOverloaded: p?.scores.overloadedShare ?? null,
      hpaUtil: h?.utilization ?? null,
      hpaCost: h?.scores.cost ?? null,
      hpaOverloaded: h?.scores.overloadedShare ?? null,
      oracleCost: cmp.oracle.cluster.scores.cost,
      seconds: (performance.now() - t0) / 1000,
      forecastSeconds: (tf - t0) / 1000,
    };
    rows.push(row);
    const c = (x: number | null) => (x === null ? '  miss' : x.toFixed(2).padStart(6));
    console.log(
      `${row.trace.padEnd(36)} prescale ${c(row.prescaleCost)} @${c(row.prescaleUtil)}  hpa ${c(row.hpaCost)} @${c(row.hpaUtil)}  oracle ${c(row.oracleCost)}  ratio ${row.prescaleCost && row.hpaCost ? (row.prescaleCost / row.hpaCost).toFixed(3) : '   -'}  ${row.seconds.toFixed(1)} s (forecast ${row.forecastSeconds.toFixed(1)} s, ${row.steps} steps)`,
    );
  }
  const both = rows.filter((r) => r.prescaleCost !== null && r.hpaCost !== null);
  const metP = rows.filter((r) => r.prescaleCost !== null).length;
  const metH = rows.filter((r) => r.hpaCost !== null).length;
  const ratio = both.length ? geo(both.map((r) => r.prescaleCost! / r.hpaCost!)) : NaN;
  const pOverO = both.length ? geo(both.map((r) => r.prescaleCost! / r.oracleCost)) : NaN;
  const hOverO = both.length ? geo(both.map((r) => r.hpaCost! / r.oracleCost)) : NaN;
  const big = rows.filter((r) => r.steps >= 39000);
  const lines = [
    `SLO met: prescale ${metP}/${rows.length}, HPA ${metH}/${rows.length}  -> ${metP >= metH ? 'PASS' : 'FAIL'} (prescale meets it on at least as many traces)`,
    `cost at the cheapest SLO-meeting utilisation, geometric mean over ${both.length} traces where both meet it: prescale/HPA = ${ratio.toFixed(3)} -> ${ratio <= 0.85 ? 'PASS' : 'FAIL'} (goal <= 0.85)`,
    `against the oracle (same traces): prescale ${pOverO.toFixed(3)}x, HPA ${hOverO.toFixed(3)}x`,
    ...big.map((r) => `speed: ${r.trace} (${r.steps} steps) sweep backtest ${r.seconds.toFixed(1)} s -> ${r.seconds <= 120 ? 'PASS' : 'FAIL'} (goal <= 120 s on 2 cores)`),
  ];
  for (const l of lines) console.log(l);
  mkdirSync(path.join(__dirname, 'out'), { recursive: true });
  writeFileSync(path.join(__dirname, 'out', 'scaling.json'), JSON.stringify({ rows, summary: { metP, metH, ratio, pOverO, hOverO } }, null, 2));
  const md = [
    '| trace | prescale cost @ util | HPA cost @ util | oracle cost | prescale / HPA |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.trace} | ${r.prescaleCost?.toFixed(2) ?? 'misses SLO'} @ ${r.prescaleUtil?.toFixed(3) ?? '-'} | ${r.hpaCost?.toFixed(2) ?? 'misses SLO'} @ ${r.hpaUtil?.toFixed(3) ?? '-'} | ${r.oracleCost.toFixed(2)} | ${r.prescaleCost && r.hpaCost ? (r.prescaleCost / r.hpaCost).toFixed(3) : '-'} |`),
    '',
    ...lines.map((l) => `- ${l}`),
  ];
  writeFileSync(path.join(__dirname, 'out', 'scaling.md'), `${md.join('\n')}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
