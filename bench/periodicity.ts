/**
 * Periodicity detection speed: `npx tsx bench/periodicity.ts [tracesDir]`.
 *
 * - an 8-week 1-minute series (80,640 samples; daily + weekly cycle, noise, spikes, a trend),
 *   median of 10 timed runs after one warm-up (the cold first run is printed too);
 * - each dev trace (default ../shared/data/traces relative to the repo root), median of 3 runs;
 * - peer: R's forecast::findfrequency on the same 8-week series, timed inside R (median of 10
 *   runs), when Rscript and the forecast package are installed; otherwise a note.
 * An I/O edge: reads files, writes a temp file, runs Rscript.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { detectPeriodicity } from '../src/periodicity/detect';
import { gaussian, mulberry32 } from '../src/util/rng';

const RUNS = 10;

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function eightWeeks(): Float64Array {
  const n = 8 * 7 * 1440;
  const rand = mulberry32(20261125);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const weekend = Math.floor(i / 1440) % 7 >= 5 ? 0.5 : 1;
    v[i] = 100 + 40 * weekend * Math.sin((2 * Math.PI * i) / 1440) + 10 * gaussian(rand) + i * 0.0005;
    if (rand() < 0.001) v[i] = v[i]! * 20;
  }
  return v;
}

function time(f: () => void, runs: number): { cold: number; median: number } {
  let t = performance.now();
  f();
  const cold = performance.now() - t;
  const xs: number[] = [];
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  return { cold, median: medianOf(xs) };
}

function rPeer(series: Float64Array): number | string {
  try {
    execFileSync('Rscript', ['-e', 'suppressMessages(library(forecast))'], { stdio: 'pipe' });
  } catch {
    return 'skipped: Rscript or the R forecast package is not installed (apt-get install r-cran-forecast)';
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'prescale-bench-')), 'series.txt');
  fs.writeFileSync(file, Array.from(series, (v) => v.toFixed(6)).join('\n'));
  const script = `
    suppressMessages(library(forecast))
    x <- ts(scan("${file}", quiet = TRUE))
    f <- findfrequency(x)
    t <- sapply(1:${RUNS}, function(i) system.time(findfrequency(x))[["elapsed"]])
    cat(f, median(t) * 1000, "\\n")`;
  const out = execFileSync('Rscript', ['-e', script], { encoding: 'utf8' }).trim().split(/\s+/);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  console.log(`R forecast::findfrequency on the same series: frequency ${out[0]}, median ${Number(out[1]).toFixed(1)} ms (inside R, ${RUNS} runs)`);
  return Number(out[1]);
}

function main(): void {
  const series = eightWeeks();
  let report = detectPeriodicity(series, 60);
  const t = time(() => {
    report = detectPeriodicity(series, 60);
  }, RUNS);
  console.log(`8 weeks x 1 min (${series.length} samples): median ${t.median.toFixed(1)} ms over ${RUNS} runs (cold first run ${t.cold.toFixed(1)} ms); budget 200 ms`);
  console.log(`  -> ${report.reason}`);
  const r = rPeer(series);
  if (typeof r === 'number') console.log(`ratio prescale / R findfrequency: ${(t.median / r).toFixed(3)}`);
  else console.log(`R peer ${r}`);

  const dir = process.argv[2] ?? path.resolve(__dirname, '../../shared/data/traces');
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) {
    console.log(`dev traces skipped: ${manifest} not found`);
    return;
  }
  const entries = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { id: string; file: string; step_s: number; periodicity: string }[];
  console.log('\ntrace (class) | samples | median ms (3 runs) | result');
  for (const e of entries) {
    const lines = fs.readFileSync(path.join(dir, e.file), 'utf8').trim().split(/\r?\n/).slice(1);
    const v = Float64Array.from(lines, (l) => Number(l.slice(l.indexOf(',') + 1)));
    let rep = detectPeriodicity(v, e.step_s);
    const tt = time(() => {
      rep = detectPeriodicity(v, e.step_s);
    }, 3);
    console.log(`${e.id} (${e.periodicity}) | ${v.length} | ${tt.median.toFixed(1)} | ${rep.reason}`);
  }
}

main();
