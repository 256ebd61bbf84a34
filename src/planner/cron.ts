/**
 * A small pure 5-field cron matcher: "minute hour day-of-month month day-of-week", evaluated on the
 * wall clock of an IANA time zone (via Intl.DateTimeFormat). No clock: the instant is a parameter.
 *
 * Syntax (Vixie cron, plus AHPA's `?`):
 * - `*` any value; `?` any value (day-of-month and day-of-week only, as in AHPA/Quartz examples
 *   like '* 0-6 ? * *').
 * - lists `1,15,30`, ranges `9-17`, steps `*\/15`, `0-30/10`, `5/15` (from 5 to the field's max).
 * - names: months JAN..DEC, weekdays SUN..SAT (case-insensitive); day-of-week 0 and 7 are Sunday.
 * - When both day-of-month and day-of-week are restricted (neither is `*`/`?`), a day matches if
 *   EITHER matches (Vixie cron semantics): '0 9 1 * MON' = 09:00 on the 1st and on every Monday.
 *
 * DST: matching is on local wall-clock minutes. On a spring-forward day the skipped local times
 * never match (Europe/Paris 2026-03-29 has no 02:30); on a fall-back day the repeated hour matches
 * twice. For bounds ("is this minute inside the window?") that is what an operator expects.
 */

export interface CronExpr {
  readonly source: string;
  /** allowed[v] for v in the field's range. */
  readonly minute: readonly boolean[];
  readonly hour: readonly boolean[];
  readonly dayOfMonth: readonly boolean[];
  readonly month: readonly boolean[];
  /** 0..6, Sunday = 0 (7 is folded onto 0). */
  readonly dayOfWeek: readonly boolean[];
  /** True when the field was `*` or `?` (matters for the day-of-month / day-of-week OR rule). */
  readonly dayOfMonthAny: boolean;
  readonly dayOfWeekAny: boolean;
}

