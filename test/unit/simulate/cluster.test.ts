import fc from 'fast-check';
import { leadSteps, simulateCluster, type ClusterParams } from '../../../src/simulate/cluster';

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
const base: ClusterParams = { step: 60, coldStart: 180, capacity: 10, firstScored: 0 };

describe('leadSteps', () => {
  it.each([
    ['10 min cold start, 60 s step', 600, 60, 10],
    ['10 min cold start, 300 s step', 600, 300, 2],
    ['cold start not a multiple of the step rounds up', 400, 300, 2],
    ['zero cold start still waits one step (decisions follow observations)', 0, 60, 1],
  ])('%s', (_name, cold, step, want) => {
    expect(leadSteps(cold, step)).toBe(want);
  });
});

describe('simulateCluster: hand-computed cases', () => {
  it('cold start delays readiness: a pod asked for at t=60 serves from t=240 (lead 3)', () => {
    const r = simulateCluster(f64([0, 0, 0, 0, 0, 0]), [2, 5, 5, 5, 5, 5], base);
    expect(Array.from(r.ready)).toEqual([2, 2, 2, 2, 5, 5]);
    // Starting pods are allocated (paid for) from the step after the decision.
    expect(Array.from(r.allocated)).toEqual([2, 2, 5, 5, 5, 5]);
  });

  it('scale-down is immediate and newest pods go first', () => {
    const r = simulateCluster(f64([0, 0, 0, 0, 0, 0]), [5, 5, 2, 2, 5, 5], base);
    // Decision 2 drops to 2 -> step 3 has 2 pods; the 3 re-added at decision 4 are ready at step 7.
    expect(Array.from(r.allocated)).toEqual([5, 5, 5, 2, 2, 5]);
    expect(Array.from(r.ready)).toEqual([5, 5, 5, 2, 2, 2]);
  });

  it('overloaded share, unserved share and cost on a constant allocation', () => {
    // 2 pods x 10 = 20 capacity; steps 2 and 3 carry 30 -> 2 of 6 steps overloaded,
    // unserved (10 + 10) / 100 = 0.2, cost 6 x 2 x 10 / 100 = 1.2.
    const r = simulateCluster(f64([10, 10, 30, 30, 10, 10]), [2, 2, 2, 2, 2, 2], base);
    expect(Array.from(r.overloaded)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(r.scores.overloadedShare).toBeCloseTo(2 / 6, 12);
    expect(r.scores.unservedShare).toBeCloseTo(0.2, 12);
    expect(r.scores.cost).toBeCloseTo(1.2, 12);
    expect(r.scores.replicaHours).toBeCloseTo((6 * 2 * 60) / 3600, 12);
    expect(r.scores.peakReplicas).toBe(2);
  });

  it('cost is exactly 1.0 for a perfect allocation (every pod-second used)', () => {
    // lead 1: decision i sets step i+1. need = [2, 3, 3, 1] -> requested[i] = need[i+1].
    const p = { ...base, coldStart: 60, initialReplicas: 2 };
    const r = simulateCluster(f64([20, 30, 30, 10]), [3, 3, 1, 1], p);
    expect(Array.from(r.ready)).toEqual([2, 3, 3, 1]);
    expect(r.scores.overloadedShare).toBe(0);
    expect(r.scores.cost).toBeCloseTo(1.0, 12);
  });

  it('an exact fit in floating point is not overloaded (0.3 load on 3 pods of 0.1)', () => {
    const r = simulateCluster(f64([0.3, 0.3]), [3, 3], { ...base, capacity: 0.1 });
    expect(r.scores.overloadedShare).toBe(0);
  });

  it('scores only from firstScored, and skips missing samples', () => {
    // Step 0 is overloaded but not scored; step 2 is missing (NaN): 3 steps scored, 1 overloaded.
    const r = simulateCluster(f64([99, 10, Number.NaN, 30, 10]), [1, 1, 1, 1, 1], { ...base, firstScored: 1 });
    expect(r.overloaded[0]).toBe(1);
    expect(r.overloaded[2]).toBe(0);
    expect(r.scores.scoredSteps).toBe(3);
    expect(r.scores.overloadedShare).toBeCloseTo(1 / 3, 12);
    // demand 10 + 30 + 10 = 50, allocated 3 x 10 on those steps -> 30 / 50.
    expect(r.scores.cost).toBeCloseTo(0.6, 12);
  });

  it('changes per day counts steps where the requested count changes', () => {
    // 48 hourly steps = 2 days; changes at 12, 24 and 36 -> 1.5 a day.
    const req = Array.from({ length: 48 }, (_, i) => 1 + (Math.floor(i / 12) % 2));
    const r = simulateCluster(new Float64Array(48).fill(1), req, { ...base, step: 3600, coldStart: 0 });
    expect(r.scores.changesPerDay).toBeCloseTo(1.5, 12);
  });

  it('rejects bad input with the field, the value and what was expected', () => {
    expect(() => simulateCluster(f64([1, 2]), [1], base)).toThrow(/requested: got 1 decisions, expected one per load sample \(2\)/);
    expect(() => simulateCluster(f64([1]), [1], { ...base, capacity: -1 })).toThrow(/capacity: got -1/);
    expect(() => simulateCluster(f64([1]), [1.5], base)).toThrow(/requested\[0\]: got 1.5/);
    expect(() => simulateCluster(f64([1]), [1], { ...base, firstScored: 3 })).toThrow(/firstScored: got 3, expected an integer index in \[0, 0\]/);
  });
});

describe('simulateCluster: property', () => {
  it('ready[j] = min(requested[j-lead .. j-1]) (newest-first removal), allocated[j] = requested[j-1]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 8 }),
        (req, leadWanted, initial) => {
          const p = { ...base, coldStart: leadWanted * 60, initialReplicas: initial };
          const lead = leadSteps(p.coldStart, p.step);
          const r = simulateCluster(new Float64Array(req.length), req, p);
          const at = (k: number): number => (k < 0 ? initial : (req[k] as number));
          for (let j = 0; j < req.length; j++) {
            let m = Number.POSITIVE_INFINITY;
            for (let k = j - lead; k < j; k++) m = Math.min(m, at(k));
            expect(r.ready[j]).toBe(m);
            expect(r.allocated[j]).toBe(at(j - 1));
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
