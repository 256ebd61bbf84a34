/**
 * The backtest report: one self-contained HTML page (inline CSS and server-rendered SVG; no
 * scripts, fonts or network), readable at a glance:
 *   1. a headline and the scores table (prescale vs HPA vs oracle);
 *   2. overview of the whole trace: load with the forecast p50 line and p50..upper band; ready
 *      capacity (ready pods x capacity) of each policy against the load, with a right axis in pods;
 *      red marks where each policy was overloaded; the planner's mode timeline (where the guard
 *      fell back to reactive scaling, and why);
 *   3. the same charts for one day at full resolution: the day with the most overloaded steps
 *      (the busiest day when no policy was overloaded);
 *   4. the utilisation sweeps (cost against overloaded time per target), when given.
 * Long series are reduced to min/max per pixel, so a 40,000-step trace stays a ~1 MB page and a
 * one-sample spike is still drawn at full height.
 *
 * Pure: returns a string. Time is whatever the caller passes (`generatedAt`).
 */
import type { Scores } from '../simulate/cluster';
import type { SweepResult } from '../simulate/sweep';
import {
  bandD,
  esc,
  flaggedRuns,
  fmtNum,
  fmtUtc,
  fmtUtcDay,
  linePoints,
  niceTicks,
  pathD,
  px,
  timeTicks,
} from './svg';

export interface ReportPolicy {
  /** Short id used in element ids and colours: 'prescale', 'hpa', 'oracle', ... ([a-z0-9-]). */
  readonly id: string;
  /** Shown in legends and the table, e.g. "prescale". */
  readonly label: string;
  /** Ready pods per step (from simulateCluster). */
  readonly ready: ArrayLike<number>;
  /** 1 where the step was overloaded (from simulateCluster). */
  readonly overloaded: ArrayLike<number>;
  readonly scores: Scores;
  /** The target utilisation the run used (after a sweep, the chosen one). */
  readonly targetUtilization?: number;
  /** 'oracle' is drawn as a thin reference line and gets no overload strip (it has none). */
  readonly role?: 'policy' | 'baseline' | 'oracle';
}

export interface ReportForecast {
  /**
   * Forecast for each step made one cold start earlier (what the planner acted on), aligned to
   * the step it predicts. NaN where there was no forecast (warm-up, fallback).
   */
  readonly p50: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
  /** Default 'p90'. */
  readonly upperLabel?: string;
}

/** A run of steps [from, to) in one planner mode, with the reason (e.g. from the guard). */
export interface ModeSegment {
  readonly from: number;
  readonly to: number;
  readonly mode: string;
  readonly reason: string;
}

export interface ReportInput {
  readonly title?: string;
  /** Trace file or workload name. */
  readonly traceName: string;
  /** Unix seconds of load[0]. */
  readonly start: number;
  /** Seconds per step. */
  readonly step: number;
  readonly load: Float64Array;
  /** Unit of the load, e.g. "req/s". Default "load units". */
  readonly loadUnit?: string;
  /** Load one pod serves at 100%. */
  readonly capacity: number;
  readonly coldStart: number;
  /** Steps before this are warm-up: shaded and not scored. */
  readonly firstScored: number;
  /** Overloaded-time SLO used by the sweeps (for the table and the sweep chart). */
  readonly slo?: number;
  readonly forecast?: ReportForecast;
  readonly policies: readonly ReportPolicy[];
  readonly modes?: readonly ModeSegment[];
  readonly sweeps?: ReadonlyArray<{ readonly policyId: string; readonly result: SweepResult }>;
  /** Free-text lines shown under the header (command line, model, versions). */
  readonly notes?: readonly string[];
  /** Shown in the footer; passed in (pure code has no clock). */
  readonly generatedAt?: string;
}

/**
 * Collapse per-step modes (and reasons) into segments. E.g. ['p','p','r'] -> [{0,2,p},{2,3,r}].
 * O(n).
 */
export function modeSegments(modes: readonly string[], reasons?: readonly string[]): ModeSegment[] {
  const out: ModeSegment[] = [];
  for (let i = 0; i < modes.length; i++) {
    const mode = modes[i] as string;
    const reason = reasons?.[i] ?? '';
    const last = out[out.length - 1];
    if (last && last.mode === mode && last.reason === reason && last.to === i) {
      out[out.length - 1] = { ...last, to: i + 1 };
    } else {
      out.push({ from: i, to: i + 1, mode, reason });
    }
  }
  return out;
}

const POLICY_COLOURS: Record<string, string> = { prescale: '#0b7a6b', hpa: '#d9620b', oracle: '#7b4fc4' };
const PALETTE = ['#2f6fdd', '#b8336a', '#5c8a00', '#8a6d00'];
const LOAD_COLOUR = '#3b3a36';
const FORECAST_COLOUR = '#2f6fdd';
const OVERLOAD_COLOUR = '#d62728';

