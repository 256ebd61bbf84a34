import * as fs from 'fs';
import * as path from 'path';
import { describeIfAvailable, TRACES_DIR, tracesMissing } from '../../lib/needs';
import { DEFAULT_MIN_STRENGTH, detectPeriodicity } from '../../../src/periodicity/detect';

/**
 * The 20 real dev traces against manifest.json's `periodicity` class. That class follows the
 * manifest's daily seasonal strength (none < 0.3 <= weak < 0.6 <= strong on all 20), so:
 * - strong: must be periodic with a daily period;
 * - none: must be aperiodic, or have no daily period >= 0.3 (a weekly or other cycle found is
 *   printed: the tweet traces have a weekday/weekend pattern under their spikes, and the ASG
 *   trace a real hourly CPU spike);
 * - weak: printed only.
 */
const DIR = TRACES_DIR;
const present = tracesMissing() === undefined;

interface Entry {
  readonly id: string;
  readonly file: string;
  readonly step_s: number;
  readonly periodicity: 'strong' | 'weak' | 'none';
  readonly seasonal_strength_day: number | null;
}

function readValues(file: string): Float64Array {
  const lines = fs.readFileSync(path.join(DIR, file), 'utf8').trim().split(/\r?\n/);
  const out = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) out[i - 1] = Number(lines[i]!.slice(lines[i]!.indexOf(',') + 1));
  return out;
}

const entries: Entry[] = present ? JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) : [];

describeIfAvailable('detectPeriodicity on the dev traces', tracesMissing(), () => {
  const lines: string[] = [];
  afterAll(() => console.log(lines.join('\n')));

  it.each(entries.map((e) => [e.id, e] as const))('%s matches its manifest class', (_id, e) => {
    const r = detectPeriodicity(readValues(e.file), e.step_s);
    const daily = r.periods.find((p) => p.label === 'daily');
    lines.push(`${e.id} [${e.periodicity}, manifest daily ${e.seasonal_strength_day}]: ${r.reason}`);
    if (e.periodicity === 'strong') {
      expect(r.periodic).toBe(true);
      expect(daily?.samples).toBe(Math.round(86400 / e.step_s));
      expect(daily!.strength).toBeGreaterThanOrEqual(DEFAULT_MIN_STRENGTH);
    } else if (e.periodicity === 'none') {
      expect(daily).toBeUndefined();
      if (!r.periodic) expect(r.reason).toMatch(/^aperiodic: /);
    }
  });
});
