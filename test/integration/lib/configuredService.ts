/**
 * The service as a user runs it against their Prometheus: a YAML workload config in a directory,
 * read by the real loader, each workload collected from `promUrl` (no retries: a stopped server
 * fails each tick at once; the client's backoff is tested elsewhere), the classical models named,
 * a fake clock, nothing scheduled (the test ticks). And the backtest's decisions for comparison.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { forecastPass, planPass } from '../../../src/backtest/replay';
import { prometheusWorkloads, startService, type Service } from '../../../src/cli/serve';
import { loadConfig } from '../../../src/config/load';
import type { Decision } from '../../../src/domain/decision';
import type { Series } from '../../../src/domain/series';
import { backtestConfigOf, type WorkloadSpec } from '../../../src/engine/workloadEngine';
import { classicalForecasters } from '../../../src/forecast/models';
import { detectPeriodicity } from '../../../src/periodicity';

export const modelsNamed = (names: readonly string[]) => classicalForecasters().filter((f) => names.includes(f.name));

export async function startConfiguredService(opts: { dir: string; yaml: string; promUrl: string; models: readonly string[]; clock: () => number; timeoutMs?: number }): Promise<Service> {
  writeFileSync(path.join(opts.dir, 'workloads.yaml'), opts.yaml);
  const cfg = await loadConfig(path.join(opts.dir, 'workloads.yaml'));
  if (!cfg.ok) throw cfg.error;
  const source = { url: opts.promUrl, insecureSkipVerify: false, headers: {}, timeoutMs: opts.timeoutMs ?? 2000 };
  return startService({
    workloads: prometheusWorkloads(cfg.value, source, 1, { retries: 0 }),
    forecasters: modelsNamed(opts.models),
    clock: opts.clock,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
  });
}

/** What `prescale backtest` decides at every step of `series` for a workload with `spec`. */
export function backtestDecisions(spec: WorkloadSpec, series: Series, models: readonly string[]): Decision[] {
  const cfg = backtestConfigOf(spec);
  const pass = forecastPass(series, cfg, modelsNamed(models), detectPeriodicity);
  const out: Decision[] = [];
  planPass(series, pass, cfg, cfg.targetUtilization, (_i, d) => out.push(d));
  return out;
}