export function policyColour(id: string, k: number): string {
  return POLICY_COLOURS[id] ?? PALETTE[k % PALETTE.length] ?? '#555';
}

/** Mode colours: predictive = teal, reactive/fallback = amber, warm-up/hold = greys. */
export function modeColour(mode: string, k: number): string {
  const m = mode.toLowerCase();
  if (m.includes('predict') || m.includes('forecast')) return '#35a58f';
  if (m.includes('react') || m.includes('fallback') || m.includes('hpa')) return '#f0a020';
  if (m.includes('warm') || m.includes('insufficient')) return '#b9b9b4';
  if (m.includes('hold') || m.includes('freeze')) return '#7c8fb0';
  return PALETTE[k % PALETTE.length] ?? '#888';
}

/** Ids go into element ids: keep [a-z0-9-]. */
const safeId = (id: string): string => id.toLowerCase().replace(/[^a-z0-9-]/g, '-');

// Geometry of every time chart, in px. The left margin holds y labels and strip titles; the right
// one the pods axis.
const W = 1120;
const ML = 118;
const MR = 58;
const PW = W - ML - MR;
const STRIP_H = 11;
const STRIP_GAP = 4;

type Layer =
  | { kind: 'line'; cls: string; values: ArrayLike<number>; colour: string; width: number; dash?: string; step?: boolean }
  | { kind: 'band'; cls: string; upper: ArrayLike<number>; lower: ArrayLike<number>; colour: string; opacity: number };

type Strip =
  | { kind: 'flags'; id: string; label: string; flags: ArrayLike<number>; colour: string }
  | { kind: 'segments'; id: string; label: string; segments: readonly ModeSegment[]; colours: Map<string, string> };

interface ChartSpec {
  readonly id: string;
  readonly input: ReportInput;
  readonly i0: number;
  readonly i1: number;
  readonly plotH: number;
  readonly yMax: number;
  readonly yLabel: string;
  /** Right axis in pods (load / capacity). */
  readonly podsAxis: boolean;
  readonly layers: readonly Layer[];
  readonly strips: readonly Strip[];
  readonly highlight?: { from: number; to: number; label: string };
}

