import type { FitContext, FittedModel, Forecaster } from '../types';
import { num, obj, unpackF64, pack } from '../snapshot';
import { checkHorizons, clampLoad } from './shared';

/** The period used: the explicit one, else the strongest detected one, else none. */
function periodOf(explicit: number | undefined, ctx: FitContext): number | null {
  const p = explicit ?? ctx.periods[0];
  if (p === undefined) return null;
  if (!Number.isInteger(p) || p < 1) {
    throw new RangeError(`seasonal-naive: period ${String(p)} is invalid; expected an integer number of samples >= 1`);
  }
  return p;
}

/**
 * Seasonal naive: y[t+h-k*P] for the smallest k with h <= k*P, i.e. the value one (or more)
 * periods back. E.g. P = 1440 (1-min data, daily): h = 10 -> y[t-1430]; h = 1500 -> y[t-1380].
 * Keeps a ring buffer of the last P values, so update() is O(1) and fit+update equals a fit on the
 * longer history exactly. fit O(P), predict O(#horizons).
 */
export function seasonalNaive(periodSamples?: number): Forecaster {
  return {
    name: 'seasonal-naive',
    minHistory(ctx: FitContext): number {
      return periodOf(periodSamples, ctx) ?? Number.POSITIVE_INFINITY;
    },
    fit(history: Float64Array, ctx: FitContext): FittedModel | null {
      const p = periodOf(periodSamples, ctx);
      if (p === null || history.length < p) return null;
      // ring[(head + j) % p] is y[t-p+1+j]: head points at the oldest kept value.
      return fitted(Float64Array.from(history.subarray(history.length - p)), 0);
    },
    restore(state: unknown): FittedModel {
      const o = obj(state, 'seasonal-naive');
      const ring = unpackF64(o.ring, 'seasonal-naive.ring');
      if (ring.length < 1) throw new RangeError('seasonal-naive.ring is empty, expected one period of samples');
      return fitted(ring, num(o.head, 'seasonal-naive.head', { integer: true, min: 0 }) % ring.length);
    },
  };
}

function fitted(ring: Float64Array, start: number): FittedModel {
  const p = ring.length;
  let head = start;
  return {
    name: 'seasonal-naive',
    update(y: number): void {
      ring[head] = y;
      head = (head + 1) % p;
    },
    predict(horizons: readonly number[]): Float64Array {
      checkHorizons('seasonal-naive', horizons);
      const out = new Float64Array(horizons.length);
      horizons.forEach((h, i) => {
        const back = Math.ceil(h / p) * p - h; // in [0, p-1]: samples back from the latest
        out[i] = clampLoad(ring[(head + p - 1 - back) % p] as number);
      });
      return out;
    },
    save: () => ({ ring: pack(ring), head }),
  };
}
