/**
 * Service benchmark: `npm run bench:service -- [--workloads 1000] [--days 7] [--warmup-budget 1500]
 *   [--neural] [--tf-backend B] [--rps 1000] [--seconds 30] [--connections 10] [--state-dir DIR]
 *   [--save-every S] [--single-thread] [--from-source] [--rounds 3] [--until memory] [--skip-refit-all]`
 *
 * The issue's goals, for 1,000 workloads at 1-minute steps with 7 days of history (demo source,
 * a different seed and peak per workload), the service set up as `prescale serve` sets it up: the
 * API on a thread of its own (`--single-thread`: in the engine's thread), refits on one worker
 * thread per core (at most 4):
 *  - warm-up (backfill + replay every step through forecaster and planner);
 *  - decision ticks over all workloads for an hour of data time (the refits falling due in it
 *    included): goal <= 2 s a tick;
 *  - resident memory of the service so far (after a full GC): goal <= 1 GiB;
 *  - a refit of every workload (periodicity detection + fit of every model on its 7 days) on the
 *    refit threads, all handed out at once: goal <= 10 min on 2 cores. Peer: the same refits in
 *    line on one thread. It comes after the memory reading, since its peer computes on the
 *    service's thread (a second reading shows what both left);
 *  - API p99 at 1,000 requests/s on loopback: goal <= 10 ms, read on the median of `--rounds`
 *    runs (default 3; one run's p99 moves by several ms on shared cores). Peers under the same
 *    background work: bare node:http in a process of its own (an event loop of its own, as
 *    prescale's API thread has, at the same priority, without counting in the service's memory),
 *    measured alternately with prescale; bare express and bare node:http in the engine's thread,
 *    once each. Each returns a constant JSON of a recommendation's size.
 * Models: the classical ones (naive, seasonal-naive, holt-winters, robust-stl); `--neural` adds
 * the network (slow on the pure-JS/wasm backends). The output says which.
 *
 * `--until memory` stops after the memory reading (with `--state-dir` of an earlier run, a restart
 * on its saved state: the way to compare the memory of two builds at 1,000 workloads without a
 * cold warm-up each).
 *
 * When the warm-up of all workloads would not fit `--warmup-budget` seconds on this machine, a
 * probe of 4 workloads sizes the run: as many workloads as fit are run, and the figures for 1,000
 * are printed as a linear extrapolation, labelled as such.
 *
 * Load generation: autocannon (the npm package, programmatic API) in a child process, so it never
 * shares the service's event loop: `--connections` keep-alive connections (default 10) at an
 * overall rate of `--rps` for `--seconds`, after 2 s of unrecorded warm-up at the same rate,
 * latencies corrected for coordinated omission as autocannon does it, and uncorrected (see
 * generate()). The peers are measured the same way.
 *
 * I/O edge: files, HTTP, the clock and process are used freely here.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { availableParallelism, getPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type autocannon from 'autocannon';
import express from 'express';
import type { Service } from '../src/cli/serve';
import type { LoopWorkload } from '../src/engine/loop';
import type { WorkloadSpec } from '../src/engine/workloadEngine';
import type { FitRequest } from '../src/forecast/online';
import type { Forecaster } from '../src/forecast/types';

/**
 * The service's code as the image runs it: the compiled JavaScript in dist/ (`npm run
 * bench:service` builds it first; its worker threads then load .js too), or with --from-source the
 * TypeScript in src/ through tsx (~30 MiB more per process: the loader and its source maps).
 */
const CODE = path.join(__dirname, '..', process.argv.includes('--from-source') ? 'src' : 'dist');
function code<T>(module: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(CODE, module)) as T;
  } catch (err) {
    throw new Error(`cannot load ${path.join(CODE, module)} (${(err as Error).message}): run \`npm run build\` first, or pass --from-source`);
  }
}
const { demoSpec, startService } = code<typeof import('../src/cli/serve')>('cli/serve');
const { defaultForecasters } = code<typeof import('../src/cli/models')>('cli/models');
const { DemoSource } = code<typeof import('../src/engine/sources')>('engine/sources');
const { SharedClock } = code<typeof import('../src/runtime/clock')>('runtime/clock');
type SharedClock = import('../src/runtime/clock').SharedClock;
const { computeFit } = code<typeof import('../src/forecast/online')>('forecast/online');
const { detectPeriodicity } = code<typeof import('../src/periodicity')>('periodicity');

