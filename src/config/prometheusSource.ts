/**
 * Where Prometheus is, and how to authenticate: read from a ConfigMap shaped like AHPA's
 * (`application-intelligence` in `kube-system`, key `prometheusUrl`), with prescale's optional keys:
 *
 * | key                            | value                                                          |
 * | ------------------------------ | -------------------------------------------------------------- |
 * | `prometheusUrl`                | required; http(s) base URL, e.g. `http://prometheus.monitoring:9090` |
 * | `prometheusBearerToken`        | sent as `Authorization: Bearer <token>`                        |
 * | `prometheusBasicAuthUsername`  | with `prometheusBasicAuthPassword`; exclusive with the token   |
 * | `prometheusBasicAuthPassword`  |                                                                |
 * | `prometheusCaBundle`           | PEM certificate(s) trusted for https, in addition to none else |
 * | `prometheusInsecureSkipVerify` | `true` / `false` (default false)                               |
 * | `prometheusHeaders`            | extra headers: a JSON object, or one `Name: value` per line    |
 * | `prometheusTimeoutSeconds`     | per-request timeout, default 10                                |
 *
 * Other keys (AHPA's own, for example) are ignored; an unknown key starting with `prometheus` is
 * rejected, since it is most likely a typo of one above. Pure.
 */
import { ConfigError, type ConfigIssue, type ParseResult } from './schema';

export const CONFIGMAP_NAMESPACE = 'kube-system';
export const CONFIGMAP_NAME = 'application-intelligence';
export const ENV_PROMETHEUS_URL = 'PRESCALE_PROMETHEUS_URL';

export const SOURCE_KEYS = [
  'prometheusUrl',
  'prometheusBearerToken',
  'prometheusBasicAuthUsername',
  'prometheusBasicAuthPassword',
  'prometheusCaBundle',
  'prometheusInsecureSkipVerify',
  'prometheusHeaders',
  'prometheusTimeoutSeconds',
] as const;

export interface PrometheusSource {
  readonly url: string;
  readonly bearerToken?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly caBundle?: string;
  readonly insecureSkipVerify: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** Default per-request timeout: a 7-day query_range answers in ~5 ms here; 10 s is a sick server. */
export const DEFAULT_TIMEOUT_MS = 10_000;

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the source's own keys control; setting them through prometheusHeaders is ambiguous. */
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'host']);

function checkUrl(url: string, key: string, issues: ConfigIssue[]): string {
  const trimmed = url.trim();
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    issues.push({ path: key, message: 'must be an absolute http(s) URL such as http://prometheus.monitoring:9090', value: url });
    return trimmed;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') issues.push({ path: key, message: 'scheme must be http or https', value: url });
  return trimmed.replace(/\/+$/, '');
}

/** `{"X-Scope-OrgID":"team-a"}` or lines `X-Scope-OrgID: team-a`. */
export function parseHeaders(text: string, key: string, issues: ConfigIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: unknown) => {
    if (!HEADER_NAME_RE.test(name)) issues.push({ path: `${key}.${name}`, message: 'not a valid HTTP header name', value: name });
    else if (RESERVED_HEADERS.has(name.toLowerCase())) issues.push({ path: `${key}.${name}`, message: 'reserved: use prometheusBearerToken or prometheusBasicAuth* for authentication' });
    else if (typeof value !== 'string' || /[\r\n]/.test(value)) issues.push({ path: `${key}.${name}`, message: 'must be a single-line string', value });
    else out[name] = value;
  };
  const t = text.trim();
  if (t === '') return out;
  if (t.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch (e) {
      issues.push({ path: key, message: `not valid JSON: ${(e as Error).message}` });
      return out;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      issues.push({ path: key, message: 'must be a JSON object of header name -> value', value: obj });
      return out;
    }
    for (const [k, v] of Object.entries(obj)) add(k, v);
    return out;
  }
  t.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const c = line.indexOf(':');
    if (c <= 0) issues.push({ path: `${key}[line ${i + 1}]`, message: 'expected "Name: value"', value: line });
    else add(line.slice(0, c).trim(), line.slice(c + 1).trim());
  });
  return out;
}

/**
 * ConfigMap data (key -> string, as the kubelet writes files or the API returns `data`) ->
 * PrometheusSource, or a ConfigError naming each bad key. Values are trimmed except the CA bundle.
 */
