import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReasonCode } from '../../../src/domain/decision';
import { describeIfAvailable, TRACES_DIR } from '../../lib/needs';
import { simulate, underProvisioned } from './simulate';

// Replays days 2-4 of a real request trace (NASA HTTP, July 1995, 1-minute steps) through
// the closed loop of simulate.ts. The forecast is a smoothed seasonal naive (the 15 minutes around
// the same time one day earlier) with an upper band at 1.5x: crude on purpose, so the guard has
// real misses to handle.
const FILE = path.join(TRACES_DIR, 'nasa_http_jul95_1min.csv');
const present = fs.existsSync(FILE);

const REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'Proactive', 'ReactiveHigher', 'Reactive', 'FallbackBurst', 'FallbackBandExceeded', 'FallbackForecastError', 'FallbackStaleData',
  'FallbackMissingData', 'FallbackWarmup', 'FallbackRecovering', 'ScaleDownStabilized', 'ScaleUpLimited', 'ScaleDownLimited',
  'BoundedMin', 'BoundedMax', 'ScheduleBound', 'ScaledToZero', 'Observer',
]);

describeIfAvailable('replay of a real trace (nasa_http_jul95_1min, 3 days)', present ? undefined : `${FILE} not found`, () => {
  if (!present) return;
  const rows = present ? fs.readFileSync(FILE, 'utf8').trim().split('\n').slice(1) : [];
  const times = rows.map((r) => Date.parse(r.split(',')[0] as string) / 1000);
  const values = rows.map((r) => Number(r.split(',')[1]));
  const start = times[0] as number;
  const at = (t: number): number => {
    const i = Math.round((t - start) / 60);
    return i >= 0 && i < values.length ? (values[i] as number) : NaN;
  };
  const DAY = 86_400;
  const steps = 3 * 1440; // days 2-4; day 1 is the forecaster's history
  const load = (t: number): number => at(t + DAY);
  // Mean of the 15 minutes around the same time one day earlier (load(t) is the trace at t + 1 day),
  // precomputed once.
  const smooth = values.map((_, i) => {
    let sum = 0;
    let n = 0;
    for (let k = Math.max(0, i - 7); k <= Math.min(values.length - 1, i + 7); k++) {
      const v = values[k] as number;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : 0;
  });
  const seasonalNaive = (t: number): number => smooth[Math.round((t - start) / 60)] ?? 0;
  const cfg = { capacityPerPod: 10, maxReplicas: 60, targetUtilisation: 0.8 };
  const common = { start: start, steps, load, forecastLoad: (t: number) => seasonalNaive(t), upperFactor: 1.5, initialPods: 5 };
  const auto = simulate({ ...common, cfg });
  const reactive = simulate({ ...common, cfg: { ...cfg, mode: 'reactive' } });

  it('every decision is within bounds, with a known reason and a message', () => {
    // One expect at the end (17k expects would cost more than the replay itself).
    const bad = auto.rows
      .map((r) => r.decision)
      .filter((d) => d.appliedReplicas < 1 || d.appliedReplicas > 60 || !REASONS.has(d.reason) || !d.reasons.every((x) => REASONS.has(x)) || d.message.length < 10);
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('asks for pods ahead of the load: fewer under-provisioned minutes than reactive scaling', () => {
    const perPod = 10 * 0.8;
    const a = underProvisioned(auto.rows, perPod);
    const r = underProvisioned(reactive.rows, perPod);
    const podMinutes = (xs: typeof auto.rows): number => xs.reduce((s, x) => s + x.current, 0);
    const share = (reason: string): string => ((auto.rows.filter((x) => x.decision.reasons[0]?.startsWith(reason)).length / steps) * 100).toFixed(1);
    console.log(
      `trace-replay: under-provisioned minutes auto ${a} vs reactive ${r} of ${steps}; pod-minutes auto ${podMinutes(auto.rows)} vs reactive ${podMinutes(reactive.rows)}; ` +
        `auto steps proactive ${share('Proactive')}%, reactive-higher ${share('ReactiveHigher')}%, fallback ${share('Fallback')}%`,
    );
    const counts = new Map<string, number>();
    for (const x of auto.rows) counts.set(x.decision.reasons[0] as string, (counts.get(x.decision.reasons[0] as string) ?? 0) + 1);
    console.log('trace-replay: first reasons', JSON.stringify([...counts]));
    expect(a).toBeLessThan(r);
  });
});
