/**
 * `prescale serve` as a user runs it: the real CLI in a child process (through tsx), real HTTP.
 *  - without --config it serves the built-in demo workload; SIGTERM stops it with exit 0;
 *  - laid out as the image is (bin/prescale.js, compiled dist/, no src/), it runs the same way;
 *  - a bad --config at start is refused (exit 2) with the key, the value and what was expected;
 *  - with --configmap-dir, changing the mounted ConfigMap (the kubelet's atomic ..data swap)
 *    switches the Prometheus source without a restart, and a bad ConfigMap keeps the last good one
 *    and shows the error in /status and prescale_config_error. Prometheus is real (Debian), with
 *    2 days of history ending now, since the CLI runs on the wall clock.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultShape, demoLoad } from '../../src/demo/workload';
import { describeIfAvailable } from '../lib/needs';
import { freePort, havePrometheus, startPrometheus, type RunningServer } from './lib/servers';

jest.setTimeout(90_000);

const ROOT = path.join(__dirname, '..', '..');
const CLI = ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'serve'];
// Every run keeps its state in the test's temp dir, never in the repository's models/.
const stateDir = (): string[] => ['--state-dir', path.join(dir, 'state')];
const MODELS = ['--models', 'naive,seasonal-naive'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'prescale-serve-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Child {
  readonly proc: ChildProcess;
  readonly url: Promise<string>;
  stderr(): string;
  exit(): Promise<number | null>;
}

/** Starts `prescale serve ...` (`cli`: the node arguments before serve's); `url` resolves from its "listening" log line. */
function serve(args: string[], env: Record<string, string> = {}, cli = CLI): Child {
  const proc = spawn(process.execPath, [...cli, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let onUrl: (u: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (onUrl = resolve));
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /"event":"listening","url":"([^"]+)"/.exec(err);
    if (m) onUrl(m[1]!);
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, url, stderr: () => err, exit: () => exited };
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, child: Child, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; service log:\n${child.stderr().slice(-3000)}`);
}

/** Linux: every thread of `pid` -> its nice and CPU time so far (clock ticks), from /proc/<pid>/task/<tid>/stat. */
function threads(pid: number): Map<number, { nice: number; cpu: number }> {
  const out = new Map<number, { nice: number; cpu: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // After the ")" closing the name: state is field 3, utime 14, stime 15, nice 19 (proc(5)).
    const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    out.set(Number(tid), { nice: Number(f[19 - 3]), cpu: Number(f[14 - 3]) + Number(f[15 - 3]) });
  }
  return out;
}

const getJson = async (url: string) => (await (await fetch(url)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

it('serves the demo workload with no config, and stops on SIGTERM with exit 0', async () => {
  const c = serve(['--port', '0', '--host', '127.0.0.1', ...stateDir(), ...MODELS]);
  try {
    const url = await c.url;
    await waitFor('readiness', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), c);
    const rec = await getJson(`${url}/api/v1/workloads/demo/demo-llm/recommendation`);
    expect(rec.workload.id).toBe('demo-llm');
    expect(rec.replicas).toBeGreaterThanOrEqual(1);
    expect(rec.dataAgeSeconds).toBeLessThan(120);
    expect(c.stderr()).toMatch(/"event":"demo_mode"/);
    if (process.platform === 'linux') {
      // Thread priorities (src/runtime/priority.ts): the engine (main) thread at nice 5, and the
      // thread that does the work of answering requests (the API thread) at nice 0.
      expect(c.stderr()).toMatch(/"event":"engine_priority","nice":5/);
      expect(c.stderr()).not.toMatch(/api_thread_priority/);
      const before = threads(c.proc.pid!);
      for (let i = 0; i < 2000; i++) await (await fetch(`${url}/api/v1/workloads/demo/demo-llm/recommendation`)).arrayBuffer();
      const after = threads(c.proc.pid!);
      expect(after.get(c.proc.pid!)!.nice).toBe(5);
      const grew = (tid: number) => after.get(tid)!.cpu - (before.get(tid)?.cpu ?? 0);
      const busiest = [...after.keys()].sort((a, b) => grew(b) - grew(a))[0]!;
      expect(busiest).not.toBe(c.proc.pid);
      expect(after.get(busiest)!.nice).toBe(0);
    }
  } finally {
    c.proc.kill('SIGTERM');
  }
  expect(await c.exit()).toBe(0);
  expect(c.stderr()).toMatch(/"event":"stopping","signal":"SIGTERM"/);
});

it("runs as the image runs it: bin/prescale.js beside a compiled dist/ and no src/, threads included", async () => {
  // The Dockerfile's final stage, without Docker (no engine here): package.json, bin/, dist/ built
  // by `npm run build`'s tsconfig, node_modules. The launcher must pick dist/, and the API and
  // refit threads must start from its .js files (no TypeScript loader in the process).
  const app = path.join(dir, 'app');
  mkdirSync(path.join(app, 'bin'), { recursive: true });
  copyFileSync(path.join(ROOT, 'bin', 'prescale.js'), path.join(app, 'bin', 'prescale.js'));
  copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(app, 'dist')], { encoding: 'utf8', timeout: 120_000 });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
  const c = serve(['serve', '--port', '0', '--host', '127.0.0.1', ...stateDir(), ...MODELS, '--fit-workers', '1'], {}, [path.join(app, 'bin', 'prescale.js')]);
  try {
    const url = await c.url;
    await waitFor('readiness', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), c);
    const rec = await getJson(`${url}/api/v1/workloads/demo/demo-llm/recommendation`);
    expect(rec.workload.id).toBe('demo-llm');
    const status = await getJson(`${url}/status`);
    expect(status.version).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(c.stderr()).not.toMatch(/fit_workers_failed|tsx|\.ts\b/);
  } finally {
    c.proc.kill('SIGTERM');
  }
  expect(await c.exit()).toBe(0);
});

it('refuses a bad config at start, naming the key, the value and what was expected', () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'workloads:\n  - name: chat\n    target: { namespace: llm, name: chat }\n    metric: { type: qps, counter: http_requests_total }\n    capacityPerPod: -5\n    maxReplicas: 10\n    coldStart: { source: fixed, seconds: 120 }\n');
  const r = spawnSync(process.execPath, [...CLI, '--config', file, '--port', '0', ...stateDir()], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/workloads\[0\]\.capacityPerPod: value must be > 0 \(got -5\)/);
});

describeIfAvailable('ConfigMap hot reload of the Prometheus source', havePrometheus() ? undefined : 'prometheus/promtool not installed', () => {
  let prom: RunningServer;
  const cmDir = () => path.join(dir, 'cm');
  let gen = 0;
  /** Writes the ConfigMap's keys the way the kubelet does: new timestamped dir, atomic ..data swap (same keys each time). */
  function writeConfigMap(data: Record<string, string>): void {
    const d = cmDir();
    mkdirSync(d, { recursive: true });
    const ts = `..2026_11_25_00_00_0${gen++}`;
    mkdirSync(path.join(d, ts));
    for (const [k, v] of Object.entries(data)) writeFileSync(path.join(d, ts, k), v);
    symlinkSync(ts, path.join(d, '..data_tmp'));
    renameSync(path.join(d, '..data_tmp'), path.join(d, '..data'));
    for (const k of Object.keys(data)) {
      try {
        symlinkSync(path.join('..data', k), path.join(d, k));
      } catch {
        // already linked through ..data
      }
    }
  }

  beforeAll(async () => {
    // Two days of the demo load, per minute, ending now (each grid value 30 s before its grid time).
    const end = Math.floor(Date.now() / 1000 / 60) * 60;
    const lines = ['# TYPE demo_load gauge'];
    for (let t = end - 2 * 86400; t <= end; t += 60) lines.push(`demo_load{job="demo"} ${demoLoad(t, defaultShape)} ${t - 30}`);
    lines.push('# EOF', '');
    prom = await startPrometheus({ openMetrics: lines.join('\n') });
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('switches to the new source without a restart, and keeps the last good one on a bad update', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    writeConfigMap({ prometheusUrl: dead, prometheusTimeoutSeconds: '2' });
    const cfg = path.join(dir, 'workloads.yaml');
    writeFileSync(
      cfg,
      "workloads:\n  - name: demo-llm\n    target: { namespace: demo, name: demo-llm }\n    metric: { type: custom, query: 'sum(demo_load)' }\n" +
        '    capacityPerPod: 100\n    maxReplicas: 60\n    mode: auto\n    coldStart: { source: fixed, seconds: 300 }\n' +
        '    forecast: { stepSeconds: 60, horizonSeconds: 3600, historySeconds: 86400 }\n',
    );
    const c = serve(['--config', cfg, '--configmap-dir', cmDir(), '--port', '0', '--host', '127.0.0.1', '--tick', '*/2 * * * * *', ...stateDir(), ...MODELS], { PRESCALE_PROMETHEUS_URL: '' });
    try {
      const url = await c.url;
      // The dead source: collection fails, nothing is warm, the error is in /status.
      const st = await waitFor('a collector error', async () => {
        const s = await getJson(`${url}/status`);
        return s.workloads[0].lastError ? s : undefined;
      }, c);
      expect(st.source).toContain(dead);
      expect(st.workloads[0].warm).toBe(false);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);

      writeConfigMap({ prometheusUrl: prom.url, prometheusTimeoutSeconds: '2' });
      await waitFor('readiness on the new source', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), c);
      const s2 = await getJson(`${url}/status`);
      expect(s2.source).toBe(`${prom.url} (from configmap)`);
      expect(s2.workloads[0]).toMatchObject({ warm: true, lastError: null, source: `${prom.url} sum(demo_load)` });
      const rec = await getJson(`${url}/api/v1/workloads/demo/demo-llm/recommendation`);
      expect(rec.load).toBeGreaterThan(0);

      writeConfigMap({ prometheusUrl: 'prometheus:9090', prometheusTimeoutSeconds: '2' });
      const s3 = await waitFor('the ConfigMap error in /status', async () => {
        const s = await getJson(`${url}/status`);
        return s.configMap.lastError ? s : undefined;
      }, c);
      expect(s3.configMap.lastError.message).toMatch(/prometheusUrl/);
      expect(s3.source).toBe(`${prom.url} (from configmap)`);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^prescale_config_error 1$/m);
      expect((await fetch(`${url}/api/v1/workloads/demo/demo-llm/recommendation`)).status).toBe(200);
      expect(c.stderr()).toMatch(/"event":"configmap_rejected"/);
    } finally {
      c.proc.kill('SIGTERM');
    }
    expect(await c.exit()).toBe(0);
  });
});
