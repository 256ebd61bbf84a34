/**
 * Synchronous training of the MLP in neuralNet.ts with TensorFlow.js (Adam on an L1 loss, as MAE
 * is what we score). `optimizer.minimize` is synchronous on the cpu and wasm backends (and on
 * tfjs-node), so fit() can stay synchronous; tf is passed in, the pure core never imports a runtime.
 *
 * Deterministic for a given seed on a given backend: weights start from a seeded JS initialiser,
 * mini-batches follow a seeded Fisher-Yates shuffle, and the backends reduce in a fixed order.
 * Different backends may differ in the last float bits.
 */
import type * as TfNamespace from '@tensorflow/tfjs-core';
import { mulberry32 } from '../../util/rng';
import { initWeights, type MlpWeights } from './neuralNet';

type Tf = typeof TfNamespace;

export interface TrainOptions {
  readonly hidden: number;
  /** Optimiser steps in total (mini-batches), split into whole epochs. */
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

/** Seeded Fisher-Yates shuffle of 0..n-1 into `perm`. O(n). */
export function shuffleInto(perm: Int32Array, rand: () => number): void {
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
}

/**
 * Trains on rows X[n][d] -> Y[n][k] (row-major Float32Arrays) and returns the weights as plain
 * arrays; every tensor it made is disposed. O(steps x batch x d x hidden) on the backend.
 * The learning rate decays linearly to 10% over the run: big steps early, fine-tuning late.
 */
export function trainMlp(tf: Tf, X: Float32Array, Y: Float32Array, n: number, d: number, k: number, opts: TrainOptions): MlpWeights {
  const rand = mulberry32(opts.seed);
  const init = initWeights(d, opts.hidden, k, rand);
  const h = opts.hidden;
  // A variable shares its initial tensor's data and adds a reference to it: the initial tensor is
  // disposed here, or each training would leave five tensors behind. On the wasm backend those
  // small leftovers also pinned the heap between the large per-fit buffers, so a refit thread's
  // WebAssembly memory (which never shrinks) grew with every training.
  const variable = (t: TfNamespace.Tensor): TfNamespace.Variable => {
    const v = tf.variable(t);
    t.dispose();
    return v;
  };
  const w1 = variable(tf.tensor2d(init.w1, [d, h]));
  const b1 = variable(tf.tensor1d(init.b1));
  const w2 = variable(tf.tensor2d(init.w2, [h, k]));
  const b2 = variable(tf.tensor1d(init.b2));
  const ws = variable(tf.tensor2d(init.ws, [d, k]));
  const vars = [w1, b1, w2, b2, ws];
  const xs = tf.tensor2d(X, [n, d]);
  const ys = tf.tensor2d(Y, [n, k]);
  const optimizer = tf.train.adam(opts.learningRate);
  const batch = Math.min(opts.batchSize, n);
  const perBatch = Math.ceil(n / batch);
  const perm = new Int32Array(n);
  try {
    let step = 0;
    while (step < opts.steps) {
      shuffleInto(perm, rand);
      for (let b = 0; b < perBatch && step < opts.steps; b++, step++) {
        // Adam reads learningRate at every apply; it is a protected field in the typings.
        (optimizer as unknown as { learningRate: number }).learningRate =
          opts.learningRate * (1 - (0.9 * step) / opts.steps);
        const idx = tf.tensor1d(perm.subarray(b * batch, Math.min(n, (b + 1) * batch)), 'int32');
        optimizer.minimize(
          () => {
            const xb = tf.gather(xs, idx);
            const yb = tf.gather(ys, idx);
            const hid = tf.relu(tf.add(tf.matMul(xb, w1), b1));
            const pred = tf.add(tf.add(tf.matMul(hid, w2), b2), tf.matMul(xb, ws));
            return tf.mean(tf.abs(tf.sub(pred, yb))) as TfNamespace.Scalar;
          },
          false,
          vars,
        );
        idx.dispose();
      }
    }
    return {
      inputs: d,
      hidden: h,
      outputs: k,
      w1: Float32Array.from(w1.dataSync()),
      b1: Float32Array.from(b1.dataSync()),
      w2: Float32Array.from(w2.dataSync()),
      b2: Float32Array.from(b2.dataSync()),
      ws: Float32Array.from(ws.dataSync()),
    };
  } finally {
    optimizer.dispose();
    for (const v of vars) v.dispose();
    xs.dispose();
    ys.dispose();
  }
}
