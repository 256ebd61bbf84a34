import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig, parseText } from '../../../src/config/load';
import { queryForWorkload } from '../../../src/collector/promql';

const FIXTURES = path.join(__dirname, '../../../fixtures/config');
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'prescale-cfg-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  test('the shipped example loads, and each workload yields a query', async () => {
    const r = await loadConfig(path.join(FIXTURES, 'prescale.yaml'));
    if (!r.ok) throw r.error;
    expect(r.value.workloads.map((w) => w.name)).toEqual(['llama-chat', 'web-api', 'search', 'embeddings', 'batch-queue']);
    expect(r.value.workloads.map((w) => w.metric.type)).toEqual(['concurrency', 'qps', 'responseTime', 'gpu', 'custom']);
    for (const w of r.value.workloads) expect(queryForWorkload(w).length).toBeGreaterThan(10);
  });

  test('a directory concatenates files in name order (YAML and JSON)', async () => {
    const r = await loadConfig(path.join(FIXTURES, 'workloads.d'));
    if (!r.ok) throw r.error;
    expect(r.value.workloads.map((w) => w.name)).toEqual(['llama-chat', 'web-api']);
    expect(r.value.prometheus?.url).toBe('http://prometheus.monitoring.svc:9090');
  });

  test('an issue in a directory names the file', async () => {
    const d = path.join(dir, 'bad.d');
    mkdirSync(d);
    const w = (name: string, cap: number) => `- name: ${name}\n  target: { namespace: a, name: ${name} }\n  metric: { type: concurrency }\n  capacityPerPod: ${cap}\n  maxReplicas: 3\n  coldStart: { source: fixed, seconds: 10 }\n`;
    writeFileSync(path.join(d, 'a.yaml'), `workloads:\n${w('one', 1)}`);
    writeFileSync(path.join(d, 'b.yml'), `workloads:\n${w('two', -1)}`);
    writeFileSync(path.join(d, '.hidden.yaml'), 'not: [valid');
    const r = await loadConfig(d);
    if (r.ok) throw new Error('expected failure');
    expect(r.error.issues[0]).toMatchObject({ path: 'b.yml: workloads[1].capacityPerPod', value: -1 });
  });

  test('syntax errors and missing files are typed errors, never throws', async () => {
    const f = path.join(dir, 'broken.yaml');
    writeFileSync(f, 'workloads:\n  - name: [unclosed\n');
    const r = await loadConfig(f);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CONFIG_SYNTAX');
    const missing = await loadConfig(path.join(dir, 'nope.yaml'));
    expect(!missing.ok && missing.error.code).toBe('CONFIG_UNREADABLE');
    expect(!missing.ok && missing.error.message).toContain('nope.yaml');
  });

  test('duplicate YAML keys and JSON trailing commas are syntax errors', () => {
    expect(parseText('a: 1\na: 2\n', 'x.yaml').ok).toBe(false);
    expect(parseText('{"a": 1,}', 'x.json').ok).toBe(false);
    expect(parseText('{"a": 1}', 'x.json')).toEqual({ ok: true, value: { a: 1 } });
  });
});
