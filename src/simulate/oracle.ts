/**
 * Perfect-foresight baseline: the cheapest policy that is never overloaded, given the cold start.
 *
 * Under the cluster model (src/simulate/cluster.ts), decision i sets the pod count for step i+1
 * (scale-down is immediate) and its new pods first serve step i + lead. Step j is served by
 * min(requested[j-lead .. j-1]) ready pods, so "never overloaded" means, for every j:
 *   requested[i] >= need[j] for all i in [j - lead, j - 1],  need[j] = ceil(load[j] / capacity)
 * i.e. requested[i] >= max(need[i+1 .. i+lead]). Taking exactly that maximum (and at least
 * minReplicas) meets every constraint with equality somewhere, so no never-overloaded policy
 * allocates fewer pods at any step: its cost is the lower bound. This is the brief's "ask at t for
 * what is needed at t + cold start, and never drop below what is needed before then".
 *
 * Example: capacity 10, lead 2, load [5, 25, 8, 8] -> need [1, 3, 1, 1]
 *   requested[0] = max(need[1], need[2]) = 3, requested[1] = max(1, 1) = 1,
 *   requested[2] = need[3] = 1, requested[3] = (nothing left) minReplicas 1.
 *
 * Missing load (NaN) needs nothing. Steps past the end of the trace need nothing. At 100%
 * utilisation by design: it is the yardstick, not a recommendation. O(n x lead).
 */
import { leadSteps } from './cluster';

export interface OracleParams {
  readonly step: number;
  readonly coldStart: number;
  readonly capacity: number;
  /** Floor on requested replicas (default 1, as the HPA baseline, so the comparison is fair). */
  readonly minReplicas?: number;
}

/** Replicas needed to serve `load` at 100% utilisation. ceil with 1e-9 slack: 30 / 10 -> 3. */
export function podsNeeded(load: number, capacity: number): number {
  if (!Number.isFinite(load) || load <= 0) return 0;
  return Math.ceil(load / capacity - 1e-9);
}

export function oraclePolicy(load: Float64Array, p: OracleParams): Int32Array {
  if (!(Number.isFinite(p.capacity) && p.capacity > 0)) {
    throw new RangeError(`capacity: got ${p.capacity}, expected load per pod > 0`);
  }
  if (!(Number.isFinite(p.step) && p.step > 0)) throw new RangeError(`step: got ${p.step}, expected seconds > 0`);
  const minReplicas = p.minReplicas ?? 1;
  const lead = leadSteps(p.coldStart, p.step);
  const n = load.length;
  const need = new Int32Array(n);
  for (let j = 0; j < n; j++) need[j] = podsNeeded(load[j] as number, p.capacity);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let m = minReplicas;
    const end = Math.min(n - 1, i + lead);
    for (let j = i + 1; j <= end; j++) m = Math.max(m, need[j] as number);
    out[i] = m;
  }
  return out;
}

/**
 * The initial pod count that makes the oracle feasible from step 0: steps 0..lead-1 are served by
 * the initial pods, so they must cover max(need[0 .. lead-1]).
 */
export function oracleInitialReplicas(load: Float64Array, p: OracleParams): number {
  const lead = leadSteps(p.coldStart, p.step);
  let m = p.minReplicas ?? 1;
  for (let j = 0; j < Math.min(lead, load.length); j++) m = Math.max(m, podsNeeded(load[j] as number, p.capacity));
  return m;
}
