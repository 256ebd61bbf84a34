/**
 * Plain-data snapshots of fitted models and of the online forecaster, pure (no I/O): what the
 * service writes to its state directory so that a restart resumes the trained models instead of
 * refitting them. Typed arrays travel as base64 of their little-endian bytes (exact, NaN and
 * Infinity included); everything else is JSON.
 *
 * Restoring validates every field and throws a SnapshotError naming the field, the value and what
 * was expected: the caller then retrains from the samples instead (never a crash).
 */

export type PackedKind = 'f64' | 'f32' | 'u8';

/** A typed array as JSON: its kind, length and bytes. */
export interface Packed {
  readonly t: PackedKind;
  readonly n: number;
  readonly b64: string;
}

export class SnapshotError extends Error {
  constructor(field: string, value: unknown, expected: string) {
    let shown: string;
    try {
      shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
    } catch {
      shown = String(value);
    }
    super(`${field} is ${shown}, expected ${expected}`);
    this.name = 'SnapshotError';
  }
}

const BYTES: Record<PackedKind, number> = { f64: 8, f32: 4, u8: 1 };


/** Typed array -> JSON. O(n). e.g. Float64Array [1, NaN] -> { t: 'f64', n: 2, b64: 'AAAAAAAA8D8AAAAAAAD4fw==' }. */
export function pack(a: Float64Array | Float32Array | Uint8Array): Packed {
  const t: PackedKind = a instanceof Float64Array ? 'f64' : a instanceof Float32Array ? 'f32' : 'u8';
  // The bytes in platform order: little-endian on x86 and ARM. (Buffer: a view, no copy; an
  // order of magnitude faster than btoa on a binary string, which counts at 1,000 workloads.)
  return { t, n: a.length, b64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

function unpackBytes(p: unknown, field: string, t: PackedKind): Uint8Array {
  const o = p as Partial<Packed> | null;
  if (typeof o !== 'object' || o === null || o.t !== t || typeof o.n !== 'number' || !Number.isInteger(o.n) || o.n < 0 || typeof o.b64 !== 'string') {
    throw new SnapshotError(field, p, `a packed ${t} array { t: '${t}', n, b64 }`);
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.b64)) throw new SnapshotError(`${field}.b64`, o.b64.slice(0, 20), 'base64');
  const buf = Buffer.from(o.b64, 'base64');
  if (buf.length !== o.n * BYTES[t]) throw new SnapshotError(`${field}.b64`, `${buf.length} bytes`, `${o.n * BYTES[t]} bytes (n x ${BYTES[t]})`);
  // A copy into a fresh, aligned buffer (a Buffer may share a pooled, unaligned slab).
  const bytes = new Uint8Array(buf.length);
  bytes.set(buf);
  return bytes;
}

export const unpackF64 = (p: unknown, field: string): Float64Array => new Float64Array(unpackBytes(p, field, 'f64').buffer);
export const unpackF32 = (p: unknown, field: string): Float32Array => new Float32Array(unpackBytes(p, field, 'f32').buffer);
export const unpackU8 = (p: unknown, field: string): Uint8Array => unpackBytes(p, field, 'u8');

/** The object at `v`, or a SnapshotError. */
export function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SnapshotError(field, v, 'an object');
  return v as Record<string, unknown>;
}

/** A finite number (or, with `nonFinite`, any number; JSON has no NaN/Infinity, so those travel as strings). */
export function num(v: unknown, field: string, opts: { integer?: boolean; min?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min)) {
    throw new SnapshotError(field, v, `a finite ${opts.integer ? 'integer' : 'number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}`);
  }
  return v;
}

/** Any double, NaN and +-Infinity included, as JSON: finite numbers as is, the others as strings. */
export const encodeNum = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

export function decodeNum(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new SnapshotError(field, v, 'a number, "NaN", "Infinity" or "-Infinity"');
}

export function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new SnapshotError(field, v, 'a string');
  return v;
}

export function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new SnapshotError(field, v, 'an array');
  return v;
}

/** An array of finite numbers. */
export const nums = (v: unknown, field: string, opts: { integer?: boolean; min?: number } = {}): number[] => arr(v, field).map((x, i) => num(x, `${field}[${i}]`, opts));

/**
 * Plain data (objects, arrays, numbers, strings, booleans, null) made JSON-safe: a non-finite
 * number becomes { $num: 'NaN' | 'Infinity' | '-Infinity' }. fromJsonSafe undoes it. O(size).
 */
export function toJsonSafe(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $num: String(v) };
  if (Array.isArray(v)) return v.map(toJsonSafe);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonSafe(x)]));
  return v;
}

export function fromJsonSafe(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJsonSafe);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$num') return decodeNum(o.$num, '$num');
    return Object.fromEntries(keys.map((k) => [k, fromJsonSafe(o[k])]));
  }
  return v;
}
