/**
 * Neural forecaster benchmark: fit time (wall and CPU) and update+predict cost per tfjs backend, and
 * MAE against naive, mean-of-last-5-min and seasonal naive on a real trace: hourly origins after the
 * first 2 weeks (or half the trace if shorter), refit every 24 h on the last 2 weeks.
 *
 *   npx tsx bench/neural.ts [trace.csv] [--backends wasm,cpu] [--weekly] [--opts '{"hidden":16}'] [--no-speed]
 *
 * Default trace: ../shared/data/traces/nasa_http_jul95_1min.csv (relative to the repo root). The
 * step is read from the first two timestamps; horizons are 10 and 60 min.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initTf, type TfPreference } from '../src/runtime/tf';
import { neuralForecaster, type NeuralOptions } from '../src/forecast/models/neural';
import type { FitContext } from '../src/forecast/types';

function readTrace(file: string): { y: Float64Array; step: number } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const t = (i: number): number => Date.parse(lines[i]?.split(',')[0] ?? '') / 1000;
  const y = Float64Array.from(lines.map((l) => {
    const v = Number(l.split(',')[1]);
    return Number.isFinite(v) && v >= 0 ? v : 0;
  }));
  return { y, step: t(1) - t(0) };
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const valueOf = new Set(['--backends', '--opts']);
  const file = args.find((a, i) => !a.startsWith('--') && !valueOf.has(args[i - 1] ?? '')) ?? path.join(__dirname, '..', '..', 'shared', 'data', 'traces', 'nasa_http_jul95_1min.csv');
  const bIdx = args.indexOf('--backends');
  const backends = (bIdx >= 0 ? (args[bIdx + 1] ?? 'wasm,cpu') : 'wasm,cpu').split(',') as TfPreference[];
  const oIdx = args.indexOf('--opts');
  const opts = oIdx >= 0 ? (JSON.parse(args[oIdx + 1] ?? '{}') as NeuralOptions) : {};
  const { y, step } = readTrace(file);
  const DAY = Math.round(86400 / step);
  // 2 weeks of history when the trace has at least 2 more days to score on, else half of it.
  const TRAIN = y.length >= 16 * DAY ? 14 * DAY : Math.floor(y.length / 2);
  const periods = args.includes('--weekly') ? [DAY, 7 * DAY] : [DAY];
  const hs = [Math.round(600 / step), Math.round(3600 / step)];
  const ctx: FitContext = { step, periods, maxHorizon: hs[1] as number, seed: 7 };
  console.log(`trace ${path.basename(file)}: ${y.length} samples of ${step} s; train ${TRAIN}; periods [${periods.join(', ')}]; opts ${JSON.stringify(opts)}`);

  for (const b of args.includes('--no-speed') ? [] : backends) {
    const { tf, backend } = await initTf(b);
    const model = neuralForecaster(tf, opts);
    const hist = y.subarray(0, TRAIN);
    model.fit(hist, ctx); // warm-up (kernel compilation)
    const times: number[] = [];
    const cpu: number[] = [];
    let fitted = null;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      fitted = model.fit(hist, ctx);
      cpu.push(cpuMs(c0));
      times.push(performance.now() - t0);
    }
    if (fitted === null) throw new Error('fit returned null on 2 weeks of history');
    const c1 = process.cpuUsage();
    const calls = 40000;
    let sink = 0;
    for (let i = 0; i < calls; i++) {
      fitted.update(y[TRAIN + (i % 1000)] as number);
      sink += fitted.predict(hs)[0] as number;
    }
    const per = (cpuMs(c1) * 1000) / calls;
    console.log(`tfjs backend: ${backend}  fit(${TRAIN} samples) wall median ${median(times).toFixed(0)} ms, CPU median ${median(cpu).toFixed(0)} ms [${cpu.map((t) => t.toFixed(0)).join(', ')}]  update+predict ${per.toFixed(2)} us CPU/call (sink ${sink > 0 ? 'ok' : '0'})`);
  }

  // Accuracy on weeks 3-4 with the first backend.
  const { tf, backend } = await initTf(backends[0] ?? 'auto');
  const model = neuralForecaster(tf, opts);
  const err = { neural: [0, 0], snaive: [0, 0], naive: [0, 0], mean5m: [0, 0] };
  let count = 0;
  let fitMs = 0;
  let fits = 0;
  let fitted = null;
  let at = 0; // latest index the fitted model has seen
  for (let t = TRAIN - 1; t + (hs[1] as number) < y.length; t += Math.round(3600 / step)) {
    if (fitted === null || (t - (TRAIN - 1)) % DAY === 0) {
      const t0 = performance.now();
      fitted = model.fit(y.subarray(t + 1 - TRAIN, t + 1), ctx);
      fitMs += performance.now() - t0;
      fits++;
      at = t;
      if (fitted === null) throw new Error('fit returned null');
    }
    while (at < t) fitted.update(y[++at] as number);
    const p = fitted.predict(hs);
    const k5 = Math.max(1, Math.round(300 / step));
    let m5 = 0;
    for (let j = 0; j < k5; j++) m5 += (y[t - j] as number) / k5;
    hs.forEach((h, i) => {
      const actual = y[t + h] as number;
      err.neural[i]! += Math.abs((p[i] as number) - actual);
      err.snaive[i]! += Math.abs((y[t + h - DAY] as number) - actual);
      err.naive[i]! += Math.abs((y[t] as number) - actual);
      err.mean5m[i]! += Math.abs(m5 - actual);
    });
    count++;
  }
  console.log(`accuracy (${backend}; ${count} hourly origins, ${fits} refits, mean fit ${(fitMs / fits).toFixed(0)} ms):`);
  for (const [name, e] of Object.entries(err)) {
    console.log(`  ${name.padEnd(7)} MAE 10 min: ${(e[0]! / count).toFixed(3)}  60 min: ${(e[1]! / count).toFixed(3)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
