/**
 * Edge: the HTTP API (express 5). Reads the engine's state; never decides anything itself.
 * Errors are typed (./errors) and mapped to statuses in one error handler at the end.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { FastPath } from './fastPath';
import type { WorkloadStatus } from '../engine/loop';
import type { WorkloadEngine } from '../engine/workloadEngine';
import type { ServiceMetrics } from '../telemetry/metrics';
import { formatDuration, parseDuration } from '../util/duration';
import { BadParameterError, httpStatusOf, NotReadyError, RouteNotFoundError, UnknownMetricError, WorkloadInvalidError, WorkloadNotFoundError } from './errors';
import { openApiDocument } from './openapi';

/** What the API reads (EngineLoop implements it). */
export interface ApiBackend {
  workloads(): readonly { readonly id: string; readonly namespace: string; readonly name: string; readonly engine: WorkloadEngine | null }[];
  find(namespace: string, name: string): WorkloadEngine | null | undefined;
  status(): WorkloadStatus[];
  readonly ready: boolean;
}

export interface ApiDeps {
  readonly backend: ApiBackend;
  readonly metrics: ServiceMetrics;
  /** Unix seconds: the service's injected clock. */
  readonly clock: () => number;
  readonly version: string;
  /** Extra /status sections (config holder state, Prometheus source...). */
  readonly statusExtras?: () => Record<string, unknown>;
  /** Called for each request that ended in an error (for the log). */
  readonly onError?: (err: unknown, req: { method: string; path: string }) => void;
}

/** The External Metrics API metric: the recommendation, for an HPA with target AverageValue 1. */
export const EXTERNAL_METRIC = 'prescale-recommended-replicas';
const EXTERNAL_GV = 'external.metrics.k8s.io/v1beta1';

const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Parses `?horizon=` (a duration like 30m, 1h, or seconds). Accepted: from the workload's step
 * to its largest configured horizon (the forecaster predicts only up to it).
 * @throws BadParameterError naming the parameter, the value and the accepted range.
 */
export function parseHorizon(raw: unknown, step: number, max: number): number {
  const expected = `a duration from ${formatDuration(step)} to ${formatDuration(max)} (the workload's forecast horizon), e.g. ${formatDuration(max)}`;
  if (raw === undefined) return max;
  if (typeof raw !== 'string') throw new BadParameterError('horizon', raw, `a single value: ${expected}`);
  let h: number;
  try {
    h = parseDuration(raw, 'horizon');
  } catch {
    throw new BadParameterError('horizon', raw, expected);
  }
  if (!(h >= step && h <= max)) throw new BadParameterError('horizon', raw, expected);
  return h;
}

/**
 * Parses an equality label selector (`workload=chat`, `target=chat,workload=chat`; `==` too).
 * Set-based selectors are not supported and rejected with a 400.
 */
