/**
 * Starts a worker thread on one of our modules: the .ts source under tsx (tests, `npm start`),
 * the built .js otherwise.
 */
import path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** @param dir the module's directory (its __dirname); @param base its file name without extension. */
export function spawnModuleWorker(dir: string, base: string, workerData: unknown, fromTs: boolean, resourceLimits?: ResourceLimits): Worker {
  const file = path.join(dir, `${base}${fromTs ? '.ts' : '.js'}`);
  const code = `${fromTs ? "require('tsx/cjs');" : ''} require(${JSON.stringify(file)});`;
  return new Worker(code, { eval: true, workerData, ...(resourceLimits ? { resourceLimits } : {}) });
}
