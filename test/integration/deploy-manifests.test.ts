/**
 * deploy/ validated offline (no API server exists here):
 *  - every document validates against the Kubernetes OpenAPI schema through `kubernetes-models`
 *    (its classes' validate(), for the core/apps/rbac/autoscaling/apiregistration kinds);
 *  - the KEDA ScaledObject (a CRD kubernetes-models does not ship) against a small HAND-WRITTEN
 *    JSON schema of the fields used, after KEDA's v1alpha1 CRD (scaleTargetRef, replica counts,
 *    triggers[].type/metadata/metricType);
 *  - least privilege: prescale's roles grant exactly get/list/watch on the application-intelligence
 *    ConfigMap in kube-system (by resourceNames) and get/list on pods, nothing else;
 *  - the pieces refer to each other: Deployment -> ServiceAccount, ConfigMaps, Service ports;
 *    APIService -> Service; HPA/KEDA -> prescale's metric name, routes and configured workloads;
 *    the example ConfigMaps pass prescale's own parsers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as apiregV1 from 'kubernetes-models/apiregistration.k8s.io/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { EXTERNAL_METRIC } from '../../src/api/server';
import { loadConfig } from '../../src/config/load';
import { CONFIGMAP_NAME, CONFIGMAP_NAMESPACE, parsePrometheusSource, SOURCE_KEYS } from '../../src/config/prometheusSource';
import type { Config } from '../../src/config/schema';

const ROOT = path.join(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** kubernetes-models' class for an apiVersion/kind, or undefined. */
function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const groups: Record<string, Record<string, unknown>> = {
    v1: coreV1,
    'apps/v1': appsV1,
    'rbac.authorization.k8s.io/v1': rbacV1,
    'autoscaling/v2': autoscalingV2,
    'apiregistration.k8s.io/v1': apiregV1,
  };
  return groups[apiVersion]?.[kind] as ModelClass | undefined;
}

function validate(doc: Doc): void {
  const Model = modelFor(doc.apiVersion, doc.kind);
  if (!Model) throw new Error(`${doc.kind} ${doc.apiVersion}: no kubernetes-models class`);
  new Model(doc as never).validate();
}

/** Hand-written (kubernetes-models has no KEDA CRDs): the fields of keda.sh/v1alpha1 ScaledObject used here. */
const SCALED_OBJECT_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'keda.sh/v1alpha1' },
    kind: { const: 'ScaledObject' },
    metadata: { type: 'object', required: ['name', 'namespace'], properties: { name: { type: 'string', minLength: 1 }, namespace: { type: 'string', minLength: 1 } } },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['scaleTargetRef', 'triggers'],
      properties: {
        scaleTargetRef: { type: 'object', additionalProperties: false, required: ['name'], properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, envSourceContainerName: { type: 'string' } } },
        minReplicaCount: { type: 'integer', minimum: 0 },
        maxReplicaCount: { type: 'integer', minimum: 1 },
        pollingInterval: { type: 'integer', minimum: 1 },
        cooldownPeriod: { type: 'integer', minimum: 0 },
        idleReplicaCount: { type: 'integer', minimum: 0 },
        triggers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'metadata'],
            properties: {
              type: { type: 'string' },
              name: { type: 'string' },
              metricType: { enum: ['AverageValue', 'Value', 'Utilization'] },
              useCachedMetrics: { type: 'boolean' },
              // KEDA trigger metadata is map[string]string: numbers must be quoted.
              metadata: { type: 'object', additionalProperties: { type: 'string' } },
              authenticationRef: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, kind: { type: 'string' } } },
            },
          },
        },
      },
    },
  },
};
const validateScaledObject = new Ajv({ allErrors: true, strict: false }).compile(SCALED_OBJECT_SCHEMA);

/** Every YAML document under deploy/ (compose/ excluded: it is the compose stack's, not Kubernetes'). */
function loadManifests(): { file: string; doc: Doc }[] {
  const files = [...readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml')), ...readdirSync(path.join(DEPLOY, 'examples')).map((f) => path.join('examples', f))];
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      return { file, doc: d.toJS() as Doc };
    }),
  );
}

