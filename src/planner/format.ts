/** Small formatters for decision messages. Pure; English number style ("1,840"). */

/** 1840 -> "1,840"; 12.345 -> "12.3"; 0.25 -> "0.25"; NaN -> "NaN". */
export function formatLoad(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return (NUMBER_FORMATS[digits] as Intl.NumberFormat).format(x);
}

// toLocaleString builds a formatter per call (~5 us); decide() formats a few numbers every step.
const NUMBER_FORMATS = [0, 1, 2].map((d) => new Intl.NumberFormat('en-US', { maximumFractionDigits: d }));

const clocks = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock "HH:MM" of unix seconds in a time zone (the zone was validated with the config). */
export function formatClock(unixSeconds: number, timeZone: string): string {
  let f = clocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clocks.set(timeZone, f);
  }
  return f.format(new Date(unixSeconds * 1000));
}

/** 0.9 -> "p90"; 0.95 -> "p95"; 0.975 -> "p97.5". */
export function percentileLabel(q: number): string {
  return `p${Number((q * 100).toFixed(1))}`;
}
