/**
 * Quick accuracy sanity check of the classical models on a few dev traces (not a test).
 * Rolling origins every hour from day 2; at each origin every model is fitted on the history up to
 * and including it (capped to the last 28 days) and asked for 10 min and 1 h ahead. Prints each
 * model's MAE relative to seasonal naive (daily), and relative to R's stlf when --stlf is given
 * (runs bench/peers/stlf.R with the same origins; results cached under os.tmpdir()).
 *
 *   npx tsx bench/models-quick.ts [--stlf] [--stride=K] [--only=name,name] [trace.csv ...]
 * --stride=K scores every K-th origin (a faster, rougher run); --only restricts the models.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { classicalForecasters, seasonalNaive } from '../src/forecast/models';
import type { Forecaster } from '../src/forecast/types';
import { loadTrace, scoredOrigins } from './lib/traces';

const TRACES = resolve(__dirname, '../../shared/data/traces');
const DEFAULT = ['nasa_http_jul95_1min.csv', 'iops_web_kpi_bagel_5min.csv', 'twitter_ad_raw_1min.csv'];
const HORIZONS_S = [600, 3600];
/** Fit window cap: 28 days covers 4 weekly cycles, the most robust-stl uses. */
const WINDOW_DAYS = 28;

function cleaned(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let last = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    last = Number.isFinite(v) ? Math.max(0, v) : last;
    out[i] = last;
  }
  return out;
}

function stlfRows(file: string, origins: number[]): Map<string, number> | null {
  const key = join(tmpdir(), `models-quick-stlf-${basename(file)}-${origins.length}.csv`);
  if (!existsSync(key)) {
    const oFile = join(tmpdir(), `models-quick-origins-${basename(file)}.txt`);
    writeFileSync(oFile, origins.join('\n') + '\n');
    execFileSync('Rscript', [resolve(__dirname, 'peers/stlf.R'), file, oFile, HORIZONS_S.join(','), key, '14', '24'], { stdio: 'inherit' });
  }
  const m = new Map<string, number>();
  for (const line of readFileSync(key, 'utf8').split('\n').slice(1)) {
    const [o, h, p50] = line.split(',');
    if (o && h && p50) m.set(`${Number(o)}:${Number(h)}`, Number(p50));
  }
  return m;
}

function main(): void {
  const args = process.argv.slice(2);
  const withStlf = args.includes('--stlf');
  const files = args.filter((a) => !a.startsWith('--'));
  const stride = Number(args.find((a) => a.startsWith('--stride='))?.slice(9) ?? 1);
  const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  if (!existsSync(TRACES)) {
    console.log(`traces directory ${TRACES} absent; nothing to do`);
    return;
  }
  const geo: Record<string, number[]> = {};
  for (const f of files.length > 0 ? files : DEFAULT) {
    const path = f.includes('/') ? f : join(TRACES, f);
    const s = loadTrace(path);
    const y = cleaned(s.values);
    const spd = Math.round(86400 / s.step);
    const periods = y.length >= 14 * spd ? [spd, 7 * spd] : [spd];
    const origins = scoredOrigins(s, 2 * 86400, 3600).filter((o) => (o - s.start) / s.step + 1 >= 2 * spd);
    const hs = HORIZONS_S.map((h) => Math.round(h / s.step));
    const models: Forecaster[] = [...classicalForecasters().filter((m) => m.name !== 'seasonal-naive'), seasonalNaive(spd)].filter(
      (m) => !only || only.includes(m.name) || m.name === 'seasonal-naive',
    );
    const stlf = withStlf ? stlfRows(path, origins) : null;
    const names = [...models.map((m) => m.name), ...(stlf ? ['stlf'] : [])];
    const err: Record<string, number[]> = {};
    const cnt: Record<string, number[]> = {};
    const ms: Record<string, number> = {};
    for (const nm of names) {
      err[nm] = hs.map(() => 0);
      cnt[nm] = hs.map(() => 0);
      ms[nm] = 0;
    }
    for (const [k, o] of origins.entries()) {
      if (k % stride !== 0) continue;
      const i = Math.round((o - s.start) / s.step);
      if (i + (hs[hs.length - 1] as number) >= y.length) continue;
      const hist = y.subarray(Math.max(0, i + 1 - WINDOW_DAYS * spd), i + 1);
      // Same origins for every model: skip the origin when stlf has no row for it.
      if (stlf && !stlf.has(`${o}:${HORIZONS_S[0]}`)) continue;
      for (const m of models) {
        const t0 = performance.now();
        const fit = m.fit(hist, { step: s.step, periods, maxHorizon: Math.max(...hs), seed: 1 });
        if (!fit) continue;
        const p = fit.predict(hs);
        ms[m.name] = (ms[m.name] as number) + performance.now() - t0;
        hs.forEach((h, j) => {
          (err[m.name] as number[])[j]! += Math.abs((y[i + h] as number) - (p[j] as number));
          (cnt[m.name] as number[])[j]! += 1;
        });
      }
      if (stlf) {
        HORIZONS_S.forEach((hS, j) => {
          const v = stlf.get(`${o}:${hS}`);
          if (v === undefined) return;
          (err.stlf as number[])[j]! += Math.abs((y[i + (hs[j] as number)] as number) - Math.max(0, v));
          (cnt.stlf as number[])[j]! += 1;
        });
      }
    }
    const mae = (nm: string, j: number): number => (err[nm] as number[])[j]! / Math.max(1, (cnt[nm] as number[])[j]!);
    const ref = stlf ? 'stlf' : 'seasonal-naive';
    console.log(`\n${basename(path)}: ${origins.length} origins, periods ${JSON.parse(JSON.stringify(periods)).join(',')}; MAE / ${ref} MAE at ${HORIZONS_S.map((h) => `${h / 60} min`).join(', ')}`);
    for (const nm of names) {
      const rel = hs.map((_, j) => mae(nm, j) / mae(ref, j));
      rel.forEach((r, j) => ((geo[`${nm}@${HORIZONS_S[j]}`] ??= []).push(r)));
      const perFit = nm === 'stlf' ? '' : `  ${((ms[nm] as number) / Math.max(1, (cnt[nm] as number[])[0]!)).toFixed(1)} ms/fit`;
      console.log(`  ${nm.padEnd(15)} ${rel.map((r) => r.toFixed(3)).join('  ')}   (MAE ${hs.map((_, j) => mae(nm, j).toPrecision(4)).join(', ')})${perFit}`);
    }
  }
  console.log('\ngeometric mean over traces:');
  for (const [k, v] of Object.entries(geo)) console.log(`  ${k.padEnd(22)} ${Math.exp(v.reduce((a, b) => a + Math.log(b), 0) / v.length).toFixed(3)}`);
}

main();
