/**
 * The R peer (bench/peers/stlf.R via bench/peers/stlf.ts) on a small seeded series: output shape,
 * causality (data after an origin never changes that origin's forecast) and the cache.
 * Skips with a note when Rscript or R's forecast package is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStlf, stlfAvailable } from '../../../bench/peers/stlf';
import { describeIfAvailable } from '../../lib/needs';
import { gaussian, mulberry32 } from '../../../src/util/rng';

const avail = stlfAvailable();

const STEP = 300;
const SPD = 288;
const START = 1_400_000_000 - (1_400_000_000 % 3600);

/** 3 days at 300 s: a daily sine around 100 (amplitude 40) plus N(0, 3) noise, seeded. */
function trace(seed: number, alterAfter?: number): string {
  const rand = mulberry32(seed);
  const lines = ['timestamp,value'];
  for (let i = 0; i < 3 * SPD; i++) {
    let v = 100 + 40 * Math.sin((2 * Math.PI * i) / SPD) + 3 * gaussian(rand);
    if (alterAfter !== undefined && i > alterAfter) v += 500;
    lines.push(`${new Date((START + i * STEP) * 1000).toISOString().replace('.000Z', 'Z')},${v.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

describeIfAvailable('stlf peer', avail.ok ? undefined : avail.why, () => {
  const dir = mkdtempSync(join(tmpdir(), 'prescale-stlf-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Origin 0 has exactly 2 days of history + 1 sample; the one 1 h before 2 days is skipped.
  const origins = [START + 2 * 86400 - 3600, START + 2 * 86400, START + 2 * 86400 + 3600];

  it('forecasts each origin with 2+ days of history, p90 above p50, causally, and caches', () => {
    writeFileSync(join(dir, 'a.csv'), trace(7));
    const a = runStlf(join(dir, 'a.csv'), 'a', origins, [600, 3600], join(dir, 'cache'));
    expect(a.cached).toBe(false);
    expect(a.rows.map((r) => [r.origin - START, r.horizonS])).toEqual([
      [172800, 600], [172800, 3600], [176400, 600], [176400, 3600],
    ]);
    for (const r of a.rows) {
      expect(r.upper).toBeGreaterThan(r.p50);
      // The truth at the target is 100 + 40 sin(.) +- noise: a sane stlf is within 20 of it.
      const i = (r.origin + r.horizonS - START) / STEP;
      expect(Math.abs(r.p50 - (100 + 40 * Math.sin((2 * Math.PI * i) / SPD)))).toBeLessThan(20);
    }
    const again = runStlf(join(dir, 'a.csv'), 'a', origins, [600, 3600], join(dir, 'cache'));
    expect(again.cached).toBe(true);
    expect(again.rows).toEqual(a.rows);

    // Same data up to and including the first forecast origin, +500 after it.
    writeFileSync(join(dir, 'b.csv'), trace(7, 2 * SPD));
    const b = runStlf(join(dir, 'b.csv'), 'b', origins, [600, 3600], join(dir, 'cache'));
    expect(b.cached).toBe(false);
    expect(b.rows.filter((r) => r.origin === origins[1])).toEqual(a.rows.filter((r) => r.origin === origins[1]));
    expect(b.rows.find((r) => r.origin === origins[2])?.p50).not.toBeCloseTo(a.rows.find((r) => r.origin === origins[2])?.p50 ?? 0, 0);
  }, 30_000);
});
