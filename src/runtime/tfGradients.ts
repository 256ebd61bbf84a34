/**
 * The gradients the network's training needs (neuralTrain.ts), registered with tfjs-core.
 *
 * tf.ts loads `@tensorflow/tfjs-core` and its backends, not the `@tensorflow/tfjs` bundle
 * (14-18 MiB less in every thread that trains, see tf.ts). tfjs-core's CommonJS build registers
 * no gradients: the bundle does that, from ES modules that Node 20 cannot require. Training
 * differentiates only six kernels, from the variables to the loss:
 *
 *   loss = mean(|relu(x W1 + b1) W2 + b2 + x Ws - y|)
 *          Mean  Abs  Relu BatchMatMul, Add (broadcast bias), Sub
 *
 * so those six are registered here, each as the same sequence of tfjs ops as tfjs-core's own
 * gradient (tfjs-core src/gradients/*_grad.ts, 4.22), which keeps training bit-identical to the
 * bundle's (test/unit/neural/tfGradients.test.ts checks them against numeric differences, and
 * training against weights taken with the bundle). A kernel that already has a gradient (tfjs-node
 * loads the bundle, which registers all of them) is left alone.
 */
import type * as TfNamespace from '@tensorflow/tfjs-core';

type Tf = typeof TfNamespace;
type Tensor = TfNamespace.Tensor;

/**
 * Sums dy over the axes that broadcasting added to or stretched in `shape`, negates it for the
 * subtrahend of a Sub, and gives it that shape: e.g. a bias of shape [32] added to [128, 32] gets
 * dy summed over the 128 rows.
 */
function unbroadcast(tf: Tf, dy: Tensor, shape: number[], outShape: number[], negate = false): Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  const r = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(negate ? tf.neg(r) : r, shape);
}

function configs(tf: Tf): TfNamespace.GradConfig[] {
  const binary = (kernelName: string, negate: boolean): TfNamespace.GradConfig => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as Tensor[];
      const out = tf.backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
      return { a: () => unbroadcast(tf, dy as Tensor, a!.shape, out), b: () => unbroadcast(tf, dy as Tensor, b!.shape, out, negate) };
    },
  });
  return [
    binary(tf.Add, false),
    binary(tf.Sub, true),
    {
      kernelName: tf.BatchMatMul,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved as Tensor[];
        const d = dy as Tensor;
        const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
        // C = op(A) op(B): dA and dB for each of the four transpose settings.
        if (!transposeA && !transposeB) return { a: () => tf.matMul(d, b!, false, true), b: () => tf.matMul(a!, d, true, false) };
        if (!transposeA) return { a: () => tf.matMul(d, b!, false, false), b: () => tf.matMul(d, a!, true, false) };
        if (!transposeB) return { a: () => tf.matMul(b!, d, false, true), b: () => tf.matMul(a!, d, false, false) };
        return { a: () => tf.matMul(b!, d, true, true), b: () => tf.matMul(d, a!, true, true) };
      },
    },
    {
      kernelName: tf.Relu,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved as Tensor[];
        return { x: () => tf.mul(dy as Tensor, tf.cast(tf.step(x!), 'float32')) };
      },
    },
    {
      kernelName: tf.Abs,
      inputsToSave: ['x'],
      // d|x|/dx = 1 for x > 0, -1 otherwise (step with alpha -1).
      gradFunc: (dy, saved) => {
        const [x] = saved as Tensor[];
        return { x: () => tf.mul(dy as Tensor, tf.step(tf.cast(x!, 'float32'), -1)) };
      },
    },
    {
      kernelName: tf.Mean,
      inputsToSave: ['x'],
      // Every reduced element gets dy / (number of elements averaged).
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved as Tensor[];
        const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x!.shape);
        const reduceSize = axes.reduce((n, ax) => n * x!.shape[ax]!, 1);
        return {
          x: () => {
            const expanded = x!.shape.slice();
            for (const ax of axes) expanded[ax] = 1;
            return tf.div(tf.mul(tf.reshape(dy as Tensor, expanded), tf.ones(x!.shape, 'float32')), reduceSize);
          },
        };
      },
    },
  ];
}

/** Registers the training's gradients with this tfjs-core where none is registered yet. Idempotent. */
export function registerTrainingGradients(tf: Tf): void {
  for (const c of configs(tf)) {
    if (tf.getGradient(c.kernelName) === undefined) tf.registerGradient(c);
  }
}