export function parseLabelSelector(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'string') throw new BadParameterError('labelSelector', raw, 'a single equality selector such as workload=chat');
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const m = /^\s*([A-Za-z0-9_./-]+)\s*==?\s*([A-Za-z0-9_.-]*)\s*$/.exec(part);
    if (!m) throw new BadParameterError('labelSelector', raw, 'equality selectors key=value joined by commas, e.g. workload=chat (set-based selectors are not supported)');
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function createApp(deps: ApiDeps): express.Express {
  const { backend, clock } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const doc = openApiDocument(deps.version);

  const known = (): string[] => backend.workloads().map((w) => `${w.namespace}/${w.id}`);
  const engineOf = (namespace: string, name: string): WorkloadEngine => {
    const e = backend.find(namespace, name);
    if (e === undefined) throw new WorkloadNotFoundError(namespace, name, known());
    if (e === null) {
      const st = backend.status().find((s) => s.namespace === namespace && (s.id === name || s.name === name));
      throw new WorkloadInvalidError(`${namespace}/${name}`, st?.buildError ?? 'unknown');
    }
    return e;
  };
  const recommendationOf = (namespace: string, name: string) => {
    const r = engineOf(namespace, name).recommendation(clock());
    if (!r) throw new NotReadyError(`${namespace}/${name}`);
    return r;
  };
  const p = (req: Request, key: string): string => String(req.params[key]);

  app.get('/api/v1/workloads', (_req, res) => {
    const now = clock();
    const status = new Map(backend.status().map((s) => [`${s.namespace}/${s.id}`, s]));
    res.json({
      workloads: backend.workloads().map((w) => {
        const r = w.engine?.recommendation(now) ?? null;
        const st = status.get(`${w.namespace}/${w.id}`);
        const base = `/api/v1/workloads/${encodeURIComponent(w.namespace)}/${encodeURIComponent(w.id)}`;
        return {
          workload: { id: w.id, namespace: w.namespace, name: w.name, kind: w.engine?.spec.kind ?? 'Deployment' },
          warm: r !== null,
          ...(r ? { replicas: r.replicas, mode: r.mode, reason: r.reason, stale: r.stale } : {}),
          ...(st?.lastError ? { lastError: st.lastError } : {}),
          ...(st?.buildError ? { buildError: st.buildError } : {}),
          links: { recommendation: `${base}/recommendation`, forecast: `${base}/forecast` },
        };
      }),
    });
  });

  app.get('/api/v1/workloads/:namespace/:name/recommendation', (req, res) => {
    res.json(recommendationOf(p(req, 'namespace'), p(req, 'name')));
  });

  app.get('/api/v1/workloads/:namespace/:name/forecast', (req, res) => {
    const ns = p(req, 'namespace');
    const name = p(req, 'name');
    const e = engineOf(ns, name);
    const hs = e.spec.horizons;
    const h = parseHorizon(req.query.horizon, e.spec.step, hs[hs.length - 1] ?? e.spec.step);
    const f = e.forecast(h);
    if (!f) throw new NotReadyError(`${ns}/${name}`);
    res.json(f);
  });

  app.get('/api/v1/keda/:namespace/:name', (req, res) => {
    res.json({ replicas: recommendationOf(p(req, 'namespace'), p(req, 'name')).replicas });
  });

  app.get('/apis/external.metrics.k8s.io/v1beta1', (_req, res) => {
    res.json({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: EXTERNAL_GV,
      resources: [{ name: EXTERNAL_METRIC, singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }],
    });
  });

  app.get('/apis/external.metrics.k8s.io/v1beta1/namespaces/:namespace/:metric', (req, res) => {
    const ns = p(req, 'namespace');
    const metric = p(req, 'metric');
    if (metric !== EXTERNAL_METRIC) throw new UnknownMetricError(metric, [EXTERNAL_METRIC]);
    const sel = parseLabelSelector(req.query.labelSelector);
    const now = clock();
    const items = [];
    for (const w of backend.workloads()) {
      if (w.namespace !== ns || !w.engine) continue;
      const labels: Record<string, string> = { workload: w.id, target: w.name };
      if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) continue;
      const r = w.engine.recommendation(now);
      if (!r) continue;
      items.push({ metricName: EXTERNAL_METRIC, metricLabels: labels, timestamp: iso(r.time), value: String(r.replicas) });
    }
    res.json({ kind: 'ExternalMetricValueList', apiVersion: EXTERNAL_GV, metadata: {}, items });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', (_req, res) => {
    const ready = backend.ready;
    res.status(ready ? 200 : 503).json({ ready, workloads: backend.status().map((s) => ({ id: s.id, namespace: s.namespace, warm: s.warm })) });
  });

  app.get('/status', (_req, res) => {
    res.json({ version: deps.version, time: clock(), ready: backend.ready, ...(deps.statusExtras?.() ?? {}), workloads: backend.status() });
  });

  app.get('/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(text);
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new RouteNotFoundError(req.method, req.path));
  });

  // The one place errors become HTTP statuses.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = httpStatusOf(err);
    if (status >= 500 && deps.onError) deps.onError(err, { method: req.method, path: req.path });
    res.status(status).json(body);
  });
  return app;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting, closes idle and active keep-alive connections, resolves when closed. */
  close(): Promise<void>;
}

/**
 * Listens on host:port (port 0 = an ephemeral port). With `fast`, each request is offered to it
 * first and goes to the express app when it declines.
 */
export function listen(app: express.Express, port: number, host = '0.0.0.0', fast?: FastPath): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(fast ? (req, res) => void (fast(req, res) || app(req, res)) : app);
    server.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        port: addr.port,
        url: `http://${shown}:${addr.port}`,
        close: () =>
          new Promise<void>((res, rej) => {
            server.close((e) => (e ? rej(e) : res()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
