import { coldStartMoved, ColdStartTracker } from '../../../src/engine/coldStart';

const pods = (xs: number[], from = 0) => xs.map((seconds, i) => ({ namespace: 'llm', pod: `p${from + i}`, created: 1000 + from + i, seconds }));
const policy = { defaultSeconds: 300, quantile: 0.95, minSamples: 3, refreshSeconds: 300 };

describe('ColdStartTracker', () => {
  test('the configured default until minSamples pods are measured', () => {
    const t = new ColdStartTracker(policy);
    expect(t.view()).toEqual({ seconds: 300, source: 'default', samples: 0, p50: null, max: null });
    t.add(pods([500, 520]));
    expect(t.view()).toMatchObject({ seconds: 300, source: 'default', samples: 2, max: 520 });
  });

  test('then the quantile of the measured pods, rounded up to a whole second', () => {
    const t = new ColdStartTracker(policy);
    t.add(pods([600, 200, 400]));
    t.add(pods([300, 550, 500], 3));
    // [200, 300, 400, 500, 550, 600]: h = 5 x 0.95 = 4.75 -> 550 + 0.75 x 50 = 587.5 -> 588.
    expect(t.view()).toEqual({ seconds: 588, source: 'measured', samples: 6, p50: 450, max: 600 });
  });

  test('a pod seen by several polls counts once', () => {
    const t = new ColdStartTracker(policy);
    t.add(pods([100, 200, 300]));
    t.add(pods([100, 200, 300]));
    expect(t.view().samples).toBe(3);
  });

  test('keeps the 200 most recently created pods: a new image or node pool shows within 200 pods', () => {
    const t = new ColdStartTracker(policy);
    t.add(pods(Array.from({ length: 200 }, () => 100)));
    t.add(pods(Array.from({ length: 200 }, () => 700), 200));
    expect(t.view()).toMatchObject({ seconds: 700, samples: 200 });
  });
});

describe('coldStartMoved', () => {
  test('more than 10% away from the value in use', () => {
    expect(coldStartMoved(300, 300)).toBe(false);
    expect(coldStartMoved(300, 330)).toBe(false);
    expect(coldStartMoved(300, 331)).toBe(true);
    expect(coldStartMoved(300, 269)).toBe(true);
  });
});
