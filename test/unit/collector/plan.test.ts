import fc from 'fast-check';
import { backoffDelay, chunkRange, parseRetryAfter, PROMETHEUS_MAX_POINTS } from '../../../src/collector/plan';
import { mulberry32 } from '../../../src/util/rng';

describe('chunkRange', () => {
  test('7 days at 60 s fits one request; at 30 s it takes two', () => {
    const start = 1_736_121_600;
    expect(chunkRange(start, start + 7 * 86400, 60)).toEqual({ points: 10_081, chunks: [{ start, end: start + 10_080 * 60, offset: 0, points: 10_081 }] });
    const r = chunkRange(start, start + 7 * 86400, 30);
    expect(r.points).toBe(20_161);
    expect(r.chunks.map((c) => c.points)).toEqual([11_000, 9_161]);
    expect(r.chunks[1]!.start).toBe(r.chunks[0]!.end + 30);
  });
  test('an end off the grid is floored to the last grid point', () => {
    expect(chunkRange(0, 125, 60)).toEqual({ points: 3, chunks: [{ start: 0, end: 120, offset: 0, points: 3 }] });
  });
  test('invalid ranges throw RangeError naming the values', () => {
    expect(() => chunkRange(10, 0, 60)).toThrow('start 10, end 0, step 60');
    expect(() => chunkRange(0, 10, 0)).toThrow(RangeError);
  });
  test('property: chunks tile the grid exactly and respect the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 500, max: PROMETHEUS_MAX_POINTS }), (start, step, n, max) => {
        const end = start + (n - 1) * step;
        const { points, chunks } = chunkRange(start, end, step, max);
        expect(points).toBe(n);
        let next = 0;
        for (const c of chunks) {
          expect(c.offset).toBe(next);
          expect(c.points).toBeLessThanOrEqual(max);
          // Prometheus' own check: (end - start) / step <= 11000.
          expect((c.end - c.start) / step).toBeLessThanOrEqual(PROMETHEUS_MAX_POINTS);
          expect(c.start).toBe(start + c.offset * step);
          next += c.points;
        }
        expect(next).toBe(n);
      }),
      { numRuns: 200 },
    );
  });
});

describe('backoffDelay', () => {
  const opts = { baseDelayMs: 250, maxDelayMs: 8000 };
  test('equal jitter: half fixed, half random, doubling, capped', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(125);
    expect(backoffDelay(0, opts, () => 0.999999)).toBeCloseTo(250, 2);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(750);
    expect(backoffDelay(10, opts, () => 1)).toBe(8000);
  });
  test('Retry-After is a floor, still capped', () => {
    expect(backoffDelay(0, opts, () => 0, 3000)).toBe(3000);
    expect(backoffDelay(0, opts, () => 0, 60_000)).toBe(8000);
  });
  test('seeded jitter is reproducible and spreads', () => {
    const a = [0, 1, 2, 3].map((i) => backoffDelay(i, opts, mulberry32(7)));
    const b = [0, 1, 2, 3].map((i) => backoffDelay(i, opts, mulberry32(7)));
    expect(a).toEqual(b);
    const r = mulberry32(1);
    const ds = Array.from({ length: 50 }, () => backoffDelay(1, opts, r));
    expect(Math.min(...ds)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...ds)).toBeLessThan(500);
    expect(new Set(ds).size).toBeGreaterThan(40);
  });
  test('parseRetryAfter', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:05 GMT', 1000)).toBe(4000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
