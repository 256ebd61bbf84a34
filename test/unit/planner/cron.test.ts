import { CronError, cronMatches, parseCron, zonedParts, zonedTimeToUnix } from '../../../src/planner/cron';

const utc = (iso: string): number => Date.parse(iso) / 1000;

/** Every minute of the UTC day starting at `dayIso` that matches, as 'HH:MM' UTC. */
function matchingMinutes(expr: string, dayIso: string, tz: string): string[] {
  const cron = parseCron(expr);
  const start = utc(dayIso);
  const out: string[] = [];
  for (let m = 0; m < 1440; m++) {
    const t = start + m * 60;
    if (cronMatches(cron, t, tz)) out.push(new Date(t * 1000).toISOString().slice(11, 16));
  }
  return out;
}

describe('parseCron: syntax', () => {
  const cases: Array<{ name: string; expr: string; at: string; tz?: string; want: boolean }> = [
    { name: 'star matches anything', expr: '* * * * *', at: '2026-01-05T13:37:00Z', want: true },
    { name: 'exact minute and hour', expr: '37 13 * * *', at: '2026-01-05T13:37:00Z', want: true },
    { name: 'exact minute, other hour', expr: '37 12 * * *', at: '2026-01-05T13:37:00Z', want: false },
    { name: 'seconds inside the minute still match', expr: '37 13 * * *', at: '2026-01-05T13:37:59Z', want: true },
    { name: 'list', expr: '0,15,30,45 * * * *', at: '2026-01-05T13:30:00Z', want: true },
    { name: 'list miss', expr: '0,15,30,45 * * * *', at: '2026-01-05T13:31:00Z', want: false },
    { name: 'range inclusive end', expr: '* 9-17 * * *', at: '2026-01-05T17:59:00Z', want: true },
    { name: 'range outside', expr: '* 9-17 * * *', at: '2026-01-05T18:00:00Z', want: false },
    { name: 'step over star', expr: '*/15 * * * *', at: '2026-01-05T13:45:00Z', want: true },
    { name: 'step over star miss', expr: '*/15 * * * *', at: '2026-01-05T13:44:00Z', want: false },
    { name: 'step over range', expr: '0-30/10 * * * *', at: '2026-01-05T13:20:00Z', want: true },
    { name: 'step over range beyond end', expr: '0-30/10 * * * *', at: '2026-01-05T13:40:00Z', want: false },
    { name: 'a/n runs to the max', expr: '5/20 * * * *', at: '2026-01-05T13:45:00Z', want: true },
    { name: 'weekday names (2026-01-05 is a Monday)', expr: '* * * * MON-FRI', at: '2026-01-05T00:00:00Z', want: true },
    { name: 'weekday names, Sunday', expr: '* * * * MON-FRI', at: '2026-01-04T12:00:00Z', want: false },
    { name: 'day-of-week 7 is Sunday', expr: '* * * * 7', at: '2026-01-04T12:00:00Z', want: true },
    { name: 'lower-case names', expr: '* * * jan sun', at: '2026-01-04T12:00:00Z', want: true },
    { name: 'month names', expr: '* * * FEB-MAR *', at: '2026-01-04T12:00:00Z', want: false },
    { name: "AHPA's '?' in day-of-month", expr: '* 0-6 ? * *', at: '2026-01-05T06:59:00Z', want: true },
    { name: 'dom and dow both restricted: OR (1st of month, not a Monday)', expr: '0 9 1 * MON', at: '2026-01-01T09:00:00Z', want: true },
    { name: 'dom and dow both restricted: OR (a Monday, not the 1st)', expr: '0 9 1 * MON', at: '2026-01-05T09:00:00Z', want: true },
    { name: 'dom and dow both restricted: neither', expr: '0 9 1 * MON', at: '2026-01-06T09:00:00Z', want: false },
    { name: 'dom restricted, dow star: AND', expr: '0 9 1 * *', at: '2026-01-05T09:00:00Z', want: false },
    { name: 'time zone shifts the hour (Tokyo = UTC+9)', expr: '0 9 * * *', at: '2026-01-05T00:00:00Z', tz: 'Asia/Tokyo', want: true },
    { name: 'time zone shifts the day (Tokyo Monday 01:00 is Sunday 16:00 UTC)', expr: '* * * * MON', at: '2026-01-04T16:00:00Z', tz: 'Asia/Tokyo', want: true },
    { name: 'half-hour zone (India = UTC+5:30)', expr: '0 9 * * *', at: '2026-01-05T03:30:00Z', tz: 'Asia/Kolkata', want: true },
  ];
  it.each(cases)('$name: $expr at $at', ({ expr, at, tz, want }) => {
    expect(cronMatches(parseCron(expr), utc(at), tz ?? 'UTC')).toBe(want);
  });
});

