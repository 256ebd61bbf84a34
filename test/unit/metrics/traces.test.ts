import { describeIfAvailable, TRACES_DIR, tracesMissing } from '../../lib/needs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest, loadTrace, scoredOrigins } from '../../../bench/lib/traces';
import type { Series } from '../../../src/domain/series';

const series = (start: number, step: number, n: number): Series => ({ start, step, values: new Float64Array(n) });

describe('scoredOrigins (hourly from day 2)', () => {
  it('3 days at 300 s: 24 origins from start + 2 days', () => {
    // 864 samples, last sample time 863 * 300 = 258900; origins 172800, 176400, ..., 255600.
    const o = scoredOrigins(series(0, 300, 864), 2 * 86400, 3600);
    expect(o.length).toBe(24);
    expect(o[0]).toBe(172800);
    expect(o[23]).toBe(255600);
  });

  it('is relative to the trace start, not to the clock hour', () => {
    // NAB traces start at e.g. 00:04; origins keep that minute offset.
    const start = 1397088240; // 2014-04-10T00:04:00Z
    const o = scoredOrigins(series(start, 300, 2 * 288 + 13), 2 * 86400, 3600);
    expect(o).toEqual([start + 172800, start + 176400]); // 2 * 288 + 12 is the last sample index
  });

  it('none when the series is shorter than 2 days', () => {
    expect(scoredOrigins(series(0, 60, 2 * 1440), 2 * 86400, 3600)).toEqual([]);
  });

  it('rejects a cadence that is not a multiple of the step', () => {
    expect(() => scoredOrigins(series(0, 7 * 60, 10), 0, 3600)).toThrow(/everyS 3600 is not a multiple of the step 420/);
  });
});

describe('loadManifest / loadTrace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prescale-traces-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the entry and field of an invalid manifest', () => {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ id: 'a', file: 'a.csv', step_s: 60, n: 3, periodicity: 'sometimes' }]));
    expect(() => loadManifest(dir)).toThrow(/manifest\.json: 0\.periodicity/);
  });

  it('loads a trace and names the file on a parse error', () => {
    writeFileSync(join(dir, 'ok.csv'), 'timestamp,value\n1970-01-01T00:00:00Z,1\n1970-01-01T00:01:00Z,2\n1970-01-01T00:03:00Z,4\n');
    const s = loadTrace(join(dir, 'ok.csv'));
    expect([s.start, s.step, Array.from(s.values)]).toEqual([0, 60, [1, 2, Number.NaN, 4]]);
    writeFileSync(join(dir, 'bad.csv'), 'time,value\n0,1\n');
    expect(() => loadTrace(join(dir, 'bad.csv'))).toThrow(/bad\.csv: .*header/);
  });
});

const TRACES = TRACES_DIR;

describeIfAvailable('the dev traces', tracesMissing(), () => {
  it('every manifest entry loads with its step and length', () => {
    const m = loadManifest(TRACES);
    expect(m.length).toBeGreaterThan(0);
    for (const e of m) {
      const s = loadTrace(join(TRACES, e.file));
      expect([e.id, s.step, s.values.length]).toEqual([e.id, e.step_s, e.n]);
    }
  });
});
