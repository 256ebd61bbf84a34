/**
 * Edge: the API thread. It owns the service's listening socket, so that requests are answered
 * while the engine's thread is busy (a tick over 1,000 workloads, state writes, their garbage
 * collections: up to ~50 ms at a time there). The polled read routes (fastPath.ts) are answered
 * here from the recommendations the engine thread publishes after each tick, with the shared
 * clock; every other request is forwarded as is to the express app, which listens on a private
 * loopback port in the engine's thread (src/api/frontThread.ts starts this).
 */
import { readlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { RecommendationBase } from '../engine/workloadEngine';
import { clockOf, type ClockSpec } from '../runtime/clock';
import { fastPath } from './fastPath';

export interface FrontInit {
  readonly port: number;
  readonly host: string;
  /** The express app's private address. */
  readonly internalPort: number;
  readonly clock: ClockSpec;
}

/** Published by the engine thread: "namespace/id-or-name" -> recommendation base. */
export type FrontMessage = { readonly type: 'table'; readonly entries: readonly (readonly [string, RecommendationBase])[] } | { readonly type: 'close' };

/** This thread's kernel id on Linux (/proc/thread-self -> "<pid>/task/<tid>"), else null. */
function linuxThreadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('front.ts runs as a worker thread (see frontThread.ts)');
  const init = workerData as FrontInit;
  let table = new Map<string, RecommendationBase>();
  const fast = fastPath((ns, name) => table.get(`${ns}/${name}`), clockOf(init.clock));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  // Hop-by-hop headers belong to each connection, not to the message (RFC 9110 7.6.1).
  const HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];
  const endToEnd = (h: http.IncomingHttpHeaders): http.IncomingHttpHeaders => {
    const out = { ...h };
    for (const k of HOP) delete out[k];
    return out;
  };
  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const out = http.request({ host: '127.0.0.1', port: init.internalPort, method: req.method, path: req.url, headers: endToEnd(req.headers), agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, endToEnd(r.headers));
      r.pipe(res);
    });
    out.on('error', (err) => {
      if (res.headersSent) return void res.destroy(err);
      const body = JSON.stringify({ error: 'EngineUnavailable', message: `the engine thread did not answer: ${err.message}` });
      res.writeHead(502, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    req.pipe(out);
  };

  const server = http.createServer((req, res) => {
    if (!fast(req, res)) forward(req, res);
  });
  server.on('error', (err) => port.postMessage({ type: 'error', message: err.message }));
  server.listen(init.port, init.host, () => port.postMessage({ type: 'listening', port: (server.address() as AddressInfo).port, threadId: linuxThreadId() }));

  port.on('message', (msg: FrontMessage) => {
    if (msg.type === 'table') table = new Map(msg.entries);
    else if (msg.type === 'close') {
      server.close(() => {
        agent.destroy();
        port.postMessage({ type: 'closed' });
      });
      server.closeAllConnections();
    }
  });
}

main();
