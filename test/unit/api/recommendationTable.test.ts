/**
 * The API thread's table resolves a URL segment as ApiBackend.find does (the first workload with
 * that id, else the first with that name), and leaves cold workloads to express.
 */
import { recommendationTable } from '../../../src/api/frontThread';
import type { ApiBackend } from '../../../src/api/server';
import type { RecommendationBase, WorkloadEngine } from '../../../src/engine/workloadEngine';

/** Engines reduced to what the table reads: a recommendation base, or none (cold). */
function engine(tag: string | null): WorkloadEngine {
  const base = tag === null ? null : ({ rest: { message: tag }, lastFiniteTime: 0, staleAfterSeconds: 120, validUntil: 0 } as unknown as RecommendationBase);
  return { recommendationBase: () => base } as unknown as WorkloadEngine;
}

function backend(ws: { id: string; namespace: string; name: string; engine: WorkloadEngine | null }[]): ApiBackend {
  return {
    workloads: () => ws,
    find: (ns, seg) => {
      const inNs = ws.filter((w) => w.namespace === ns);
      return (inNs.find((w) => w.id === seg) ?? inNs.find((w) => w.name === seg))?.engine;
    },
    status: () => [],
    ready: true,
  };
}

const tagOf = (b: RecommendationBase | null | undefined) => (b ? (b.rest as unknown as { message: string }).message : null);

it('resolves each namespace/segment to the workload find() resolves it to, and leaves out cold ones', () => {
  const b = backend([
    { id: 'chat', namespace: 'a', name: 'llm', engine: engine('chat') },
    { id: 'embed', namespace: 'a', name: 'llm', engine: engine('embed') }, // a second workload on the same target
    { id: 'llm', namespace: 'a', name: 'other', engine: engine(null) }, // cold, and its id is another's name
    { id: 'chat', namespace: 'b', name: 'chat-b', engine: engine('chat-b') },
    { id: 'broken', namespace: 'b', name: 'broken', engine: null }, // invalid config
  ]);
  const table = new Map(recommendationTable(b));
  const segments = ['a/chat', 'a/embed', 'a/llm', 'a/other', 'b/chat', 'b/chat-b', 'b/broken', 'a/nope'];
  for (const key of segments) {
    const [ns, seg] = key.split('/') as [string, string];
    expect({ key, tag: tagOf(table.get(key)) }).toEqual({ key, tag: tagOf(b.find(ns, seg)?.recommendationBase()) });
  }
  // The cold workload's id shadows the warm ones' name: not answered on the API thread.
  expect(table.has('a/llm')).toBe(false);
  expect([...table.keys()].sort()).toEqual(['a/chat', 'a/embed', 'b/chat', 'b/chat-b']);
});
