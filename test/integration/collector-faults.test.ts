/**
 * The collector's resilience against a scripted fault server on loopback (a real HTTP server, real
 * axios): 5xx then success, `status: error`, NaN values, a slow answer past the timeout, partial
 * responses, 429 with Retry-After, a refused connection. Sleep and jitter are injected, so the
 * retries cost no wall time and the delays are checked exactly.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrometheusClient, type ClientOptions } from '../../src/collector/client';
import { backoffDelay } from '../../src/collector/plan';
import type { PrometheusSource } from '../../src/config/prometheusSource';
import { mulberry32 } from '../../src/util/rng';
import { freePort } from './lib/servers';

type Reply = { status?: number; body?: unknown; delayMs?: number; headers?: Record<string, string> };
interface Seen {
  path: string;
  params: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let url: string;
let script: Reply[] = [];
let seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', params: new URLSearchParams(body), headers: req.headers });
      const r = script.shift() ?? { status: 500, body: 'script exhausted' };
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(r.status ?? 200, { 'Content-Type': typeof r.body === 'string' ? 'text/plain' : 'application/json', ...r.headers });
        res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      };
      if (r.delayMs) setTimeout(send, r.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  script = [];
  seen = [];
});

const src = (over: Partial<PrometheusSource> = {}): PrometheusSource => ({ url, insecureSkipVerify: false, headers: {}, timeoutMs: 2000, ...over });
function client(over: Partial<PrometheusSource> = {}, opts: ClientOptions = {}) {
  const sleeps: number[] = [];
  const c = createPrometheusClient(src(over), { random: mulberry32(9), sleep: async (ms) => void sleeps.push(ms), ...opts });
  return { c, sleeps };
}
const matrix = (values: [number, string][], warnings?: string[]) => ({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] }, ...(warnings ? { warnings } : {}) });

test('500, 500, then success: retried with seeded equal-jitter backoff', async () => {
  script = [{ status: 500, body: 'boom' }, { status: 502, body: '<html>bad gateway</html>' }, { body: matrix([[0, '1'], [60, '2']]) }];
  const { c, sleeps } = client();
  const r = await c.backfill('sum(q)', 0, 60, 60);
  expect(Array.from(r.series.values)).toEqual([1, 2]);
  expect(seen).toHaveLength(3);
  const rand = mulberry32(9);
  const opts = { baseDelayMs: 250, maxDelayMs: 8000 };
  expect(sleeps).toEqual([backoffDelay(0, opts, rand), backoffDelay(1, opts, rand)]);
  // The request is a form POST to query_range with the server-side timeout under ours.
  expect(seen[0]!.path).toBe('/api/v1/query_range');
  expect(Object.fromEntries(seen[0]!.params)).toEqual({ query: 'sum(q)', start: '0', end: '60', step: '60', timeout: '1800ms' });
});

test('persistent 5xx: a typed error naming the query, the server and the attempts', async () => {
  script = Array.from({ length: 4 }, () => ({ status: 503, body: 'unavailable' }));
  const { c, sleeps } = client();
  const err = await c.instant('up', 100).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'PrometheusError', kind: 'http', httpStatus: 503, attempts: 4, retryable: true, query: 'up', server: url });
  expect((err as Error).message).toBe(`Prometheus http from ${url} after 4 attempt(s) for query "up": HTTP 503: unavailable`);
  expect(sleeps).toHaveLength(3);
});

test('status: error bad_data is not retried; errorType timeout is', async () => {
  script = [{ status: 400, body: { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unclosed left parenthesis' } }];
  const { c } = client();
  await expect(c.instant('sum(up', 1)).rejects.toMatchObject({ kind: 'status_error', errorType: 'bad_data', attempts: 1, httpStatus: 400 });
  expect(seen).toHaveLength(1);

  script = [{ status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out in query execution' } }, { body: { status: 'success', data: { resultType: 'vector', result: [] } } }];
  seen = [];
  const r = await c.instant('sum(up)', 1);
  expect(r.samples).toEqual([]);
  expect(seen).toHaveLength(2);
});

test('NaN, Inf, gaps and warnings (a partial response) are reported in the quality counts', async () => {
  script = [{ body: matrix([[0, '1'], [60, 'NaN'], [180, '+Inf'], [240, '4']], ['partial response: store unavailable']) }];
  const { c } = client();
  const r = await c.backfill('sum(q)', 0, 300, 60);
  expect(Array.from(r.series.values)).toEqual([1, NaN, NaN, NaN, 4, NaN]);
  expect(r.quality).toMatchObject({ expected: 6, present: 2, nan: 1, infinite: 1, missing: 2, trailingMissing: 1 });
  expect(r.warnings).toEqual(['partial response: store unavailable']);
});

test('a slow answer past the timeout is a timeout error, retried, and takes bounded time', async () => {
  script = [{ delayMs: 1500, body: matrix([]) }, { delayMs: 1500, body: matrix([]) }];
  const { c } = client({ timeoutMs: 150 }, { retries: 1 });
  const t = Date.now();
  const err = await c.backfill('sum(slow)', 0, 60, 60).catch((e: unknown) => e);
  const elapsed = Date.now() - t;
  expect(err).toMatchObject({ kind: 'timeout', attempts: 2, retryable: true });
  expect((err as Error).message).toContain('no answer within 150 ms');
  // Two attempts of 150 ms each, not two of 1,500 ms.
  expect(elapsed).toBeLessThan(1200);
});

test('429 with Retry-After waits at least that long (capped)', async () => {
  script = [{ status: 429, body: 'slow down', headers: { 'Retry-After': '3' } }, { body: { status: 'success', data: { resultType: 'scalar', result: [5, '7'] } } }];
  const { c, sleeps } = client();
  const r = await c.instant('scalar(up)', 5);
  expect(r.samples).toEqual([{ labels: {}, time: 5, value: 7 }]);
  expect(sleeps).toEqual([3000]);
});

test('credentials and extra headers reach the server', async () => {
  script = [{ body: { status: 'success', data: { resultType: 'vector', result: [] } } }, { body: { status: 'success', data: { resultType: 'vector', result: [] } } }];
  await client({ bearerToken: 'tok', headers: { 'X-Scope-OrgID': 'team-a' } }).c.instant('up', 1);
  expect(seen[0]!.headers.authorization).toBe('Bearer tok');
  expect(seen[0]!.headers['x-scope-orgid']).toBe('team-a');
  await client({ basicAuth: { username: 'u', password: 'p' } }).c.instant('up', 1);
  expect(seen[1]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
});

test('a 200 that is not the Prometheus API, and a refused connection', async () => {
  script = [{ body: '<html>login page</html>' }];
  await expect(client().c.instant('up', 1)).rejects.toMatchObject({ kind: 'invalid_response', retryable: false });
  const port = await freePort();
  const err = await createPrometheusClient(src({ url: `http://127.0.0.1:${port}` }), { retries: 1, sleep: async () => undefined }).instant('up', 1).catch((e: unknown) => e);
  expect(err).toMatchObject({ kind: 'network', attempts: 2 });
  expect((err as Error).message).toContain('ECONNREFUSED');
});