/** Thrown for an invalid cron expression or time zone; the message names field, value and what was expected. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, question: false },
  { name: 'hour', min: 0, max: 23, question: false },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, question: false },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, question: true },
];

function expected(spec: FieldSpec): string {
  const range = `${spec.min}-${spec.max}`;
  const names = spec.names ? ` or a name ${spec.names[0]}..${spec.names[spec.names.length - 1]}` : '';
  return `a number ${range}${names}`;
}

function parseValue(token: string, spec: FieldSpec, expr: string): number {
  const upper = token.toUpperCase();
  if (spec.names) {
    const i = spec.names.indexOf(upper);
    // Months are 1-based (JAN = 1); weekdays 0-based (SUN = 0).
    if (i >= 0) return spec.name === 'month' ? i + 1 : i;
  }
  if (!/^\d+$/.test(token)) {
    throw new CronError(`cron '${expr}': ${spec.name} value '${token}' is not ${expected(spec)}`);
  }
  const v = Number(token);
  if (v < spec.min || v > spec.max) {
    throw new CronError(`cron '${expr}': ${spec.name} value ${v} is out of range, expected ${expected(spec)}`);
  }
  return v;
}

function parseField(text: string, spec: FieldSpec, expr: string): { allowed: boolean[]; any: boolean } {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  if (text === '*' || (text === '?' && spec.question)) {
    for (let v = spec.min; v <= spec.max; v++) allowed[v] = true;
    return { allowed, any: true };
  }
  if (text === '?') {
    throw new CronError(`cron '${expr}': ${spec.name} field '?' is only allowed in day-of-month and day-of-week`);
  }
  for (const part of text.split(',')) {
    if (part === '') throw new CronError(`cron '${expr}': ${spec.name} field '${text}' has an empty list item`);
    const [rangePart, stepPart, extra] = part.split('/');
    if (extra !== undefined || rangePart === undefined || rangePart === '') {
      throw new CronError(`cron '${expr}': ${spec.name} item '${part}' is not of the form a, a-b, */n, a-b/n or a/n`);
    }
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) < 1) {
        throw new CronError(`cron '${expr}': ${spec.name} step '${stepPart}' in '${part}' is not a positive integer`);
      }
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === '*') {
      lo = spec.min;
      hi = spec.max;
    } else if (rangePart.includes('-')) {
      const [a, b, more] = rangePart.split('-');
      if (more !== undefined || a === undefined || b === undefined || a === '' || b === '') {
        throw new CronError(`cron '${expr}': ${spec.name} range '${rangePart}' is not of the form a-b`);
      }
      lo = parseValue(a, spec, expr);
      hi = parseValue(b, spec, expr);
      if (lo > hi) {
        throw new CronError(`cron '${expr}': ${spec.name} range '${rangePart}' runs backwards, expected start <= end`);
      }
    } else {
      lo = parseValue(rangePart, spec, expr);
      // 'a/n' means from a to the field's max in steps of n; plain 'a' is the single value.
      hi = stepPart !== undefined ? spec.max : lo;
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  return { allowed, any: false };
}

/**
 * Parses a 5-field cron expression. O(length of the expression + 60).
 * @example parseCron('*\/15 9-17 * * MON-FRI') // every 15 minutes, 09:00-17:45, weekdays
 * @throws CronError naming the field, the value and what was expected.
 */
export function parseCron(expr: string): CronExpr {
  if (typeof expr !== 'string') throw new CronError(`cron expression must be a string, got ${typeof expr}`);
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') {
    throw new CronError(
      `cron '${expr}' has ${fields[0] === '' ? 0 : fields.length} fields, expected 5: minute hour day-of-month month day-of-week`,
    );
  }
  const parsed = FIELDS.map((spec, i) => parseField(fields[i] as string, spec, expr));
  const [minute, hour, dom, month, dow] = parsed as [
    (typeof parsed)[0],
    (typeof parsed)[0],
    (typeof parsed)[0],
    (typeof parsed)[0],
    (typeof parsed)[0],
  ];
  const dayOfWeek = dow.allowed.slice(0, 7);
  if (dow.allowed[7]) dayOfWeek[0] = true;
  return {
    source: expr,
    minute: minute.allowed,
    hour: hour.allowed,
    dayOfMonth: dom.allowed,
    month: month.allowed,
    dayOfWeek,
    dayOfMonthAny: dom.any,
    dayOfWeekAny: dow.any,
  };
}

/** Wall-clock fields of an instant in a time zone. */
export interface ZonedParts {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
  readonly hour: number; // 0..23
  readonly minute: number;
  readonly second: number;
  readonly weekday: number; // 0 = Sunday
}

// Intl.DateTimeFormat construction costs tens of microseconds; decide() runs every step, so keep
// one formatter per zone. A memo of a pure function: it does not change any result.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
    } catch {
      throw new CronError(`time zone '${timeZone}' is not a valid IANA time zone, expected e.g. 'UTC' or 'Europe/Paris'`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws CronError unless `timeZone` is a valid IANA zone name. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** Wall-clock fields of `unixSeconds` in `timeZone`. */
export function zonedParts(unixSeconds: number, timeZone: string): ZonedParts {
  const parts = formatterFor(timeZone).formatToParts(new Date(unixSeconds * 1000));
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let weekday = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value) % 24;
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      case 'weekday':
        weekday = DAYS.indexOf(p.value.toUpperCase());
        break;
      default:
        break;
    }
  }
  return { year, month, day, hour, minute, second, weekday };
}

/** True when the minute containing `unixSeconds`, read on the wall clock of `timeZone`, matches. O(1). */
export function cronMatches(cron: CronExpr, unixSeconds: number, timeZone: string): boolean {
  return cronMatchesParts(cron, zonedParts(unixSeconds, timeZone));
}

/** As cronMatches, on wall-clock fields already computed (one Intl call shared by many crons). O(1). */
export function cronMatchesParts(cron: CronExpr, t: ZonedParts): boolean {
  if (!cron.minute[t.minute] || !cron.hour[t.hour] || !cron.month[t.month]) return false;
  const domOk = cron.dayOfMonth[t.day] === true;
  const dowOk = cron.dayOfWeek[t.weekday] === true;
  if (cron.dayOfMonthAny || cron.dayOfWeekAny) return domOk && dowOk;
  return domOk || dowOk;
}

/**
 * Unix seconds of a local date-time string in `timeZone`.
 * Accepts 'YYYY-MM-DD HH:mm[:ss]' or 'YYYY-MM-DDTHH:mm[:ss]' (local to `timeZone`, as AHPA's
 * instanceBounds startTime/endTime), or the same with 'Z' or '+hh:mm' (then the zone is ignored).
 * A local time skipped by DST resolves to the instant one offset later (02:30 -> 03:30 CEST).
 */
export function zonedTimeToUnix(text: string, timeZone: string, field = 'time'): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/.exec(String(text).trim());
  if (!m) {
    throw new CronError(`${field} '${text}' is not a date-time, expected 'YYYY-MM-DD HH:mm:ss' (local to ${timeZone}) or ISO-8601 with an offset`);
  }
  const [, y, mo, d, h, mi, s, zone] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0')) / 1000;
  const check = new Date(wall * 1000);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59) {
    throw new CronError(`${field} '${text}' is not a valid calendar date-time`);
  }
  if (zone !== undefined) {
    if (zone === 'Z') return wall;
    const sign = zone.startsWith('-') ? -1 : 1;
    const off = sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
    return wall - off;
  }
  // offset(t) = local wall time - UTC at instant t. Two passes settle it except in DST gaps.
  const offsetAt = (t: number): number => {
    const p = zonedParts(t, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000 - t;
  };
  const first = wall - offsetAt(wall);
  return wall - offsetAt(first);
}
