/**
 * A tiny fake Kubernetes API server on loopback: answers GET and the watch stream for one
 * ConfigMap, enough for @kubernetes/client-node's CoreV1Api.readNamespacedConfigMap and Watch.
 * There is no API server on these machines; this lets the real client library be exercised.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeKubeApi {
  readonly url: string;
  /** Requests seen: method, path with query, Authorization header. */
  readonly requests: { method: string; url: string; auth: string | undefined }[];
  /** Data returned by the next GET (and its resourceVersion, bumped on each set). */
  setData(data: Record<string, string>): void;
  /** Send a watch event to every open watch stream. */
  push(type: 'ADDED' | 'MODIFIED' | 'DELETED', data: Record<string, string>): void;
  /** End every open watch stream (as an API server does on timeout or restart). */
  endWatches(): void;
  /** Resolves once `n` watch streams have been opened in total. */
  watchesOpened(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeKubeApi(namespace: string, name: string, initial: Record<string, string>): Promise<FakeKubeApi> {
  let data = initial;
  let rv = 1;
  const watches = new Set<http.ServerResponse>();
  let opened = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const requests: FakeKubeApi['requests'] = [];
  const cm = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion: String(rv) }, data });
  const base = `/api/v1/namespaces/${namespace}/configmaps`;

  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname === `${base}/${name}`) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(cm()));
      return;
    }
    if (req.method === 'GET' && u.pathname === base && u.searchParams.get('watch') === 'true' && u.searchParams.get('fieldSelector') === `metadata.name=${name}`) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      watches.add(res);
      res.on('close', () => watches.delete(res));
      opened++;
      for (const w of waiters.filter((x) => opened >= x.n)) w.resolve();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `no route ${req.url}` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setData(d) {
      data = d;
      rv++;
    },
    push(type, d) {
      data = d;
      rv++;
      for (const w of watches) w.write(`${JSON.stringify({ type, object: cm() })}\n`);
    },
    endWatches() {
      for (const w of watches) w.end();
    },
    watchesOpened(n) {
      return opened >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      for (const w of watches) w.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
