/**
 * Edge: Prometheus HTTP API client (axios). Works with any server speaking the API (Prometheus,
 * VictoriaMetrics, Thanos, Mimir). Thin: request, retry, hand the body to parse.ts.
 *
 * Requests are POSTed as form data (both Prometheus and VictoriaMetrics accept it) so that long
 * queries never hit a URL length limit.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import * as https from 'node:https';
import type { PrometheusSource } from '../config/prometheusSource';
import type { Series } from '../domain/series';
import { PrometheusError } from './errors';
import { fillGrid, finishGrid, parseEnvelope, parseInstant, type GridQuality, type InstantSample } from './parse';
import { backoffDelay, chunkRange, parseRetryAfter, PROMETHEUS_MAX_POINTS } from './plan';

export interface BackfillResult {
  /** On the grid start, start+step, ... <= end; NaN where nothing finite came back. */
  readonly series: Series;
  readonly quality: GridQuality;
  /** query_range requests made (chunks), not counting retries. */
  readonly chunks: number;
  /** Server warnings (partial responses from Thanos/Mimir, VictoriaMetrics limits...). */
  readonly warnings: readonly string[];
}

export interface InstantResult {
  readonly samples: readonly InstantSample[];
  readonly warnings: readonly string[];
}

export interface PrometheusClient {
  /** Base URL, for messages. */
  readonly server: string;
  /**
   * query_range from `start` to `end` (unix seconds) at `step` seconds, chunked to stay under the
   * points-per-series limit. The query must return at most one series (an error otherwise).
   */
  backfill(query: string, start: number, end: number, step: number): Promise<BackfillResult>;
  /** Instant query at `time` (unix seconds). */
  instant(query: string, time: number): Promise<InstantResult>;
}

export interface ClientOptions {
  /** Retries after the first attempt, for retryable failures only. */
  readonly retries?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** [0, 1) source for jitter; pass mulberry32(seed) in tests. */
  readonly random?: () => number;
  /** Injectable for fast tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Points per query_range request. */
  readonly maxPoints?: number;
  /** Called once per HTTP request (metrics, tests). */
  readonly onRequest?: (info: { path: string; attempt: number }) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createPrometheusClient(source: PrometheusSource, options: ClientOptions = {}): PrometheusClient {
  // 3 retries, 250 ms base, 8 s cap: a restart of Prometheus (a few seconds) is ridden out within
  // about 0.25 + 0.5 + 1 s of waiting plus the timeouts, well inside one 60 s control loop.
  const retries = options.retries ?? 3;
  const backoff = { baseDelayMs: options.baseDelayMs ?? 250, maxDelayMs: options.maxDelayMs ?? 8_000 };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const maxPoints = options.maxPoints ?? PROMETHEUS_MAX_POINTS;
  const server = source.url;

  const headers: Record<string, string> = { ...source.headers, Accept: 'application/json' };
  if (source.bearerToken !== undefined) headers.Authorization = `Bearer ${source.bearerToken}`;
  const http: AxiosInstance = axios.create({
    baseURL: server,
    timeout: source.timeoutMs,
    headers,
    ...(source.basicAuth ? { auth: { username: source.basicAuth.username, password: source.basicAuth.password } } : {}),
    ...(source.url.startsWith('https:') && (source.caBundle !== undefined || source.insecureSkipVerify)
      ? { httpsAgent: new https.Agent({ ...(source.caBundle !== undefined ? { ca: source.caBundle } : {}), rejectUnauthorized: !source.insecureSkipVerify }) }
      : {}),
    // Every status is handled by parse.ts, which reads Prometheus' error bodies on 4xx/5xx too.
    validateStatus: () => true,
    responseType: 'json',
    transitional: { clarifyTimeoutError: true },
    maxRedirects: 3,
  });

  async function once(path: string, params: Record<string, string>, query: string) {
    let res: AxiosResponse<unknown>;
    try {
      res = await http.post(path, new URLSearchParams(params).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      const timeout = err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED';
      const detail = timeout ? `no answer within ${source.timeoutMs} ms` : `${err.code ?? 'error'}: ${err.message ?? String(e)}`;
      return { error: new PrometheusError(timeout ? 'timeout' : 'network', query, server, detail, true) };
    }
    const env = parseEnvelope(res.status, res.data);
    if (!env.ok) {
      const retryAfter = parseRetryAfter(res.headers['retry-after'] as string | undefined, Date.now());
      return { error: new PrometheusError(env.error.kind, query, server, env.error.detail, env.error.retryable, 1, res.status, env.error.errorType), retryAfter };
    }
    return { env: env.value };
  }

  async function request(path: string, params: Record<string, string>, query: string) {
    for (let attempt = 0; ; attempt++) {
      options.onRequest?.({ path, attempt });
      const r = await once(path, params, query);
      if (r.env) return r.env;
      const err = r.error as PrometheusError;
      if (!err.retryable || attempt >= retries) throw err.withAttempts(attempt + 1);
      await sleep(backoffDelay(attempt, backoff, random, r.retryAfter));
    }
  }

  // Let Prometheus give up a little before we do, so a slow query is reported as its timeout
  // (errorType timeout) rather than a cut connection: 90 % of ours.
  // Whole milliseconds: Prometheus' duration parser rejects "9.0s".
  const serverTimeout = `${Math.max(100, Math.round(source.timeoutMs * 0.9))}ms`;

  return {
    server,
    async backfill(query, start, end, step) {
      const { points, chunks } = chunkRange(start, end, step, maxPoints);
      const grid = { start, step, length: points };
      const values = new Float64Array(points).fill(NaN);
      const seen = new Uint8Array(points);
      const totals = { nan: 0, infinite: 0, offGrid: 0, unparseable: 0, seriesCount: 0 };
      const labels = new Set<string>();
      const warnings: string[] = [];
      for (const c of chunks) {
        const env = await request('/api/v1/query_range', { query, start: String(c.start), end: String(c.end), step: String(step), timeout: serverTimeout }, query);
        if (env.resultType !== 'matrix') throw new PrometheusError('invalid_response', query, server, `query_range gave resultType ${env.resultType}, expected matrix`, false);
        const filled = fillGrid(env.result, grid, values, seen);
        if (!filled) throw new PrometheusError('invalid_response', query, server, 'data.result is not a list of {metric, values}', false);
        filled.labels.forEach((l) => labels.add(l));
        totals.nan += filled.counts.nan;
        totals.infinite += filled.counts.infinite;
        totals.offGrid += filled.counts.offGrid;
        totals.unparseable += filled.counts.unparseable;
        warnings.push(...env.warnings);
      }
      if (labels.size > 1) {
        throw new PrometheusError('multiple_series', query, server, `got ${labels.size} series (${[...labels].slice(0, 3).join(', ')}...); wrap the query in sum(...) or avg(...)`, false);
      }
      totals.seriesCount = labels.size;
      const { series, quality } = finishGrid(grid, values, seen, totals);
      return { series, quality, chunks: chunks.length, warnings };
    },
    async instant(query, time) {
      const env = await request('/api/v1/query', { query, time: String(time), timeout: serverTimeout }, query);
      const samples = parseInstant(env);
      if (!samples) throw new PrometheusError('invalid_response', query, server, `instant query gave an unreadable ${env.resultType} result`, false);
      return { samples, warnings: env.warnings };
    },
  };
}
