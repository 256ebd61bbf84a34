/**
 * The Grafana dashboards, checked without Grafana (which does not exist on these machines):
 *
 *  (a) each dashboard JSON validates against a JSON schema GENERATED AT TEST TIME from
 *      @grafana/schema's `Dashboard` type (raw/dashboard/x/types.gen.d.ts, through
 *      ts-json-schema-generator, unknown properties rejected), so a misspelt field or a wrong type
 *      fails here; plus what that schema leaves open (targets are free-form there): every panel
 *      has a unique id, a gridPos inside the 24-column grid, the provisioned datasource, and
 *      targets with a refId and a PromQL `expr`;
 *  (b) EVERY panel's PromQL, with the template variables substituted as Grafana would ($workload ->
 *      demo-llm, $__rate_interval -> 1m, $__range -> 5m), is run against a real Prometheus
 *      (Debian `prometheus` on 127.0.0.1, 1 s scrape interval) that scrapes a running prescale
 *      service (startService, the demo source, real HTTP) and a small static kube-state-metrics
 *      exporter on loopback, and must return a non-empty result with at least one finite value.
 *
 * The service's clock is fake and advanced one minute per real second by a background ticker, so
 * the rates, histograms and rolling accuracy move between scrapes. Its source fails for 6 minutes
 * of service time (a Prometheus outage, kind "timeout"), so that the collector-error and
 * fallback-by-reason panels have real data rather than an empty "no errors" result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startDemoService } from './lib/demoService';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import type { Service } from '../../src/cli/serve';
import { defaultShape } from '../../src/demo/workload';
import type { Series } from '../../src/domain/series';
import { DemoSource, type LoadSource } from '../../src/engine/sources';
import { describeIfAvailable } from '../lib/needs';
import { freePort, havePrometheus, PROMETHEUS_BIN } from './lib/servers';

jest.setTimeout(90_000);

const ROOT = path.join(__dirname, '..', '..');
const DASHBOARDS = ['prescale-fleet.json', 'prescale-workload.json'];
const WORKLOAD = 'demo-llm';
/** Grafana's substitutions for an instant check: 1m holds ~60 scrapes at 1 s; 5m is a short dashboard range. */
const VARS: Record<string, string> = { workload: WORKLOAD, __rate_interval: '1m', __range: '5m', __interval: '15s' };

interface Target {
  readonly refId?: unknown;
  readonly expr?: unknown;
  readonly datasource?: { readonly uid?: unknown; readonly type?: unknown };
}
interface PanelJson {
  readonly id?: unknown;
  readonly type: string;
  readonly title?: string;
  readonly gridPos?: { x: number; y: number; w: number; h: number };
  readonly datasource?: { readonly uid?: unknown; readonly type?: unknown };
  readonly targets?: Target[];
}
interface DashboardJson {
  readonly uid: string;
  readonly panels: PanelJson[];
  readonly templating: { list: { name: string; query?: { query?: string } }[] };
}

const load = (f: string): DashboardJson => JSON.parse(readFileSync(path.join(ROOT, 'grafana', 'dashboards', f), 'utf8')) as DashboardJson;
const dashboards = DASHBOARDS.map((f) => ({ file: f, json: load(f) }));
const datasourceUid = /uid:\s*(\S+)/.exec(readFileSync(path.join(ROOT, 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'), 'utf8'))?.[1];

/** `$name` and `${name}` -> VARS[name]; an unknown variable is an error naming it. */
function substitute(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => {
    const v = VARS[name];
    if (v === undefined) throw new Error(`unknown template variable $${name} in ${expr}`);
    return v;
  });
}

describe('dashboard JSON (a)', () => {
  // ~4 s: the generator parses the .d.ts with the TypeScript compiler.
  const schemaFile = require.resolve('@grafana/schema').replace(/dist[\\/]cjs[\\/]index\.cjs$/, path.join('dist', 'types', 'raw', 'dashboard', 'x', 'types.gen.d.ts'));
  const schema = createGenerator({ path: schemaFile, type: 'Dashboard', skipTypeCheck: true, additionalProperties: false, topRef: true }).createSchema('Dashboard');
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('the generated schema is the real one: it rejects a misspelt field and a wrong type', () => {
    const good = dashboards[0]!.json;
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, pannels: [] })).toBe(false);
    expect(validate({ ...good, panels: [{ ...good.panels[1]!, gridPos: { x: 0, y: 0, w: 'wide', h: 4 } }] })).toBe(false);
    expect(validate({ ...good, schemaVersion: undefined })).toBe(false); // required by the type
  });

  it.each(DASHBOARDS)('%s validates against @grafana/schema Dashboard', (f) => {
    const ok = validate(load(f));
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  it.each(DASHBOARDS)('%s: unique ids, grid positions, datasource and PromQL targets on every panel', (f) => {
    const d = load(f);
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    const problems: string[] = [];
    for (const p of d.panels) {
      const g = p.gridPos;
      if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) problems.push(`${p.title}: gridPos ${JSON.stringify(g)} outside the 24-column grid`);
      if (p.type === 'row') continue;
      if (p.datasource?.uid !== datasourceUid || p.datasource?.type !== 'prometheus') problems.push(`${p.title}: datasource ${JSON.stringify(p.datasource)}, expected the provisioned uid ${datasourceUid}`);
      if (!p.targets || p.targets.length === 0) problems.push(`${p.title}: no targets`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      if (new Set(refIds).size !== refIds.length) problems.push(`${p.title}: duplicate refIds ${refIds.join(',')}`);
      for (const t of p.targets ?? []) if (typeof t.expr !== 'string' || t.expr.trim() === '' || typeof t.refId !== 'string') problems.push(`${p.title}: target ${JSON.stringify(t)} without refId/expr`);
    }
    expect(problems).toEqual([]);
  });

  it('the per-workload dashboard has a workload variable that every query uses', () => {
    const d = load('prescale-workload.json');
    expect(d.templating.list.map((v) => v.name)).toEqual(['workload']);
    const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => String(t.expr)));
    expect(exprs.filter((e) => !e.includes('$workload'))).toEqual([]);
  });
});

