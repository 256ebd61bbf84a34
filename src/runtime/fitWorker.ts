/**
 * Edge: a refit thread (see fitPool.ts). Builds the same models as the service from their names,
 * then answers each FitRequest with computeFit's outcome as plain data (models as their save()
 * state). Pure computation otherwise: no clock, no files, no network.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { defaultForecasters } from '../cli/models';
import { computeFit, saveFitOutcome, type FitRequest } from '../forecast/online';
import { detectPeriodicity } from '../periodicity';
import { lowerThisThread, REFIT_NICE } from './priority';

interface Init {
  readonly models: readonly string[];
  readonly tfBackend?: string;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('fitWorker runs as a worker thread (see fitPool.ts)');
  const init = workerData as Init;
  lowerThisThread(REFIT_NICE);
  let forecasters;
  try {
    ({ forecasters } = await defaultForecasters({ seed: 1, models: init.models.join(','), tfBackend: init.tfBackend }));
  } catch (err) {
    port.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.on('message', (msg: { id: number; request: FitRequest }) => {
    try {
      const t0 = performance.now();
      const outcome = saveFitOutcome(computeFit(msg.request, forecasters, detectPeriodicity));
      port.postMessage({ id: msg.id, outcome, seconds: (performance.now() - t0) / 1000 });
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ type: 'ready', models: forecasters.map((f) => f.name) });
}

void main();
