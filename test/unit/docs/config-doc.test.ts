import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  collectRows,
  configRows,
  descriptionProblems,
  formatRange,
  KEY_DESCRIPTIONS,
  MINIMAL_EXAMPLE,
  mergeRows,
  renderConfigReference,
  type JsonSchema,
  type KeyRow,
} from '../../../scripts/config-doc';
import { parse as parseYaml } from 'yaml';
import { SOURCE_KEYS } from '../../../src/config/prometheusSource';
import { parseConfig } from '../../../src/config/schema';
import { plannerConfig } from '../../../src/backtest/replay';
import { backtestConfigOf, specFromWorkload } from '../../../src/engine/workloadEngine';

const root = path.join(__dirname, '..', '..', '..');

describe('docs/configuration.md', () => {
  it('is exactly what the generator writes (regenerate: npx tsx scripts/gen-config-doc.ts)', () => {
    const committed = readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    expect(committed).toEqual(renderConfigReference());
  });

  it('has a row for keys of every kind of schema node, with the schema defaults and ranges', () => {
    const byPath = new Map(configRows().map((r) => [r.path, r]));
    // A plain key with a default and a half-open range: targetUtilization is z.number().gt(0).max(1).default(0.7).
    expect(byPath.get('workloads[].targetUtilization')).toMatchObject({ type: 'number', allowed: '(0, 1]', default: '`0.7`', required: false });
    // A required key without default.
    expect(byPath.get('workloads[].capacityPerPod')).toMatchObject({ allowed: '> 0', default: '', required: true });
    // A discriminated-union member's key: required only in its variant.
    expect(byPath.get('workloads[].metric.counter')).toMatchObject({ required: true, when: ['type: qps'] });
    // A key shared by four variants is one row naming all four.
    expect(byPath.get('workloads[].metric.matchers')?.when).toEqual(['type: qps', 'type: responseTime', 'type: gpu', 'type: concurrency']);
    // The discriminator lists every variant.
    expect(byPath.get('workloads[].coldStart.source')?.allowed).toBe('one of `kubeStateMetrics`, `fixed`');
    // Integers without an upper bound show none (zod's MAX_SAFE_INTEGER is not a real bound).
    expect(byPath.get('workloads[].maxReplicas')?.allowed).toBe('>= 1');
  });

  it('describes every key and every ConfigMap key in the rendered tables', () => {
    const doc = renderConfigReference();
    for (const r of configRows()) expect(doc).toContain(`| \`${r.path}\` |`);
    for (const k of SOURCE_KEYS) expect(doc).toContain(`| \`${k}\` |`);
  });
});

describe('the generator', () => {
  it('names a key without a description and a description without a key', () => {
    const paths = configRows().map((r) => r.path);
    const { ['workloads[].capacityPerPod']: _dropped, ...rest } = KEY_DESCRIPTIONS;
    void _dropped;
    const problems = descriptionProblems(paths, { ...rest, 'workloads[].minReplica': 'typo' }, 'key');
    expect(problems).toEqual([
      'key workloads[].capacityPerPod has no description: add one to KEY_DESCRIPTIONS in scripts/config-doc.ts',
      'key workloads[].minReplica is described but not in the schema: remove or rename it in scripts/config-doc.ts',
    ]);
    expect(descriptionProblems(paths, KEY_DESCRIPTIONS, 'key')).toEqual([]);
  });

  it('formats ranges as intervals', () => {
    expect(formatRange({ exclusiveMinimum: 0, maximum: 300 })).toBe('(0, 300]');
    expect(formatRange({ exclusiveMinimum: 0.5, exclusiveMaximum: 1 })).toBe('(0.5, 1)');
    expect(formatRange({ minimum: 1 })).toBe('>= 1');
    expect(formatRange({ maximum: Number.MAX_SAFE_INTEGER, minimum: -Number.MAX_SAFE_INTEGER })).toBe('');
  });

  it('walks nested objects, arrays and unions without a discriminator', () => {
    const schema: JsonSchema = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'array', items: { type: 'object', properties: { b: { type: 'integer', minimum: 2, default: 3 } } } },
        s: { anyOf: [{ type: 'object', required: ['x'], properties: { x: { type: 'string' } } }, { type: 'object', properties: { y: { type: 'string' } } }] },
      },
    };
    const rows: KeyRow[] = [];
    collectRows(schema, '', true, [], rows);
    expect(mergeRows(rows).map((r) => [r.path, r.required, r.when.join(';'), r.default])).toEqual([
      ['a', true, '', ''],
      ['a[]', true, '', ''],
      ['a[].b', false, '', '`3`'],
      ['s', false, '', ''],
      ['s.x', true, 'using `x`', ''],
      ['s.y', false, 'using `y`', ''],
    ]);
  });
});

describe('workload examples in the user docs', () => {
  // Every ```yaml block that starts with `workloads:` must pass the schema, and its schedule crons
  // must compile in the planner (the schema accepts 6-field crons that the planner refuses), and
  // minReplicas must be >= 1 (the planner refuses 0 without scale to zero, which config cannot set).
  const docs = ['docs/migration.md', 'docs/getting-started.md'];
  const blocks = [{ origin: 'the minimal example of docs/configuration.md', text: MINIMAL_EXAMPLE }, ...docs.flatMap((d) =>
    [...readFileSync(path.join(root, d), 'utf8').matchAll(/```yaml\n(workloads:\n[\s\S]*?)```/g)].map((m, i) => ({ origin: `${d} example ${i + 1}`, text: m[1] ?? '' })),
  )];

  it('finds the examples (migration.md has one per migration path)', () => {
    expect(blocks.filter((b) => b.origin.startsWith('docs/migration.md')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b) => [b.origin, b] as const))('%s is a valid config the planner accepts', (_name, b) => {
    const r = parseConfig(parseYaml(b.text), b.origin);
    if (!r.ok) throw r.error;
    for (const w of r.value.workloads) {
      // What the service builds for the workload: its spec, then the planner config the replay uses.
      const spec = specFromWorkload(w);
      expect(() => plannerConfig(backtestConfigOf(spec), spec.step, spec.targetUtilization)).not.toThrow();
    }
  });
});

