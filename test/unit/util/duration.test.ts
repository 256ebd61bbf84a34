import { formatDuration, parseDuration } from '../../../src/util/duration';

describe('durations', () => {
  it.each([
    ['600', 600],
    ['90s', 90],
    ['10m', 600],
    ['1h30m', 5400],
    ['9m40s', 580],
    ['2d', 172800],
  ])('parses %s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '10 minutes', 'm10', '5x'])('rejects %j with the expected form', (text) => {
    expect(() => parseDuration(text, '--cold-start')).toThrow(/--cold-start ".*": expected a duration like 90s, 10m/);
  });

  it('formats in the compact form it parses back', () => {
    expect(formatDuration(580)).toBe('9m40s');
    expect(formatDuration(3600)).toBe('1h');
    expect(formatDuration(300)).toBe('5m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(NaN)).toBe('NaN');
    expect(formatDuration(Infinity)).toBe('Infinity');
    for (const s of [1, 59, 60, 61, 3599, 3661, 86400, 90061, 604800]) expect(parseDuration(formatDuration(s))).toBe(s);
    expect(formatDuration(90061)).toBe('1d1h1m1s');
  });
});
