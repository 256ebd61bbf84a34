/**
 * A workload's persisted state: pure (de)serialisation and validation, no file I/O (store.ts
 * does that).
 *
 * What is persisted, per workload: the trained engine (its fitted models, conformal bands, error
 * records, planner state and pods in flight: WorkloadEngine.save), the load samples it has fed
 * (the last 2 x `historySeconds` of them, NaN where a step was fed as missing) and where they
 * start, the spec they were decided under, the planner state after the last one, and the measured
 * cold start. On start the engine is restored as saved (no refit: a restart continues exactly as
 * if the service had not stopped). When the engine snapshot does not fit (a model that cannot
 * save itself, or code whose models changed shape), the samples are replayed through a new engine
 * instead (the retrain path, deterministic: equal to the saved engine for restarts within
 * historySeconds of warm-up); the stored planner state is then checked against the replayed one.
 *
 * File format (JSON, one object):
 *   { "format": "prescale.workload-state", "version": 1, "id", "spec": <WorkloadSpec>,
 *     "step", "start", "count", "values": <base64 of little-endian float64 x count>,
 *     "sha256": <hex of those bytes>, "plannerState", "savedAt",
 *     "coldStart"?: { "seconds": <planned with>, "samples": [{ namespace, pod, created, seconds }] },
 *     "engine"?: <WorkloadEngine.save(): the trained models and everything else the engine holds> }
 * e.g. 3 days of history at 60 s: up to 8,640 samples = 69,120 bytes = 92,160 base64 characters, ~93 kB a file.
 *
 * Anything unexpected (not JSON, another format, another version, a changed spec, a checksum
 * mismatch, a wrong field) is a typed rejection with a message naming the field, the value and
 * what was expected: the caller retrains, logs it and counts it, and never crashes.
 */
import { createHash } from 'node:crypto';
import type { ColdStartSample } from '../collector/coldStart';
import type { PlannerState } from '../planner';
import type { WorkloadSpec } from './workloadEngine';

export const STATE_FORMAT = 'prescale.workload-state';
/** Bump when the meaning of a field changes: files of other versions are retrained from the source. Version 2: coldStart; 3: engine. */
export const STATE_VERSION = 3;

export interface WorkloadState {
  readonly id: string;
  readonly spec: WorkloadSpec;
  /** Unix seconds of values[0] (a multiple of spec.step). */
  readonly start: number;
  /** The samples fed, one per step from `start`; NaN = fed as missing. */
  readonly values: Float64Array;
  readonly plannerState: PlannerState;
  /** Unix seconds (the service clock) when it was encoded. */
  readonly savedAt: number;
  /**
   * Measured cold starts (coldStart.source kubeStateMetrics): the cold start the engine planned
   * with (the spec's coldStartSeconds is the configured default) and the pods measured.
   */
  readonly coldStart?: { readonly seconds: number; readonly samples: readonly ColdStartSample[] };
  /**
   * The trained engine (WorkloadEngine.save: fitted models, bands, planner, pods in flight), when
   * every model could save itself. Restored as is on start; when it does not fit (code changed),
   * the samples are replayed instead. Validated by WorkloadEngine.restore, not here.
   */
  readonly engine?: unknown;
}

/** Why a state file was not used. Each one means "retrain from the source". */
export type RejectReason = 'corrupt' | 'old_version' | 'spec_changed';

export type DecodeResult = { readonly ok: true; readonly state: WorkloadState } | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

/** The identity of a spec: two specs decide alike iff their keys are equal (key order fixed by the object literal in specFromWorkload/demoSpec). */
export const specKey = (spec: WorkloadSpec): string => JSON.stringify(spec);

