/**
 * Start real metric servers for integration tests, on 127.0.0.1 and a free port, each with its own
 * temp directory; stop them within a bounded time.
 *
 * Prometheus (Debian `prometheus`): history is loaded before start with
 *   promtool tsdb create-blocks-from openmetrics FILE DIR
 * VictoriaMetrics (Debian `victoria-metrics`): started empty, history pushed to
 *   /api/v1/import/prometheus (text format with ms timestamps), then /internal/force_flush.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import axios from 'axios';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** The victoria-metrics binary from its Debian package, or undefined when not installed. */
export function victoriaMetricsBin(): string | undefined {
  try {
    const files = execFileSync('dpkg', ['-L', 'victoria-metrics'], { encoding: 'utf8' }).split('\n');
    return files.find((f) => /\/bin\/victoria-metrics(-prod)?$/.test(f) && existsSync(f));
  } catch {
    return existsSync('/usr/bin/victoria-metrics') ? '/usr/bin/victoria-metrics' : undefined;
  }
}

export const havePrometheus = (): boolean => existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  readonly url: string;
  readonly dir: string;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the temp dir. */
  stop(graceMs?: number): Promise<void>;
  /** Everything the process wrote to stderr/stdout (for failure messages). */
  log(): string;
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before ready:\n${log().slice(-2000)}`);
    try {
      const r = await axios.get(url, { timeout: 1000, validateStatus: () => true });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms at ${url}:\n${log().slice(-2000)}`);
}

function launch(bin: string, args: string[], dir: string, baseUrl: string, readyPath: string): Promise<RunningServer> {
  let out = '';
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async (graceMs = 5000) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const server = { url: baseUrl, dir, stop, log: () => out };
  return waitReady(`${baseUrl}${readyPath}`, child, () => out, 20_000).then(
    () => server,
    async (e) => {
      await stop(1000);
      throw e;
    },
  );
}

/**
 * Prometheus with `openMetrics` history loaded as TSDB blocks. Retention 100y so blocks from a
 * fixed past date are never deleted relative to the wall clock.
 */
export async function startPrometheus(opts: { openMetrics?: string } = {}): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'prescale-prom-'));
  const data = path.join(dir, 'data');
  const cfg = path.join(dir, 'prometheus.yml');
  writeFileSync(cfg, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  if (opts.openMetrics !== undefined) {
    const file = path.join(dir, 'history.om');
    writeFileSync(file, opts.openMetrics);
    await new Promise<void>((resolve, reject) =>
      execFile(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', file, data], { timeout: 60_000 }, (err, _o, stderr) =>
        err ? reject(new Error(`promtool failed: ${err.message}\n${stderr}`)) : resolve(),
      ),
    );
  }
  const port = await freePort();
  return launch(
    PROMETHEUS_BIN,
    [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100y', '--log.level=warn'],
    dir,
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}

/** VictoriaMetrics, optionally with Prometheus-text history imported (and flushed) before return. */
export async function startVictoriaMetrics(bin: string, opts: { promText?: string } = {}): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'prescale-vm-'));
  const port = await freePort();
  const server = await launch(
    bin,
    [`-storageDataPath=${path.join(dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.disableCache', '-loggerLevel=ERROR'],
    dir,
    `http://127.0.0.1:${port}`,
    '/health',
  );
  try {
    if (opts.promText !== undefined) {
      const r = await axios.post(`${server.url}/api/v1/import/prometheus`, opts.promText, { headers: { 'Content-Type': 'text/plain' }, maxBodyLength: Infinity, validateStatus: () => true });
      if (r.status !== 204 && r.status !== 200) throw new Error(`import failed: HTTP ${r.status} ${JSON.stringify(r.data)}`);
      await axios.get(`${server.url}/internal/force_flush`);
    }
  } catch (e) {
    await server.stop(1000);
    throw e;
  }
  return server;
}
