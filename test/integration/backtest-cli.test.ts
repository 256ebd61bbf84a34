/**
 * `prescale backtest` end to end, as a user runs it: the real CLI in a child process, real files.
 * The trace is generated (seeded) into a temp dir: 4 days at 5 minutes, daily pattern and bursts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoSeries } from '../../src/demo/workload';

jest.setTimeout(240_000);

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'prescale.js');
let dir: string;

function writeTrace(name: string, n: number, mutate?: (lines: string[]) => void): string {
  const start = Date.UTC(2026, 0, 5) / 1000;
  const v = demoSeries(start, 300, n, { seed: 11, peak: 500, burstsPerWeek: 3 });
  const lines = ['timestamp,value', ...Array.from(v, (x, i) => `${new Date((start + i * 300) * 1000).toISOString()},${x.toFixed(3)}`)];
  mutate?.(lines);
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const N = 4 * 288;
const COMMON = ['--cold-start', '10m', '--capacity', '50', '--quiet'];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'prescale-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prescale backtest', () => {
  let full: string;
  beforeAll(() => {
    const trace = writeTrace('trace.csv', N);
    full = path.join(dir, 'full');
    const r = run(['backtest', trace, ...COMMON, '--out', full]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^policy +overloaded/m);
  });

  it('writes forecasts.csv with a row per origin and horizon after warm-up', () => {
    const lines = readFileSync(path.join(full, 'forecasts.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('origin,horizon_s,p50,p90');
    // Warm-up is half an hour (6 samples at 5 min): forecasts from the 6th sample on, two horizons each.
    expect(lines.length - 1).toBe((N - 5) * 2);
    for (const l of lines.slice(1, 200)) {
      const [, h, p50, p90] = l.split(',');
      expect(['600', '3600']).toContain(h);
      expect(Number(p90)).toBeGreaterThanOrEqual(Number(p50));
    }
  });

  it('writes decisions.csv with one row for every step, reactive while history is short', () => {
    const lines = readFileSync(path.join(full, 'decisions.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp,replicas,mode,reason');
    expect(lines.length - 1).toBe(N);
    expect(lines[1]).toMatch(/,reactive,Fallback/);
    expect(lines.slice(1).some((l) => l.includes(',proactive,'))).toBe(true);
  });

  it('writes the summary with prescale, HPA and oracle scores, and a report page', () => {
    const s = JSON.parse(readFileSync(path.join(full, 'summary.json'), 'utf8'));
    for (const k of ['prescale', 'hpa', 'oracle']) {
      expect(s.scores[k].overloadedShare).toBeGreaterThanOrEqual(0);
      expect(s.scores[k].cost).toBeGreaterThan(0);
    }
    expect(s.scores.oracle.overloadedShare).toBe(0);
    expect(s.scores.oracle.cost).toBeLessThanOrEqual(s.scores.hpa.cost);
    expect(readFileSync(path.join(full, 'report.html'), 'utf8')).toMatch(/<svg/);
  });

  it('is causal: the first 60% of the trace gives exactly the same rows for those steps', () => {
    const cut = Math.floor(N * 0.6);
    const prefix = writeTrace('prefix.csv', N, (lines) => lines.splice(cut + 1));
    const out = path.join(dir, 'prefix');
    expect(run(['backtest', prefix, ...COMMON, '--out', out]).code).toBe(0);
    for (const f of ['forecasts.csv', 'decisions.csv']) {
      const a = readFileSync(path.join(full, f), 'utf8').trim().split('\n');
      const b = readFileSync(path.join(out, f), 'utf8').trim().split('\n');
      const lastT = b[b.length - 1]!.split(',')[0]!;
      const aPrefix = a.filter((l) => l.split(',')[0]! <= lastT || l.startsWith('origin') || l.startsWith('timestamp'));
      expect(b.length).toBeGreaterThan(100);
      expect(b).toEqual(aPrefix);
    }
  });

  it('is deterministic: a second run gives identical files', () => {
    const trace = path.join(dir, 'trace.csv');
    const again = path.join(dir, 'again');
    expect(run(['backtest', trace, ...COMMON, '--out', again]).code).toBe(0);
    for (const f of ['forecasts.csv', 'decisions.csv']) {
      expect(readFileSync(path.join(again, f), 'utf8')).toBe(readFileSync(path.join(full, f), 'utf8'));
    }
  });
});

describe('prescale backtest errors', () => {
  it.each([
    ['a malformed value', (l: string[]) => (l[10] = '2026-01-05T00:45:00.000Z,lots'), /line 11: value "lots": expected a number/],
    ['an irregular step', (l: string[]) => (l[20] = '2026-01-05T01:37:00.000Z,5'), /line 21: timestamp .* expected a positive multiple of the 300 s step/],
    ['a bad header', (l: string[]) => (l[0] = 'time,load'), /line 1: header is "time,load": expected "timestamp,value"/],
  ])('names the line and the problem for %s', (_name, mutate, msg) => {
    const trace = writeTrace(`bad-${_name.replace(/ /g, '-')}.csv`, 400, mutate);
    const r = run(['backtest', trace, ...COMMON, '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('rejects a trace shorter than a day', () => {
    const trace = writeTrace('short.csv', 100);
    const r = run(['backtest', trace, ...COMMON, '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too short: 100 samples of 300 s; a backtest needs at least one day \(289 samples\)/);
  });

  it.each([
    [['--cold-start', 'soon'], /--cold-start "soon": expected a duration like 90s, 10m/],
    [['--capacity', '-3'], /--capacity "-3": expected a load per pod > 0/],
    [['--target-utilization', '70'], /--target-utilization "70": expected a fraction in \(0, 1\]/],
    [['--frobnicate'], /unknown flag --frobnicate: expected one of/],
  ])('rejects bad flags: %j', (extra, msg) => {
    const trace = writeTrace('ok.csv', 300);
    const args = ['backtest', trace, '--cold-start', '10m', '--capacity', '50', '--out', path.join(dir, 'x')];
    const i = args.indexOf(extra[0]!);
    if (i >= 0) args.splice(i, 2, ...extra);
    else args.push(...extra);
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});
