/**
 * `prescale backtest`: the I/O shell around src/backtest/replay.ts. Reads the trace, builds the
 * models (initialising TensorFlow.js), runs the pure replay, writes forecasts.csv, decisions.csv,
 * summary.json and report.html, and reports progress on stderr.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compare, forecastPass, type BacktestConfig } from '../backtest/replay';
import { summarize } from '../backtest/summary';
import type { ScalingMode } from '../domain/decision';
import { detectPeriodicity } from '../periodicity';
import { modeSegments, renderReport } from '../report/html';
import { cleanSeries } from '../series/clean';
import { parseTraceCsv } from '../series/csv';
import { SeriesError } from '../series/errors';
import { parseDuration } from '../util/duration';
import { parseFlags, usage, UsageError, type FlagSpec } from './args';
import { defaultForecasters } from './models';

const FLAGS: FlagSpec = {
  'cold-start': { type: 'string', help: 'pod created-to-ready time (high percentile), e.g. 10m (required)' },
  capacity: { type: 'string', help: 'load one pod serves at 100% utilisation, in the trace unit (required)' },
  out: { type: 'string', help: 'output directory (required)' },
  'target-utilization': { type: 'string', help: 'fraction of capacity to plan for, default 0.7' },
  horizons: { type: 'string', help: 'forecast horizons for forecasts.csv, default 10m,1h' },
  quantile: { type: 'string', help: 'upper quantile, default 0.9 (AHPA quantile: 95 -> 0.95)' },
  mode: { type: 'string', help: 'auto (default) | proactive | reactive | observer' },
  'min-replicas': { type: 'string', help: 'default 1' },
  'max-replicas': { type: 'string', help: 'default unbounded' },
  'sweep-utilization': { type: 'boolean', help: 'find the cheapest target utilisation meeting the SLO, for prescale and the HPA' },
  slo: { type: 'string', help: 'overloaded-time share allowed by the sweep, default 0.005' },
  seed: { type: 'string', help: 'seed for model initialisation, default 1' },
  models: { type: 'string', help: 'comma-separated subset of naive,seasonal-naive,holt-winters,robust-stl,neural (default all)' },
  'tf-backend': { type: 'string', help: 'auto (default) | node | wasm | cpu' },
  quiet: { type: 'boolean', help: 'no progress on stderr' },
  help: { type: 'boolean', help: 'this text' },
};

const SPEC = 'backtest TRACE.csv --cold-start 10m --capacity N --out DIR [flags]';

function num(flags: Record<string, string | boolean>, key: string, def: number | undefined, check: (v: number) => boolean, expected: string): number {
  const raw = flags[key];
  if (raw === undefined) {
    if (def === undefined) throw new UsageError(`--${key} is required: ${expected}\n${usage(SPEC, FLAGS)}`);
    return def;
  }
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`--${key} "${String(raw)}": expected ${expected}`);
  return v;
}

export async function runBacktestCli(argv: readonly string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS);
  if (flags.help) {
    process.stdout.write(`${usage(SPEC, FLAGS)}\n`);
    return 0;
  }
  if (positional.length !== 1) throw new UsageError(`expected one trace file, got ${positional.length}\n${usage(SPEC, FLAGS)}`);
  const tracePath = positional[0]!;
  if (typeof flags['cold-start'] !== 'string') throw new UsageError(`--cold-start is required: a duration like 10m\n${usage(SPEC, FLAGS)}`);
  if (typeof flags.out !== 'string') throw new UsageError(`--out is required: the output directory\n${usage(SPEC, FLAGS)}`);
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  };
  const coldStart = wrap(() => parseDuration(flags['cold-start'] as string, '--cold-start'));
  const horizons = wrap(() => String(flags.horizons ?? '10m,1h').split(',').map((h) => parseDuration(h, '--horizons')));
  const mode = String(flags.mode ?? 'auto');
  if (!['auto', 'proactive', 'reactive', 'observer'].includes(mode)) throw new UsageError(`--mode "${mode}": expected auto, proactive, reactive or observer`);
  const cfg: BacktestConfig = {
    coldStart,
    capacity: num(flags, 'capacity', undefined, (v) => v > 0, 'a load per pod > 0'),
    targetUtilization: num(flags, 'target-utilization', 0.7, (v) => v > 0 && v <= 1, 'a fraction in (0, 1], e.g. 0.7'),
    horizons,
    upperQuantile: num(flags, 'quantile', 0.9, (v) => v > 0.5 && v < 1, 'a quantile in (0.5, 1), e.g. 0.9'),
    seed: num(flags, 'seed', 1, Number.isInteger, 'an integer'),
    mode: mode as ScalingMode,
    slo: num(flags, 'slo', 0.005, (v) => v >= 0 && v < 1, 'a share in [0, 1), e.g. 0.005'),
    ...(flags['min-replicas'] !== undefined ? { minReplicas: num(flags, 'min-replicas', 1, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0') } : {}),
    ...(flags['max-replicas'] !== undefined ? { maxReplicas: num(flags, 'max-replicas', 1, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1') } : {}),
  };

  let text: string;
  try {
    text = readFileSync(tracePath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${tracePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let parsed;
  try {
    parsed = parseTraceCsv(text);
  } catch (e) {
    if (e instanceof SeriesError) throw new UsageError(`${tracePath}: ${e.message}`);
    throw e;
  }
  for (const h of horizons) {
    if (h % parsed.step !== 0 || h <= 0) throw new UsageError(`--horizons: ${h} s is not a positive multiple of the trace step (${parsed.step} s)`);
  }
  // No interpolation here: filling a gap uses the sample after it, which a causal replay must not see.
  const { series, report } = cleanSeries(parsed, { maxFillSeconds: 0 });
  const minSteps = Math.ceil(86400 / series.step) + 1;
  if (series.values.length < minSteps) {
    throw new UsageError(`${tracePath}: the trace is too short: ${series.values.length} samples of ${series.step} s; a backtest needs at least one day (${minSteps} samples) to score from day 2`);
  }
  const log = (s: string) => {
    if (!flags.quiet) process.stderr.write(`${s}\n`);
  };
  for (const m of report.messages) log(`data: ${m}`);

  const { forecasters, notes } = await defaultForecasters({ seed: cfg.seed, models: flags.models as string | undefined, tfBackend: flags['tf-backend'] as string | undefined });
  for (const n of notes) log(n);
  const t0 = performance.now();
  let lastPct = -1;
  const pass = forecastPass(series, cfg, forecasters, detectPeriodicity, (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct >= lastPct + 10 || done === total) {
      lastPct = pct;
      log(`forecasting: ${pct}% (${done}/${total} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  });
  const tForecast = performance.now();
  log(`planning${flags['sweep-utilization'] ? ' and sweeping target utilisation' : ''}...`);
  const cmp = compare(series, pass, cfg, { sweep: Boolean(flags['sweep-utilization']) });
  const tPlan = performance.now();

  const out = flags.out as string;
  mkdirSync(out, { recursive: true });
  const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const fx = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 1e4) / 1e4) : '');
  const frows = ['origin,horizon_s,p50,p90'];
  for (const r of pass.rows) frows.push(`${iso(r.origin)},${r.horizonS},${fx(r.p50)},${fx(r.upper)}`);
  writeFileSync(path.join(out, 'forecasts.csv'), `${frows.join('\n')}\n`);
  const drows = ['timestamp,replicas,mode,reason'];
  const plan = cmp.prescale.plan;
  for (let i = 0; i < series.values.length; i++) {
    drows.push(`${iso(series.start + i * series.step)},${plan.requested[i]},${plan.trusted[i] ? 'proactive' : 'reactive'},${plan.reasons[i]}`);
  }
  writeFileSync(path.join(out, 'decisions.csv'), `${drows.join('\n')}\n`);

  const summary = summarize({ trace: path.basename(tracePath), series, cfg, pass, cmp, dataQuality: report, timings: { forecastSeconds: (tForecast - t0) / 1000, planSeconds: (tPlan - tForecast) / 1000 }, notes });
  writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

  const html = renderReport({
    traceName: path.basename(tracePath),
    start: series.start,
    step: series.step,
    load: series.values,
    capacity: cfg.capacity,
    coldStart: cfg.coldStart,
    firstScored: cmp.params.firstScored,
    slo: cfg.slo ?? 0.005,
    forecast: { p50: pass.leadP50, upper: pass.leadUpper, upperLabel: `p${Math.round(cfg.upperQuantile * 100)}` },
    policies: [
      { id: 'prescale', label: 'prescale', ready: cmp.prescale.cluster.ready, overloaded: cmp.prescale.cluster.overloaded, scores: cmp.prescale.cluster.scores, targetUtilization: cfg.targetUtilization, role: 'policy' },
      { id: 'hpa', label: 'Kubernetes HPA', ready: cmp.hpa.cluster.ready, overloaded: cmp.hpa.cluster.overloaded, scores: cmp.hpa.cluster.scores, targetUtilization: cfg.targetUtilization, role: 'baseline' },
      { id: 'oracle', label: 'oracle (perfect foresight)', ready: cmp.oracle.cluster.ready, overloaded: cmp.oracle.cluster.overloaded, scores: cmp.oracle.cluster.scores, role: 'oracle' },
    ],
    modes: modeSegments(Array.from(plan.trusted, (t) => (t ? 'proactive' : 'reactive')), plan.reasons),
    ...(cmp.sweeps ? { sweeps: [{ policyId: 'prescale', result: cmp.sweeps.prescale }, { policyId: 'hpa', result: cmp.sweeps.hpa }] } : {}),
    notes: [
      `prescale backtest ${argv.join(' ')}`,
      ...pass.stages.slice(-3).map(([i, , reason]) => `model stage from ${iso(series.start + i * series.step)}: ${reason}`),
      `ensemble weights at the end: ${Object.entries(pass.weights).map(([k, w]) => `${k} ${w}`).join(', ') || 'none'}`,
      ...notes,
    ],
  });
  writeFileSync(path.join(out, 'report.html'), html);

  const s = summary.scores;
  log(`wrote ${out}/forecasts.csv (${pass.rows.length} rows), decisions.csv (${series.values.length} rows), summary.json, report.html`);
  process.stdout.write(
    [
      `policy     overloaded  unserved  cost   changes/day`,
      ...(['prescale', 'hpa', 'oracle'] as const).map(
        (k) => `${k.padEnd(10)} ${(100 * s[k].overloadedShare).toFixed(2).padStart(8)}%  ${(100 * s[k].unservedShare).toFixed(3).padStart(7)}%  ${s[k].cost.toFixed(2).padStart(5)}  ${s[k].changesPerDay.toFixed(1).padStart(8)}`,
      ),
      ...(summary.sweep
        ? [`sweep (SLO ${(100 * (cfg.slo ?? 0.005)).toFixed(1)}% overloaded): prescale ${summary.sweep.prescale.text}; HPA ${summary.sweep.hpa.text}`]
        : []),
    ].join('\n') + '\n',
  );
  return 0;
}
