import { simulateCluster } from '../../../src/simulate/cluster';
import { hpaClusterParams, hpaPolicy, hpaRecommendation, scaleUpCap, type HpaParams } from '../../../src/simulate/hpa';

describe('hpaRecommendation (capacity 10, target 0.7, tolerance 0.1)', () => {
  it.each([
    ['within tolerance keeps the count: 30 / 28 = 1.07', 30, 4, 4, 4],
    ['above tolerance scales up: 35 / 28 = 1.25 -> ceil(35 / 7) = 5', 35, 4, 4, 5],
    ['below tolerance scales down: 20 / 28 = 0.71 -> ceil(20 / 7) = 3', 20, 4, 4, 3],
    ['just inside the band: 30.7 / 28 = 1.096 -> keep', 30.7, 4, 4, 4],
    ['just outside the band: 31 / 28 = 1.107 -> ceil(31 / 7) = 5', 31, 4, 4, 5],
    ['starting pods count as 0%: 70 on 4 ready of 8 -> 70 / 56 = 1.25 -> 10', 70, 4, 8, 10],
    ['starting pods absorb a rise: 50 on 4 ready of 8 -> 50 / 56 < 1 -> keep 8', 50, 4, 8, 8],
    ['no ready pods means no metrics: keep', 50, 0, 3, 3],
    ['missing sample means no metrics: keep', Number.NaN, 4, 4, 4],
  ])('%s', (_name, load, ready, current, want) => {
    expect(hpaRecommendation(load, ready, current, 10, 0.7, 0.1)).toBe(want);
  });
});

describe('scaleUpCap (default policy: max(+4, +100%) per 15 s)', () => {
  it.each([
    ['1 pod, one 15 s period: +4 wins', 1, 15, 5],
    ['10 pods, one period: +100% wins', 10, 15, 20],
    ['1 pod over a 60 s step compounds 4 periods: 1 -> 5 -> 10 -> 20 -> 40', 1, 60, 40],
  ])('%s', (_name, current, step, want) => {
    expect(scaleUpCap(current, step, { pods: 4, percent: 100, periodSeconds: 15 })).toBe(want);
  });
});

const params: HpaParams = { step: 60, coldStart: 0, capacity: 10, targetUtilization: 0.7 };

describe('hpaPolicy', () => {
  it('holds a scale-down for the 300 s stabilisation window, then drops at once', () => {
    // 70 -> 10 pods at 0.7. The load falls at step 3; recommendations at steps 0..2 are 10, so
    // the max over (t - 300 s, t] stays 10 through step 6 and falls to 1 at step 7 (t = 420 s).
    const load = Float64Array.from([70, 70, 70, 7, 7, 7, 7, 7, 7, 7]);
    const run = hpaPolicy(load, params);
    expect(run.initialReplicas).toBe(10);
    expect(Array.from(run.requested)).toEqual([10, 10, 10, 10, 10, 10, 10, 1, 1, 1]);
  });

  it('a zero-second window scales down at once', () => {
    const load = Float64Array.from([70, 70, 7, 7]);
    const run = hpaPolicy(load, { ...params, scaleDownStabilizationSeconds: 0 });
    expect(Array.from(run.requested)).toEqual([10, 10, 1, 1]);
  });

  it('scales up immediately, limited by the default rate policy', () => {
    // 7 -> 700: desired ceil(700 / 7) = 100, but 1 pod can only reach 40 in one 60 s step.
    const load = Float64Array.from([7, 700, 700, 700]);
    const run = hpaPolicy(load, params);
    expect(run.requested[0]).toBe(1);
    expect(run.requested[1]).toBe(40);
    expect(run.requested[2]).toBe(100);
    const unlimited = hpaPolicy(load, { ...params, scaleUpLimit: null });
    expect(unlimited.requested[1]).toBe(100);
  });

  it('does not pile on pods while the last batch is still cold', () => {
    // Cold start 180 s (lead 3). At step 1 it asks for 20; at steps 2 and 3 those 10 new pods are
    // starting and count as 0%: 140 / (20 x 7) = 1.0 -> keep 20, rather than 20 + more.
    const load = Float64Array.from([70, 140, 140, 140, 140, 140]);
    const run = hpaPolicy(load, { ...params, coldStart: 180 });
    expect(Array.from(run.requested)).toEqual([10, 20, 20, 20, 20, 20]);
    expect(Array.from(run.ready)).toEqual([10, 10, 10, 10, 20, 20]);
  });

  it('a missing sample changes nothing and records no recommendation', () => {
    // 300 s window = 5 steps. Step 1 recommends 1 but step 0's 10 holds it. Steps 2..5 are missing:
    // no change, nothing recorded. At step 6 the window (steps 2..6) holds only 1s -> drop to 1.
    // Had the missing steps recorded "keep 10", the drop would wait until step 10.
    const load = Float64Array.from([70, 7, NaN, NaN, NaN, NaN, 7, 7]);
    const run = hpaPolicy(load, params);
    expect(Array.from(run.requested)).toEqual([10, 10, 10, 10, 10, 10, 1, 1]);
  });

  it('never goes below minReplicas, even with no load', () => {
    const run = hpaPolicy(new Float64Array(10), params);
    expect(Math.min(...run.requested)).toBe(1);
  });

  it('the ready pods it saw are the cluster model\'s ready pods for its decisions', () => {
    const load = Float64Array.from({ length: 300 }, (_, i) => 50 + 40 * Math.sin(i / 15) + (i % 37 === 0 ? 80 : 0));
    const p = { ...params, coldStart: 600 };
    const run = hpaPolicy(load, p);
    const sim = simulateCluster(load, run.requested, hpaClusterParams(p, run, 0));
    expect(Array.from(sim.ready)).toEqual(Array.from(run.ready));
  });

  it('rejects a target utilisation outside (0, 1]', () => {
    expect(() => hpaPolicy(new Float64Array(3), { ...params, targetUtilization: 70 })).toThrow(
      /targetUtilization: got 70, expected a fraction in \(0, 1\]/,
    );
  });
});