describe('parseCron: errors name the field, the value and what was expected', () => {
  const cases: Array<{ expr: string; msg: RegExp }> = [
    { expr: '* * * *', msg: /has 4 fields, expected 5: minute hour day-of-month month day-of-week/ },
    { expr: '', msg: /has 0 fields, expected 5/ },
    { expr: '* * * * * *', msg: /has 6 fields/ },
    { expr: '60 * * * *', msg: /minute value 60 is out of range, expected a number 0-59/ },
    { expr: '* 24 * * *', msg: /hour value 24 is out of range, expected a number 0-23/ },
    { expr: '* * 0 * *', msg: /day-of-month value 0 is out of range, expected a number 1-31/ },
    { expr: '* * * 13 *', msg: /month value 13 is out of range, expected a number 1-12 or a name JAN..DEC/ },
    { expr: '* * * * 8', msg: /day-of-week value 8 is out of range, expected a number 0-7 or a name SUN..SAT/ },
    { expr: '* * * * MONDAY', msg: /day-of-week value 'MONDAY' is not a number 0-7 or a name SUN..SAT/ },
    { expr: '*/0 * * * *', msg: /minute step '0' in '\*\/0' is not a positive integer/ },
    { expr: '* 17-9 * * *', msg: /hour range '17-9' runs backwards/ },
    { expr: '? * * * *', msg: /minute field '\?' is only allowed in day-of-month and day-of-week/ },
    { expr: '1,,2 * * * *', msg: /minute field '1,,2' has an empty list item/ },
    { expr: '1-2-3 * * * *', msg: /minute range '1-2-3' is not of the form a-b/ },
  ];
  it.each(cases)('$expr', ({ expr, msg }) => {
    expect(() => parseCron(expr)).toThrow(CronError);
    expect(() => parseCron(expr)).toThrow(msg);
  });

  it('rejects an unknown time zone by name', () => {
    expect(() => cronMatches(parseCron('* * * * *'), 0, 'Mars/Olympus')).toThrow(/time zone 'Mars\/Olympus' is not a valid IANA time zone/);
  });
});

describe('cron on DST days (wall-clock semantics)', () => {
  // Europe/Paris: 2026-03-29 01:00 UTC clocks jump 02:00 -> 03:00; 2026-10-25 01:00 UTC they fall 03:00 -> 02:00.
  it('a local time skipped by spring-forward never matches that day', () => {
    expect(matchingMinutes('30 2 * * *', '2026-03-29T00:00:00Z', 'Europe/Paris')).toEqual([]);
    expect(matchingMinutes('30 2 * * *', '2026-03-28T00:00:00Z', 'Europe/Paris')).toEqual(['01:30']);
  });
  it('09:00 local moves one hour earlier in UTC across spring-forward', () => {
    expect(matchingMinutes('0 9 * * *', '2026-03-28T00:00:00Z', 'Europe/Paris')).toEqual(['08:00']);
    expect(matchingMinutes('0 9 * * *', '2026-03-29T00:00:00Z', 'Europe/Paris')).toEqual(['07:00']);
  });
  it('the repeated hour on fall-back matches twice', () => {
    expect(matchingMinutes('30 2 * * *', '2026-10-25T00:00:00Z', 'Europe/Paris')).toEqual(['00:30', '01:30']);
  });
  it('New York fall-back (2026-11-01 06:00 UTC): 01:xx local occurs twice', () => {
    expect(matchingMinutes('15 1 * * SUN', '2026-11-01T00:00:00Z', 'America/New_York')).toEqual(['05:15', '06:15']);
  });
  it('an hour window spans 60 minutes on a normal day and 120 on fall-back day', () => {
    expect(matchingMinutes('* 2 * * *', '2026-10-24T00:00:00Z', 'Europe/Paris')).toHaveLength(60);
    expect(matchingMinutes('* 2 * * *', '2026-10-25T00:00:00Z', 'Europe/Paris')).toHaveLength(120);
  });
});

describe('zonedParts and zonedTimeToUnix', () => {
  it('reads wall-clock fields in a zone', () => {
    expect(zonedParts(utc('2026-07-01T12:34:56Z'), 'America/Los_Angeles')).toEqual({
      year: 2026, month: 7, day: 1, hour: 5, minute: 34, second: 56, weekday: 3,
    });
  });
  const cases: Array<{ name: string; text: string; tz: string; want: string }> = [
    { name: 'winter local time (CET = UTC+1)', text: '2026-01-10 08:00:00', tz: 'Europe/Paris', want: '2026-01-10T07:00:00.000Z' },
    { name: 'summer local time (CEST = UTC+2)', text: '2026-07-10 08:00', tz: 'Europe/Paris', want: '2026-07-10T06:00:00.000Z' },
    { name: 'explicit Z ignores the zone', text: '2026-07-10T08:00:00Z', tz: 'Europe/Paris', want: '2026-07-10T08:00:00.000Z' },
    { name: 'explicit offset', text: '2026-07-10T08:00:00-05:00', tz: 'UTC', want: '2026-07-10T13:00:00.000Z' },
    { name: 'skipped local time resolves one offset later (02:30 -> 03:30 CEST)', text: '2026-03-29 02:30:00', tz: 'Europe/Paris', want: '2026-03-29T01:30:00.000Z' },
  ];
  it.each(cases)('$name', ({ text, tz, want }) => {
    expect(new Date(zonedTimeToUnix(text, tz) * 1000).toISOString()).toBe(want);
  });
  it('rejects malformed and impossible dates with the field name', () => {
    expect(() => zonedTimeToUnix('tomorrow', 'UTC', 'startTime')).toThrow(/startTime 'tomorrow' is not a date-time, expected 'YYYY-MM-DD HH:mm:ss'/);
    expect(() => zonedTimeToUnix('2026-02-30 00:00:00', 'UTC', 'endTime')).toThrow(/endTime '2026-02-30 00:00:00' is not a valid calendar date-time/);
  });
});
