/**
 * Edge, optional: watch the ConfigMap through the Kubernetes API (for deployments that do not
 * mount it). One GET for the current state, then a watch stream from its resourceVersion; on a
 * broken stream, a new GET + watch after a backoff. Uses @kubernetes/client-node 1.4 (an ES module:
 * loaded with a dynamic import, so this file stays CommonJS).
 */
import { parsePrometheusSource, CONFIGMAP_NAME, CONFIGMAP_NAMESPACE, type PrometheusSource } from './prometheusSource';
import { ConfigError, type ParseResult } from './schema';
import type { ChangeListener } from './configMapDir';

type K8s = typeof import('@kubernetes/client-node');
type KubeConfig = import('@kubernetes/client-node').KubeConfig;

// A real dynamic import: TypeScript's CommonJS output would turn `import()` into `require()`, which
// cannot load an ES module under every runtime (jest's, for one).
const importEsm = new Function('s', 'return import(s)') as (s: string) => Promise<K8s>;

/** The @kubernetes/client-node module, loaded as the ES module it is. */
export const importKubernetesClient = (): Promise<K8s> => importEsm('@kubernetes/client-node');

/**
 * A KubeConfig from the pod's service account when running in a cluster, else from
 * $KUBECONFIG / ~/.kube/config (client-node's loadFromDefault does both, in that order of checks).
 */
export async function loadKubeConfig(): Promise<KubeConfig> {
  const k8s = await importKubernetesClient();
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export interface KubeWatcherOptions<T> {
  /** A loaded KubeConfig (loadFromCluster() in a pod, loadFromDefault() outside). */
  readonly kubeConfig: KubeConfig;
  readonly namespace?: string;
  readonly name?: string;
  /** Delay before re-listing after the stream ends or fails. */
  readonly retryMs?: number;
  readonly parse?: (data: Readonly<Record<string, string>>, origin: string) => ParseResult<T>;
}

export class KubeConfigMapWatcher<T = PrometheusSource> {
  private readonly listeners = new Set<ChangeListener<T>>();
  private abort: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;
  private lastContent: string | undefined;
  private readonly namespace: string;
  private readonly name: string;
  private readonly retryMs: number;
  private readonly parse: (data: Readonly<Record<string, string>>, origin: string) => ParseResult<T>;
  private readonly origin: string;

  constructor(private readonly opts: KubeWatcherOptions<T>) {
    this.namespace = opts.namespace ?? CONFIGMAP_NAMESPACE;
    this.name = opts.name ?? CONFIGMAP_NAME;
    // 5 s: an API server restart takes seconds; re-listing faster only adds load to it.
    this.retryMs = opts.retryMs ?? 5_000;
    this.parse = opts.parse ?? (parsePrometheusSource as unknown as (d: Readonly<Record<string, string>>, o: string) => ParseResult<T>);
    this.origin = `ConfigMap ${this.namespace}/${this.name}`;
  }

  onChange(listener: ChangeListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** GET once (resolves with that result, an error result if the GET fails), then watch. */
  async start(): Promise<ParseResult<T>> {
    this.running = true;
    const k8s = await importKubernetesClient();
    const first = await this.listAndWatch(k8s);
    this.lastContent = contentKey(first);
    return first;
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
    this.abort = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async listAndWatch(k8s: K8s): Promise<ParseResult<T>> {
    const api = this.opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    let first: ParseResult<T>;
    let resourceVersion: string | undefined;
    try {
      const cm = await api.readNamespacedConfigMap({ name: this.name, namespace: this.namespace });
      resourceVersion = cm.metadata?.resourceVersion;
      first = this.accept(cm.data ?? {});
    } catch (e) {
      first = { ok: false, error: new ConfigError(this.origin, [{ path: '(root)', message: `GET failed: ${describe(e)}` }], 'CONFIG_UNREADABLE') };
    }
    if (!this.running) return first;
    const watch = new k8s.Watch(this.opts.kubeConfig);
    try {
      this.abort = await watch.watch(
        `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/configmaps`,
        { fieldSelector: `metadata.name=${this.name}`, ...(resourceVersion ? { resourceVersion } : {}), allowWatchBookmarks: false },
        (type: string, obj: { data?: Record<string, string> } | undefined) => {
          if (type === 'ADDED' || type === 'MODIFIED') this.emit(this.accept(obj?.data ?? {}));
          else if (type === 'DELETED') {
            this.lastContent = undefined;
            this.emit({ ok: false, error: new ConfigError(this.origin, [{ path: '(root)', message: 'ConfigMap deleted; keeping the last good source' }], 'CONFIG_UNREADABLE') });
          }
        },
        () => this.retry(k8s),
      );
    } catch {
      this.retry(k8s);
    }
    return first;
  }

  private retry(k8s: K8s): void {
    if (!this.running || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.running) return;
      // A re-list reports what changed while the stream was down (emit() drops the unchanged).
      void this.listAndWatch(k8s).then((r) => this.emit(r));
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** Parse; remembers the content so an unchanged re-list or event is not reported twice. */
  private accept(data: Record<string, string>): ParseResult<T> {
    return this.parse(data, this.origin);
  }

  private emit(result: ParseResult<T>): void {
    const key = contentKey(result);
    if (key === this.lastContent) return;
    this.lastContent = key;
    for (const l of this.listeners) {
      try {
        l(result);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

function contentKey(r: ParseResult<unknown>): string {
  return r.ok ? JSON.stringify(r.value) : `error:${r.error.message}`;
}

function describe(e: unknown): string {
  const err = e as { code?: number; message?: string };
  return err.code ? `HTTP ${err.code}: ${(err.message ?? '').split('\n')[0]}` : String(err.message ?? e);
}
