/**
 * Accuracy benchmark: rolling forecasts over real traces, prescale side by side with naive,
 * seasonal naive (same conformal calibration, from rollingForecast's `only`) and R's
 * forecast::stlf (bench/peers/stlf.R).
 *
 *   npm run bench:accuracy -- ../shared/data/traces [--only id1,id2] [--methods prescale,stlf,...]
 *                             [--out bench/out]
 *
 * Scored origins: every sample time t with t >= start + 2 days and (t - start) % 3600 == 0 (hourly
 * from day 2: two days is the least history that shows a daily cycle twice). Forecasts are made at
 * every origin (causal, the models update sample by sample) but only those are scored.
 * Horizons: 600 s and 3600 s. Upper quantile: p90.
 *
 * Writes <out>/accuracy.md (tables for the docs) and <out>/accuracy.json (all figures); peer
 * results are cached in <out>/peers/. Exit code 1 when a goal FAILs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Series } from '../src/domain/series';
import { naive, seasonalNaive } from '../src/forecast/models';
import type { Forecaster } from '../src/forecast/types';
import { defaultForecasters } from '../src/cli/models';
import { geometricMean, scoreRows, summarize, type AccuracySummary, type ScoredRow } from '../src/forecast/metrics';
import { rollingForecast, type ForecastRow, type OnlineOptions, type RollingForecastOptions } from '../src/forecast/online';
import { detectPeriodicity } from '../src/periodicity/detect';
import { loadManifest, loadTrace, scoredOrigins, type ManifestEntry } from './lib/traces';
import { runStlf, stlfAvailable, STLF_REFIT_EVERY, STLF_WINDOW_DAYS } from './peers/stlf';

const HORIZONS_S = [600, 3600] as const;
const UPPER = 0.9;
const DAY = 86400;
/** Scored from day 2: the first two days are warm-up for every method. */
const SCORE_FROM_S = 2 * DAY;
const SCORE_EVERY_S = 3600;
const METHODS = ['prescale', 'naive', 'seasonal-naive', 'stlf'] as const;
type Method = (typeof METHODS)[number];

/** Goal: prescale's geometric-mean relative MAE at most 0.85x stlf's (a clear, not marginal, win). */
const GOAL_MAE_VS_STLF = 0.85;
/**
 * Goal: mean p90 coverage within 0.9 +- 0.03. For one series of ~400 scored origins the standard
 * error of a coverage is sqrt(0.9 * 0.1 / 400) = 0.015, so +-0.03 is two standard errors.
 */
const GOAL_COVERAGE: readonly [number, number] = [0.87, 0.93];

