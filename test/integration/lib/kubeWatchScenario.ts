/**
 * Run by test/unit/config/configMapKube.test.ts in a child process (`node --import tsx`), because
 * @kubernetes/client-node 1.x is an ES module that jest's CommonJS runtime cannot load. Drives the
 * real client library against the fake API server and prints what happened as one JSON line.
 */
import { KubeConfigMapWatcher, importKubernetesClient } from '../../../src/config/configMapKube';
import type { PrometheusSource } from '../../../src/config/prometheusSource';
import type { ParseResult } from '../../../src/config/schema';
import { startFakeKubeApi } from './fakeKubeApi';

const show = (r: ParseResult<PrometheusSource>) => (r.ok ? { url: r.value.url } : { error: r.error.issues.map((i) => `${i.path}: ${i.message}`).join('; ') });

async function main(): Promise<void> {
  const api = await startFakeKubeApi('kube-system', 'application-intelligence', { prometheusUrl: 'http://one:9090' });
  const k8s = await importKubernetesClient();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: api.url, skipTLSVerify: true }],
    users: [{ name: 'prescale', token: 'sa-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'prescale' }],
    currentContext: 'fake',
  });
  const w = new KubeConfigMapWatcher({ kubeConfig: kc, retryMs: 100 });
  const changes: unknown[] = [];
  let notify: () => void = () => undefined;
  w.onChange((r) => {
    changes.push(show(r));
    notify();
  });
  const nextChange = () => new Promise<void>((r) => (notify = r));
  const timeout = setTimeout(() => {
    console.log(JSON.stringify({ error: 'scenario timed out', changes, requests: api.requests }));
    process.exit(2);
  }, 10_000);

  const first = await w.start();
  await api.watchesOpened(1);
  let p = nextChange();
  api.push('MODIFIED', { prometheusUrl: 'http://two:9090' });
  await p;
  p = nextChange();
  api.push('MODIFIED', { prometheusUrl: 'two:9090' });
  await p;
  // Unchanged content: no report. Then the stream ends; the watcher re-lists and re-watches.
  api.push('MODIFIED', { prometheusUrl: 'two:9090' });
  api.setData({ prometheusUrl: 'http://three:9090' });
  p = nextChange();
  api.endWatches();
  await p;
  await api.watchesOpened(2);
  w.stop();
  clearTimeout(timeout);
  await api.close();
  console.log(JSON.stringify({ first: show(first), changes, requests: api.requests }));
}

main().catch((e: unknown) => {
  console.log(JSON.stringify({ error: String((e as Error).stack ?? e) }));
  process.exit(1);
});
