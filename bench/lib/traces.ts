/**
 * Trace loading for the benchmarks: a trace CSV (header `timestamp,value`) to a Series, the
 * traces directory's manifest.json, and the scored origins of a rolling benchmark.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Series } from '../../src/domain/series';
import { parseTraceCsv } from '../../src/series/csv';

/**
 * Read a trace CSV file with the production parser (src/series/csv.ts: ISO-8601 or unix-second
 * timestamps, regular grid, absent grid points as NaN). Errors are re-thrown with the file path.
 */
export function loadTrace(path: string): Series {
  try {
    return parseTraceCsv(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

const manifestEntry = z.looseObject({
  id: z.string().min(1),
  file: z.string().min(1),
  step_s: z.number().positive(),
  n: z.number().int().positive(),
  periodicity: z.enum(['strong', 'weak', 'none']),
  anomaly_windows: z.array(z.tuple([z.string(), z.string()])).optional(),
});
export type ManifestEntry = z.infer<typeof manifestEntry>;

/** Read `<dir>/manifest.json`; throws naming the entry and field that do not fit. */
export function loadManifest(dir: string): ManifestEntry[] {
  const path = join(dir, 'manifest.json');
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const parsed = z.array(manifestEntry).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Scored origins of a rolling benchmark: sample times t with t >= start + fromS and
 * (t - start) a multiple of everyS. Example: start 0, step 300, 3 days of samples, fromS 2 days,
 * everyS 3600 -> 172800, 176400, ... up to the last sample time (24 origins when the series has
 * exactly 3 days = 864 samples: 172800 .. 255600).
 * Assumes everyS is a multiple of the step (3600 is, for 60 s and 300 s steps); throws otherwise.
 */
export function scoredOrigins(series: Series, fromS: number, everyS: number): number[] {
  if (everyS % series.step !== 0) {
    throw new Error(`scoredOrigins: everyS ${everyS} is not a multiple of the step ${series.step}`);
  }
  const out: number[] = [];
  const last = series.start + (series.values.length - 1) * series.step;
  const first = series.start + Math.ceil(fromS / everyS) * everyS;
  for (let t = first; t <= last; t += everyS) out.push(t);
  return out;
}