const DAY = 86400;
const MiB = 1024 * 1024;

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const has = (name: string) => process.argv.includes(`--${name}`);

// ---- load generator: autocannon in a child process ------------------------------------------

interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly achievedRps: number;
  /** Without autocannon's coordinated-omission correction: each response's own latency (ms, not rounded). */
  readonly raw: { readonly p50: number; readonly p99: number; readonly p999: number };
}

/**
 * autocannon at a fixed overall rate over keep-alive connections, cycling through `paths`; 2 s of
 * warm-up at the same rate first (JIT, sockets, first GC), not recorded. How autocannon 9 keeps a
 * rate (lib/httpClient.js, lib/run.js): each connection sends its share of a second's requests as
 * fast as the server answers, then waits for the next second, so 1,000 req/s over 10 connections
 * is a burst of 1,000 requests at the top of every second, 10 in flight (a bare node:http server
 * spends ~50 ms of CPU on one here; perf sched shows it busy, then idle for the rest of the
 * second). Its latencies are corrected for coordinated omission with an expected interval of
 * ceil(1 / rate) = 1 ms (rate in requests a second per connection), so a response
 * that took n ms is also counted as n - 1 ms, n - 2 ms ... 1 ms: a stall of a few ms in a burst
 * weighs ~10 times what it would with the 10 ms a connection's own rate gives. The goal is read
 * on autocannon's figure, as anyone running autocannon would; the uncorrected percentiles (each
 * response's own latency, from its 'response' events) are printed beside it.
 */
async function generate(base: string, paths: readonly string[], rps: number, seconds: number, connections: number): Promise<LoadResult> {
  // Loaded here, in the load generator's own process: required at the top, autocannon would add
  // ~26 MiB to the measured process (67 against 41 MiB for node alone), which never calls it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as typeof import('autocannon');
  const requests = paths.map((path) => ({ method: 'GET' as const, path }));
  const raw: number[] = [];
  // Without a callback autocannon returns its instance, which is also a promise of the result;
  // with a warm-up, the instance reports the measured run only (lib/init.js, runWithWarmup).
  const instance = autocannon({ url: base, connections, overallRate: rps, duration: seconds, requests, warmup: { connections, duration: 2 } } as autocannon.Options) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) raw.push(ms);
  });
  const r = await instance;
  raw.sort((a, b) => a - b);
  const q = (p: number) => raw[Math.min(raw.length - 1, Math.floor(p * raw.length))] ?? NaN;
  return { sent: r.requests.sent, ok: r['2xx'], errors: r.errors + r.non2xx, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, achievedRps: r['2xx'] / r.duration, raw: { p50: q(0.5), p99: q(0.99), p999: q(0.999) } };
}

async function childMain(): Promise<void> {
  const r = await generate(flag('base', ''), JSON.parse(flag('paths', '[]')) as string[], Number(flag('rps', '1000')), Number(flag('seconds', '10')), Number(flag('connections', '10')));
  process.stdout.write(JSON.stringify(r));
}

