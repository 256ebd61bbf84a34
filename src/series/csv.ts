import type { Series } from '../domain/series';
import { SeriesError } from './errors';

/**
 * Parses a trace CSV with the header `timestamp,value` into a regular-grid Series.
 *
 * - timestamps: ISO-8601 (e.g. 1995-07-01T04:00:00Z) or unix seconds (e.g. 804571200);
 * - the step is the most common difference between consecutive timestamps; every difference must
 *   be a positive whole multiple of it (a multiple > 1 is a gap: its samples become NaN and are
 *   reported by series/clean.ts); anything else is an irregular step, reported with its line;
 * - values: a number; empty, `NaN`, `Inf`, `-Inf` are kept as NaN/Inf for clean-up to report;
 *   anything else is malformed.
 * O(n). Throws SeriesError naming the line and the problem.
 */
export function parseTraceCsv(text: string, minSamples = 2): Series {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new SeriesError('empty', 'the file is empty: expected a header `timestamp,value`');
  const header = lines[0]!.replace(/^\uFEFF/, '').trim().toLowerCase().split(',').map((s) => s.trim());
  if (header.length !== 2 || header[0] !== 'timestamp' || header[1] !== 'value') {
    throw new SeriesError('malformed', `header is "${lines[0]}": expected "timestamp,value"`, 1);
  }
  const n = lines.length - 1;
  if (n < minSamples) {
    throw new SeriesError('too-short', `the trace has ${n} samples: expected at least ${minSamples}`);
  }
  const times = new Float64Array(n);
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lineNo = i + 2;
    const line = lines[i + 1]!;
    const comma = line.indexOf(',');
    if (comma < 0 || line.indexOf(',', comma + 1) >= 0) {
      throw new SeriesError('malformed', `"${clip(line)}": expected two fields "timestamp,value"`, lineNo);
    }
    times[i] = parseTimestamp(line.slice(0, comma).trim(), lineNo);
    raw[i] = parseValue(line.slice(comma + 1).trim(), lineNo);
  }
  const step = modalStep(times);
  if (!(step > 0)) {
    throw new SeriesError('irregular-step', 'timestamps do not increase: expected a regular step such as 60 s or 300 s');
  }
  const start = times[0]!;
  const last = times[n - 1]!;
  const length = Math.round((last - start) / step) + 1;
  const values = new Float64Array(length).fill(NaN);
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    if (i > 0) {
      const d = t - times[i - 1]!;
      const k = d / step;
      if (!(d > 0) || Math.abs(k - Math.round(k)) > 1e-6) {
        throw new SeriesError(
          'irregular-step',
          `timestamp ${fmt(t)} is ${d} s after the previous one: expected a positive multiple of the ${step} s step`,
          i + 2,
        );
      }
    }
    values[Math.round((t - start) / step)] = raw[i]!;
  }
  return { start, step, values };
}

function parseTimestamp(s: string, line: number): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  // ISO-8601 with a date and time; without a zone it is taken as UTC (as the dev traces are).
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    const iso = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
    const ms = Date.parse(iso.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new SeriesError('malformed', `timestamp "${clip(s)}": expected ISO-8601 (2024-01-31T12:00:00Z) or unix seconds`, line);
}

function parseValue(s: string, line: number): number {
  if (s === '' || /^nan$/i.test(s)) return NaN;
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity;
  if (/^-inf(inity)?$/i.test(s)) return -Infinity;
  const v = Number(s);
  if (!Number.isFinite(v) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) {
    throw new SeriesError('malformed', `value "${clip(s)}": expected a number`, line);
  }
  return v;
}

/** The most frequent positive difference between consecutive timestamps. */
function modalStep(times: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const d = Math.round((times[i]! - times[i - 1]!) * 1000) / 1000;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = NaN;
  let bestCount = 0;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < best)) [best, bestCount] = [d, c];
  return best;
}

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
const fmt = (t: number): string => new Date(t * 1000).toISOString();
