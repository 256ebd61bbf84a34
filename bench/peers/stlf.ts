/**
 * Runs the R peer (bench/peers/stlf.R, forecast::stlf) for one trace, with a cache in
 * <cacheDir>/<trace id>.csv keyed by a sha256 of the trace file, the R script and the run's
 * parameters (origins, horizons, window, refit cadence), so reruns are fast.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ForecastRow } from '../../src/forecast/online';

export const STLF_SCRIPT = join(__dirname, 'stlf.R');
/** Fit window cap: 14 days (two weekly cycles) keeps stlf at ~0.03-0.3 s per origin at 1-min steps. */
export const STLF_WINDOW_DAYS = 14;
/** Full ETS model selection once a day at hourly origins; the chosen form is re-fitted in between. */
export const STLF_REFIT_EVERY = 24;

export interface PeerResult {
  readonly rows: ForecastRow[];
  /** Wall seconds of the R run (the cached run's time when `cached`); inflated on a loaded machine. */
  readonly seconds: number;
  /** CPU seconds (user + system) R reported for the run, start-up included; NaN if not reported. */
  readonly cpuSeconds: number;
  readonly cached: boolean;
}

/** True when Rscript runs and the forecast package loads. */
export function stlfAvailable(): { ok: boolean; why: string } {
  const r = spawnSync('Rscript', ['-e', 'suppressPackageStartupMessages(library(forecast))'], { encoding: 'utf8' });
  if (r.error) return { ok: false, why: `Rscript not runnable (${r.error.message})` };
  if (r.status !== 0) return { ok: false, why: `R package forecast not loadable: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return { ok: true, why: '' };
}

/** Parse the R script's output CSV (origin,horizon_s,p50,p90) to rows; p90 becomes `upper`. */
export function parsePeerCsv(text: string, name: string): ForecastRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if ((lines[0] ?? '').trim() !== 'origin,horizon_s,p50,p90') {
    throw new Error(`${name}: header is "${lines[0] ?? ''}"; expected "origin,horizon_s,p50,p90"`);
  }
  return lines.slice(1).map((l, k) => {
    const [origin, horizonS, p50, upper] = l.split(',').map(Number);
    if (![origin, horizonS, p50, upper].every((v) => v !== undefined && Number.isFinite(v))) {
      throw new Error(`${name} line ${k + 2}: "${l}"; expected four finite numbers`);
    }
    return { origin: origin as number, horizonS: horizonS as number, p50: p50 as number, upper: upper as number };
  });
}

export function runStlf(
  tracePath: string,
  traceId: string,
  origins: readonly number[],
  horizonsS: readonly number[],
  cacheDir: string,
): PeerResult {
  const params = JSON.stringify({ origins, horizonsS, window: STLF_WINDOW_DAYS, refit: STLF_REFIT_EVERY });
  const key = createHash('sha256')
    .update(readFileSync(tracePath))
    .update('\0')
    .update(readFileSync(STLF_SCRIPT))
    .update('\0')
    .update(params)
    .digest('hex');
  const csvPath = join(cacheDir, `${traceId}.csv`);
  const metaPath = join(cacheDir, `${traceId}.meta.json`);
  if (existsSync(csvPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { key?: string; seconds?: number; cpuSeconds?: number };
    if (meta.key === key) {
      const rows = parsePeerCsv(readFileSync(csvPath, 'utf8'), csvPath);
      return { rows, seconds: meta.seconds ?? Number.NaN, cpuSeconds: meta.cpuSeconds ?? Number.NaN, cached: true };
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'prescale-stlf-'));
  try {
    const originsPath = join(tmp, 'origins.txt');
    writeFileSync(originsPath, origins.join('\n') + '\n');
    const outPath = join(tmp, 'out.csv');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(
      'Rscript',
      [STLF_SCRIPT, tracePath, originsPath, horizonsS.join(','), outPath, String(STLF_WINDOW_DAYS), String(STLF_REFIT_EVERY)],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.error || r.status !== 0) {
      throw new Error(`stlf.R failed on ${tracePath} (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim()}`);
    }
    const text = readFileSync(outPath, 'utf8');
    const rows = parsePeerCsv(text, `stlf.R output for ${traceId}`);
    const cpu = /cpu ([\d.]+) s/.exec(r.stderr);
    const cpuSeconds = cpu ? Number(cpu[1]) : Number.NaN;
    writeFileSync(csvPath, text);
    writeFileSync(metaPath, JSON.stringify({ key, seconds, cpuSeconds, origins: origins.length, rows: rows.length, log: r.stderr.trim() }, null, 1) + '\n');
    return { rows, seconds, cpuSeconds, cached: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