/** Runs autocannon in a child process (same tsx loader), so it never shares the service's event loop or CPU accounting. */
function generateInChild(base: string, paths: readonly string[], rps: number, seconds: number, connections: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const args = ['--loadgen', '--base', base, '--paths', JSON.stringify(paths), '--rps', String(rps), '--seconds', String(seconds), '--connections', String(connections)];
    const child = spawn(process.execPath, [...process.execArgv, __filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

// ---- the service under test ----------------------------------------------------------------

function workloads(n: number, days: number): LoopWorkload[] {
  return Array.from({ length: n }, (_, i) => {
    const spec: WorkloadSpec = { ...demoSpec(1), id: `w${i}`, name: `w${i}`, namespace: 'bench', historySeconds: days * DAY, maxReplicas: 200 };
    // Different seeds (burst times, noise) and peaks from 200 to 2,150 rps.
    return { spec, source: new DemoSource({ seed: 1000 + i, peak: 200 + (i % 40) * 50, burstsPerWeek: 2 }) };
  });
}

// A full GC before each memory reading, so that RSS is the live set plus what V8 keeps mapped,
// not the warm-up's garbage (without --expose-gc on the command line: the flag set at run time).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const rssMiB = () => {
  gc();
  return process.memoryUsage().rss / MiB;
};
const fmt = (x: number, d = 2) => x.toFixed(d);

/**
 * Where the resident memory is, by mapping (Linux: /proc/self/smaps), to split a total that the
 * threads share: mapped files (node and its libraries), the main thread's malloc heap (brk), the
 * other threads' malloc arenas (glibc maps each at a 64 MiB boundary; a V8 mapping that happens to
 * start on one counts here too), and the other anonymous mappings (V8's heaps and code, large
 * backing stores, WebAssembly memories). Null where there is no /proc.
 */
function residentByMapping(): string | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  const kb = { files: 0, brk: 0, arenas: 0, anon: 0 };
  let kind: keyof typeof kb = 'anon';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const [, start, perms, name] = head as unknown as [string, string, string, string];
      const arena = name === '' && perms.startsWith('rw') && parseInt(start, 16) % (64 * MiB) === 0;
      kind = name === '[heap]' ? 'brk' : name.startsWith('/') ? 'files' : arena ? 'arenas' : 'anon';
    } else if (line.startsWith('Rss:')) kb[kind] += Number(line.split(/\s+/)[1]);
  }
  const m = (k: number) => fmt(k / 1024, 0);
  return `files ${m(kb.files)} MiB, main thread's malloc heap ${m(kb.brk)} MiB, other threads' malloc arenas ${m(kb.arenas)} MiB, other anonymous (V8 heaps and code, large buffers, wasm) ${m(kb.anon)} MiB`;
}

/**
 * `lowerPriority` false: the engine thread keeps its priority. A thread starts at the priority of
 * the thread that starts it, and a process cannot raise a priority back without privilege, so the
 * probe must not lower this thread: the measured service's API thread, started from it, would be
 * born at the engine's nice 5 instead of 0 (as it was in this bench before 2026-11-25).
 */
