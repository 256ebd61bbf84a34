import { classicalForecasters } from '../../../src/forecast/models';
import { type ContractOptions, runForecasterContract } from './contract';

/**
 * Per-model contract expectations. Naive and seasonal naive keep raw values only, so fit+update is
 * exactly a longer fit. Holt-Winters and robust-stl estimate parameters and profiles only at fit(),
 * so update() is only required to stay finite. Periodic reproduction: exact (1e-6) for seasonal
 * naive and robust-stl (per-phase medians of a periodic series are the series), 1% for
 * Holt-Winters (its median-initialised seasonals are exact too, but the fitted trend may wander).
 */
const OPTIONS: Record<string, ContractOptions> = {
  naive: { updateEquivalence: 'exact' },
  'seasonal-naive': { updateEquivalence: 'exact', periodicTolerance: 1e-6, needsPeriod: true },
  'holt-winters': { updateEquivalence: 'finite', periodicTolerance: 0.01 },
  'robust-stl': { updateEquivalence: 'finite', periodicTolerance: 1e-6 },
};

describe('classicalForecasters', () => {
  test('has the four models with stable names', () => {
    expect(classicalForecasters().map((m) => m.name)).toEqual(['naive', 'seasonal-naive', 'holt-winters', 'robust-stl']);
  });
});

for (const f of classicalForecasters()) {
  const name = f.name;
  const make = () => classicalForecasters().find((m) => m.name === name)!;
  runForecasterContract(name, make, OPTIONS[name] ?? {});
}
