/**
 * Small, pure building blocks for server-side SVG charts: scales, "nice" ticks, UTC time ticks,
 * min/max downsampling and path strings. No DOM, no clock, no dependencies.
 */

/** Escape text for HTML/SVG content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Round to 0.1 px: enough for a screen, and keeps a 40k-step page small. */
export const px = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * Ticks at 1, 2 or 5 x 10^k covering [0, max], about `target` of them.
 * E.g. max 87, target 5 -> step 20 -> [0, 20, 40, 60, 80, 100] (the top tick may exceed max, so
 * the axis ends on a round number).
 */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step - 1e-9 * step; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

/** Compact number label: 1200 -> "1.2k", 0.25 -> "0.25". */
export function fmtNum(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return Math.round(v).toString();
  return (+v.toPrecision(3)).toString();
}

const TIME_STEPS = [300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

export interface TimeTick {
  readonly t: number;
  readonly label: string;
  /** True at UTC midnight: drawn as a stronger grid line. */
  readonly major: boolean;
}

const pad2 = (v: number): string => v.toString().padStart(2, '0');

/** "2026-11-03 14:05 UTC" */
export function fmtUtc(t: number): string {
  const d = new Date(t * 1000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/** "2026-11-03" */
export function fmtUtcDay(t: number): string {
  return fmtUtc(t).slice(0, 10);
}

/**
 * Time ticks over [t0, t1] at a round UTC interval giving at most `maxTicks`. Labels: "11-03" at
 * midnights, "14:00" otherwise (the axis title says UTC).
 */
export function timeTicks(t0: number, t1: number, maxTicks = 10): TimeTick[] {
  const span = Math.max(1, t1 - t0);
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / 604800) * 604800;
  const out: TimeTick[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const d = new Date(t * 1000);
    const major = d.getUTCHours() === 0 && d.getUTCMinutes() === 0;
    const day = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    out.push({ t, major, label: major ? day : `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}` });
  }
  return out;
}

export interface Bucket {
  /** Bucket position in [0, buckets). */
  readonly b: number;
  readonly min: number;
  readonly max: number;
  /** Whether the minimum occurs before the maximum (to draw the two points in time order). */
  readonly minFirst: boolean;
}

/**
 * Min/max per pixel bucket over values[i0, i1): a spike of one sample in 40,000 still reaches its
 * full height. Buckets with only NaN are omitted (a gap). O(i1 - i0).
 */
export function minMaxBuckets(values: ArrayLike<number>, i0: number, i1: number, buckets: number): Bucket[] {
  const n = i1 - i0;
  const out: Bucket[] = [];
  if (n <= 0 || buckets <= 0) return out;
  const per = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const s = i0 + Math.floor(b * per);
    const e = Math.min(i1, i0 + Math.floor((b + 1) * per));
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    let iMin = -1;
    let iMax = -1;
    for (let i = s; i < e; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      if (v < mn) {
        mn = v;
        iMin = i;
      }
      if (v > mx) {
        mx = v;
        iMax = i;
      }
    }
    if (iMin >= 0) out.push({ b, min: mn, max: mx, minFirst: iMin <= iMax });
  }
  return out;
}

export interface Pt {
  readonly x: number;
  readonly y: number;
}

/**
 * Points for a line over values[i0, i1) across `width` pixels. When there are more samples than
 * pixels, min/max per pixel (two points a pixel); otherwise every sample. NaN starts a new run.
 * `step`: draw as a step function (replica counts change between samples, not along a slope).
 */
export function linePoints(
  values: ArrayLike<number>,
  i0: number,
  i1: number,
  width: number,
  x: (i: number) => number,
  y: (v: number) => number,
  step = false,
): Pt[][] {
  const runs: Pt[][] = [];
  let run: Pt[] = [];
  const flush = (): void => {
    if (run.length > 0) runs.push(run);
    run = [];
  };
  const n = i1 - i0;
  const buckets = Math.max(1, Math.floor(width));
  if (n > buckets) {
    let prevB = -2;
    for (const bk of minMaxBuckets(values, i0, i1, buckets)) {
      if (bk.b !== prevB + 1) flush();
      prevB = bk.b;
      const xi = x(i0 + ((bk.b + 0.5) * n) / buckets);
      const first = bk.minFirst ? bk.min : bk.max;
      const second = bk.minFirst ? bk.max : bk.min;
      run.push({ x: xi, y: y(first) });
      if (second !== first) run.push({ x: xi, y: y(second) });
    }
  } else {
    for (let i = i0; i < i1; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) {
        flush();
        continue;
      }
      const prev = run[run.length - 1];
      if (step && prev) run.push({ x: x(i), y: prev.y });
      run.push({ x: x(i), y: y(v) });
    }
    const last = run[run.length - 1];
    if (step && last) run.push({ x: x(i1), y: last.y });
  }
  flush();
  return runs;
}

export function pathD(runs: readonly Pt[][]): string {
  return runs
    .filter((r) => r.length > 0)
    .map((r) => r.map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x)} ${px(p.y)}`).join(''))
    .join('');
}

/**
 * Closed area between an upper and a lower series, per contiguous run of finite samples in both:
 * per pixel the max of the upper and the min of the lower, so the band never looks narrower than
 * it was.
 */
export function bandD(
  upper: ArrayLike<number>,
  lower: ArrayLike<number>,
  i0: number,
  i1: number,
  width: number,
  x: (i: number) => number,
  y: (v: number) => number,
): string {
  const n = i1 - i0;
  const buckets = Math.max(1, Math.min(n, Math.floor(width)));
  const per = n / buckets;
  const parts: string[] = [];
  let top: Pt[] = [];
  let bottom: Pt[] = [];
  const flush = (): void => {
    if (top.length > 1) {
      const fwd = top.map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x)} ${px(p.y)}`).join('');
      const back = bottom.reverse().map((p) => `L${px(p.x)} ${px(p.y)}`).join('');
      parts.push(`${fwd}${back}Z`);
    }
    top = [];
    bottom = [];
  };
  for (let b = 0; b < buckets; b++) {
    const s = i0 + Math.floor(b * per);
    const e = Math.min(i1, i0 + Math.floor((b + 1) * per));
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    for (let i = s; i < e; i++) {
      const u = upper[i] as number;
      const l = lower[i] as number;
      if (!Number.isFinite(u) || !Number.isFinite(l)) continue;
      hi = Math.max(hi, u, l);
      lo = Math.min(lo, l, u);
    }
    if (!Number.isFinite(hi)) {
      flush();
      continue;
    }
    const xi = n > buckets ? x(i0 + (b + 0.5) * per) : x(s);
    top.push({ x: xi, y: y(hi) });
    bottom.push({ x: xi, y: y(lo) });
  }
  flush();
  return parts.join('');
}

/**
 * Runs of flagged samples in [i0, i1) as [from, to) index ranges, merged when closer than `minGap`
 * samples (so that one pixel is one mark, not thirty overlapping ones). O(i1 - i0).
 */
export function flaggedRuns(flags: ArrayLike<number>, i0: number, i1: number, minGap: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = i0; i < i1; i++) {
    if (!flags[i]) continue;
    const last = out[out.length - 1];
    if (last && i - last[1] < minGap) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}
