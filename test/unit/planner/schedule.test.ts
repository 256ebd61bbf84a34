import { boundsAt, compileInstanceBounds, type InstanceBoundsSpec } from '../../../src/planner/schedule';

const utc = (iso: string): number => Date.parse(iso) / 1000;

// The shape of AHPA's documented example: nights 0-50, business mornings at least 5.
const specs: InstanceBoundsSpec[] = [
  {
    startTime: '2026-06-01 00:00:00',
    endTime: '2126-06-01 00:00:00',
    timeZone: 'Europe/Paris',
    bounds: [
      { cron: '* 0-6 ? * *', minReplicas: 0, maxReplicas: 50 },
      { cron: '* 7-9 ? * MON-FRI', minReplicas: 5, maxReplicas: 50 },
      { cron: '* 22-23 ? * *', maxReplicas: 8 },
    ],
  },
];

describe('boundsAt', () => {
  const windows = compileInstanceBounds(specs);
  const cases: Array<{ name: string; at: string; globalMin: number; globalMax: number; want: [number, number]; matched: number }> = [
    // 2026-07-06 is a Monday; Paris is UTC+2 in July.
    { name: 'weekday 08:30 Paris raises min to 5', at: '2026-07-06T06:30:00Z', globalMin: 1, globalMax: 40, want: [5, 40], matched: 1 },
    { name: 'weekday 09:59 Paris still inside (cron selects minutes)', at: '2026-07-06T07:59:00Z', globalMin: 1, globalMax: 40, want: [5, 40], matched: 1 },
    { name: 'weekday 10:00 Paris: back to global', at: '2026-07-06T08:00:00Z', globalMin: 1, globalMax: 40, want: [1, 40], matched: 0 },
    { name: 'Saturday 08:30: weekday bound does not apply', at: '2026-07-04T06:30:00Z', globalMin: 1, globalMax: 40, want: [1, 40], matched: 0 },
    { name: 'night bound min 0 cannot widen a global min of 1', at: '2026-07-06T01:00:00Z', globalMin: 1, globalMax: 40, want: [1, 40], matched: 1 },
    { name: 'late evening caps max at 8', at: '2026-07-06T20:30:00Z', globalMin: 1, globalMax: 40, want: [1, 8], matched: 1 },
    { name: 'a cap below the global min: the cap wins', at: '2026-07-06T20:30:00Z', globalMin: 10, globalMax: 40, want: [8, 8], matched: 1 },
    { name: 'before startTime nothing applies', at: '2026-05-04T06:30:00Z', globalMin: 1, globalMax: 40, want: [1, 40], matched: 0 },
  ];
  it.each(cases)('$name', ({ at, globalMin, globalMax, want, matched }) => {
    const b = boundsAt(utc(at), globalMin, globalMax, windows);
    expect([b.min, b.max]).toEqual(want);
    expect(b.matched).toHaveLength(matched);
    if (matched > 0) expect(b.timeZone).toBe('Europe/Paris');
  });

  it('no windows: the global bounds', () => {
    expect(boundsAt(0, 2, 9, [])).toEqual({ min: 2, max: 9, matched: [], timeZone: null });
  });
});

describe('compileInstanceBounds: errors name the path, the value and what was expected', () => {
  const cases: Array<{ name: string; spec: InstanceBoundsSpec; msg: RegExp }> = [
    { name: 'bad cron', spec: { bounds: [{ cron: '* 25 * * *', minReplicas: 1 }] }, msg: /instanceBounds\[0\]\.bounds\[0\]\.cron: cron '\* 25 \* \* \*': hour value 25 is out of range/ },
    { name: 'bad zone', spec: { timeZone: 'Europe/Atlantis', bounds: [{ cron: '* * * * *', minReplicas: 1 }] }, msg: /instanceBounds\[0\]\.timeZone: time zone 'Europe\/Atlantis'/ },
    { name: 'min above max', spec: { bounds: [{ cron: '* * * * *', minReplicas: 9, maxReplicas: 3 }] }, msg: /bounds\[0\]: minReplicas 9 is above maxReplicas 3/ },
    { name: 'neither min nor max', spec: { bounds: [{ cron: '* * * * *' }] }, msg: /sets neither minReplicas nor maxReplicas/ },
    { name: 'negative min', spec: { bounds: [{ cron: '* * * * *', minReplicas: -1 }] }, msg: /minReplicas is -1, expected a non-negative integer/ },
    { name: 'empty bounds', spec: { bounds: [] }, msg: /instanceBounds\[0\]\.bounds is empty/ },
    { name: 'end before start', spec: { startTime: '2026-02-01 00:00:00', endTime: '2026-01-01 00:00:00', bounds: [{ cron: '* * * * *', minReplicas: 1 }] }, msg: /startTime '2026-02-01 00:00:00' is not before endTime/ },
    { name: 'bad startTime', spec: { startTime: '1 June', bounds: [{ cron: '* * * * *', minReplicas: 1 }] }, msg: /instanceBounds\[0\]\.startTime '1 June' is not a date-time/ },
  ];
  it.each(cases)('$name', ({ spec, msg }) => {
    expect(() => compileInstanceBounds([spec])).toThrow(msg);
  });
});
