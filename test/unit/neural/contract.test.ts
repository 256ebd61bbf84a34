import { initTf, type Tf } from '../../../src/runtime/tf';
import { neuralForecaster } from '../../../src/forecast/models/neural';
import { runForecasterContract } from '../forecast/contract';

let tf: Tf | undefined;
beforeAll(async () => {
  tf = (await initTf()).tf;
});

/**
 * The shared Forecaster contract with the neural model. A reduced training budget (80 steps
 * instead of 600) keeps the ~40 fits fast: the contract checks behaviour, not accuracy.
 * fit + update() re-estimates nothing, so it is compared with a longer fit for finiteness only.
 */
runForecasterContract(
  'neural',
  () => {
    if (tf === undefined) throw new Error('tf not initialised: beforeAll(initTf) did not run');
    return neuralForecaster(tf, { steps: 80 });
  },
  { updateEquivalence: 'finite' },
);
