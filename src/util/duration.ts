/**
 * Parses a duration such as "90s", "10m", "1h", "9m40s", "1h30m", "2d" or a plain number of
 * seconds ("600") into seconds. Throws a RangeError naming the value and the expected form.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) {
    throw new RangeError(`${what} "${text}": expected a duration like 90s, 10m, 1h30m or a number of seconds`);
  }
  return total;
}

/**
 * The compact form parseDuration reads back, to the second: 580 -> "9m40s", 3600 -> "1h",
 * 300 -> "5m", 45 -> "45s", 90061 -> "1d1h1m1s". Negative is 0s; NaN and infinities print as such.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  let s = Math.round(Math.max(0, seconds));
  const parts: string[] = [];
  for (const [u, n] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${u}`);
      s %= n;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join('');
}
