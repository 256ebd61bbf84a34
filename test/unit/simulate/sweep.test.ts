import { DEFAULT_GRID, sweepUtilization } from '../../../src/simulate/sweep';
import { hpaPolicy } from '../../../src/simulate/hpa';
import type { ClusterParams } from '../../../src/simulate/cluster';

// 100 steps at 100 with a 3-step spike to 150; capacity 10.
const load = Float64Array.from({ length: 100 }, (_, i) => (i >= 50 && i < 53 ? 150 : 100));
const params: ClusterParams = { step: 60, coldStart: 60, capacity: 10, firstScored: 0 };
/** A static policy: ceil(100 / (10 u)) pods all the time. The spike needs 15: feasible iff u < 0.7143. */
const staticPolicy = (u: number) => {
  const r = Math.ceil(100 / (10 * u) - 1e-9);
  return { requested: new Int32Array(load.length).fill(r), initialReplicas: r };
};

describe('sweepUtilization', () => {
  it('default grid is 0.30..1.00 by 0.05 (utilisation is in (0, 1])', () => {
    expect(DEFAULT_GRID).toHaveLength(15);
    expect(DEFAULT_GRID[0]).toBe(0.3);
    expect(DEFAULT_GRID[13]).toBe(0.95);
    expect(DEFAULT_GRID[14]).toBe(1);
  });

  it('picks the cheapest feasible target, refined between 0.70 (15 pods) and 0.75 (14 pods)', () => {
    const res = sweepUtilization(staticPolicy, load, params);
    expect(res.chosen).not.toBeNull();
    const chosen = res.chosen!;
    // Bisection: 0.725 (14 pods, x), 0.7125 (15, ok), 0.71875 (14, x). 0.70 and 0.7125 both give
    // 15 pods at the same cost; ties go to the lower overload, then the lower target (more margin).
    expect(chosen.utilization).toBe(0.7);
    expect(res.points.map((q) => q.utilization)).toEqual(expect.arrayContaining([0.725, 0.7125, 0.71875]));
    expect(chosen.utilization).toBeLessThan(100 / 140);
    expect(chosen.scores.overloadedShare).toBe(0);
    // 15 pods x 10 / mean load 101.5.
    expect(chosen.scores.cost).toBeCloseTo(150 / 101.5, 9);
    // No feasible point is cheaper; every higher target is infeasible (3 of 100 steps > 0.5%).
    for (const q of res.points) {
      if (q.feasible) expect(q.scores.cost).toBeGreaterThanOrEqual(chosen.scores.cost);
      if (q.utilization > 100 / 140) expect(q.feasible).toBe(false);
    }
    expect(res.points.length).toBe(15 + 3);
    expect(res.reason).toMatch(/cheapest of 18 tried/);
  });

  it('a looser SLO accepts the spike and goes to the top of the grid', () => {
    // At 1.0: ceil(10) = 10 pods; the 3-step spike is 3% overloaded <= 5%.
    const res = sweepUtilization(staticPolicy, load, params, { slo: 0.05 });
    expect(res.chosen?.utilization).toBe(1);
    expect(res.chosen?.scores.overloadedShare).toBeCloseTo(0.03, 12);
  });

  it('returns null with a reason when nothing meets the SLO', () => {
    const res = sweepUtilization(() => ({ requested: new Int32Array(load.length).fill(1) }), load, params);
    expect(res.chosen).toBeNull();
    expect(res.reason).toMatch(/no target in \[0.3, 1\] keeps overloaded time <= SLO 0.50%; lowest was 100.00%/);
  });

  it('works for the HPA baseline: the chosen target meets the SLO', () => {
    const wave = Float64Array.from({ length: 600 }, (_, i) => 60 + 50 * Math.sin((2 * Math.PI * i) / 288));
    const p = { ...params, step: 300, coldStart: 600, firstScored: 100 };
    const res = sweepUtilization((u) => hpaPolicy(wave, { ...p, targetUtilization: u }), wave, p);
    expect(res.chosen).not.toBeNull();
    expect(res.chosen!.scores.overloadedShare).toBeLessThanOrEqual(0.005);
    const cheaperFeasible = res.points.filter((q) => q.feasible && q.scores.cost < res.chosen!.scores.cost);
    expect(cheaperFeasible).toHaveLength(0);
  });

  it('rejects a grid target outside (0, 1]', () => {
    expect(() => sweepUtilization(staticPolicy, load, params, { grid: [0.5, 70] })).toThrow(/grid: got target 70/);
  });
});
