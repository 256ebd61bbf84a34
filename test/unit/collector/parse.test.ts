import { parseEnvelope, parseSampleValue, fillGrid, finishGrid, parseInstant, labelKey } from '../../../src/collector/parse';

const ok = (result: unknown, resultType = 'matrix', extra: object = {}) => ({ status: 'success', data: { resultType, result }, ...extra });

describe('parseEnvelope', () => {
  test('success with warnings', () => {
    const r = parseEnvelope(200, ok([], 'matrix', { warnings: ['partial response'] }));
    expect(r).toEqual({ ok: true, value: { resultType: 'matrix', result: [], warnings: ['partial response'] } });
  });
  test.each([
    ['bad_data 400 is not retryable', 400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }, 'status_error', false, /bad_data: parse error at char 5/],
    ['timeout 503 is retryable', 503, { status: 'error', errorType: 'timeout', error: 'query timed out' }, 'status_error', true, /timeout/],
    ['execution 422 is not', 422, { status: 'error', errorType: 'execution', error: 'many-to-many' }, 'status_error', false, /execution/],
    ['error body with HTTP 200', 200, { status: 'error', errorType: 'internal', error: 'x' }, 'status_error', true, /HTTP 200/],
    ['proxy 502 page', 502, '<html>Bad Gateway</html>', 'http', true, /HTTP 502: <html>Bad Gateway/],
    ['404', 404, 'not found', 'http', false, /HTTP 404/],
    ['429', 429, '', 'http', true, /HTTP 429/],
    ['garbage 200', 200, '<html>', 'invalid_response', false, /expected \{"status":"success"/],
    ['unknown resultType', 200, { status: 'success', data: { resultType: 'table', result: [] } }, 'invalid_response', false, /resultType "table"/],
  ] as const)('%s', (_n, status, body, kind, retryable, detail) => {
    const r = parseEnvelope(status, body);
    if (r.ok) throw new Error('expected failure');
    expect(r.error.kind).toBe(kind);
    expect(r.error.retryable).toBe(retryable);
    expect(r.error.detail).toMatch(detail);
  });
  test('a JSON string body is parsed', () => {
    expect(parseEnvelope(200, JSON.stringify(ok([]))).ok).toBe(true);
  });
});

test('parseSampleValue', () => {
  expect(parseSampleValue('1.5')).toBe(1.5);
  expect(parseSampleValue('NaN')).toBeNaN();
  expect(parseSampleValue('+Inf')).toBe(Infinity);
  expect(parseSampleValue('-Inf')).toBe(-Infinity);
  expect(parseSampleValue('1e3')).toBe(1000);
  expect(parseSampleValue('abc')).toBeUndefined();
  expect(parseSampleValue('')).toBeUndefined();
  expect(parseSampleValue(null)).toBeUndefined();
});

describe('fillGrid + finishGrid', () => {
  const grid = { start: 1000, step: 60, length: 8 };
  test('gaps, NaN, Inf, off-grid, stale tail are all counted, never dropped silently', () => {
    const values = new Float64Array(8).fill(NaN);
    const seen = new Uint8Array(8);
    const result = [
      {
        metric: {},
        values: [
          [1000, '1'],
          [1060, '2'],
          // 1120 missing (a gap)
          [1180, 'NaN'],
          [1240, '+Inf'],
          [1270, '9'], // off the grid
          [1300, '6'],
          [1360, 'bogus'],
          // 1420 missing: the series went stale before the end
          [2000, '1'], // outside the range
        ],
      },
    ];
    const f = fillGrid(result, grid, values, seen);
    expect(f?.counts).toEqual({ nan: 1, infinite: 1, offGrid: 2, unparseable: 1, seriesCount: 1 });
    const { series, quality } = finishGrid(grid, values, seen, f!.counts);
    expect(Array.from(series.values)).toEqual([1, 2, NaN, NaN, NaN, 6, NaN, NaN]);
    expect(series.start).toBe(1000);
    expect(series.step).toBe(60);
    expect(quality).toMatchObject({ expected: 8, present: 3, missing: 2, trailingMissing: 1, nan: 1, infinite: 1 });
  });
  test('float timestamps with ms digits land on the grid', () => {
    const g = { start: 1_736_121_600.123, step: 15, length: 2 };
    const v = new Float64Array(2).fill(NaN);
    fillGrid([{ metric: {}, values: [[1_736_121_615.123, '4']] }], g, v, new Uint8Array(2));
    expect(v[1]).toBe(4);
  });
  test('no series at all: everything missing, nothing stale', () => {
    const v = new Float64Array(4).fill(NaN);
    const s = new Uint8Array(4);
    const f = fillGrid([], { start: 0, step: 1, length: 4 }, v, s)!;
    expect(finishGrid({ start: 0, step: 1, length: 4 }, v, s, f.counts).quality).toMatchObject({ missing: 4, trailingMissing: 0, seriesCount: 0 });
  });
  test('not a matrix -> undefined', () => {
    expect(fillGrid({}, grid, new Float64Array(8), new Uint8Array(8))).toBeUndefined();
    expect(fillGrid([{ metric: {} }], grid, new Float64Array(8), new Uint8Array(8))).toBeUndefined();
  });
});

describe('parseInstant', () => {
  test('vector and scalar', () => {
    const env = { resultType: 'vector' as const, warnings: [], result: [{ metric: { pod: 'a' }, value: [10, '3'] }, { metric: { pod: 'b' }, value: [10, 'NaN'] }] };
    const s = parseInstant(env)!;
    expect(s[0]).toEqual({ labels: { pod: 'a' }, time: 10, value: 3 });
    expect(s[1]!.value).toBeNaN();
    expect(parseInstant({ resultType: 'scalar', warnings: [], result: [5, '2'] })).toEqual([{ labels: {}, time: 5, value: 2 }]);
    expect(parseInstant({ resultType: 'vector', warnings: [], result: [{ metric: {}, value: 'x' }] })).toBeUndefined();
  });
  test('labelKey is order-independent', () => {
    expect(labelKey({ b: '2', a: '1' })).toBe(labelKey({ a: '1', b: '2' }));
  });
});
