import type { FitContext, FittedModel, Forecaster } from '../types';
import { decodeNum, encodeNum, obj } from '../snapshot';
import { checkHorizons, clampLoad } from './shared';

/**
 * Naive forecaster: every horizon gets the last observed value. The floor every other model must
 * beat at short horizons, and the fallback when history is a single sample.
 * fit O(1), update O(1), predict O(#horizons).
 */
export function naive(): Forecaster {
  return {
    name: 'naive',
    minHistory: (_ctx: FitContext) => 1,
    fit(history: Float64Array, _ctx: FitContext): FittedModel | null {
      if (history.length < 1) return null;
      return fitted(history[history.length - 1] as number);
    },
    restore(state: unknown): FittedModel {
      return fitted(decodeNum(obj(state, 'naive').last, 'naive.last'));
    },
  };
}

function fitted(latest: number): FittedModel {
  let last = latest;
  return {
    name: 'naive',
    update(y: number): void {
      last = y;
    },
    predict(horizons: readonly number[]): Float64Array {
      checkHorizons('naive', horizons);
      return new Float64Array(horizons.length).fill(clampLoad(last));
    },
    save: () => ({ last: encodeNum(last) }),
  };
}