interface Args {
  dir: string;
  only: Set<string> | null;
  methods: Set<Method>;
  out: string;
  models: string | undefined;
  /** Overrides of the online forecaster's settings, as JSON, for exploring them: --online '{"weightCut":2}'. */
  online: Partial<OnlineOptions>;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { dir: '../shared/data/traces', only: null, methods: new Set(METHODS), out: 'bench/out', models: undefined, online: {} };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`option ${a} needs a value`);
      return v;
    };
    if (a === '--only') args.only = new Set(val().split(','));
    else if (a === '--out') args.out = val();
    else if (a === '--models') args.models = val();
    else if (a === '--online') args.online = JSON.parse(val()) as Partial<OnlineOptions>;
    else if (a === '--methods') {
      const ms = val().split(',');
      for (const m of ms) {
        if (!(METHODS as readonly string[]).includes(m)) throw new Error(`--methods: "${m}" is not a method; expected some of ${METHODS.join(',')}`);
      }
      args.methods = new Set(ms as Method[]);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}; expected --only, --methods, --models, --online or --out`);
    else rest.push(a);
  }
  if (rest[0] !== undefined) args.dir = rest[0];
  // Seasonal naive is the yardstick of every relative figure.
  args.methods.add('seasonal-naive');
  return args;
}

const notes: string[] = [];
function note(s: string): void {
  if (!notes.includes(s)) notes.push(s);
  console.log(`note: ${s}`);
}

/**
 * The prescale configuration under test: the classical models (naive, seasonal naive, damped
 * Holt-Winters, robust STL) weighted and calibrated by the online ensemble, periodicity from
 * detectPeriodicity. The neural model is not wired here yet (it needs a tfjs backend).
 */
/** prescale is what `prescale backtest` runs: the models from src/cli/models.ts (all five by default, or --models). */
let prescaleModels: Forecaster[] = [];
let onlineOverrides: Partial<OnlineOptions> = {};
function prescaleOptions(): RollingForecastOptions {
  return { horizons: [...HORIZONS_S], upperQuantile: UPPER, seed: 1, forecasters: prescaleModels, detect: (v, step) => detectPeriodicity(v, step), online: onlineOverrides };
}

/**
 * A baseline alone through the same online machinery (same conformal calibration). Seasonal naive
 * is pinned to the daily period (samples per day), whatever periodicity detection finds, so that
 * it exists on aperiodic series too and is the same yardstick everywhere.
 */
function baselineOptions(series: Series, only: 'naive' | 'seasonal-naive'): RollingForecastOptions {
  const spd = Math.round(DAY / series.step);
  return { ...prescaleOptions(), forecasters: [naive(), seasonalNaive(spd)], only };
}

interface MethodFigures extends AccuracySummary {
  readonly relMae: number;
  readonly relPinball50: number;
  readonly relPinballUpper: number;
}

interface SeriesResult {
  readonly id: string;
  readonly periodicity: string;
  readonly origins: number;
  /** horizon -> method -> figures (only methods that ran). */
  readonly byHorizon: Record<string, Partial<Record<Method, MethodFigures>>>;
  /** Wall seconds per method (stlf: the R run, possibly from the cache's record). */
  readonly seconds: Partial<Record<Method, number>>;
  /** CPU seconds of the R run for stlf (NaN if not run or not reported). */
  readonly stlfCpuSeconds: number;
}

function key(r: ForecastRow): string {
  return `${r.origin}:${r.horizonS}`;
}

function evaluate(entry: ManifestEntry, series: Series, rowsBy: Partial<Record<Method, ForecastRow[]>>, origins: Set<number>): SeriesResult['byHorizon'] {
  const scored: Partial<Record<Method, ScoredRow[]>> = {};
  for (const m of METHODS) {
    const rows = rowsBy[m];
    if (rows) scored[m] = scoreRows(rows, series, { origins });
  }
  // Compare every method on the same (origin, horizon) pairs: the intersection.
  const methods = Object.keys(scored) as Method[];
  let common: Set<string> | undefined;
  for (const m of methods) {
    const ks = new Set((scored[m] ?? []).map(key));
    const prev: Set<string> | undefined = common;
    common = prev === undefined ? ks : new Set([...prev].filter((k) => ks.has(k)));
  }
  const out: SeriesResult['byHorizon'] = {};
  for (const h of HORIZONS_S) {
    const figs: Partial<Record<Method, AccuracySummary>> = {};
    for (const m of methods) {
      const rows = (scored[m] ?? []).filter((r) => r.horizonS === h && common?.has(key(r)));
      if (rows.length === 0) continue;
      figs[m] = summarize(rows, UPPER);
    }
    const ref = figs['seasonal-naive'];
    const hf: Partial<Record<Method, MethodFigures>> = {};
    for (const m of methods) {
      const f = figs[m];
      if (!f || !ref) continue;
      hf[m] = { ...f, relMae: f.mae / ref.mae, relPinball50: f.pinball50 / ref.pinball50, relPinballUpper: f.pinballUpper / ref.pinballUpper };
    }
    if (ref && ref.mae === 0) note(`${entry.id} h=${h}s: seasonal naive MAE is 0; relative figures undefined, series left out of geometric means`);
    out[String(h)] = hf;
  }
  return out;
}

const fmt = (v: number | undefined, d = 3): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

interface Aggregate {
  readonly series: number;
  readonly gmRelMae: number;
  readonly gmRelPinballUpper: number;
  readonly meanCoverage: number;
}

function aggregate(results: readonly SeriesResult[], h: number, m: Method): Aggregate | null {
  const figs = results
    .map((r) => r.byHorizon[String(h)]?.[m])
    .filter((f): f is MethodFigures => f !== undefined && Number.isFinite(f.relMae) && f.relMae > 0 && Number.isFinite(f.relPinballUpper) && f.relPinballUpper > 0);
  if (figs.length === 0) return null;
  return {
    series: figs.length,
    gmRelMae: geometricMean(figs.map((f) => f.relMae)),
    gmRelPinballUpper: geometricMean(figs.map((f) => f.relPinballUpper)),
    meanCoverage: figs.reduce((s, f) => s + f.coverage, 0) / figs.length,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const built = await defaultForecasters({ seed: 1, models: args.models });
  prescaleModels = built.forecasters;
  onlineOverrides = args.online;
  if (Object.keys(onlineOverrides).length > 0) note(`prescale online settings: ${JSON.stringify(onlineOverrides)}`);
  for (const n of built.notes) note(`prescale ${n}`);
  const dir = resolve(args.dir);
  const manifest = loadManifest(dir).filter((e) => args.only === null || args.only.has(e.id));
  if (manifest.length === 0) throw new Error(`no traces selected in ${dir} (--only ${[...(args.only ?? [])].join(',')})`);
  const peersDir = join(args.out, 'peers');
  let stlfOk = args.methods.has('stlf');
  if (stlfOk) {
    const a = stlfAvailable();
    if (!a.ok) {
      note(`stlf skipped: ${a.why}`);
      stlfOk = false;
    } else {
      note(`stlf: forecast::stlf (ETS on the STL-adjusted series), level 80 upper bound as p90; fit window capped to the last ${STLF_WINDOW_DAYS} days; ` +
        `full ETS model selection every ${STLF_REFIT_EVERY} origins (daily), chosen ETS form re-fitted (parameters re-estimated) at the origins in between`);
    }
  }

  const results: SeriesResult[] = [];
  for (const entry of manifest) {
    const series = loadTrace(join(dir, entry.file));
    const origins = scoredOrigins(series, SCORE_FROM_S, SCORE_EVERY_S);
    const originSet = new Set(origins);
    const rowsBy: Partial<Record<Method, ForecastRow[]>> = {};
    const seconds: Partial<Record<Method, number>> = {};
    let stlfCpu = Number.NaN;
    const timed = <T>(m: Method, f: () => T): T => {
      const t0 = process.hrtime.bigint();
      const v = f();
      seconds[m] = Number(process.hrtime.bigint() - t0) / 1e9;
      return v;
    };
    for (const m of ['prescale', 'naive', 'seasonal-naive'] as const) {
      if (!args.methods.has(m)) continue;
      const opts = m === 'prescale' ? prescaleOptions() : baselineOptions(series, m);
      rowsBy[m] = timed(m, () => rollingForecast(series, opts));
    }
    if (stlfOk) {
      const r = runStlf(join(dir, entry.file), entry.id, origins, HORIZONS_S, peersDir);
      rowsBy.stlf = r.rows;
      seconds.stlf = r.seconds;
      stlfCpu = r.cpuSeconds;
      if (r.cached) console.log(`  ${entry.id}: stlf from cache ${join(peersDir, entry.id + '.csv')} (original run ${r.seconds.toFixed(1)} s wall)`);
    }
    const byHorizon = evaluate(entry, series, rowsBy, originSet);
    results.push({ id: entry.id, periodicity: entry.periodicity, origins: origins.length, byHorizon, seconds, stlfCpuSeconds: stlfCpu });
    console.log(
      `${entry.id} (${entry.periodicity}, ${origins.length} scored origins): ` +
        Object.entries(seconds).map(([m, s]) => `${m} ${s.toFixed(1)} s`).join(', ') +
        (Number.isFinite(stlfCpu) ? ` wall (stlf ${stlfCpu.toFixed(1)} s cpu)` : ' wall'),
    );
  }

  const ran = results.filter((r) => r.seconds.stlf !== undefined);
  if (ran.length > 0) {
    const slowest = ran.reduce((a, b) => ((b.seconds.stlf ?? 0) > (a.seconds.stlf ?? 0) ? b : a));
    const sum = (f: (r: SeriesResult) => number): number => ran.reduce((acc, r) => acc + f(r), 0);
    note(`stlf run time: ${sum((r) => r.seconds.stlf ?? 0).toFixed(0)} s wall, ${sum((r) => r.stlfCpuSeconds).toFixed(0)} s CPU over ${ran.length} traces; ` +
      `slowest ${slowest.id} ${(slowest.seconds.stlf ?? 0).toFixed(0)} s wall (${slowest.origins} origins)`);
  }

  const present = METHODS.filter((m) => results.some((r) => Object.values(r.byHorizon).some((h) => h[m] !== undefined)));
  const md: string[] = ['# Accuracy benchmark', '', `Traces: ${results.length}; scored origins hourly from day 2; upper quantile p90.`,
    'Relative figures are ratios to seasonal naive (daily period) on the same origins; lower is better. GM = geometric mean over series.',
    'MAE/sn: MAE ratio (equal to the pinball-0.5 ratio, as pinball at 0.5 is MAE / 2); cov: share of actuals <= p90 (mean over series); ' +
      'pb90/sn: pinball-loss ratio of p90 at level 0.9. Absolute figures are in accuracy.json.', ''];
  const aggs: Record<string, Partial<Record<Method, Aggregate>>> = {};
  for (const h of HORIZONS_S) {
    const title = `Horizon ${h / 60} min`;
    const head = ['series', 'periodicity', 'n', ...present.map((m) => `MAE/sn ${m}`), ...present.map((m) => `cov ${m}`), ...present.map((m) => `pb90/sn ${m}`)];
    const lines = results.map((r) => {
      const f = r.byHorizon[String(h)] ?? {};
      const n = Object.values(f)[0]?.n;
      return [r.id, r.periodicity, String(n ?? 0), ...present.map((m) => fmt(f[m]?.relMae)), ...present.map((m) => fmt(f[m]?.coverage)), ...present.map((m) => fmt(f[m]?.relPinballUpper))];
    });
    aggs[String(h)] = {};
    const gm = ['**GM / mean**', '', ''];
    const ag = present.map((m) => aggregate(results, h, m));
    present.forEach((m, i) => {
      const a = ag[i];
      if (a) (aggs[String(h)] as Partial<Record<Method, Aggregate>>)[m] = a;
    });
    gm.push(...ag.map((a) => fmt(a?.gmRelMae)), ...ag.map((a) => fmt(a?.meanCoverage)), ...ag.map((a) => fmt(a?.gmRelPinballUpper)));
    lines.push(gm);
    md.push(`## ${title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`), '');
    console.log(`\n${title}`);
    // Console: MAE ratio and coverage only (pinball ratios are in the markdown and JSON).
    const shown = 3 + 2 * present.length;
    console.table(Object.fromEntries(lines.map((l) => [l[0], Object.fromEntries(head.slice(1, shown).map((k, i) => [k.replace('seasonal-naive', 'snaive'), l[i + 1]]))])));
  }

  // Goals.
  const goals: { name: string; status: 'PASS' | 'FAIL' | 'SKIP'; detail: string }[] = [];
  for (const h of HORIZONS_S) {
    const a = aggs[String(h)] ?? {};
    const p = a.prescale;
    const s = a.stlf;
    goals.push(
      p && s
        ? { name: `GM MAE/sn prescale <= ${GOAL_MAE_VS_STLF} x stlf at ${h / 60} min`, status: p.gmRelMae <= GOAL_MAE_VS_STLF * s.gmRelMae ? 'PASS' : 'FAIL',
            detail: `${fmt(p.gmRelMae)} vs ${GOAL_MAE_VS_STLF} x ${fmt(s.gmRelMae)} = ${fmt(GOAL_MAE_VS_STLF * s.gmRelMae)}` }
        : { name: `GM MAE/sn prescale <= ${GOAL_MAE_VS_STLF} x stlf at ${h / 60} min`, status: 'SKIP', detail: p ? 'stlf did not run' : 'prescale did not run' },
    );
    goals.push(
      p
        ? { name: `mean p90 coverage of prescale in [${GOAL_COVERAGE[0]}, ${GOAL_COVERAGE[1]}] at ${h / 60} min`,
            status: p.meanCoverage >= GOAL_COVERAGE[0] && p.meanCoverage <= GOAL_COVERAGE[1] ? 'PASS' : 'FAIL', detail: fmt(p.meanCoverage) }
        : { name: `mean p90 coverage of prescale in [${GOAL_COVERAGE[0]}, ${GOAL_COVERAGE[1]}] at ${h / 60} min`, status: 'SKIP', detail: 'prescale did not run' },
    );
    const strong = results.filter((r) => r.periodicity === 'strong');
    const name = `strong-periodic series: prescale MAE <= min(naive, seasonal naive) at ${h / 60} min`;
    if (!strong.some((r) => r.byHorizon[String(h)]?.prescale)) goals.push({ name, status: 'SKIP', detail: 'prescale did not run' });
    else {
      const bad = strong.filter((r) => {
        const f = r.byHorizon[String(h)] ?? {};
        const best = Math.min(f.naive?.mae ?? Number.POSITIVE_INFINITY, f['seasonal-naive']?.mae ?? Number.POSITIVE_INFINITY);
        return !(f.prescale && f.prescale.mae <= best);
      });
      goals.push({ name, status: bad.length === 0 ? 'PASS' : 'FAIL', detail: bad.length === 0 ? `${strong.length} series` : `worse on ${bad.map((r) => r.id).join(', ')}` });
    }
  }
  console.log('\nGoals');
  for (const g of goals) console.log(`  ${g.status}  ${g.name}: ${g.detail}`);
  console.log('\nNotes');
  for (const n of notes) console.log(`  - ${n}`);

  md.push('## Goals', '', ...goals.map((g) => `- **${g.status}** ${g.name}: ${g.detail}`), '', '## Notes', '', ...notes.map((n) => `- ${n}`), '');
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'accuracy.md'), md.join('\n'));
  writeFileSync(
    join(args.out, 'accuracy.json'),
    JSON.stringify({ horizonsS: HORIZONS_S, upperQuantile: UPPER, scoreFromS: SCORE_FROM_S, scoreEveryS: SCORE_EVERY_S, series: results, aggregates: aggs, goals, notes }, null, 1) + '\n',
  );
  console.log(`\nwrote ${join(args.out, 'accuracy.md')} and ${join(args.out, 'accuracy.json')}`);
  if (goals.some((g) => g.status === 'FAIL')) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
