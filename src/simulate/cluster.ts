/**
 * The cluster model used to replay a scaling policy over a recorded load trace.
 *
 * Timing convention (used by every policy in src/simulate):
 * - Sample i is the load observed at t_i = start + i x step. A policy decides at t_i, after
 *   seeing samples 0..i; `requested[i]` is that decision.
 * - Step i is judged with the pods as they were before decision i (the decision comes after the
 *   observation). Decision i therefore shapes steps i+1 onwards.
 * - Scale-down is immediate: decision i removes pods from step i+1.
 * - A pod asked for at decision i is ready at t_i + coldStart, i.e. it first serves step
 *   i + lead, with lead = max(1, ceil(coldStart / step)). E.g. cold start 600 s, step 300 s ->
 *   lead 2; step 60 s -> lead 10.
 * - Scale-down removes the newest pods first (as a ReplicaSet does: not-ready and younger pods go
 *   first), so the ready count at step j has a closed form:
 *     ready[j] = min(requested[j - lead], ..., requested[j - 1])
 *   (a pod that is ready at j was created at or before j - lead and survived every later
 *   decision). The unit tests check the simulation against this formula.
 * - Before the trace, `initialReplicas` pods (default requested[0]) exist and are ready, so a
 *   replay does not start with an artificial cold start. Scores begin at `firstScored` anyway.
 * - Step j is overloaded when load[j] > ready[j] x capacity.
 *
 * Pure: no I/O, no clock. O(n x lead) time, O(n) memory.
 */

export interface ClusterParams {
  /** Seconds between samples (> 0). */
  readonly step: number;
  /** Seconds from asking for a pod to the pod serving traffic (>= 0). */
  readonly coldStart: number;
  /** Load one ready pod serves at 100% utilisation, in the load's own unit (> 0). */
  readonly capacity: number;
  /** First step that counts towards the scores (e.g. the start of day 2, after warm-up). */
  readonly firstScored: number;
  /** Pods running and ready before step 0. Default: requested[0]. */
  readonly initialReplicas?: number;
}

export interface Scores {
  /** Steps scored (from firstScored, with a finite load sample). */
  readonly scoredSteps: number;
  /** Share of scored steps with load > ready x capacity, in [0, 1]. */
  readonly overloadedShare: number;
  /** sum max(0, load - ready x capacity) / sum load, in [0, 1]. NaN when total demand is 0. */
  readonly unservedShare: number;
  /**
   * Allocated capacity / demand: sum(allocated[j] x capacity) / sum(load[j]). 1.0 means every
   * allocated pod-second was used; 2.0 means half was idle. "Allocated" = pods that exist during
   * the step (requested by the previous decision), ready or still starting: starting pods are
   * paid for too. NaN when total demand is 0.
   */
  readonly cost: number;
  /** Decisions that changed the requested count, per day of scored time. */
  readonly changesPerDay: number;
  /** Pod-hours allocated over the scored steps (allocated x step / 3600). */
  readonly replicaHours: number;
  /** Largest allocated count over the scored steps. */
  readonly peakReplicas: number;
}

export interface ClusterResult {
  /** Pods ready (serving) during each step. */
  readonly ready: Int32Array;
  /** Pods existing (ready or starting) during each step. */
  readonly allocated: Int32Array;
  /** 1 where the step is overloaded (only steps with a finite load can be). */
  readonly overloaded: Uint8Array;
  readonly scores: Scores;
}

/** Samples from a decision to its pods serving: max(1, ceil(coldStart / step)). */
export function leadSteps(coldStart: number, step: number): number {
  // 1e-9 guards against 600 / 60 coming out as 10.000000000000002 and rounding up to 11.
  return Math.max(1, Math.ceil(coldStart / step - 1e-9));
}

/**
 * Pods as a stack of cohorts (one per decision that added pods), oldest first. Removal pops from
 * the end (newest first). Cohorts that are ready are merged, so the stack holds at most lead + 1
 * entries. Internal mutable state, used by simulateCluster and by the HPA simulation.
 */
export class PodPool {
  private readonly readyAt: number[] = [];
  private readonly counts: number[] = [];
  private total = 0;

  constructor(initial: number, private readonly lead: number) {
    if (initial > 0) {
      this.readyAt.push(Number.NEGATIVE_INFINITY);
      this.counts.push(initial);
      this.total = initial;
    }
  }

  /** Pods existing now (ready or starting). */
  get size(): number {
    return this.total;
  }

  /** Pods ready at step j; merges ready cohorts. O(cohorts). */
  readyAtStep(j: number): number {
    let ready = 0;
    let k = 0;
    while (k < this.readyAt.length && (this.readyAt[k] as number) <= j) {
      ready += this.counts[k] as number;
      k++;
    }
    if (k > 1) {
      this.readyAt.splice(0, k, Number.NEGATIVE_INFINITY);
      this.counts.splice(0, k, ready);
    }
    return ready;
  }

  /** Cohorts as plain data ([ready step, pods]; -Infinity as null), for persistence. */
  save(): { readyAt: (number | null)[]; counts: number[] } {
    return { readyAt: this.readyAt.map((r) => (Number.isFinite(r) ? r : null)), counts: [...this.counts] };
  }