function timeChart(c: ChartSpec): string {
  const { input, i0, i1 } = c;
  const top = 8;
  const axisH = 22;
  const stripsH = c.strips.length * (STRIP_H + STRIP_GAP);
  const H = top + c.plotH + axisH + stripsH + 6;
  const span = Math.max(1, i1 - i0);
  const x = (i: number): number => ML + ((i - i0) / span) * PW;
  const yTicks = niceTicks(c.yMax, 5);
  const yTop = yTicks[yTicks.length - 1] ?? 1;
  const y = (v: number): number => top + c.plotH - (Math.min(v, yTop * 1.02) / yTop) * c.plotH;
  const parts: string[] = [];
  parts.push(`<svg id="${c.id}" class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">`);
  parts.push(`<defs><clipPath id="${c.id}-clip"><rect x="${ML}" y="${top}" width="${PW}" height="${c.plotH}"/></clipPath></defs>`);
  // Warm-up region (not scored) and the detail highlight, under everything else.
  if (input.firstScored > i0) {
    const xe = x(Math.min(i1, input.firstScored));
    parts.push(`<rect class="warmup" x="${px(ML)}" y="${top}" width="${px(xe - ML)}" height="${c.plotH}" fill="#efefec"/>`);
    if (xe - ML > 70) parts.push(`<text class="note" x="${px(ML + 6)}" y="${top + 14}">warm-up, not scored</text>`);
  }
  if (c.highlight) {
    const hx0 = x(c.highlight.from);
    const hx1 = x(c.highlight.to);
    parts.push(`<rect class="highlight" x="${px(hx0)}" y="${top}" width="${px(Math.max(2, hx1 - hx0))}" height="${c.plotH}" fill="#fff4c2" stroke="#e0c050" stroke-dasharray="3 3"/>`);
    parts.push(`<text class="note" x="${px(hx0 + 4)}" y="${top + c.plotH - 6}">${esc(c.highlight.label)}</text>`);
  }
  // Grid and axes.
  const t0 = input.start + i0 * input.step;
  const t1 = input.start + i1 * input.step;
  for (const v of yTicks) {
    parts.push(`<line class="grid" x1="${ML}" x2="${ML + PW}" y1="${px(y(v))}" y2="${px(y(v))}"/>`);
    parts.push(`<text class="ylab" x="${ML - 6}" y="${px(y(v) + 4)}" text-anchor="end">${fmtNum(v)}</text>`);
  }
  if (c.podsAxis) {
    // Pods get their own round ticks (capacity 10.8 would otherwise label 46.3, 92.6, ...).
    for (const pods of niceTicks(yTop / input.capacity, 5)) {
      if (pods * input.capacity > yTop * 1.0001) continue;
      const yy = y(pods * input.capacity);
      parts.push(`<line class="tick" x1="${ML + PW}" x2="${ML + PW + 4}" y1="${px(yy)}" y2="${px(yy)}" stroke="#9a988f"/>`);
      parts.push(`<text class="ylab" x="${ML + PW + 7}" y="${px(yy + 4)}">${fmtNum(pods)}</text>`);
    }
  }
  const ticks = timeTicks(t0, t1, 14);
  for (const tk of ticks) {
    const xi = ML + ((tk.t - t0) / Math.max(1, t1 - t0)) * PW;
    parts.push(`<line class="${tk.major ? 'grid major' : 'grid'}" x1="${px(xi)}" x2="${px(xi)}" y1="${top}" y2="${top + c.plotH}"/>`);
    parts.push(`<text class="xlab" x="${px(xi)}" y="${top + c.plotH + 15}" text-anchor="middle">${esc(tk.label)}</text>`);
  }
  parts.push(`<text class="axis-title" transform="translate(14 ${top + c.plotH / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  if (c.podsAxis) {
    parts.push(`<text class="axis-title" transform="translate(${W - 10} ${top + c.plotH / 2}) rotate(90)" text-anchor="middle">ready pods</text>`);
  }
  // Data layers, clipped to the plot.
  parts.push(`<g clip-path="url(#${c.id}-clip)">`);
  for (const l of c.layers) {
    if (l.kind === 'band') {
      const d = bandD(l.upper, l.lower, i0, i1, PW, x, y);
      if (d) parts.push(`<path class="${l.cls}" d="${d}" fill="${l.colour}" fill-opacity="${l.opacity}" stroke="none"/>`);
    } else {
      const d = pathD(linePoints(l.values, i0, i1, PW, x, y, l.step ?? false));
      if (d) {
        const dash = l.dash ? ` stroke-dasharray="${l.dash}"` : '';
        parts.push(`<path class="${l.cls}" d="${d}" fill="none" stroke="${l.colour}" stroke-width="${l.width}"${dash} stroke-linejoin="round"/>`);
      }
    }
  }
  parts.push('</g>');
  parts.push(`<rect class="frame" x="${ML}" y="${top}" width="${PW}" height="${c.plotH}" fill="none"/>`);
  // Strips under the time axis: overload marks per policy, the mode timeline.
  let sy = top + c.plotH + axisH;
  const minGap = Math.max(1, Math.floor(span / PW)); // one mark per pixel at most
  for (const s of c.strips) {
    parts.push(`<g id="${c.id}-strip-${s.id}" class="strip">`);
    parts.push(`<rect x="${ML}" y="${sy}" width="${PW}" height="${STRIP_H}" fill="#f6f6f3"/>`);
    parts.push(`<text class="strip-label" x="${ML - 6}" y="${sy + 9}" text-anchor="end">${esc(s.label)}</text>`);
    if (s.kind === 'flags') {
      // Overload during warm-up is not scored and not drawn: it would only show the start-up.
      for (const [a, b] of flaggedRuns(s.flags, Math.max(i0, input.firstScored), i1, minGap)) {
        const xa = x(a);
        const w = Math.max(1.5, x(b) - xa);
        parts.push(`<rect class="overload-mark" x="${px(xa)}" y="${sy}" width="${px(w)}" height="${STRIP_H}" fill="${s.colour}"><title>overloaded ${esc(fmtUtc(input.start + a * input.step))} for ${esc(fmtDuration((b - a) * input.step))}</title></rect>`);
      }
    } else {
      for (const seg of s.segments) {
        const a = Math.max(i0, seg.from);
        const b = Math.min(i1, seg.to);
        if (b <= a) continue;
        const xa = x(a);
        const w = Math.max(1, x(b) - xa);
        const title = `${seg.mode}${seg.reason ? `: ${seg.reason}` : ''}, ${fmtUtc(input.start + seg.from * input.step)} for ${fmtDuration((seg.to - seg.from) * input.step)}`;
        parts.push(`<rect class="mode-seg" x="${px(xa)}" y="${sy}" width="${px(w)}" height="${STRIP_H}" fill="${s.colours.get(seg.mode) ?? '#888'}"><title>${esc(title)}</title></rect>`);
      }
    }
    parts.push('</g>');
    sy += STRIP_H + STRIP_GAP;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** "45 min", "2 h 5 min", "3 d 4 h". */
export function fmtDuration(seconds: number): string {
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/**
 * The day shown in detail: among whole UTC days (clipped to the scored range), the one with the
 * most overloaded steps summed over the non-oracle policies; when none was overloaded, the day
 * with the highest peak load. O(n x policies).
 */
export function pickDetailDay(input: ReportInput): { from: number; to: number; why: string } {
  const n = input.load.length;
  const perDay = Math.max(1, Math.round(86400 / input.step));
  // Align to UTC midnight: offset of the first midnight at or after start.
  const firstMidnight = Math.ceil(input.start / 86400) * 86400;
  const offset = Math.round((firstMidnight - input.start) / input.step) % perDay;
  const counted = input.policies.filter((p) => p.role !== 'oracle');
  let best = { from: 0, to: Math.min(n, perDay), over: -1, peak: -1 };
  const starts: number[] = [];
  for (let s = offset - perDay; s < n; s += perDay) {
    if (s + perDay > input.firstScored) starts.push(s);
  }
  for (const s of starts) {
    const from = Math.max(0, s, input.firstScored);
    const to = Math.min(n, s + perDay);
    if (to - from < perDay / 4) continue; // a sliver of a day at either end is not a "day"
    let over = 0;
    let peak = 0;
    for (let i = from; i < to; i++) {
      for (const p of counted) over += p.overloaded[i] ? 1 : 0;
      const l = input.load[i] as number;
      if (Number.isFinite(l)) peak = Math.max(peak, l);
    }
    if (over > best.over || (over === best.over && peak > best.peak)) best = { from, to, over, peak };
  }
  if (best.over < 0) {
    // No quarter-day of scored data anywhere (a short trace): show all of it.
    return { from: 0, to: n, why: `the whole trace (${fmtDuration(n * input.step)}; too short for a day's detail)` };
  }
  const day = fmtUtcDay(input.start + best.from * input.step);
  const why =
    best.over > 0
      ? `${day} (UTC): the day with the most overloaded time (${counted
          .map((p) => `${p.label} ${fmtDuration(countFlags(p.overloaded, best.from, best.to) * input.step)}`)
          .join(', ')})`
      : `${day} (UTC): the busiest day (peak ${fmtNum(best.peak)} ${input.loadUnit ?? 'load units'}); no policy was overloaded`;
  return { from: best.from, to: best.to, why };
}

function countFlags(f: ArrayLike<number>, a: number, b: number): number {
  let c = 0;
  for (let i = a; i < b; i++) if (f[i]) c++;
  return c;
}

function maxIn(values: ArrayLike<number>, a: number, b: number, scale = 1): number {
  let m = 0;
  for (let i = a; i < b; i++) {
    const v = (values[i] as number) * scale;
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

function chartsFor(input: ReportInput, i0: number, i1: number, idSuffix: string, highlight?: { from: number; to: number; label: string }): string {
  const unit = input.loadUnit ?? 'load units';
  const f = input.forecast;
  const upperLabel = f?.upperLabel ?? 'p90';
  // (a) load and forecast.
  let yMaxA = maxIn(input.load, i0, i1);
  if (f) yMaxA = Math.max(yMaxA, maxIn(f.upper, i0, i1), maxIn(f.p50, i0, i1));
  const layersA: Layer[] = [];
  if (f) {
    layersA.push({ kind: 'band', cls: 'series-forecast-band', upper: f.upper, lower: f.p50, colour: FORECAST_COLOUR, opacity: 0.2 });
  }
  // The forecast under the load: the observed load is what the reader checks the forecast against.
  if (f) layersA.push({ kind: 'line', cls: 'series-forecast-p50', values: f.p50, colour: FORECAST_COLOUR, width: 1.2 });
  layersA.push({ kind: 'line', cls: 'series-load', values: input.load, colour: LOAD_COLOUR, width: 1 });
  const legendA = [
    legendItem('line', LOAD_COLOUR, `load (${unit})`),
    ...(f ? [legendItem('line', FORECAST_COLOUR, 'forecast p50'), legendItem('band', FORECAST_COLOUR, `p50..${upperLabel} band`)] : []),
  ];
  const modeColours = new Map<string, string>();
  (input.modes ?? []).forEach((s) => {
    if (!modeColours.has(s.mode)) modeColours.set(s.mode, modeColour(s.mode, modeColours.size));
  });
  const stripsA: Strip[] = input.modes?.length
    ? [{ kind: 'segments', id: 'modes', label: 'planner mode', segments: input.modes, colours: modeColours }]
    : [];
  const chartA = timeChart({
    id: `chart-load-${idSuffix}`,
    input,
    i0,
    i1,
    plotH: 190,
    yMax: yMaxA,
    yLabel: unit,
    podsAxis: false,
    layers: layersA,
    strips: stripsA,
    ...(highlight ? { highlight } : {}),
  });
  // (b) ready capacity per policy vs load, right axis in pods; (c) overload strips.
  const cap = input.capacity;
  let yMaxB = maxIn(input.load, i0, i1);
  const layersB: Layer[] = [];
  const zeros = new Float64Array(input.load.length);
  layersB.push({ kind: 'band', cls: 'series-load-area', upper: input.load, lower: zeros, colour: '#8c8a82', opacity: 0.35 });
  const ordered = [...input.policies].sort((a, b) => rank(b) - rank(a)); // oracle first: drawn under
  const legendB = [legendItem('band', '#8c8a82', `load (${unit})`)];
  const strips: Strip[] = [];
  input.policies.forEach((p, k) => {
    const colour = policyColour(p.id, k);
    legendB.push(legendItem(p.role === 'oracle' ? 'thin' : 'line', colour, `${p.label} ready capacity`));
    if (p.role !== 'oracle') {
      strips.push({ kind: 'flags', id: safeId(p.id), label: `${p.label} overloaded`, flags: p.overloaded, colour: OVERLOAD_COLOUR });
    }
  });
  for (const p of ordered) {
    const k = input.policies.indexOf(p);
    const capSeries = Float64Array.from(p.ready as ArrayLike<number>, (r) => r * cap);
    yMaxB = Math.max(yMaxB, maxIn(capSeries, i0, i1));
    const oracle = p.role === 'oracle';
    layersB.push({
      kind: 'line',
      cls: `series-ready series-ready-${safeId(p.id)}`,
      values: capSeries,
      colour: policyColour(p.id, k),
      width: oracle ? 1 : 1.6,
      ...(oracle ? { dash: '2 2' } : {}),
      step: true,
    });
  }
  if (strips.length) legendB.push(legendItem('tick', OVERLOAD_COLOUR, 'overloaded (load > ready capacity)'));
  const chartB = timeChart({
    id: `chart-capacity-${idSuffix}`,
    input,
    i0,
    i1,
    plotH: 210,
    yMax: yMaxB,
    yLabel: `${unit} (1 pod = ${fmtNum(cap)})`,
    podsAxis: true,
    layers: layersB,
    strips,
    ...(highlight ? { highlight } : {}),
  });
  const modeLegend = input.modes?.length ? modeLegendHtml(input, modeColours, i0, i1) : '';
  return `<div class="legend">${legendA.join('')}</div>${chartA}${modeLegend}
<div class="legend">${legendB.join('')}</div>${chartB}`;
}

const rank = (p: ReportPolicy): number => (p.role === 'oracle' ? 2 : p.role === 'baseline' ? 1 : 0);

function legendItem(kind: 'line' | 'thin' | 'band' | 'tick', colour: string, label: string): string {
  const sw =
    kind === 'band'
      ? `<rect x="0" y="2" width="22" height="10" fill="${colour}" fill-opacity="0.3"/>`
      : kind === 'tick'
        ? `<rect x="8" y="0" width="5" height="14" fill="${colour}"/>`
        : `<line x1="0" x2="22" y1="7" y2="7" stroke="${colour}" stroke-width="${kind === 'thin' ? 1 : 2.2}"${kind === 'thin' ? ' stroke-dasharray="2 2"' : ''}/>`;
  return `<span class="legend-item"><svg width="22" height="14" aria-hidden="true">${sw}</svg>${esc(label)}</span>`;
}

/** Mode legend with time share per mode and the top reasons, over [i0, i1). */
function modeLegendHtml(input: ReportInput, colours: Map<string, string>, i0: number, i1: number): string {
  const byMode = new Map<string, { steps: number; reasons: Map<string, number> }>();
  let total = 0;
  for (const s of input.modes ?? []) {
    const a = Math.max(i0, s.from);
    const b = Math.min(i1, s.to);
    if (b <= a) continue;
    const e = byMode.get(s.mode) ?? { steps: 0, reasons: new Map<string, number>() };
    e.steps += b - a;
    if (s.reason) e.reasons.set(s.reason, (e.reasons.get(s.reason) ?? 0) + (b - a));
    byMode.set(s.mode, e);
    total += b - a;
  }
  const items = [...byMode.entries()]
    .sort((a, b) => b[1].steps - a[1].steps)
    .map(([mode, e]) => {
      const reasons = [...e.reasons.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([r, c]) => `${esc(r)} ${pct(c / total)}`)
        .join(', ');
      return `<span class="legend-item"><svg width="14" height="12" aria-hidden="true"><rect width="14" height="12" fill="${colours.get(mode) ?? '#888'}"/></svg><b>${esc(mode)}</b>&nbsp;${pct(e.steps / Math.max(1, total))} of the time${reasons ? ` <span class="muted">(${reasons})</span>` : ''}</span>`;
    });
  return `<div class="legend mode-legend">${items.join('')}</div>`;
}

const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a');

function scoresTable(input: ReportInput): string {
  const slo = input.slo;
  type Col = { key: string; head: string; get: (p: ReportPolicy) => number; fmt: (v: number) => string; better: 'low' | 'none'; title: string };
  const perDay = 1440; // minutes a day
  const cols: Col[] = [
    { key: 'target', head: 'target util.', get: (p) => p.targetUtilization ?? Number.NaN, fmt: (v) => (Number.isFinite(v) ? v.toFixed(3) : '—'), better: 'none', title: 'Target utilisation per pod used for this run' },
    { key: 'overloaded', head: 'overloaded time', get: (p) => p.scores.overloadedShare, fmt: (v) => `${pct(v, 2)} <span class="muted">(${(v * perDay).toFixed(1)} min/day)</span>`, better: 'low', title: 'Share of scored steps with load above ready capacity' },
    { key: 'unserved', head: 'unserved demand', get: (p) => p.scores.unservedShare, fmt: (v) => pct(v, 3), better: 'low', title: 'Sum of load above ready capacity / total load' },
    { key: 'cost', head: 'cost (allocated / demand)', get: (p) => p.scores.cost, fmt: (v) => (Number.isFinite(v) ? `${v.toFixed(3)}×` : 'n/a'), better: 'low', title: 'Allocated pod capacity (ready or starting) / load; 1.0 = every pod-second used' },
    { key: 'podhours', head: 'pod-hours', get: (p) => p.scores.replicaHours, fmt: (v) => fmtNum(v), better: 'low', title: 'Pods allocated x hours, over the scored range' },
    { key: 'peak', head: 'peak pods', get: (p) => p.scores.peakReplicas, fmt: (v) => v.toString(), better: 'none', title: 'Largest allocated pod count' },
    { key: 'changes', head: 'changes/day', get: (p) => p.scores.changesPerDay, fmt: (v) => v.toFixed(1), better: 'low', title: 'Decisions that changed the pod count, per day' },
  ];
  const contenders = input.policies.filter((p) => p.role !== 'oracle');
  const head = `<tr><th>policy</th>${cols.map((c) => `<th title="${esc(c.title)}">${esc(c.head)}</th>`).join('')}</tr>`;
  const rows = input.policies.map((p, k) => {
    const cells = cols.map((c) => {
      const v = c.get(p);
      const best =
        c.better === 'low' && p.role !== 'oracle' && contenders.length > 1 && Number.isFinite(v) && contenders.every((q) => !(c.get(q) < v));
      const breach = c.key === 'overloaded' && slo !== undefined && v > slo;
      const cls = [best ? 'best' : '', breach ? 'breach' : ''].filter(Boolean).join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}>${c.fmt(v)}</td>`;
    });
    const sw = `<span class="swatch" style="background:${policyColour(p.id, k)}"></span>`;
    const note = p.role === 'oracle' ? ' <span class="muted">(perfect foresight, lower bound)</span>' : '';
    return `<tr id="score-${safeId(p.id)}"><td>${sw}${esc(p.label)}${note}</td>${cells.join('')}</tr>`;
  });
  const sloNote = slo !== undefined ? `<p class="muted">SLO: overloaded time ≤ ${pct(slo, 2)} (${(slo * perDay).toFixed(1)} min/day). Bold = best of the non-oracle policies; red = SLO missed.</p>` : '';
  return `<table id="scores"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>${sloNote}`;
}

/** One sentence comparing the first 'policy' with the first 'baseline', if both exist. */
function headline(input: ReportInput): string {
  const main = input.policies.find((p) => (p.role ?? 'policy') === 'policy');
  const base = input.policies.find((p) => p.role === 'baseline');
  if (!main || !base) return '';
  const m = main.scores;
  const b = base.scores;
  const podH = b.replicaHours > 0 ? 1 - m.replicaHours / b.replicaHours : Number.NaN;
  const cheaper = podH >= 0 ? `${pct(podH)} fewer pod-hours` : `${pct(-podH)} more pod-hours`;
  return `<p class="headline"><b>${esc(main.label)}</b> used ${cheaper} than <b>${esc(base.label)}</b>, and was overloaded ${pct(m.overloadedShare, 2)} of the time against ${pct(b.overloadedShare, 2)}.</p>`;
}

/** Cost (x) against overloaded share (y) for every target tried, per policy; chosen points ringed. */
function sweepChart(input: ReportInput): string {
  const sweeps = input.sweeps ?? [];
  if (!sweeps.length) return '';
  const w = 560;
  const h = 260;
  const ml = 64;
  const mb = 40;
  const mt = 10;
  const mr = 16;
  const all = sweeps.flatMap((s) => s.result.points).filter((p) => Number.isFinite(p.scores.cost));
  if (!all.length) return '';
  const xMin = Math.min(...all.map((p) => p.scores.cost));
  const xMax = Math.max(...all.map((p) => p.scores.cost));
  // The y axis stops at 4 x the SLO (or the worst point, if lower): what matters is near the SLO
  // line; points beyond are pinned to the top edge as triangles (their tooltip has the value).
  const slo0 = sweeps[0]?.result.slo ?? 0;
  const worst = Math.max(...all.map((p) => p.scores.overloadedShare));
  const yCap = slo0 > 0 ? Math.min(worst, 4 * slo0) : worst;
  const yTicks = niceTicks(Math.max(yCap, slo0) * 100 || 1, 4);
  const yTop = yTicks[yTicks.length - 1] ?? 1;
  const x = (v: number): number => ml + ((v - xMin) / Math.max(1e-9, xMax - xMin)) * (w - ml - mr);
  const y = (share: number): number => mt + (h - mt - mb) * (1 - Math.min(share * 100, yTop) / yTop);
  const offTop = (share: number): boolean => share * 100 > yTop;
  const parts = [`<svg id="chart-sweep" class="chart" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`];
  for (const v of yTicks) {
    parts.push(`<line class="grid" x1="${ml}" x2="${w - mr}" y1="${px(y(v / 100))}" y2="${px(y(v / 100))}"/><text class="ylab" x="${ml - 6}" y="${px(y(v / 100) + 4)}" text-anchor="end">${fmtNum(v)}%</text>`);
  }
  for (const v of [xMin, (xMin + xMax) / 2, xMax]) {
    parts.push(`<text class="xlab" x="${px(x(v))}" y="${h - mb + 16}" text-anchor="middle">${v.toFixed(2)}×</text>`);
  }
  const slo = sweeps[0]?.result.slo;
  if (slo !== undefined) {
    parts.push(`<line class="slo" x1="${ml}" x2="${w - mr}" y1="${px(y(slo))}" y2="${px(y(slo))}" stroke="${OVERLOAD_COLOUR}" stroke-dasharray="4 3"/><text class="note" x="${ml + 4}" y="${px(y(slo) - 4)}" fill="${OVERLOAD_COLOUR}">SLO ${pct(slo, 2)}</text>`);
  }
  const legend: string[] = [];
  sweeps.forEach((s, si) => {
    const k = input.policies.findIndex((p) => p.id === s.policyId);
    const colour = policyColour(s.policyId, k < 0 ? 0 : k);
    const label = input.policies[k]?.label ?? s.policyId;
    legend.push(legendItem('line', colour, label));
    const pts = [...s.result.points].sort((a, b) => a.scores.cost - b.scores.cost);
    parts.push(`<path class="sweep-line" d="${pts.map((p, i) => `${i ? 'L' : 'M'}${px(x(p.scores.cost))} ${px(y(p.scores.overloadedShare))}`).join('')}" fill="none" stroke="${colour}" stroke-width="1.2"/>`);
    for (const p of pts) {
      const tip = `<title>${esc(`${label}: target ${p.utilization}, cost ${p.scores.cost.toFixed(3)}×, overloaded ${pct(p.scores.overloadedShare, 2)}`)}</title>`;
      const cx = x(p.scores.cost);
      if (offTop(p.scores.overloadedShare)) {
        parts.push(`<path class="sweep-point off-scale" d="M${px(cx - 4)} ${mt + 7}L${px(cx + 4)} ${mt + 7}L${px(cx)} ${mt}Z" fill="${colour}">${tip}</path>`);
      } else {
        parts.push(`<circle class="sweep-point" cx="${px(cx)}" cy="${px(y(p.scores.overloadedShare))}" r="3" fill="${colour}">${tip}</circle>`);
      }
    }
    const c = s.result.chosen;
    if (c) {
      // Labels alternate above/below the ring so two policies' picks do not print over each other.
      const ly = y(c.scores.overloadedShare) + (si % 2 === 0 ? -11 : 19);
      parts.push(`<circle class="sweep-chosen" cx="${px(x(c.scores.cost))}" cy="${px(y(c.scores.overloadedShare))}" r="7" fill="none" stroke="${colour}" stroke-width="2"/><text class="note" x="${px(x(c.scores.cost) + 6)}" y="${px(ly)}" fill="${colour}">${esc(label)} @ ${c.utilization}</text>`);
    }
  });
  parts.push(`<text class="axis-title" x="${ml + (w - ml - mr) / 2}" y="${h - 6}" text-anchor="middle">cost (allocated / demand)</text>`);
  parts.push(`<text class="axis-title" transform="translate(14 ${mt + (h - mt - mb) / 2}) rotate(-90)" text-anchor="middle">overloaded time</text>`);
  parts.push(`<rect class="frame" x="${ml}" y="${mt}" width="${w - ml - mr}" height="${h - mt - mb}" fill="none"/></svg>`);
  const reasons = sweeps
    .map((s) => `<li><b>${esc(input.policies.find((p) => p.id === s.policyId)?.label ?? s.policyId)}</b>: ${esc(s.result.reason)}</li>`)
    .join('');
  return `<section><h2>Utilisation sweep</h2><p class="muted">Each policy run at targets from ${esc(String(Math.min(...all.map((p) => p.utilization))))} to ${esc(String(Math.max(...all.map((p) => p.utilization))))}; lower-left is better; the ringed point is the cheapest target that meets the SLO.</p><div class="legend">${legend.join('')}</div><div class="sweep-wrap">${parts.join('')}<ul class="reasons">${reasons}</ul></div></section>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;padding:20px 28px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#2b2a27;background:#fff}
h1{font-size:21px;margin:0 0 4px}
h2{font-size:16px;margin:26px 0 4px;padding-top:10px;border-top:1px solid #e6e5e1}
.meta{color:#5f5e59;margin:0 0 6px}
.muted{color:#77756f;font-weight:normal}
.headline{font-size:15px;background:#f3f8f6;border-left:4px solid #0b7a6b;padding:8px 12px;margin:10px 0 14px;max-width:${W}px}
table#scores{border-collapse:collapse;margin:6px 0 2px;font-variant-numeric:tabular-nums}
#scores th,#scores td{padding:5px 12px;text-align:right;border-bottom:1px solid #e6e5e1;white-space:nowrap}
#scores th{font-weight:600;color:#55534e;border-bottom:2px solid #d6d4ce;cursor:help;white-space:normal;max-width:130px;vertical-align:bottom}
#scores td:first-child,#scores th:first-child{text-align:left}
#scores td.best{font-weight:700}
#scores td.breach{color:#c0231e}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:7px;vertical-align:-1px}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:8px 0 0 ${ML}px;font-size:12.5px;color:#3f3e3a}
.legend-item{display:inline-flex;align-items:center;gap:6px}
.mode-legend{margin-top:0;margin-bottom:8px}
svg.chart{display:block;overflow:visible}
.chart text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#5f5e59}
.chart .axis-title{font-size:11.5px;fill:#3f3e3a}
.chart .strip-label{font-size:10.5px;fill:#3f3e3a}
.chart .note{font-size:10.5px;fill:#7a786f}
.chart .grid{stroke:#ecebe7;stroke-width:1}
.chart .grid.major{stroke:#d6d4ce}
.chart .frame{stroke:#c9c7c0}
.sweep-wrap{display:flex;gap:24px;align-items:flex-start}
.reasons{max-width:480px;font-size:13px;color:#4a4944;padding-left:18px}
footer{margin-top:30px;font-size:12px;color:#8a887f}
`;

/** Render the whole report page. */
export function renderReport(input: ReportInput): string {
  const n = input.load.length;
  if (n < 2) throw new RangeError(`load: got ${n} samples, expected at least 2 to draw a report`);
  for (const p of input.policies) {
    if (p.ready.length !== n || p.overloaded.length !== n) {
      throw new RangeError(`policies[${p.id}]: ready/overloaded have ${p.ready.length}/${p.overloaded.length} steps, expected ${n} (one per load sample)`);
    }
  }
  if (input.forecast && (input.forecast.p50.length !== n || input.forecast.upper.length !== n)) {
    throw new RangeError(`forecast: p50/upper have ${input.forecast.p50.length}/${input.forecast.upper.length} steps, expected ${n}`);
  }
  const title = input.title ?? `prescale backtest: ${input.traceName}`;
  const t0 = input.start;
  const t1 = input.start + (n - 1) * input.step;
  const detail = pickDetailDay(input);
  const meta = [
    `trace <b>${esc(input.traceName)}</b>`,
    `${esc(fmtUtc(t0))} → ${esc(fmtUtc(t1))} (${esc(fmtDuration(n * input.step))}, ${n.toLocaleString('en-US')} steps of ${esc(fmtDuration(input.step))})`,
    `cold start ${esc(fmtDuration(input.coldStart))}`,
    `1 pod serves ${esc(fmtNum(input.capacity))} ${esc(input.loadUnit ?? 'load units')}`,
    `scored from ${esc(fmtUtc(t0 + input.firstScored * input.step))}`,
  ].join(' · ');
  const notes = (input.notes ?? []).map((s) => `<div class="muted">${esc(s)}</div>`).join('');
  const overview = chartsFor(input, 0, n, 'overview', { from: detail.from, to: detail.to, label: 'detail below' });
  const detailCharts = chartsFor(input, detail.from, detail.to, 'detail');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${meta}</p>${notes}
${headline(input)}
<section><h2>Scores</h2>${scoresTable(input)}</section>
<section id="overview"><h2>Whole trace <span class="muted">(UTC; each pixel shows the min and max of its samples)</span></h2>${overview}</section>
<section id="detail"><h2>Detail: ${esc(detail.why)}</h2>${detailCharts}</section>
${sweepChart(input)}
<footer>Overloaded = load above ready pods × capacity; pods count from the moment they are asked for (cold start ${esc(fmtDuration(input.coldStart))}) for cost, and serve only once ready. Scale-down is immediate.${input.generatedAt ? ` Generated ${esc(input.generatedAt)}.` : ''}</footer>
</body></html>
`;
}
