/**
 * Writes the committed fixtures (seeded, reproducible): `npm run fixtures`.
 * Never copies the real traces; those are read from ../shared/data/traces at test time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoSeries } from '../src/demo/workload';

const out = path.join(__dirname, '..', 'fixtures');
mkdirSync(out, { recursive: true });

function write(name: string, start: number, step: number, values: Float64Array, digits = 2): void {
  const lines = ['timestamp,value'];
  values.forEach((v, i) => lines.push(`${new Date((start + i * step) * 1000).toISOString().replace('.000Z', 'Z')},${v.toFixed(digits)}`));
  writeFileSync(path.join(out, name), `${lines.join('\n')}\n`);
  process.stdout.write(`fixtures/${name}: ${values.length} samples\n`);
}

// 2026-01-05 is a Monday.
const start = Date.UTC(2026, 0, 5) / 1000;
// 10 days at 1 minute: daily pattern, weekend, ramps, bursts. The main backtest fixture.
write('inference-10d-1min.csv', start, 60, demoSeries(start, 60, 10 * 1440, { seed: 42, peak: 1200, burstsPerWeek: 2 }));
// 3 weeks at 5 minutes: enough to see the weekly pattern.
write('inference-21d-5min.csv', start, 300, demoSeries(start, 300, 21 * 288, { seed: 7, peak: 300, burstsPerWeek: 1 }));