  /** A pool with `lead` from save()'s data. Throws a RangeError naming the bad field. */
  static restore(saved: { readyAt: unknown; counts: unknown }, lead: number): PodPool {
    const { readyAt, counts } = saved;
    if (!Array.isArray(readyAt) || !Array.isArray(counts) || readyAt.length !== counts.length) throw new RangeError(`pool: readyAt ${JSON.stringify(readyAt)?.slice(0, 60)} and counts ${JSON.stringify(counts)?.slice(0, 60)}: expected two arrays of the same length`);
    const pool = new PodPool(0, lead);
    readyAt.forEach((r, i) => {
      const c = counts[i];
      if (!(r === null || (typeof r === 'number' && Number.isInteger(r))) || typeof c !== 'number' || !Number.isInteger(c) || c <= 0) throw new RangeError(`pool cohort ${i}: readyAt ${JSON.stringify(r)}, count ${JSON.stringify(c)}: expected a step (or null) and a positive pod count`);
      pool.readyAt.push(r === null ? Number.NEGATIVE_INFINITY : r);
      pool.counts.push(c);
      pool.total += c;
    });
    return pool;
  }

  /** Apply decision i: grow (new pods ready at i + lead) or shrink newest-first. */
  apply(target: number, i: number): void {
    if (target > this.total) {
      this.readyAt.push(i + this.lead);
      this.counts.push(target - this.total);
      this.total = target;
      return;
    }
    let remove = this.total - target;
    while (remove > 0) {
      const last = this.counts.length - 1;
      const c = this.counts[last] as number;
      if (c <= remove) {
        this.counts.pop();
        this.readyAt.pop();
        remove -= c;
      } else {
        this.counts[last] = c - remove;
        remove = 0;
      }
    }
    this.total = target;
  }
}

/** Validate shared parameters; messages name the field, the value and what was expected. */
export function checkParams(p: ClusterParams, n: number): void {
  if (!(Number.isFinite(p.step) && p.step > 0)) throw new RangeError(`step: got ${p.step}, expected seconds > 0`);
  if (!(Number.isFinite(p.coldStart) && p.coldStart >= 0)) {
    throw new RangeError(`coldStart: got ${p.coldStart}, expected seconds >= 0`);
  }
  if (!(Number.isFinite(p.capacity) && p.capacity > 0)) {
    throw new RangeError(`capacity: got ${p.capacity}, expected load per pod > 0`);
  }
  if (!(Number.isInteger(p.firstScored) && p.firstScored >= 0 && p.firstScored < n)) {
    throw new RangeError(`firstScored: got ${p.firstScored}, expected an integer index in [0, ${n - 1}]`);
  }
  if (p.initialReplicas !== undefined && !(Number.isInteger(p.initialReplicas) && p.initialReplicas >= 0)) {
    throw new RangeError(`initialReplicas: got ${p.initialReplicas}, expected an integer >= 0`);
  }
}

/**
 * Replay `requested` (one decision per step) against `load` and score it.
 * @throws RangeError on mismatched lengths, bad parameters or non-integer/negative replica counts.
 */
export function simulateCluster(
  load: Float64Array,
  requested: ArrayLike<number>,
  params: ClusterParams,
): ClusterResult {
  const n = load.length;
  if (requested.length !== n) {
    throw new RangeError(`requested: got ${requested.length} decisions, expected one per load sample (${n})`);
  }
  checkParams(params, n);
  for (let i = 0; i < n; i++) {
    const r = requested[i] as number;
    if (!(Number.isInteger(r) && r >= 0)) {
      throw new RangeError(`requested[${i}]: got ${r}, expected an integer replica count >= 0`);
    }
  }
  const lead = leadSteps(params.coldStart, params.step);
  const pool = new PodPool(params.initialReplicas ?? (requested[0] as number), lead);
  const ready = new Int32Array(n);
  const allocated = new Int32Array(n);
  const overloaded = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    ready[j] = pool.readyAtStep(j);
    allocated[j] = pool.size;
    const l = load[j] as number;
    if (Number.isFinite(l) && isOverloaded(l, ready[j] as number, params.capacity)) overloaded[j] = 1;
    pool.apply(requested[j] as number, j);
  }
  return { ready, allocated, overloaded, scores: scoreRun(load, requested, ready, allocated, params) };
}

/**
 * load > ready x capacity, with a relative slack of 1e-9 so that an exact fit computed in floating
 * point (e.g. 0.3 load on 3 pods of 0.1) does not count as overloaded.
 */
export function isOverloaded(load: number, ready: number, capacity: number): boolean {
  return load > ready * capacity * (1 + 1e-9);
}

function scoreRun(
  load: Float64Array,
  requested: ArrayLike<number>,
  ready: Int32Array,
  allocated: Int32Array,
  p: ClusterParams,
): Scores {
  const n = load.length;
  let steps = 0;
  let over = 0;
  let demand = 0;
  let unserved = 0;
  let alloc = 0;
  let changes = 0;
  let peak = 0;
  let allocSteps = 0;
  for (let j = p.firstScored; j < n; j++) {
    const a = allocated[j] as number;
    peak = Math.max(peak, a);
    allocSteps += a;
    if (j > 0 && requested[j] !== requested[j - 1]) changes++;
    const l = load[j] as number;
    // Missing samples (NaN) are neither demand nor overload: nothing is known about them.
    if (!Number.isFinite(l)) continue;
    steps++;
    const served = (ready[j] as number) * p.capacity;
    if (isOverloaded(l, ready[j] as number, p.capacity)) over++;
    demand += l;
    unserved += Math.max(0, l - served);
    alloc += a * p.capacity;
  }
  const days = ((n - p.firstScored) * p.step) / 86400;
  return {
    scoredSteps: steps,
    overloadedShare: steps > 0 ? over / steps : 0,
    unservedShare: demand > 0 ? unserved / demand : Number.NaN,
    cost: demand > 0 ? alloc / demand : Number.NaN,
    changesPerDay: days > 0 ? changes / days : 0,
    replicaHours: (allocSteps * p.step) / 3600,
    peakReplicas: peak,
  };
}
