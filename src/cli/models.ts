/** Builds the model set for the CLI and the service: the classical models, plus the network when TensorFlow.js loads. */
import { classicalForecasters } from '../forecast/models';
import { neuralForecaster } from '../forecast/models/neural';
import type { Forecaster } from '../forecast/types';
import { initTf, lazyTf, type TfPreference } from '../runtime/tf';
import { UsageError } from './args';

export const MODEL_NAMES = ['naive', 'seasonal-naive', 'holt-winters', 'robust-stl', 'neural'] as const;

/**
 * `lazyTf`: TensorFlow.js is loaded only when a fit in this thread first needs it (the service's
 * engine thread, when the refits run on refit threads: src/runtime/tf.ts, lazyTf); the forecasters'
 * prepare() loads it. Otherwise it is loaded here, and a backend that cannot start is an error.
 */
export async function defaultForecasters(opts: { seed: number; models?: string | undefined; tfBackend?: string | undefined; lazyTf?: boolean }): Promise<{ forecasters: Forecaster[]; notes: string[] }> {
  const wanted = opts.models ? opts.models.split(',').map((s) => s.trim()) : [...MODEL_NAMES];
  for (const w of wanted) {
    if (!(MODEL_NAMES as readonly string[]).includes(w)) throw new UsageError(`--models: unknown model "${w}": expected some of ${MODEL_NAMES.join(', ')}`);
  }
  const notes: string[] = [];
  const forecasters = classicalForecasters().filter((f) => wanted.includes(f.name));
  if (wanted.includes('neural')) {
    const pref = (opts.tfBackend ?? 'auto') as TfPreference;
    if (!['auto', 'node', 'wasm', 'cpu'].includes(pref)) throw new UsageError(`--tf-backend "${pref}": expected auto, node, wasm or cpu`);
    if (opts.lazyTf) {
      notes.push(`tfjs backend: ${pref}, loaded in this thread when a fit here first needs it`);
      forecasters.push(neuralForecaster(lazyTf(pref)));
    } else {
      const rt = await initTf(pref);
      notes.push(`tfjs backend: ${rt.backend}`);
      forecasters.push(neuralForecaster(rt.tf));
    }
  }
  notes.push(`models: ${forecasters.map((f) => f.name).join(', ')}`);
  return { forecasters, notes };
}
