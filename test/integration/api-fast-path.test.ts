/**
 * The node:http fast path for the polled read routes (src/api/fastPath.ts) and the API thread
 * (src/api/front.ts) answer exactly what express answers: three services on the same demo data
 * and shared clock - fast path in the engine's thread, express only, API on its own thread - are
 * asked the same requests over real HTTP on loopback; status, content type and body must be equal
 * byte for byte. A fourth server offers requests to the fast path alone, to show which ones it
 * answers (the others fall through to express). Last, the API thread answers while the engine's
 * thread is blocked, which the single-threaded service cannot.
 */
import { createServer, type Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { fastPath } from '../../src/api/fastPath';
import { demoSpec, startService, type Service } from '../../src/cli/serve';
import { DemoSource, type LoadSource } from '../../src/engine/sources';
import { defaultShape } from '../../src/demo/workload';
import { classicalForecasters } from '../../src/forecast/models';
import { SharedClock } from '../../src/runtime/clock';
import { threadNice } from '../../src/runtime/priority';

jest.setTimeout(60_000);

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
const clock = new SharedClock(T0);
const forecasters = classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'seasonal-naive');

/** A source that never answers: its workload stays cold (503 from express). */
const deadSource: LoadSource = {
  describe: 'down',
  backfill: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { kind: 'network' })),
  latest: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { kind: 'network' })),
};

function start(fastPath: boolean, apiThread = false, log?: (level: string, event: string, fields?: Record<string, unknown>) => void): Promise<Service> {
  return startService({
    workloads: [
      { spec: { ...demoSpec(1), historySeconds: 86400 }, source: new DemoSource(defaultShape) },
      { spec: { ...demoSpec(1), id: 'cold', name: 'cold', historySeconds: 86400 }, source: deadSource },
    ],
    forecasters,
    clock: clock.spec,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    version: 'test',
    fastPath,
    apiThread,
    ...(log ? { log } : {}),
  });
}

let fast: Service;
let plain: Service;
let threaded: Service;
let alone: Server;
let aloneUrl: string;

beforeAll(async () => {
  [fast, plain, threaded] = await Promise.all([start(true), start(false), start(true, true)]);
  const answer = fastPath((ns, name) => fast.loop.find(ns, name)?.recommendationBase(), clock.now);
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
  await threaded?.stop();
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

test('with the fast path, without it, and from the API thread, every response is the same, fresh and stale', async () => {
  for (const step of [0, 45, 600]) {
    clock.t += step; // no tick: the data ages, and goes stale at 600 s
    for (const path of [...routes, ...declined, '/status', '/readyz', '/api/v1/workloads', '/nope']) {
      const [a, b, c] = await Promise.all([ask(fast.server.url, path), ask(plain.server.url, path), ask(threaded.server.url, path)]);
      expect({ path, ...a }).toEqual({ path, ...b });
      expect({ path, ...c }).toEqual({ path, ...b });
    }
    // Forwarded with its method: a POST is refused by express the same way.
    expect(await ask(threaded.server.url, routes[0]!, 'POST')).toEqual(await ask(plain.server.url, routes[0]!, 'POST'));
    const m = await ask(threaded.server.url, '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/prescale_recommended_replicas\{/);
    for (const path of routes.slice(0, 2)) expect(JSON.parse((await ask(fast.server.url, path)).body)).toHaveProperty('replicas');
  }
  const rec = JSON.parse((await ask(fast.server.url, routes[0]!)).body) as { stale: boolean; dataAgeSeconds: number };
  expect(rec.stale).toBe(true);
  expect(rec.dataAgeSeconds).toBeGreaterThanOrEqual(600);
});

/** A client on its own thread: asks `url` when told, reports how long the answer took. */
function clientThread(): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', async (url) => {
       const t0 = performance.now();
       const r = await fetch(url);
       await r.text();
       parentPort.postMessage({ status: r.status, ms: performance.now() - t0 });
     });`,
    { eval: true },
  );
}

/** Asks `url` from another thread while this one is blocked for `blockMs`; the answer's latency. */
async function askWhileBlocked(url: string, blockMs: number): Promise<{ status: number; ms: number }> {
  const w = clientThread();
  try {
    await new Promise((r) => setTimeout(r, 200)); // the client thread is up
    const answer = new Promise<{ status: number; ms: number }>((resolve) => w.once('message', resolve));
    w.postMessage(url);
    const until = performance.now() + blockMs;
    while (performance.now() < until) {
      /* the engine's thread is busy (a long tick, a garbage collection) */
    }
    return await answer;
  } finally {
    await w.terminate();
  }
}

test('the API thread answers the polled routes while the engine thread is blocked; in one thread the answer waits', async () => {
  const path = routes[0]!;
  const own = await askWhileBlocked(threaded.server.url + path, 1500);
  const shared = await askWhileBlocked(fast.server.url + path, 1500);
  expect(own.status).toBe(200);
  expect(shared.status).toBe(200);
  // Bounds far from both outcomes (not a speed claim): the shared answer waits for the block to end.
  expect(shared.ms).toBeGreaterThan(1000);
  expect(own.ms).toBeLessThan(750);
});

test('a port already taken fails the start of the API thread with the reason (the refit pool and express are closed again)', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as AddressInfo).port;
  try {
    await expect(
      startService({
        workloads: [{ spec: { ...demoSpec(1), historySeconds: 86400 }, source: new DemoSource(defaultShape) }],
        forecasters,
        clock: clock.spec,
        port,
        host: '127.0.0.1',
        schedule: false,
        defaultMetrics: false,
        apiThread: true,
        fitWorkers: 1,
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  } finally {
    taken.close();
  }
});

(process.platform === 'linux' ? test : test.skip)('a second service in one process gets its API thread at the engine priority, and says so in the log (Linux thread priorities)', async () => {
  const events: { level: string; event: string; fields?: Record<string, unknown> }[] = [];
  // The first lowers this (the engine's) thread for good: no privilege raises it back.
  await (await start(true, true)).stop();
  const second = await start(true, true, (level, event, fields) => events.push({ level, event, fields }));
  try {
    expect(events.find((e) => e.event === 'engine_priority')?.fields).toMatchObject({ nice: 5 });
    expect(events.find((e) => e.event === 'api_thread_priority')).toMatchObject({ level: 'warn', fields: { nice: 5, engineNice: 5 } });
    // The id the service reports is the API thread's, in this process.
    expect(second.apiThreadId).toEqual(expect.any(Number));
    expect(threadNice(second.apiThreadId)).toBe(5);
  } finally {
    await second.stop();
  }
});
