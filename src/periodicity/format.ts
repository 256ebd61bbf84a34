const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
const WEEK = 7 * DAY;

/** Up to one decimal, without a trailing ".0": 9.58 -> "9.6", 5 -> "5". */
function num(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

function plural(x: number, unit: string): string {
  const s = num(x);
  return `${s} ${unit}${s === '1' ? '' : 's'}`;
}

/**
 * A duration for people: whole weeks and days by name, otherwise the largest unit that keeps the
 * number >= 2 (so 90 min, not 1.5 h). E.g. 604800 -> "1 week", 172800 -> "2 days",
 * 18000 -> "5 h", 5400 -> "90 min", 828000 -> "9.6 days", 45 -> "45 s".
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const s = Math.abs(seconds);
  if (s >= WEEK && s % WEEK === 0) return plural(s / WEEK, 'week');
  if (s >= DAY && s % DAY === 0) return plural(s / DAY, 'day');
  if (s >= 2 * DAY) return plural(s / DAY, 'day');
  if (s >= 2 * HOUR) return `${num(s / HOUR)} h`;
  if (s >= 2 * MINUTE) return `${num(s / MINUTE)} min`;
  return `${num(s)} s`;
}