/** A demo source that times out during [failFrom, failTo) of service time: a Prometheus outage. */
class FlakySource implements LoadSource {
  readonly describe = 'demo with an outage';
  failFrom = Infinity;
  failTo = Infinity;
  private readonly inner = new DemoSource(defaultShape);
  backfill(start: number, end: number, step: number): Promise<Series> {
    if (end >= this.failFrom && end < this.failTo) return Promise.reject(Object.assign(new Error('Prometheus timeout (injected)'), { kind: 'timeout' }));
    return this.inner.backfill(start, end, step);
  }
  latest(now: number, step: number): Promise<{ time: number; value: number }> {
    return this.inner.latest(now, step);
  }
}

/** kube-state-metrics, as far as the dashboards read it: 7 ready pods; a same-named deployment elsewhere must not leak in. */
const KSM = [
  '# TYPE kube_deployment_status_replicas_available gauge',
  `kube_deployment_status_replicas_available{namespace="demo",deployment="${WORKLOAD}"} 7`,
  `kube_deployment_status_replicas_available{namespace="other",deployment="${WORKLOAD}"} 99`,
  '',
].join('\n');

interface PromResult {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeIfAvailable('every dashboard query against a real Prometheus scraping prescale (b)', havePrometheus() ? undefined : 'prometheus not installed', () => {
  let dir: string;
  let prom: ChildProcess;
  let promOut = '';
  let promUrl: string;
  let service: Service;
  let ksm: http.Server;
  let ticker: NodeJS.Timeout | undefined;
  const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
  let now = T0;
  const source = new FlakySource();

  const query = async (q: string): Promise<PromResult[]> => {
    const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as { status: string; error?: string; data?: { resultType: string; result: PromResult[] } };
    if (body.status !== 'success') throw new Error(`query failed: ${q}: ${body.error ?? r.status}`);
    if (body.data!.resultType !== 'vector') throw new Error(`query ${q}: resultType ${body.data!.resultType}`);
    return body.data!.result;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'prescale-grafana-'));
    service = await startDemoService(source, () => now);
    // Service minutes 5..11 fail (timeouts), long enough past the data grace to enter a fallback.
    source.failFrom = T0 + 5 * 60;
    source.failTo = T0 + 11 * 60;
    let busy = false;
    ticker = setInterval(() => {
      if (busy) return;
      busy = true;
      now += 60;
      void service.loop.tick().finally(() => (busy = false));
    }, 1000);

    ksm = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(KSM));
    await new Promise<void>((r) => ksm.listen(0, '127.0.0.1', r));
    const ksmPort = (ksm.address() as AddressInfo).port;

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const cfg = path.join(dir, 'prometheus.yml');
    writeFileSync(
      cfg,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: prescale',
        `    static_configs: [{ targets: ['${new URL(service.server.url).host}'] }]`,
        '  - job_name: kube-state-metrics',
        '    honor_labels: true',
        `    static_configs: [{ targets: ['127.0.0.1:${ksmPort}'] }]`,
        '',
      ].join('\n'),
    );
    prom = spawn(PROMETHEUS_BIN, [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout?.on('data', (d: Buffer) => (promOut += d.toString()));
    prom.stderr?.on('data', (d: Buffer) => (promOut += d.toString()));

    // Ready when both targets are up and prescale has been scraped past the injected outage and
    // back (service minute >= 14 and >= 8 scrapes, so rate() over 1m has points on both sides).
    const deadline = Date.now() + 45_000;
    for (;;) {
      if (prom.exitCode !== null) throw new Error(`prometheus exited: ${promOut.slice(-2000)}`);
      try {
        const up = await query('sum(up{job=~"prescale|kube-state-metrics"})');
        const scrapes = await query('count_over_time(up{job="prescale"}[1m])');
        if (Number(up[0]?.value[1]) === 2 && Number(scrapes[0]?.value[1]) >= 8 && now >= T0 + 14 * 60) break;
      } catch {
        // Prometheus not listening yet
      }
      if (Date.now() > deadline) throw new Error(`targets not up/scraped in 45 s:\n${promOut.slice(-2000)}`);
      await sleep(250);
    }
  });

  afterAll(async () => {
    if (ticker) clearInterval(ticker);
    if (prom && prom.exitCode === null) {
      const exited = new Promise<void>((r) => prom.once('exit', () => r()));
      prom.kill('SIGTERM');
      const t = setTimeout(() => prom.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await service?.stop();
    await new Promise<void>((r) => (ksm ? ksm.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases = dashboards.flatMap(({ file, json }) =>
    json.panels
      .filter((p) => p.type !== 'row')
      .flatMap((p) => (p.targets ?? []).map((t) => ({ name: `${file} / ${p.title ?? '?'} / ${String(t.refId)}`, expr: String(t.expr) }))),
  );

  it('runs a query for every non-row panel of both dashboards', () => {
    const panels = dashboards.flatMap(({ file, json }) => json.panels.filter((p) => p.type !== 'row').map((p) => `${file} / ${p.title ?? '?'} / `));
    expect(panels.filter((prefix) => !cases.some((c) => c.name.startsWith(prefix)))).toEqual([]);
    // 17 + 11 panels with 22 + 19 targets at the time of writing; new panels are picked up automatically.
    expect(panels.length).toBeGreaterThanOrEqual(28);
    expect(cases.length).toBeGreaterThanOrEqual(41);
  });

  it('every panel query returns data with a finite value', async () => {
    const empty: string[] = [];
    for (const c of cases) {
      const result = await query(substitute(c.expr));
      if (!result.some((r) => Number.isFinite(Number(r.value[1])))) empty.push(`${c.name}: ${substitute(c.expr)} -> ${JSON.stringify(result)}`);
    }
    expect(empty).toEqual([]);
  });

  it('the ready-pods query takes kube-state-metrics for the workload namespace only', async () => {
    const expr = dashboards[1]!.json.panels.flatMap((p) => p.targets ?? []).map((t) => String(t.expr)).find((e) => e.includes('kube_deployment_status_replicas_available'))!;
    const r = await query(substitute(expr));
    expect(r.map((x) => ({ ns: x.metric.namespace, v: Number(x.value[1]) }))).toEqual([{ ns: 'demo', v: 7 }]);
  });

  it('the injected outage shows: a timeout error and a fallback with its reason', async () => {
    const errors = await query('prescale_collector_errors_total');
    expect(errors.map((e) => e.metric.kind)).toEqual(['timeout']);
    expect(Number(errors[0]!.value[1])).toBeGreaterThanOrEqual(1);
    const fallbacks = await query(substitute('sum by (reason) (increase(prescale_fallbacks_total[$__range]))'));
    expect(fallbacks.map((f) => f.metric.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/^Fallback(StaleData|MissingData)$/)]));
  });

  it('the mode, reason and cold-start panels show the demo: auto mode, one current reason, quantiles at the configured 300 s', async () => {
    const exprOf = (file: string, title: string, refId = 'A'): string => {
      const t = dashboards.find((d) => d.file === file)!.json.panels.find((p) => p.title === title)?.targets?.find((x) => x.refId === refId);
      if (!t) throw new Error(`${file}: no panel "${title}" with target ${refId}`);
      return substitute(String(t.expr));
    };
    const modes = await query(exprOf('prescale-fleet.json', 'Workloads by mode'));
    expect(modes.map((m) => [m.metric.mode, Number(m.value[1])])).toEqual([['auto', 1]]);
    const effective = await query(exprOf('prescale-fleet.json', 'Workloads by mode', 'B'));
    expect(effective.map((m) => m.metric.mode)).toEqual([expect.stringMatching(/^(proactive|reactive)$/)]);
    // Exactly one current reason per workload, one of the closed ReasonCode set's spellings.
    const reasons = await query(exprOf('prescale-workload.json', 'Decision reason over time'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]!.metric.reason).toMatch(/^[A-Z][A-Za-z]+$/);
    // The demo measures no cold starts: every quantile is demoSpec's configured 300 s.
    const cold = await query(exprOf('prescale-workload.json', 'Cold-start distribution'));
    expect(cold.map((c) => [c.metric.quantile, Number(c.value[1])]).sort()).toEqual([
      ['0.5', 300],
      ['0.9', 300],
      ['0.95', 300],
      ['0.99', 300],
    ]);
  });

  it("the workload variable's label_values query lists the workload", async () => {
    const v = dashboards[1]!.json.templating.list[0]!.query!.query!;
    const m = /^label_values\((\w+), (\w+)\)$/.exec(v);
    expect(m).not.toBeNull();
    const r = (await (await fetch(`${promUrl}/api/v1/label/${m![2]}/values?match[]=${m![1]}`)).json()) as { data: string[] };
    expect(r.data).toEqual([WORKLOAD]);
  });
});
