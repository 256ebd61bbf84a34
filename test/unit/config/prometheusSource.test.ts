import { parsePrometheusSource, resolvePrometheusSource, DEFAULT_TIMEOUT_MS } from '../../../src/config/prometheusSource';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function issues(data: Record<string, string>) {
  const r = parsePrometheusSource(data, 'cm');
  if (r.ok) throw new Error('expected failure');
  return r.error.issues;
}

describe('parsePrometheusSource', () => {
  test('minimal: URL only, trailing slash dropped, defaults', () => {
    const r = parsePrometheusSource({ prometheusUrl: ' http://prom:9090/ \n', otherAhpaKey: 'x' }, 'cm');
    expect(r).toEqual({ ok: true, value: { url: 'http://prom:9090', insecureSkipVerify: false, headers: {}, timeoutMs: DEFAULT_TIMEOUT_MS } });
  });

  test('all keys', () => {
    const r = parsePrometheusSource(
      {
        prometheusUrl: 'https://prom.example:443/prefix',
        prometheusBearerToken: 'tok\n',
        prometheusCaBundle: PEM,
        prometheusInsecureSkipVerify: 'TRUE',
        prometheusHeaders: 'X-Scope-OrgID: team-a\nX-Other:  b c \n',
        prometheusTimeoutSeconds: '2.5',
      },
      'cm',
    );
    if (!r.ok) throw r.error;
    expect(r.value).toEqual({
      url: 'https://prom.example:443/prefix',
      bearerToken: 'tok',
      caBundle: PEM,
      insecureSkipVerify: true,
      headers: { 'X-Scope-OrgID': 'team-a', 'X-Other': 'b c' },
      timeoutMs: 2500,
    });
  });

  test('headers as JSON, basic auth', () => {
    const r = parsePrometheusSource({ prometheusUrl: 'http://p', prometheusHeaders: '{"X-A":"1"}', prometheusBasicAuthUsername: 'u', prometheusBasicAuthPassword: 'p w' }, 'cm');
    expect(r.ok && r.value).toMatchObject({ headers: { 'X-A': '1' }, basicAuth: { username: 'u', password: 'p w' } });
  });

  test.each([
    ['missing URL', {}, 'prometheusUrl', /required/],
    ['relative URL', { prometheusUrl: 'prom:9090' }, 'prometheusUrl', /http/],
    ['ftp URL', { prometheusUrl: 'ftp://prom' }, 'prometheusUrl', /scheme/],
    ['typo key', { prometheusUrl: 'http://p', prometheusToken: 't' }, 'prometheusToken', /unknown key/],
    ['half basic auth', { prometheusUrl: 'http://p', prometheusBasicAuthUsername: 'u' }, 'prometheusBasicAuthPassword', /both/],
    ['token and basic', { prometheusUrl: 'http://p', prometheusBearerToken: 't', prometheusBasicAuthUsername: 'u', prometheusBasicAuthPassword: 'p' }, 'prometheusBearerToken', /not both/],
    ['not PEM', { prometheusUrl: 'http://p', prometheusCaBundle: 'hello' }, 'prometheusCaBundle', /PEM/],
    ['bad bool', { prometheusUrl: 'http://p', prometheusInsecureSkipVerify: 'yes' }, 'prometheusInsecureSkipVerify', /true or false/],
    ['timeout out of range', { prometheusUrl: 'http://p', prometheusTimeoutSeconds: '0' }, 'prometheusTimeoutSeconds', /\[0.1, 300\]/],
    ['bad header line', { prometheusUrl: 'http://p', prometheusHeaders: 'novalue' }, 'prometheusHeaders[line 1]', /Name: value/],
    ['reserved header', { prometheusUrl: 'http://p', prometheusHeaders: 'Authorization: x' }, 'prometheusHeaders.Authorization', /reserved/],
    ['bad JSON headers', { prometheusUrl: 'http://p', prometheusHeaders: '{"a":' }, 'prometheusHeaders', /JSON/],
  ] as const)('rejects %s', (_n, data, path, msg) => {
    const hit = issues(data as Record<string, string>).find((i) => i.path === path);
    expect(hit?.message).toMatch(msg);
  });
});

describe('resolvePrometheusSource', () => {
  const cm = { url: 'http://cm:9090', bearerToken: 't', insecureSkipVerify: false, headers: { 'X-A': '1' }, timeoutMs: 5000 };
  test('flag > env > configmap > file; overrides keep credentials', () => {
    const all = { flagUrl: 'http://flag:1', envUrl: 'http://env:2', configMap: cm, file: { url: 'http://file:3', timeoutSeconds: 4 } };
    expect(resolvePrometheusSource(all)).toEqual({ ok: true, value: { from: 'flag', source: { ...cm, url: 'http://flag:1' } } });
    expect(resolvePrometheusSource({ ...all, flagUrl: '' })).toMatchObject({ value: { from: 'env', source: { url: 'http://env:2', bearerToken: 't' } } });
    expect(resolvePrometheusSource({ configMap: cm, file: all.file })).toMatchObject({ value: { from: 'configmap', source: cm } });
    expect(resolvePrometheusSource({ file: all.file })).toMatchObject({ value: { from: 'file', source: { url: 'http://file:3', timeoutMs: 4000 } } });
  });
  test('nothing, or a bad override, is a typed error', () => {
    const none = resolvePrometheusSource({});
    expect(!none.ok && none.error.message).toContain('PRESCALE_PROMETHEUS_URL');
    const bad = resolvePrometheusSource({ envUrl: 'not a url' });
    expect(!bad.ok && bad.error.issues[0]).toMatchObject({ path: 'PRESCALE_PROMETHEUS_URL', value: 'not a url' });
  });
});
