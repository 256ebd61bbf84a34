/**
 * Edge: a refit thread (see fitPool.ts). Builds the same models as the service from their names,
 * then answers each FitRequest with computeFit's outcome as plain data (models as their save()
 * state). Pure computation otherwise: no clock, no files, no network.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { defaultForecasters } from '../cli/models';
import { computeFit, saveFitOutcome, type FitRequest } from '../forecast/online';
import { detectPeriodicity } from '../periodicity';
import { lowerThisThread, REFIT_NICE } from './priority';
import { wasmMemoryBytes } from './tf';

/** A refit thread idle this long runs a full collection (below). */
const IDLE_MS = 1000;

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
  // Once idle (no request for IDLE_MS), a full collection: a burst of refits leaves tens of MB of
  // garbage that this heap would otherwise keep until its next refit. V8's gc is exposed by a flag
  // set at run time (worker threads take no V8 flags of their own). The heap's size after it is
  // reported: a worker's heap shows nowhere else (process.memoryUsage() covers the main thread's),
  // and so is the wasm backend's memory, which V8's statistics leave out and which never shrinks.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const collect = () => {
    gc();
    port.postMessage({ type: 'heap', bytes: v8.getHeapStatistics().total_heap_size, wasmBytes: wasmMemoryBytes() });
  };
  let idle: NodeJS.Timeout | undefined;
  port.on('message', (msg: { id: number; request: FitRequest }) => {
    clearTimeout(idle);
    try {
      const t0 = performance.now();
      const outcome = saveFitOutcome(computeFit(msg.request, forecasters, detectPeriodicity));
      port.postMessage({ id: msg.id, outcome, seconds: (performance.now() - t0) / 1000 });
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
    idle = setTimeout(collect, IDLE_MS);
  });
  port.postMessage({ type: 'ready', models: forecasters.map((f) => f.name) });
}

void main();
