import { initTf, type Tf } from '../../../src/runtime/tf';
import { horizonGrid, reach, windowLength, windowShape } from '../../../src/forecast/models/neuralFeatures';
import { forward, initWeights } from '../../../src/forecast/models/neuralNet';
import { shuffleInto } from '../../../src/forecast/models/neuralTrain';
import { mulberry32 } from '../../../src/util/rng';

let tf: Tf;
beforeAll(async () => {
  tf = (await initTf()).tf;
});

describe('horizonGrid', () => {
  test.each([
    [1, [1]],
    [12, [1, 2, 5, 10, 12]],
    [60, [1, 2, 5, 10, 20, 30, 60]],
    [90, [1, 2, 5, 10, 20, 30, 60, 90]],
    [600, [1, 2, 5, 10, 20, 30, 60, 120, 240, 480, 600]],
  ])('maxHorizon %p -> %p', (max, grid) => {
    expect(horizonGrid(max)).toEqual(grid);
  });
});

describe('window shape and reach', () => {
  test.each([
    // [step s, expected raw, blocks, block size, window samples]
    [60, 12, 12, 9, 120], // 2 h at 1 min
    [300, 12, 12, 1, 24], // 2 h at 5 min
    [3600, 6, 6, 1, 12], // hourly data: at least 12 samples
  ])('step %p s', (step, raw, blocks, size, total) => {
    const s = windowShape(step, 7200);
    expect([s.recentRaw, s.blocks, s.blockSize]).toEqual([raw, blocks, size]);
    expect(windowLength(s)).toBe(total);
  });

  test('reach covers the window, the baseline one period ago and the lag means', () => {
    const shape = windowShape(60, 7200);
    // Lag of h = 1 is centred 1439 back, +2 half-width -> 1441; baseline 1440 + 5 - 1 = 1444.
    expect(reach(shape, [1440], [1, 60], 5, 2)).toBe(1444);
    expect(reach(shape, [], [1, 60], 5, 2)).toBe(119);
    // A period shorter than the horizon: h = 60, p = 25 -> shift 75, centre 15 back; window wins.
    expect(reach(shape, [25], [60], 1, 0)).toBe(119);
  });
});

describe('plain JS forward pass', () => {
  test('matches TensorFlow.js on the same weights (row-major layout)', () => {
    const rand = mulberry32(3);
    const net = initWeights(7, 5, 3, rand);
    // Non-zero skip and biases so every term is exercised.
    net.ws.forEach((_, i) => (net.ws[i] = rand() - 0.5));
    net.b1.forEach((_, i) => (net.b1[i] = rand() - 0.5));
    net.b2.forEach((_, i) => (net.b2[i] = rand() - 0.5));
    const x = Float64Array.from({ length: 7 }, () => 2 * rand() - 1);
    const out = new Float64Array(3);
    forward(net, x, out, new Float64Array(5));
    const expected = tf.tidy(() => {
      const xt = tf.tensor2d(Float32Array.from(x), [1, 7]);
      const hid = tf.relu(tf.add(tf.matMul(xt, tf.tensor2d(net.w1, [7, 5])), tf.tensor1d(net.b1)));
      return tf.add(tf.add(tf.matMul(hid, tf.tensor2d(net.w2, [5, 3])), tf.tensor1d(net.b2)), tf.matMul(xt, tf.tensor2d(net.ws, [7, 3]))).dataSync();
    });
    Array.from(expected).forEach((v, k) => expect(out[k]).toBeCloseTo(v, 5));
  });
});

describe('seeded shuffle', () => {
  test('is a permutation, reproducible for a seed', () => {
    const a = new Int32Array(50);
    const b = new Int32Array(50);
    shuffleInto(a, mulberry32(1));
    shuffleInto(b, mulberry32(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
