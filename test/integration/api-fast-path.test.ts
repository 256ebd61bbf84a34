/**
 * The node:http fast path for the polled read routes (src/api/server.ts createFastPath) answers
 * exactly what express answers: two services on the same demo data and clock, one with the fast
 * path and one without, are asked the same requests over real HTTP on loopback; status,
 * content type and body must be equal byte for byte. A third server offers requests to the fast
 * path alone, to show which ones it answers (the others fall through to express).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFastPath } from '../../src/api/server';
import { demoSpec, startService, type Service } from '../../src/cli/serve';
import { DemoSource, type LoadSource } from '../../src/engine/sources';
import { defaultShape } from '../../src/demo/workload';
import { classicalForecasters } from '../../src/forecast/models';

jest.setTimeout(60_000);

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
let now = T0;
const forecasters = classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'seasonal-naive');

/** A source that never answers: its workload stays cold (503 from express). */
const deadSource: LoadSource = {
  describe: 'down',
  backfill: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { kind: 'network' })),
  latest: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { kind: 'network' })),
};

function start(fastPath: boolean): Promise<Service> {
  return startService({
    workloads: [
      { spec: { ...demoSpec(1), historySeconds: 86400 }, source: new DemoSource(defaultShape) },
      { spec: { ...demoSpec(1), id: 'cold', name: 'cold', historySeconds: 86400 }, source: deadSource },
    ],
    forecasters,
    clock: () => now,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    version: 'test',
    fastPath,
  });
}

let fast: Service;
let plain: Service;
let alone: Server;
let aloneUrl: string;

beforeAll(async () => {
  [fast, plain] = await Promise.all([start(true), start(false)]);
  const answer = createFastPath({ backend: fast.loop, clock: () => now });
  alone = createServer((req, res) => {
    if (!answer(req, res)) {
      res.statusCode = 599; // declined: would go to express
      res.end();
    }
  });
  await new Promise<void>((r) => alone.listen(0, '127.0.0.1', r));
  aloneUrl = `http://127.0.0.1:${(alone.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await fast?.stop();
  await plain?.stop();
  alone?.closeAllConnections();
  alone?.close();
});

const ask = async (base: string, path: string, method = 'GET') => {
  const r = await fetch(base + path, { method });
  return { status: r.status, type: r.headers.get('content-type'), length: r.headers.get('content-length'), body: await r.text() };
};

const demo = demoSpec(1);
const routes = [
  `/api/v1/workloads/${demo.namespace}/${demo.id}/recommendation`,
  `/api/v1/keda/${demo.namespace}/${demo.id}`,
  `/api/v1/workloads/${demo.namespace}/${encodeURIComponent(demo.id).replace(/./, (c) => `%${c.charCodeAt(0).toString(16)}`)}/recommendation`,
];
const declined = [
  `/api/v1/workloads/${demo.namespace}/cold/recommendation`, // cold: 503 from express
  `/api/v1/workloads/${demo.namespace}/nope/recommendation`, // unknown: 404
  `/api/v1/workloads/${demo.namespace}/${demo.id}/recommendation?x=1`, // a query string
  `/api/v1/workloads/${demo.namespace}/${demo.id}/recommendation/`, // trailing slash
  `/api/v1/workloads/${demo.namespace}/%E0%A4%A/recommendation`, // malformed escape
  `/api/v1/keda/${demo.namespace}/cold`,
  `/api/v1/workloads/${demo.namespace}/${demo.id}/forecast`,
];

test('the fast path answers the polled routes of a warm workload, and declines everything else', async () => {
  for (const path of routes) expect({ path, status: (await ask(aloneUrl, path)).status }).toEqual({ path, status: 200 });
  for (const path of declined) expect({ path, status: (await ask(aloneUrl, path)).status }).toEqual({ path, status: 599 });
  expect((await ask(aloneUrl, routes[0]!, 'POST')).status).toBe(599);
});

test('with and without the fast path, every response is the same, fresh and stale', async () => {
  for (const step of [0, 45, 600]) {
    now += step; // no tick: the data ages, and goes stale at 600 s
    for (const path of [...routes, ...declined]) {
      const [a, b] = await Promise.all([ask(fast.server.url, path), ask(plain.server.url, path)]);
      expect({ path, ...a }).toEqual({ path, ...b });
    }
    for (const path of routes.slice(0, 2)) expect(JSON.parse((await ask(fast.server.url, path)).body)).toHaveProperty('replicas');
  }
  const rec = JSON.parse((await ask(fast.server.url, routes[0]!)).body) as { stale: boolean; dataAgeSeconds: number };
  expect(rec.stale).toBe(true);
  expect(rec.dataAgeSeconds).toBeGreaterThanOrEqual(600);
});
