import fc from 'fast-check';
import { leadSteps, simulateCluster } from '../../../src/simulate/cluster';
import { oracleInitialReplicas, oraclePolicy, podsNeeded } from '../../../src/simulate/oracle';
import { hpaPolicy } from '../../../src/simulate/hpa';
import { mulberry32 } from '../../../src/util/rng';

/** A seeded bursty daily-ish trace: level + sine + occasional spikes. */
function trace(seed: number, n: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const spike = rand() < 0.05 ? 40 * rand() : 0;
    out[i] = Math.max(0, 30 + 20 * Math.sin((2 * Math.PI * i) / 48) + 8 * (rand() - 0.5) + spike);
  }
  return out;
}

describe('oraclePolicy', () => {
  it('worked example: capacity 10, lead 2, load [5, 25, 8, 8] -> [3, 1, 1, 1]', () => {
    const load = Float64Array.from([5, 25, 8, 8]);
    expect(Array.from(oraclePolicy(load, { step: 60, coldStart: 120, capacity: 10 }))).toEqual([3, 1, 1, 1]);
  });

  it('podsNeeded rounds up, but not on a floating-point exact fit', () => {
    expect(podsNeeded(30, 10)).toBe(3);
    expect(podsNeeded(0.3, 0.1)).toBe(3);
    expect(podsNeeded(30.5, 10)).toBe(4);
    expect(podsNeeded(Number.NaN, 10)).toBe(0);
  });

  it('is never overloaded, on seeded random traces and cold starts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 12 }), (seed, coldSteps) => {
        const load = trace(seed, 120);
        const p = { step: 300, coldStart: coldSteps * 300, capacity: 10 };
        const req = oraclePolicy(load, p);
        const r = simulateCluster(load, req, { ...p, firstScored: 0, initialReplicas: oracleInitialReplicas(load, p) });
        expect(r.scores.overloadedShare).toBe(0);
      }),
      { seed: 11, numRuns: 60 },
    );
  });

  it('costs no more than any other policy that is never overloaded (lower bound)', () => {
    let feasibleOthers = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (seed, coldSteps, headroom) => {
          const load = trace(seed, 100);
          const p = { step: 300, coldStart: coldSteps * 300, capacity: 10 };
          const lead = leadSteps(p.coldStart, p.step);
          const cp = { ...p, firstScored: 0, initialReplicas: 20 };
          const oracle = simulateCluster(load, oraclePolicy(load, p), cp).scores;
          // Competitors not built from the oracle: a random look-ahead/look-behind policy with
          // random headroom, and the HPA. Only the never-overloaded ones constrain the oracle.
          const rand = mulberry32(seed ^ 0x5bd1e995);
          const guess = Int32Array.from(load, (_, i) => {
            const k = Math.min(load.length - 1, Math.max(0, i + Math.floor(rand() * (lead + 3)) - 1));
            return podsNeeded(load[k] as number, p.capacity) + headroom + Math.floor(rand() * 3) - 1;
          }).map((x) => Math.max(1, x));
          const hpa = hpaPolicy(load, { ...p, targetUtilization: 0.3 + 0.1 * headroom });
          for (const req of [guess, hpa.requested]) {
            const s = simulateCluster(load, req, cp).scores;
            if (s.overloadedShare === 0) {
              feasibleOthers++;
              expect(oracle.cost).toBeLessThanOrEqual(s.cost + 1e-12);
            }
          }
        },
      ),
      { seed: 5, numRuns: 150 },
    );
    // The property must not be vacuous: enough competitors were actually never overloaded.
    expect(feasibleOthers).toBeGreaterThan(20);
  });
});