export function parsePrometheusSource(data: Readonly<Record<string, string>>, origin: string): ParseResult<PrometheusSource> {
  const issues: ConfigIssue[] = [];
  for (const k of Object.keys(data)) {
    if (k.startsWith('prometheus') && !(SOURCE_KEYS as readonly string[]).includes(k)) {
      issues.push({ path: k, message: `unknown key; expected one of ${SOURCE_KEYS.join(', ')}` });
    }
  }
  const get = (k: (typeof SOURCE_KEYS)[number]) => {
    const v = data[k];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const rawUrl = get('prometheusUrl');
  if (rawUrl === undefined) issues.push({ path: 'prometheusUrl', message: 'required (the Prometheus base URL)' });
  const url = rawUrl === undefined ? '' : checkUrl(rawUrl, 'prometheusUrl', issues);

  const token = get('prometheusBearerToken')?.trim();
  const user = get('prometheusBasicAuthUsername')?.trim();
  const pass = data.prometheusBasicAuthPassword;
  if ((user === undefined) !== (pass === undefined || pass === '')) {
    issues.push({ path: user === undefined ? 'prometheusBasicAuthUsername' : 'prometheusBasicAuthPassword', message: 'basic auth needs both prometheusBasicAuthUsername and prometheusBasicAuthPassword' });
  }
  if (token !== undefined && user !== undefined) {
    issues.push({ path: 'prometheusBearerToken', message: 'set either a bearer token or basic auth, not both' });
  }
  const ca = get('prometheusCaBundle');
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) {
    issues.push({ path: 'prometheusCaBundle', message: 'must contain PEM certificates (-----BEGIN CERTIFICATE-----)', value: `${ca.slice(0, 30)}...` });
  }
  const skipRaw = get('prometheusInsecureSkipVerify')?.trim().toLowerCase();
  if (skipRaw !== undefined && skipRaw !== 'true' && skipRaw !== 'false') {
    issues.push({ path: 'prometheusInsecureSkipVerify', message: 'must be true or false', value: data.prometheusInsecureSkipVerify });
  }
  const headersRaw = get('prometheusHeaders');
  const headers = headersRaw === undefined ? {} : parseHeaders(headersRaw, 'prometheusHeaders', issues);
  const timeoutRaw = get('prometheusTimeoutSeconds');
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeoutRaw !== undefined) {
    const t = Number(timeoutRaw.trim());
    // 0.1 s to 300 s: below, even a healthy server on a busy node times out; above, a stuck request
    // holds a control loop of 1 minute for five of them.
    if (!Number.isFinite(t) || t < 0.1 || t > 300) issues.push({ path: 'prometheusTimeoutSeconds', message: 'must be a number of seconds in [0.1, 300]', value: timeoutRaw });
    else timeoutMs = Math.round(t * 1000);
  }
  if (issues.length > 0) return { ok: false, error: new ConfigError(origin, issues) };
  const source: PrometheusSource = {
    url,
    ...(token !== undefined ? { bearerToken: token } : {}),
    ...(user !== undefined && pass !== undefined ? { basicAuth: { username: user, password: pass } } : {}),
    ...(ca !== undefined ? { caBundle: ca } : {}),
    insecureSkipVerify: skipRaw === 'true',
    headers,
    timeoutMs,
  };
  return { ok: true, value: Object.freeze(source) };
}

export type SourceOrigin = 'flag' | 'env' | 'configmap' | 'file';

export interface ResolveInputs {
  /** `--prometheus-url`. */
  readonly flagUrl?: string;
  /** process.env.PRESCALE_PROMETHEUS_URL, read by the caller. */
  readonly envUrl?: string;
  readonly configMap?: PrometheusSource;
  /** `prometheus:` from the workload config file. */
  readonly file?: { readonly url: string; readonly timeoutSeconds: number };
}

/**
 * Precedence: flag > env > ConfigMap > config file. A flag or env URL replaces only the URL:
 * credentials, CA and headers from the ConfigMap are kept (the usual override is a port-forward to
 * the same Prometheus). Pure.
 */
export function resolvePrometheusSource(inp: ResolveInputs): ParseResult<{ source: PrometheusSource; from: SourceOrigin }> {
  const base: PrometheusSource = inp.configMap ?? {
    url: inp.file?.url ?? '',
    insecureSkipVerify: false,
    headers: {},
    timeoutMs: inp.file ? Math.round(inp.file.timeoutSeconds * 1000) : DEFAULT_TIMEOUT_MS,
  };
  const override = (url: string, from: 'flag' | 'env', key: string): ParseResult<{ source: PrometheusSource; from: SourceOrigin }> => {
    const issues: ConfigIssue[] = [];
    const u = checkUrl(url, key, issues);
    if (issues.length > 0) return { ok: false, error: new ConfigError(from === 'flag' ? 'command line' : 'environment', issues) };
    return { ok: true, value: { source: Object.freeze({ ...base, url: u }), from } };
  };
  if (inp.flagUrl !== undefined && inp.flagUrl.trim() !== '') return override(inp.flagUrl, 'flag', '--prometheus-url');
  if (inp.envUrl !== undefined && inp.envUrl.trim() !== '') return override(inp.envUrl, 'env', ENV_PROMETHEUS_URL);
  if (inp.configMap) return { ok: true, value: { source: inp.configMap, from: 'configmap' } };
  if (inp.file) return { ok: true, value: { source: Object.freeze(base), from: 'file' } };
  return {
    ok: false,
    error: new ConfigError('prometheus source', [
      { path: 'prometheusUrl', message: `no Prometheus URL: set --prometheus-url, ${ENV_PROMETHEUS_URL}, ConfigMap ${CONFIGMAP_NAMESPACE}/${CONFIGMAP_NAME} key prometheusUrl, or prometheus.url in the config file` },
    ]),
  };
}