const manifests = loadManifests();
const find = (kind: string, name?: string): Doc[] => manifests.map((m) => m.doc).filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
const one = (kind: string, name?: string): Doc => {
  const all = find(kind, name);
  if (all.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${all.length}`);
  return all[0]!;
};

let workloadsConfig: Config;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'prescale-deploy-'));
  try {
    writeFileSync(path.join(dir, 'workloads.yaml'), one('ConfigMap', 'prescale-workloads').data['workloads.yaml'] as string);
    const r = await loadConfig(path.join(dir, 'workloads.yaml'));
    if (!r.ok) throw r.error;
    workloadsConfig = r.value;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('schema validation', () => {
  it('has every kind the issue asks for', () => {
    const kinds = manifests.map((m) => m.doc.kind).sort();
    expect(kinds).toEqual(['APIService', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Role', 'RoleBinding', 'ScaledObject', 'Service', 'ServiceAccount']);
  });

  it.each(manifests.filter((m) => m.doc.kind !== 'ScaledObject').map((m) => [`${m.file}: ${m.doc.kind}/${m.doc.metadata.name}`, m.doc] as const))('%s validates with kubernetes-models', (_n, doc) => {
    expect(() => validate(doc)).not.toThrow();
  });

  it('kubernetes-models rejects a broken manifest (the validation is real)', () => {
    const d = structuredClone(one('Deployment'));
    d.spec.replicas = 'one';
    expect(() => validate(d)).toThrow(/replicas/);
    const h = structuredClone(one('HorizontalPodAutoscaler'));
    delete h.spec.scaleTargetRef;
    expect(() => validate(h)).toThrow(/scaleTargetRef/);
  });

  it('the KEDA ScaledObject matches the hand-written ScaledObject schema, which rejects an unquoted number', () => {
    const so = one('ScaledObject');
    expect(validateScaledObject(so) ? [] : validateScaledObject.errors).toEqual([]);
    const bad = structuredClone(so);
    bad.spec.triggers[0].metadata.targetValue = 1;
    expect(validateScaledObject(bad)).toBe(false);
  });
});

describe('least-privilege RBAC', () => {
  it('grants exactly: the application-intelligence ConfigMap (get/list/watch, by name) and pods (get/list)', () => {
    const rules = [...find('Role'), ...find('ClusterRole')].flatMap((r) =>
      (r.rules as Doc[]).map((rule) => ({ role: r.kind as string, namespace: r.metadata.namespace ?? null, ...rule })),
    );
    expect(rules).toEqual([
      { role: 'Role', namespace: CONFIGMAP_NAMESPACE, apiGroups: [''], resources: ['configmaps'], resourceNames: [CONFIGMAP_NAME], verbs: ['get', 'list', 'watch'] },
      { role: 'ClusterRole', namespace: null, apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
  });

  it("binds each role to prescale's ServiceAccount only, the one the Deployment runs as", () => {
    const sa = one('ServiceAccount');
    expect(one('Deployment').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    for (const b of [...find('RoleBinding'), ...find('ClusterRoleBinding')]) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
      expect(one(b.roleRef.kind as string, b.roleRef.name as string)).toBeDefined();
    }
  });
});

describe('the pieces fit together', () => {
  it('the Deployment runs `prescale serve` as non-root, mounting the two ConfigMaps that exist here', () => {
    const d = one('Deployment');
    const pod = d.spec.template.spec;
    const c = (pod.containers as Doc[]).find((x) => x.name === 'prescale')!;
    expect(c.args.slice(0, 2)).toEqual(['prescale', 'serve']);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // Same uid as the image's USER.
    expect(String(pod.securityContext.runAsUser)).toBe(/^USER (\d+)/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))![1]);
    const mountOf = (flag: string) => {
      const dir = c.args[c.args.indexOf(flag) + 1] as string;
      const m = (c.volumeMounts as Doc[]).find((v) => dir === v.mountPath || dir.startsWith(`${v.mountPath as string}/`));
      return (pod.volumes as Doc[]).find((v) => v.name === m?.name)?.configMap?.name as string | undefined;
    };
    expect(mountOf('--config')).toBe('prescale-workloads');
    expect(mountOf('--configmap-dir')).toBe(CONFIGMAP_NAME);
    expect(d.metadata.namespace).toBe(CONFIGMAP_NAMESPACE); // a pod mounts ConfigMaps of its own namespace only
    const ports = (pod.containers as Doc[]).flatMap((x) => (x.ports ?? []) as Doc[]).map((p) => p.name as string);
    const svc = one('Service');
    for (const p of svc.spec.ports as Doc[]) expect(ports).toContain(p.targetPort);
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
  });

  it('the application-intelligence ConfigMap passes prescale\'s parser with known keys only', () => {
    const cm = one('ConfigMap', CONFIGMAP_NAME);
    expect(cm.metadata.namespace).toBe(CONFIGMAP_NAMESPACE);
    expect(Object.keys(cm.data as object).filter((k) => !(SOURCE_KEYS as readonly string[]).includes(k))).toEqual([]);
    const r = parsePrometheusSource(cm.data as Record<string, string>, 'deploy/configmap-application-intelligence.yaml');
    if (!r.ok) throw r.error;
    expect(r.value.headers).toEqual({ 'X-Scope-OrgID': 'inference' });
  });

  it('the APIService registers v1beta1.external.metrics.k8s.io on the Service https port', () => {
    const a = one('APIService');
    expect(a.metadata.name).toBe('v1beta1.external.metrics.k8s.io');
    expect(a.spec).toMatchObject({ group: 'external.metrics.k8s.io', version: 'v1beta1' });
    const svc = one('Service');
    expect(a.spec.service).toMatchObject({ name: svc.metadata.name, namespace: svc.metadata.namespace });
    expect((svc.spec.ports as Doc[]).find((p) => p.port === a.spec.service.port)?.name).toBe('https');
  });

  it("the HPA scales a configured workload's target on prescale's external metric", () => {
    const h = one('HorizontalPodAutoscaler');
    const ext = h.spec.metrics[0].external;
    expect(ext.metric.name).toBe(EXTERNAL_METRIC);
    expect(ext.target).toEqual({ type: 'AverageValue', averageValue: '1' });
    const w = workloadsConfig.workloads.find((x) => x.name === ext.metric.selector.matchLabels.workload);
    expect(w).toBeDefined();
    expect({ kind: h.spec.scaleTargetRef.kind, name: h.spec.scaleTargetRef.name, namespace: h.metadata.namespace }).toEqual({ kind: w!.target.kind, name: w!.target.name, namespace: w!.target.namespace });
  });

  it("the ScaledObject reads the KEDA route of a configured workload through the Service's http port", () => {
    const so = one('ScaledObject');
    const t = so.spec.triggers[0];
    expect(t).toMatchObject({ type: 'metrics-api', metricType: 'AverageValue', metadata: { valueLocation: 'replicas', targetValue: '1' } });
    const svc = one('Service');
    const url = new URL(t.metadata.url as string);
    expect(url.hostname).toBe(`${svc.metadata.name}.${svc.metadata.namespace as string}.svc`);
    expect((svc.spec.ports as Doc[]).find((p) => String(p.port) === url.port)?.name).toBe('http');
    const m = /^\/api\/v1\/keda\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    expect(m).not.toBeNull();
    const w = workloadsConfig.workloads.find((x) => x.target.namespace === m![1] && x.target.name === m![2]);
    expect(w).toBeDefined();
    expect({ name: so.spec.scaleTargetRef.name, namespace: so.metadata.namespace }).toEqual({ name: w!.target.name, namespace: w!.target.namespace });
  });
});
