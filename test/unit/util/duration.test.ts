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

  it('formats for people', () => {
    expect(formatDuration(580)).toBe('9m40s');
    expect(formatDuration(3600)).toBe('1h');
    expect(formatDuration(0)).toBe('0s');
  });
});
