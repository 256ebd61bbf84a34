/**
 * The Kubernetes-API path of the ConfigMap watcher. No API server exists on these machines, so this
 * runs the real @kubernetes/client-node 1.4 (GET, then the watch stream) against a small fake API
 * server on loopback (test/integration/lib/fakeKubeApi.ts). The scenario runs in a child process:
 * the client library is an ES module that jest's CommonJS runtime cannot load.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../../..');

test('GET then watch: changes, a bad update, a broken stream re-listed', async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', 'test/integration/lib/kubeWatchScenario.ts'], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
      err && !stdout ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  const r = JSON.parse(out.trim().split('\n').pop() as string) as {
    first?: unknown;
    changes?: unknown[];
    error?: string;
    requests: { method: string; url: string; auth?: string }[];
  };
  expect(r.error).toBeUndefined();
  expect(r.first).toEqual({ url: 'http://one:9090' });
  expect(r.changes).toEqual([{ url: 'http://two:9090' }, { error: 'prometheusUrl: scheme must be http or https' }, { url: 'http://three:9090' }]);
  const urls = r.requests.map((q) => q.url);
  expect(urls[0]).toBe('/api/v1/namespaces/kube-system/configmaps/application-intelligence');
  const watch = new URL(urls[1] as string, 'http://x');
  expect(watch.pathname).toBe('/api/v1/namespaces/kube-system/configmaps');
  expect(Object.fromEntries(watch.searchParams)).toMatchObject({ watch: 'true', fieldSelector: 'metadata.name=application-intelligence', resourceVersion: '1' });
  // After the stream ended: GET again, then a new watch from the new resourceVersion.
  expect(urls.slice(2, 4).map((u) => new URL(u, 'http://x').pathname)).toEqual(['/api/v1/namespaces/kube-system/configmaps/application-intelligence', '/api/v1/namespaces/kube-system/configmaps']);
  expect(r.requests.every((q) => q.auth === 'Bearer sa-token')).toBe(true);
}, 40_000);