const toBytes = (values: Float64Array): Buffer => {
  const b = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i]!, i * 8);
  return b;
};

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** State -> file text. O(values). */
export function encodeState(s: WorkloadState): string {
  const bytes = toBytes(s.values);
  return JSON.stringify({
    format: STATE_FORMAT,
    version: STATE_VERSION,
    id: s.id,
    spec: s.spec,
    step: s.spec.step,
    start: s.start,
    count: s.values.length,
    values: bytes.toString('base64'),
    sha256: sha256(bytes),
    plannerState: s.plannerState,
    savedAt: s.savedAt,
    ...(s.coldStart ? { coldStart: s.coldStart } : {}),
    ...(s.engine !== undefined && s.engine !== null ? { engine: s.engine } : {}),
  });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * File text -> state, checked against the spec the service runs now. O(values).
 * e.g. a file from a run with maxReplicas 40 when the config now says 60 -> spec_changed.
 */
export function decodeState(text: string, expected: WorkloadSpec): DecodeResult {
  const corrupt = (message: string): DecodeResult => ({ ok: false, reason: 'corrupt', message });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return corrupt(`not JSON (${(err as Error).message})`);
  }
  if (!isObj(raw)) return corrupt(`expected a JSON object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  if (raw.format !== STATE_FORMAT) return corrupt(`format is ${JSON.stringify(raw.format)}, expected "${STATE_FORMAT}"`);
  if (raw.version !== STATE_VERSION) return { ok: false, reason: 'old_version', message: `version is ${JSON.stringify(raw.version)}, expected ${STATE_VERSION}` };
  if (raw.id !== expected.id) return corrupt(`id is ${JSON.stringify(raw.id)}, expected "${expected.id}"`);
  if (!isObj(raw.spec)) return corrupt(`spec is ${JSON.stringify(raw.spec)}, expected an object`);
  if (JSON.stringify(raw.spec) !== specKey(expected)) return { ok: false, reason: 'spec_changed', message: `the workload's settings changed since the state was saved (saved ${JSON.stringify(raw.spec)})` };
  const step = expected.step;
  const { start, count, values, sha256: sum, plannerState, savedAt, coldStart, engine } = raw;
  if (typeof start !== 'number' || !Number.isFinite(start) || start % step !== 0) return corrupt(`start is ${JSON.stringify(start)}, expected unix seconds on the ${step} s grid`);
  // The engine keeps at most 2 x historySeconds of samples (WorkloadEngine.fedCap).
  const cap = 2 * Math.ceil(expected.historySeconds / step);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > cap) return corrupt(`count is ${JSON.stringify(count)}, expected an integer in [0, ${cap}] (2 x historySeconds / step)`);
  if (typeof values !== 'string') return corrupt(`values is ${typeof values}, expected a base64 string`);
  const bytes = Buffer.from(values, 'base64');
  if (bytes.length !== count * 8) return corrupt(`values holds ${bytes.length} bytes, expected ${count * 8} (count x 8)`);
  if (typeof sum !== 'string' || sum !== sha256(bytes)) return corrupt(`sha256 of values does not match (file truncated or edited)`);
  if (!isObj(plannerState) || plannerState.version !== 1) return corrupt(`plannerState is ${JSON.stringify(plannerState)?.slice(0, 80)}, expected a planner state of version 1`);
  if (typeof savedAt !== 'number' || !Number.isFinite(savedAt)) return corrupt(`savedAt is ${JSON.stringify(savedAt)}, expected unix seconds`);
  const cold = decodeColdStart(coldStart);
  if (typeof cold === 'string') return corrupt(cold);
  const out = new Float64Array(count);
  // Any double is a value the engine may have fed (the checksum already vouches for the bytes).
  for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(i * 8);
  return { ok: true, state: { id: expected.id, spec: expected, start, values: out, plannerState: plannerState as unknown as PlannerState, savedAt, ...(cold ? { coldStart: cold } : {}), ...(engine !== undefined ? { engine } : {}) } };
}

/** The optional coldStart field: undefined when absent, an error message when malformed. */
function decodeColdStart(v: unknown): WorkloadState['coldStart'] | string {
  if (v === undefined) return undefined;
  if (!isObj(v)) return `coldStart is ${JSON.stringify(v)?.slice(0, 80)}, expected an object { seconds, samples }`;
  if (typeof v.seconds !== 'number' || !(v.seconds > 0)) return `coldStart.seconds is ${JSON.stringify(v.seconds)}, expected a number of seconds > 0`;
  if (!Array.isArray(v.samples)) return `coldStart.samples is ${JSON.stringify(v.samples)?.slice(0, 80)}, expected an array`;
  const samples: ColdStartSample[] = [];
  for (const [i, x] of v.samples.entries()) {
    const ok = isObj(x) && typeof x.namespace === 'string' && typeof x.pod === 'string' && Number.isFinite(x.created) && Number.isFinite(x.seconds) && (x.seconds as number) >= 0;
    if (!ok) return `coldStart.samples[${i}] is ${JSON.stringify(x)?.slice(0, 80)}, expected { namespace, pod, created, seconds >= 0 }`;
    samples.push({ namespace: x.namespace as string, pod: x.pod as string, created: x.created as number, seconds: x.seconds as number });
  }
  return { seconds: v.seconds, samples };
}
