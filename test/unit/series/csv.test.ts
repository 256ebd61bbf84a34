import { parseTraceCsv } from '../../../src/series/csv';
import { cleanSeries } from '../../../src/series/clean';
import { SeriesError } from '../../../src/series/errors';

function err(text: string): SeriesError {
  try {
    parseTraceCsv(text);
  } catch (e) {
    if (e instanceof SeriesError) return e;
    throw e;
  }
  throw new Error('expected a SeriesError');
}

describe('parseTraceCsv', () => {
  it('reads ISO-8601 timestamps on a regular step', () => {
    const s = parseTraceCsv('timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,2.5\n2024-01-01T00:02:00Z,3\n');
    expect(s.start).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(s.step).toBe(60);
    expect(Array.from(s.values)).toEqual([1, 2.5, 3]);
  });

  it('reads unix-second timestamps and CRLF line ends', () => {
    const s = parseTraceCsv('timestamp,value\r\n1700000000,5\r\n1700000300,6\r\n');
    expect(s).toMatchObject({ start: 1700000000, step: 300 });
    expect(Array.from(s.values)).toEqual([5, 6]);
  });

  it('turns a whole-step jump into missing samples (a gap, reported later by clean-up)', () => {
    const s = parseTraceCsv('timestamp,value\n0,1\n60,2\n240,5\n300,6\n');
    expect(s.values.length).toBe(6);
    expect(Array.from(s.values).map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, 2, null, null, 5, 6]);
  });

  it.each([
    ['a bad header', 'time,val\n0,1\n60,2\n', 1, /expected "timestamp,value"/],
    ['a non-numeric value', 'timestamp,value\n0,1\n60,abc\n', 3, /value "abc": expected a number/],
    ['a bad timestamp', 'timestamp,value\n0,1\nyesterday,2\n', 3, /timestamp "yesterday"/],
    ['three fields', 'timestamp,value\n0,1,2\n60,2\n', 2, /expected two fields/],
    ['an irregular step', 'timestamp,value\n0,1\n60,2\n120,3\n150,4\n', 5, /30 s after the previous one: expected a positive multiple of the 60 s step/],
    ['time going backwards', 'timestamp,value\n0,1\n60,2\n120,3\n60,4\n', 5, /-60 s after/],
  ])('rejects %s naming the line', (_name, text, line, msg) => {
    const e = err(text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(`line ${line}:`);
    expect(e.message).toMatch(msg);
  });

  it('rejects a trace that is too short', () => {
    expect(err('timestamp,value\n0,1\n').code).toBe('too-short');
    expect(err('').code).toBe('empty');
  });
});

describe('cleanSeries', () => {
  it('reports and handles NaN, Inf, negatives and gaps explicitly without mutating the input', () => {
    const values = Float64Array.from([1, NaN, 3, Infinity, -2, 4, NaN, NaN, NaN, NaN, NaN, NaN, 10]);
    const input = { start: 0, step: 60, values };
    const copy = Float64Array.from(values);
    const { series, report } = cleanSeries(input, { maxFillSeconds: 120 });
    expect(Array.from(values)).toEqual(Array.from(copy));
    expect(report).toMatchObject({ nonFinite: 1, negative: 1, missing: 8, filled: 2 });
    expect(report.gaps).toEqual([[1, 1], [3, 1], [6, 6]]);
    expect(series.values[1]).toBe(2); // interpolated between 1 and 3
    expect(series.values[3]).toBeCloseTo(1.5); // between 3 and the clamped 0
    expect(series.values[4]).toBe(0);
    expect(Number.isNaN(series.values[7]!)).toBe(true); // a 6-sample gap stays missing
    expect(report.messages.join('; ')).toMatch(/1 non-finite.*1 negative.*8 missing sample\(s\) in 3 gap\(s\); 2 filled/);
  });
});
