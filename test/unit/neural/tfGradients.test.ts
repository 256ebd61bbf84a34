import { createHash } from 'node:crypto';
import { trainMlp } from '../../../src/forecast/models/neuralTrain';
import { initTf, type Tf } from '../../../src/runtime/tf';
import { registerTrainingGradients } from '../../../src/runtime/tfGradients';

let tf: Tf;
beforeAll(async () => {
  tf = (await initTf('wasm')).tf;
});

/** Central differences of a scalar function of x, in float64 on the host. */
function numericGrad(f: (x: Float64Array) => number, x0: Float64Array, h = 1e-3): Float64Array {
  const g = new Float64Array(x0.length);
  for (let i = 0; i < x0.length; i++) {
    const up = Float64Array.from(x0);
    const down = Float64Array.from(x0);
    up[i]! += h;
    down[i]! -= h;
    g[i] = (f(up) - f(down)) / (2 * h);
  }
  return g;
}

describe('training gradients registered on tfjs-core', () => {
  // Each case: a scalar loss through some of the six kernels (with the broadcast and transpose
  // variants the training uses or tfjs allows), using only those six between x and the loss (a
  // weighting is a matMul with a column, a reduction a mean); its gradient by tf.grad against
  // central differences. Inputs stay away from relu's and abs's kinks (|x| >= 0.1), where the
  // difference quotient would straddle them.
  type T = ReturnType<Tf['tensor']>;
  const x0 = Float64Array.from([0.5, -0.7, 1.3, -0.2, 0.9, -1.1]);
  const C = () => tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const col3 = () => tf.tensor2d([[1], [-2], [3]]);
  const cases: [string, number[], (x: T) => T][] = [
    ['Add, x a bias broadcast over rows: mean((C + x[3]) w)', [3], (x) => tf.mean(tf.matMul(tf.add(C(), x), col3()))],
    ['Add, x the full operand: mean((x[2,3] + c[3]) w)', [2, 3], (x) => tf.mean(tf.matMul(tf.add(x, tf.tensor1d([1, -2, 3])), col3()))],
    ['Sub, x the subtrahend: mean((C - x) w)', [2, 3], (x) => tf.mean(tf.matMul(tf.sub(C(), x), col3()))],
    ['BatchMatMul: mean(x[2,3] B[3,2] w)', [2, 3], (x) => tf.mean(tf.matMul(tf.matMul(x, tf.tensor2d([[1, 2], [3, -4], [0.5, 6]])), tf.tensor2d([[1], [-3]])))],
    ['BatchMatMul, both transposed: mean(A^T x^T w)', [2, 3], (x) => tf.mean(tf.matMul(tf.matMul(tf.tensor2d([[1, 2], [3, -4], [0.5, 6]]), x, true, true), tf.tensor2d([[1], [-3]])))],
    ['BatchMatMul, x transposed: mean(x[3,2]^T B w)', [3, 2], (x) => tf.mean(tf.matMul(tf.matMul(x, tf.tensor2d([[1, 2], [3, -4], [0.5, 6]]), true, false), tf.tensor2d([[1], [-3]])))],
    ['Relu: mean(relu(x) w)', [2, 3], (x) => tf.mean(tf.matMul(tf.relu(x), col3()))],
    ['Abs, Sub (x the minuend) and Mean: mean(|x - c|), the loss itself', [6], (x) => tf.mean(tf.abs(tf.sub(x, tf.tensor1d([0.3, -0.6, 0.8, 0.4, -0.25, 0.15]))))],
    ['Mean over one axis: mean(mean(x[2,3], 0) w)', [2, 3], (x) => tf.mean(tf.matMul(tf.mean(x, 0, true), col3()))],
  ];
  test.each(cases)('%s', (_label, shape, f) => {
    const x = x0.subarray(0, shape.reduce((a, b) => a * b, 1));
    const leaf = (v: ArrayLike<number>) => tf.tensor(Float32Array.from(v), shape);
    const analytic = tf.tidy(() => tf.grad(f)(leaf(x)).dataSync());
    const numeric = numericGrad((v) => tf.tidy(() => f(leaf(v)).dataSync()[0]!), x);
    expect(analytic).toHaveLength(x.length);
    for (let i = 0; i < x.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i]!, 2);
    // Not all zero: a gradient that vanished would pass a loose comparison with small numbers.
    expect(Array.from(analytic).some((g) => Math.abs(g) > 0.05)).toBe(true);
  });

  test('registering again changes nothing (a gradient already there is kept)', () => {
    const before = tf.getGradient(tf.Mean);
    registerTrainingGradients(tf);
    expect(tf.getGradient(tf.Mean)).toBe(before);
  });

  test('training gives the weights the @tensorflow/tfjs bundle gave on the same backend', async () => {
    // The hashes were taken with @tensorflow/tfjs 4.22 (its own gradients) before prescale moved
    // to tfjs-core with these: the same data, seed and options, on wasm and on cpu.
    const expected: Record<string, string> = { wasm: 'ead809589baf931f', cpu: 'ab15a89f71a471bb' };
    const n = 1000;
    const d = 37;
    const k = 12;
    const X = new Float32Array(n * d);
    const Y = new Float32Array(n * k);
    let s = 12345;
    const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < X.length; i++) X[i] = r() * 2 - 1;
    for (let i = 0; i < Y.length; i++) Y[i] = r() - 0.5 + 0.3 * X[i % X.length]!;
    for (const backend of ['wasm', 'cpu'] as const) {
      const rt = await initTf(backend);
      const w = trainMlp(rt.tf, X, Y, n, d, k, { hidden: 32, steps: 100, batchSize: 128, learningRate: 0.01, seed: 7 });
      const h = createHash('sha256');
      for (const a of [w.w1, w.b1, w.w2, w.b2, w.ws]) h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
      expect(`${backend} ${h.digest('hex').slice(0, 16)}`).toBe(`${backend} ${expected[backend]}`);
    }
    await initTf('wasm');
  });

  test('training leaves no tensor behind, on either backend', async () => {
    // A leftover per training adds up in a refit thread that trains thousands of times: on wasm the
    // leftovers also pin the backend's heap, which never shrinks. Before the fix each training left
    // its five initial weight tensors.
    const n = 300;
    const d = 11;
    const k = 4;
    const X = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i));
    const Y = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i));
    for (const backend of ['wasm', 'cpu'] as const) {
      const rt = await initTf(backend);
      const before = rt.tf.memory();
      for (let seed = 1; seed <= 3; seed++) trainMlp(rt.tf, X, Y, n, d, k, { hidden: 8, steps: 20, batchSize: 64, learningRate: 0.01, seed });
      const after = rt.tf.memory();
      expect(`${backend}: ${after.numTensors} tensors, ${after.numBytes} bytes`).toBe(`${backend}: ${before.numTensors} tensors, ${before.numBytes} bytes`);
    }
    await initTf('wasm');
  });
});
