import { demoSpec, startService, type Service } from '../../../src/cli/serve';
import type { LoadSource } from '../../../src/engine/sources';
import { classicalForecasters } from '../../../src/forecast/models';

/**
 * The demo workload served on an ephemeral loopback port, driven by the test's clock (no cron
 * task: the test ticks), with one day of history and the two cheapest models: for the suites that
 * check what the service exports rather than how well it forecasts.
 */
export function startDemoService(source: LoadSource, clock: () => number, extra: { version?: string } = {}): Promise<Service> {
  return startService({
    workloads: [{ spec: { ...demoSpec(1), historySeconds: 86400 }, source }],
    forecasters: classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'seasonal-naive'),
    clock,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    ...extra,
  });
}
