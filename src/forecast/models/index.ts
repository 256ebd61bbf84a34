import type { Forecaster } from '../types';
import { holtWinters } from './holtWinters';
import { naive } from './naive';
import { robustStl } from './robustStl';
import { seasonalNaive } from './seasonalNaive';

export { holtWinters, naive, robustStl, seasonalNaive };
export type { HoltWintersOptions } from './holtWinters';
export type { RobustStlOptions } from './robustStl';

/**
 * The classical models with default options, in a stable order and with stable names:
 * 'naive', 'seasonal-naive', 'holt-winters', 'robust-stl'.
 */
export function classicalForecasters(): Forecaster[] {
  return [naive(), seasonalNaive(), holtWinters(), robustStl()];
}