async function start(n: number, days: number, forecasters: readonly Forecaster[], now: SharedClock, stateDir?: string, lowerPriority = true): Promise<{ service: Service; warmSeconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const service = await startService({
    workloads: workloads(n, days),
    forecasters,
    // As `prescale serve` by default: the API on a thread of its own, reading the same clock.
    clock: now.spec,
    apiThread: !has('single-thread'),
    lowerEnginePriority: lowerPriority,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    version: 'bench',
    ...(stateDir ? { stateDir } : {}),
    ...(has('save-every') ? { saveEverySeconds: Number(flag('save-every', '900')) } : {}),
    // As `prescale serve` by default: refits on worker threads, one per core (at most 4).
    fitWorkers: Math.min(4, availableParallelism()),
    ...(has('tf-backend') ? { tfBackend: flag('tf-backend', 'auto') } : {}),
  });
  const c = process.cpuUsage(c0);
  return { service, warmSeconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

/** prescale_refit_wait_seconds so far: waits of warm workloads for a refit still on a refit thread. */
async function refitWaits(service: Service): Promise<{ count: number; sum: number }> {
  const m = await service.metrics.registry.getSingleMetric('prescale_refit_wait_seconds')!.get();
  const v = (suffix: string) => m.values.find((x) => (x as { metricName?: string }).metricName === `prescale_refit_wait_seconds_${suffix}`)?.value ?? 0;
  return { count: v('count'), sum: v('sum') };
}

/**
 * Every workload's refit on the service's refit threads (all handed out at once: wall time), then
 * in line on this thread (summed). In a function of its own, so that the histories are garbage
 * before the second memory reading.
 */
async function refitAll(service: Service, n: number, days: number, t: number, forecasters: readonly Forecaster[]): Promise<{ pooled: number; inline: number }> {
  const requests: FitRequest[] = [];
  for (const w of workloads(n, days)) {
    const s = await w.source.backfill(t - days * DAY, t, 60);
    requests.push({ index: s.values.length - 1, history: s.values, step: 60, periods: [], maxHorizon: 60, seed: 1 });
  }
  const pool = service.fitPool!;
  const p0 = performance.now();
  await Promise.all(requests.map((r) => pool.fit(r)));
  const pooled = (performance.now() - p0) / 1000;
  await Promise.all(forecasters.map((f) => f.prepare?.()));
  let inline = 0;
  for (const r of requests) {
    const t0 = performance.now();
    computeFit(r, forecasters, detectPeriodicity);
    inline += (performance.now() - t0) / 1000;
  }
  return { pooled, inline };
}

/**
 * The data clock's start: 2026-01-07 12:00 UTC, or with `--state-dir` holding an earlier run's
 * state, the minute after the newest sample in it. The service rejects a workload's state whose
 * samples end after its clock (not its own: it retrains), and a run saves its workloads at
 * different minutes, so a rerun on the same directory starts after the newest of them; the others
 * catch up on their missed minutes, as after any restart. Read from the head of each state file
 * (`"start"` and `"count"` come before the samples; see src/engine/state.ts), not by parsing
 * ~0.7 MB of JSON per workload, which would leave its garbage in the memory reading.
 */
async function clockStart(stateDir: string | null): Promise<{ t: number; resumed: boolean }> {
  const t = Math.floor(Date.UTC(2026, 0, 7, 12, 0, 0) / 1000);
  if (stateDir === null) return { t, resumed: false };
  let newest = -Infinity;
  let files: string[] = [];
  try {
    files = readdirSync(stateDir);
  } catch {
    // not there yet: the service creates it, and this run starts cold
  }
  for (const file of files) {
    if (!file.endsWith('.state.json')) continue;
    const fd = openSync(path.join(stateDir, file), 'r');
    const head = Buffer.alloc(2048);
    const len = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const m = /"step":(\d+),"start":(\d+),"count":(\d+)/.exec(head.toString('utf8', 0, len));
    if (m) newest = Math.max(newest, Number(m[2]) + (Number(m[3]) - 1) * Number(m[1]));
  }
  return Number.isFinite(newest) ? { t: Math.max(t, newest + 60), resumed: true } : { t, resumed: false };
}

async function main(): Promise<void> {
  // The own-loop peer (a bare node:http server with an event loop of its own, as prescale's API
  // thread has) runs in a process of its own, so that its memory is not counted as the service's.
  // It is started first: a process or thread inherits the priority of the thread that starts it,
  // and the service lowers its engine thread's (src/runtime/priority.ts), which is this one.
  const processPeer = spawn(
    process.execPath,
    [
      '-e',
      `const http = require('node:http');
       process.once('disconnect', () => process.exit(0));
       process.once('message', (body) => {
         const s = http.createServer((_req, res) => {
           res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
           res.end(body);
         });
         s.listen(0, '127.0.0.1', () => process.send(s.address().port));
       });`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const target = Number(flag('workloads', '1000'));
  const days = Number(flag('days', '7'));
  const budget = Number(flag('warmup-budget', '1500'));
  const rps = Number(flag('rps', '1000'));
  const seconds = Number(flag('seconds', '30'));
  const connections = Number(flag('connections', '10'));
  const rounds = Number(flag('rounds', '3'));
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`--rounds ${flag('rounds', '3')}: expected an integer >= 1`);
  const until = flag('until', 'end');
  if (!['memory', 'end'].includes(until)) throw new RangeError(`--until ${until}: expected memory (stop after the memory reading) or end`);
  const models = has('neural') ? 'naive,seasonal-naive,holt-winters,robust-stl,neural' : 'naive,seasonal-naive,holt-winters,robust-stl';
  // As `prescale serve` with refit threads: this (the engine's) thread loads TensorFlow.js only
  // when it first fits the network itself (the in-line peer of the refit of all, below).
  const { forecasters, notes } = await defaultForecasters({ seed: 1, models, lazyTf: true });
  const resume = await clockStart(has('state-dir') ? flag('state-dir', '') : null);
  const now = new SharedClock(resume.t);
  console.log(`bench:service  node ${process.version}, ${(await import('node:os')).cpus().length} cores (shared), ${notes.join('; ')}; refits on ${Math.min(4, availableParallelism())} worker threads`);
  console.log(`goal: ${target} workloads, 60 s steps, ${days} days of history (${days * 1440} samples each)`);
  // The image sets MALLOC_ARENA_MAX=2 (Dockerfile), and so does `npm run bench:service`.
  console.log(`malloc: MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset (glibc: up to 8 arenas a core)'}`);

  // Probe: 4 workloads, to size the run.
  const probe = await start(4, days, forecasters, new SharedClock(now.t), undefined, false);
  await probe.service.stop();
  const perWarm = probe.warmSeconds / 4;
  const fit = Math.max(1, Math.floor(budget / Math.max(perWarm, 1e-6)));
  const n = Math.min(target, fit);
  console.log(`probe: warm-up ${fmt(perWarm, 3)} s per workload -> running ${n} workloads${n < target ? ` (all ${target} would take ~${fmt(perWarm * target, 0)} s > --warmup-budget ${budget} s)` : ''}`);
  const extra = n < target ? target / n : 1;
  const label = (x: number, unit: string, d = 2) => (n < target ? `${fmt(x, d)} ${unit} for ${n}; extrapolated x${fmt(extra, 1)} (linear) -> ${fmt(x * extra, d)} ${unit} for ${target}` : `${fmt(x, d)} ${unit}`);

  const stateDir = has('state-dir') ? flag('state-dir', '') : mkdtempSync(path.join(tmpdir(), 'prescale-bench-state-'));
  const rss0 = rssMiB();
  const { service, warmSeconds, cpuSeconds } = await start(n, days, forecasters, now, stateDir);
  console.log(
    resume.resumed
      ? `start on the saved state of an earlier run in ${stateDir} (the data clock resumes after its newest sample; trained engines restored, the minutes since backfilled): ${label(warmSeconds, 's')}  (cpu ${fmt(cpuSeconds)} s)`
      : `warm-up (backfill ${days} d + replay through forecaster and planner + first state save): ${label(warmSeconds, 's')}  (cpu ${fmt(cpuSeconds)} s)`,
  );

  // Decision ticks: one hour of data time. Each tick the clock moves one step, every workload
  // collects one sample and decides; the refits that fall due in that hour (each workload at its
  // own phase of the daily cadence) happen inside them, as in the running service.
  // The ticks run back to back (an hour of data in well under a minute), so a refit taken at one
  // tick is due 5 ticks (seconds) later instead of 5 minutes later; when the refit threads are
  // behind, the tick waits for it (prescale_refit_wait_seconds), shown apart.
  const ticks: { seconds: number; waits: number }[] = [];
  for (let i = 0; i < 60; i++) {
    now.t += 60;
    const w0 = await refitWaits(service);
    const t0 = performance.now();
    await service.loop.tick();
    ticks.push({ seconds: (performance.now() - t0) / 1000, waits: (await refitWaits(service)).count - w0.count });
  }
  const quantiles = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return { q: (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))]!, max: v[v.length - 1] ?? NaN, n: v.length };
  };
  const all = quantiles(ticks.map((x) => x.seconds));
  console.log(`decision tick (all workloads, 60 ticks = 1 h of data time, refits due included): median ${label(all.q(0.5), 's', 3)}; p95 ${fmt(all.q(0.95), 3)} s, max ${fmt(all.max, 3)} s  goal <= 2 s`);
  const free = quantiles(ticks.filter((x) => x.waits === 0).map((x) => x.seconds));
  const waited = quantiles(ticks.filter((x) => x.waits > 0).map((x) => x.seconds));
  const waitSum = (await refitWaits(service)).sum;
  console.log(
    `  ticks that waited for a refit still on a refit thread: ${waited.n} of 60${waited.n > 0 ? ` (median ${fmt(waited.q(0.5), 3)} s, max ${fmt(waited.max, 3)} s; ${ticks.reduce((a, x) => a + x.waits, 0)} waits, ${fmt(waitSum, 1)} s summed over workloads)` : ''}; the others: median ${fmt(free.q(0.5), 3)} s, max ${fmt(free.max, 3)} s`,
  );
  // The refit threads collect their own garbage once idle (1 s after their last refit), as they do
  // between refits in a running service.
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMiB();
  const perW = (rss - rss0) / n;
  const mu = process.memoryUsage();
  // The service's own memory, as it runs: before the refit of all below, whose peer computes 1,000
  // refits in line on this thread (the bench's work, not the service's) and whose 1,000 refits at
  // once through the pool never happen in a running service (refits are spread over the day).
  console.log(
    `resident memory: ${fmt(rss, 0)} MiB (after a full GC; engine thread: JS heap used ${fmt(mu.heapUsed / MiB, 0)} MiB of ${fmt(mu.heapTotal / MiB, 0)} MiB held, typed arrays ${fmt(mu.arrayBuffers / MiB, 0)} MiB, TensorFlow.js ${Object.keys(require.cache).some((k) => k.includes(`${path.sep}@tensorflow${path.sep}`)) ? 'loaded' : 'not loaded'}; ${service.fitPool!.size} refit threads: V8 heaps ${fmt(service.fitPool!.heapBytes / MiB, 0)} MiB after their idle collections, WebAssembly memories ${fmt(service.fitPool!.wasmBytes / MiB, 0)} MiB)`,
  );
  console.log(`resident memory: ${fmt(rss, 0)} MiB (${fmt(rss0, 0)} MiB before the service, ${fmt(perW, 3)} MiB per workload)${n < target ? `; extrapolated (linear) for ${target}: ${fmt(rss0 + perW * target, 0)} MiB` : ''}  goal <= 1024 MiB`);
  const byMapping = residentByMapping();
  if (byMapping) console.log(`  resident by mapping: ${byMapping}`);
  // What the engine thread's V8 heap holds beyond what is live, by space: after a start from saved
  // state it held 105 to 200 MiB for the same 50 MiB live (three runs), the spread of that reading.
  const spaces = v8
    .getHeapSpaceStatistics()
    .filter((sp) => sp.space_size >= MiB)
    .map((sp) => `${sp.space_name.replace(/_space$/, '')} ${fmt(sp.space_used_size / MiB, 0)} of ${fmt(sp.space_size / MiB, 0)}`);
  console.log(`  engine thread's V8 heap by space, MiB used of held: ${spaces.join(', ')}`);
  if (until === 'memory') {
    await service.stop();
    processPeer.kill();
    if (!has('state-dir')) rmSync(stateDir, { recursive: true, force: true });
    return;
  }

  // Refit: what the daily refit costs (periodicity detection + a fit of every model on each
  // workload's history), on the service's refit threads (all workloads handed out at once, wall
  // time), and in line on this one thread (the peer: what a refit in the tick costs).
  // --skip-refit-all: straight to the API runs (the refit of all takes ~23 min with the network).
  if (!has('skip-refit-all')) {
    const { pooled, inline } = await refitAll(service, n, days, now.t, forecasters);
    console.log(`refit of all (periodicity + fit of ${forecasters.length} models on ${days} d each) on ${service.fitPool!.size} refit threads: ${label(pooled, 's')}  goal <= 600 s for 1,000 on 2 cores`);
    console.log(`  peer: the same refits in line on one thread: ${label(inline, 's')}; ratio threads / one thread x${fmt(pooled / inline)}`);

    await new Promise((r) => setTimeout(r, 2000));
    console.log(`  resident memory after the refit of all (${n} refits at once on the refit threads and ${n} in line on this thread for the peer, on top of the service; not a state the running service reaches): ${fmt(rssMiB(), 0)} MiB`);
  }

  const t0 = performance.now();
  await service.loop.saveAll();
  console.log(`state save of all (atomic, fsync per file) to ${stateDir}: ${label((performance.now() - t0) / 1000, 's')}`);

  // API under load: the recommendation of a different workload each request.
  const base = service.server.url;
  const paths = Array.from({ length: Math.min(n, 100) }, (_, i) => `/api/v1/workloads/bench/w${i}/recommendation`);
  // As in the running service: the data clock runs at wall-clock speed and the tick fires every
  // 30 s (the default schedule) while the API is under load. The first tick comes half-way
  // through the measured window (after autocannon's 2 s warm-up), just after the next sample is
  // due, so that it collects and decides a new minute for every
  // workload (with the refits and state writes falling due then) and the other finds nothing new:
  // what any 30 s of a running service holds. The peers are measured the same way, so that all
  // pay the same background work.
  let ticksDuringLoad = 0;
  const loopDelay: string[] = [];
  const underLoad = async <T>(f: () => Promise<T>): Promise<T> => {
    const eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    const firstAt = 2 + seconds / 2;
    now.t = Math.floor(now.t / 60) * 60 + 60 - firstAt + 0.5;
    let last = performance.now();
    const clock = setInterval(() => {
      const t = performance.now();
      now.t += (t - last) / 1000;
      last = t;
    }, 100);
    const ticker = setInterval(() => {
      ticksDuringLoad++;
      void service.loop.tick();
    }, 30_000);
    const first = setTimeout(() => {
      ticksDuringLoad++;
      void service.loop.tick();
    }, firstAt * 1000);
    try {
      return await f();
    } finally {
      eld.disable();
      loopDelay.push(`p50 ${fmt(eld.percentile(50) / 1e6, 1)} ms, p99 ${fmt(eld.percentile(99) / 1e6, 1)} ms, max ${fmt(eld.max / 1e6, 1)} ms`);
      clearInterval(clock);
      clearInterval(ticker);
      clearTimeout(first);
      await service.loop.tick();
      now.t = Math.ceil(now.t);
    }
  };
  // On shared cores one run's p99 moves by several ms from run to run, for the peers too. So
  // prescale and the own-loop peer (a bare node:http server in a process of its own) are measured
  // alternately, `--rounds` times (default 3), and the goal is read on the median of prescale's
  // runs, next to the peer's median over the same rounds. Then, once each, the peers in this
  // process under the same background work: a bare express app and a bare node:http server in the
  // engine's thread. Every peer returns a constant JSON of the size of a recommendation, asked for
  // the same URLs as prescale (the load generator's work per request is the same).
  const constant = JSON.stringify(await (await fetch(`${base}${paths[0]}`)).json());
  processPeer.send(constant);
  const peerPort = await new Promise<number>((resolve) => processPeer.once('message', (m) => resolve(m as number)));
  const ours: LoadResult[] = [];
  const own: LoadResult[] = [];
  const delayLabels: string[] = [];
  const apiThreadId = service.apiThreadId;
  for (let r = 0; r < rounds; r++) {
    ours.push(await underLoad(() => generateInChild(base, paths, rps, seconds, connections)));
    delayLabels.push(`prescale #${r + 1}`);
    own.push(await underLoad(() => generateInChild(`http://127.0.0.1:${peerPort}`, paths, rps, seconds, connections)));
    delayLabels.push(`own-process peer #${r + 1}`);
  }
  processPeer.kill();
  const peerApp = express();
  peerApp.disable('x-powered-by');
  peerApp.set('etag', false);
  peerApp.get('/api/v1/workloads/:namespace/:name/recommendation', (_req, res) => {
    res.type('json').send(constant);
  });
  const measurePeer = async (server: http.Server): Promise<LoadResult> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address() as { port: number };
    try {
      return await underLoad(() => generateInChild(`http://127.0.0.1:${addr.port}`, paths, rps, seconds, connections));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  };
  const bare = await measurePeer(http.createServer(peerApp));
  delayLabels.push('express');
  const raw = await measurePeer(
    http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(constant) });
      res.end(constant);
    }),
  );
  delayLabels.push('node:http');
  const line = (name: string, r: LoadResult) =>
    `${name}: ${r.ok} ok of ${r.sent} sent, ${r.errors} errors, ${fmt(r.achievedRps, 0)} req/s; latency p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, max ${fmt(r.max, 1)} ms; uncorrected p50 ${fmt(r.raw.p50, 2)} ms, p99 ${fmt(r.raw.p99, 2)} ms, p99.9 ${fmt(r.raw.p999, 2)} ms`;
  const apiNice = apiThreadId === null ? 'n/a' : String(getPriority(apiThreadId));
  console.log(
    `API at ${rps} req/s for ${seconds} s a run (autocannon in a child process, ${connections} keep-alive connections, after 2 s of warm-up; data clock at wall-clock speed, ${ticksDuringLoad} decision ticks over all workloads during the ${2 * rounds + 2} runs; API thread at nice ${apiNice}, engine thread at ${getPriority(0)}):`,
  );
  const name = has('single-thread') ? 'prescale GET .../recommendation (API in the engine thread)' : 'prescale GET .../recommendation (API thread)';
  for (let r = 0; r < rounds; r++) {
    console.log(`  ${line(`round ${r + 1}: ${name}`, ours[r]!)}`);
    console.log(`  ${line(`round ${r + 1}: peer: bare node:http in a process of its own, constant JSON`, own[r]!)}`);
  }
  console.log(`  ${line('peer: bare express in the engine thread, constant JSON', bare)}`);
  console.log(`  ${line('peer: bare node:http in the engine thread, constant JSON', raw)}`);
  console.log(`  event loop delay of the engine's thread (1 ms resolution) during the runs: ${delayLabels.map((l, i) => `${l} ${loopDelay[i]}`).join('; ')}`);
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const ourP99 = ours.map((r) => r.p99);
  const ownP99 = own.map((r) => r.p99);
  const mid = median(ourP99);
  const ratio = (a: number, b: number) => (b > 0 ? `x${fmt(a / b)}` : 'n/a');
  console.log(`  prescale p99 over ${rounds} runs: median ${fmt(mid, 1)} ms (runs ${ourP99.map((x) => fmt(x, 0)).join(', ')} ms)  goal p99 <= 10 ms`);
  console.log(`  ratio of prescale's median p99 to: node:http in its own process ${ratio(mid, median(ownP99))} (its runs ${ownP99.map((x) => fmt(x, 0)).join(', ')} ms), bare express ${ratio(mid, bare.p99)}, bare node:http ${ratio(mid, raw.p99)} (both in the engine thread)`);
  const rawMedian = (xs: LoadResult[], k: 'p99' | 'p999') => median(xs.map((x) => x.raw[k]));
  console.log(
    `  uncorrected, medians over the rounds: prescale p99 ${fmt(rawMedian(ours, 'p99'), 2)} ms, p99.9 ${fmt(rawMedian(ours, 'p999'), 2)} ms; node:http in its own process p99 ${fmt(rawMedian(own, 'p99'), 2)} ms, p99.9 ${fmt(rawMedian(own, 'p999'), 2)} ms (x${fmt(rawMedian(ours, 'p99') / rawMedian(own, 'p99'))} at p99)`,
  );

  // Restart on the saved state: the trained engines are restored from their files (no refit) and
  // only the samples missed meanwhile are asked of the source.
  await service.stop();
  const again = await start(n, days, forecasters, now, stateDir);
  const restored = again.service.loop.status().filter((s) => s.warm).length;
  console.log(`restart on the saved state (trained engines restored from ${stateDir}): ${label(again.warmSeconds, 's')} to warm ${restored} of ${n} (the ${resume.resumed ? 'start on saved state' : 'cold warm-up'} above: ${fmt(warmSeconds)} s)`);
  await again.service.stop();
  if (!has('state-dir')) rmSync(stateDir, { recursive: true, force: true });
}

if (has('loadgen')) {
  childMain().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
