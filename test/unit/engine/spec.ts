import { defaultHorizons, type WorkloadSpec } from '../../../src/engine/workloadEngine';

/** The engine tests' workload: an LLM chat server, 100 rps per pod, 5 min cold start, 1-minute steps. */
export function testSpec(over: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const step = over.step ?? 60;
  return Object.freeze({
    id: 'chat',
    namespace: 'llm',
    name: 'chat-server',
    kind: 'Deployment',
    step,
    coldStartSeconds: 300,
    capacityPerPod: 100,
    targetUtilization: 0.7,
    upperQuantile: 0.9,
    mode: 'auto',
    minReplicas: 1,
    maxReplicas: 60,
    instanceBounds: [],
    horizons: defaultHorizons(1800, step),
    historySeconds: 6 * 3600,
    loadUnit: 'rps',
    seed: 1,
    ...over,
  } as WorkloadSpec);
}
