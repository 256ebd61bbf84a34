import { CronError, assertTimeZone, cronMatchesParts, parseCron, zonedParts, zonedTimeToUnix, type CronExpr } from './cron';

/**
 * Scheduled replica bounds, shaped like AHPA's `instanceBounds`:
 *
 * ```yaml
 * instanceBounds:
 *   - startTime: "2026-06-01 00:00:00"   # optional; local to timeZone
 *     endTime: "2126-06-01 00:00:00"     # optional
 *     timeZone: Europe/Paris             # prescale addition (AHPA uses the cluster's zone); default UTC
 *     bounds:
 *       - cron: '* 0-6 ? * *'            # every minute 00:00-06:59: min 0, max 50
 *         minReplicas: 0
 *         maxReplicas: 50
 *       - cron: '* 7-9 ? * MON-FRI'
 *         minReplicas: 5
 *         maxReplicas: 50
 * ```
 *
 * A bound applies during every minute its cron matches (AHPA's semantics: the cron selects minutes,
 * so '* 7-9 ? * *' covers 07:00-09:59), and only while `now` is inside [startTime, endTime).
 * Schedules narrow the global bounds, never widen them: effective min = max(global min, matching
 * mins), effective max = min(global max, matching maxes). If overlapping windows cross (a min above
 * a max), the max wins: a cost cap is the safer promise to keep.
 */
export interface ScheduleBoundSpec {
  readonly cron: string;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

export interface InstanceBoundsSpec {
  readonly startTime?: string;
  readonly endTime?: string;
  readonly timeZone?: string;
  readonly bounds: readonly ScheduleBoundSpec[];
}

/** Parsed, validated form (cron parsed once, times as unix seconds). */
export interface CompiledBound {
  readonly cron: CronExpr;
  readonly minReplicas: number | null;
  readonly maxReplicas: number | null;
}

export interface CompiledWindow {
  readonly start: number; // -Infinity when absent
  readonly end: number; // +Infinity when absent
  readonly timeZone: string;
  readonly bounds: readonly CompiledBound[];
}

function checkCount(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new CronError(`${field} is ${JSON.stringify(v)}, expected a non-negative integer`);
  }
  return v;
}

/**
 * Validates and compiles `instanceBounds`. O(total bounds).
 * @throws CronError naming the path (e.g. instanceBounds[0].bounds[1].cron), the value and what was expected.
 */
export function compileInstanceBounds(specs: readonly InstanceBoundsSpec[]): CompiledWindow[] {
  return specs.map((w, i) => {
    const path = `instanceBounds[${i}]`;
    const timeZone = w.timeZone ?? 'UTC';
    try {
      assertTimeZone(timeZone);
    } catch (e) {
      throw new CronError(`${path}.timeZone: ${(e as Error).message}`);
    }
    const start = w.startTime === undefined ? -Infinity : zonedTimeToUnix(w.startTime, timeZone, `${path}.startTime`);
    const end = w.endTime === undefined ? Infinity : zonedTimeToUnix(w.endTime, timeZone, `${path}.endTime`);
    if (!(start < end)) {
      throw new CronError(`${path}: startTime '${w.startTime}' is not before endTime '${w.endTime}'`);
    }
    if (!Array.isArray(w.bounds) || w.bounds.length === 0) {
      throw new CronError(`${path}.bounds is empty, expected at least one {cron, minReplicas, maxReplicas}`);
    }
    const bounds = w.bounds.map((b, j) => {
      const bp = `${path}.bounds[${j}]`;
      let cron: CronExpr;
      try {
        cron = parseCron(b.cron);
      } catch (e) {
        throw new CronError(`${bp}.cron: ${(e as Error).message}`);
      }
      const minReplicas = checkCount(b.minReplicas, `${bp}.minReplicas`);
      const maxReplicas = checkCount(b.maxReplicas, `${bp}.maxReplicas`);
      if (minReplicas === null && maxReplicas === null) {
        throw new CronError(`${bp} sets neither minReplicas nor maxReplicas, expected at least one`);
      }
      if (minReplicas !== null && maxReplicas !== null && minReplicas > maxReplicas) {
        throw new CronError(`${bp}: minReplicas ${minReplicas} is above maxReplicas ${maxReplicas}`);
      }
      return { cron, minReplicas, maxReplicas };
    });
    return { start, end, timeZone, bounds };
  });
}

export interface EffectiveBounds {
  readonly min: number;
  readonly max: number;
  /** Crons of the schedule bounds that matched at `now` (empty when none). */
  readonly matched: readonly string[];
  /** Time zone of the first matching bound (for messages). */
  readonly timeZone: string | null;
}

/**
 * Effective [min, max] at `now`: the global bounds narrowed by every matching schedule bound.
 * O(windows x bounds), each match O(1) (one Intl format per window).
 * @example global [1, 50], '* 7-9 * * *' min 5 at 08:30 -> [5, 50]; at 10:00 -> [1, 50]
 */
export function boundsAt(
  now: number,
  globalMin: number,
  globalMax: number,
  windows: readonly CompiledWindow[],
): EffectiveBounds {
  let min = globalMin;
  let max = globalMax;
  const matched: string[] = [];
  let timeZone: string | null = null;
  for (const w of windows) {
    if (now < w.start || now >= w.end) continue;
    const parts = zonedParts(now, w.timeZone);
    for (const b of w.bounds) {
      if (!cronMatchesParts(b.cron, parts)) continue;
      matched.push(b.cron.source);
      timeZone ??= w.timeZone;
      if (b.minReplicas !== null) min = Math.max(min, b.minReplicas);
      if (b.maxReplicas !== null) max = Math.min(max, b.maxReplicas);
    }
  }
  // Crossed windows (min > max): the cap wins, see the module comment.
  if (min > max) min = max;
  return { min, max, matched, timeZone };
}
