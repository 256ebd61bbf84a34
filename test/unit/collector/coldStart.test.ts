import { coldStartSeconds, mergeColdStarts } from '../../../src/collector/coldStart';

const s = (pod: string, value: number, ns = 'llm') => ({ labels: Object.freeze({ namespace: ns, pod }), time: 0, value });

describe('coldStartSeconds', () => {
  test('joins on namespace+pod, sorts, and gives a reason for every pod left out', () => {
    const created = Object.freeze([s('a', 1000), s('b', 1000), s('c', 2000), s('d', 3000), s('e', 100), s('f', 500), s('a', 1000, 'other')]);
    const ready = Object.freeze([s('a', 1420), s('b', 1030), s('c', 1990), s('e', 100 + 7200), s('f', 0), s('a', 1005, 'other')]);
    const r = coldStartSeconds(created, ready, { maxSeconds: 3600 });
    expect(r.samples.map((x) => [x.namespace, x.pod, x.seconds])).toEqual([
      ['other', 'a', 5],
      ['llm', 'b', 30],
      ['llm', 'a', 420],
    ]);
    expect(r.rejected.map((x) => [x.pod, x.reason])).toEqual([
      ['llm/c', 'negative'],
      ['llm/d', 'not_ready'],
      ['llm/e', 'absurd'],
      ['llm/f', 'not_ready'],
    ]);
    expect(r.rejected[2]!.detail).toContain('7200 s > maxSeconds 3600');
  });
  test('a sample without a pod label is rejected, not crashed on', () => {
    const r = coldStartSeconds([{ labels: {}, time: 0, value: 1 }], [], { maxSeconds: 10 });
    expect(r.rejected[0]!.reason).toBe('no_pod_label');
  });
});

describe('mergeColdStarts', () => {
  test('dedupes by pod and creation, keeps the newest', () => {
    const a = { namespace: 'n', pod: 'x', created: 1, seconds: 10 };
    const b = { namespace: 'n', pod: 'x', created: 2, seconds: 20 };
    const c = { namespace: 'n', pod: 'y', created: 3, seconds: 5 };
    expect(mergeColdStarts([a, b], [b, c])).toEqual([c, a, b]);
    expect(mergeColdStarts([a, b], [c], 2)).toEqual([c, b]);
  });
});
