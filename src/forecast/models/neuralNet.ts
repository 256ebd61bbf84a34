/**
 * The network as plain arrays, and its forward pass in plain JavaScript (no TensorFlow.js call),
 * so one prediction costs ~d x (hidden + outputs) multiply-adds (1-min daily: 37 x 39 ~ 1.4k: a few microseconds).
 *
 *   out = relu(x W1 + b1) W2 + b2 + x Ws
 *
 * The linear skip Ws lets the net express "seasonal lag minus its level" corrections directly;
 * the hidden layer adds the non-linear part (e.g. different behaviour at night and at peak).
 * Matrices are row-major: W1 is [inputs][hidden], W2 is [hidden][outputs], Ws is [inputs][outputs].
 */
export interface MlpWeights {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  readonly ws: Float32Array;
}

/** Expected length of each weight array, in MlpWeights field order (used to validate imports). */
export function weightShapes(inputs: number, hidden: number, outputs: number): Record<'w1' | 'b1' | 'w2' | 'b2' | 'ws', number> {
  return { w1: inputs * hidden, b1: hidden, w2: hidden * outputs, b2: outputs, ws: inputs * outputs };
}

/**
 * Forward pass for one input row x (length `inputs`), writing `outputs` values into out.
 * `hiddenScratch` (length `hidden`) avoids an allocation per call. O(inputs x (hidden + outputs)).
 */
export function forward(net: MlpWeights, x: ArrayLike<number>, out: Float64Array, hiddenScratch: Float64Array): void {
  const { inputs, hidden, outputs, w1, b1, w2, b2, ws } = net;
  for (let j = 0; j < hidden; j++) hiddenScratch[j] = b1[j] as number;
  for (let i = 0; i < inputs; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    const row = i * hidden;
    for (let j = 0; j < hidden; j++) hiddenScratch[j] = (hiddenScratch[j] as number) + xi * (w1[row + j] as number);
  }
  for (let k = 0; k < outputs; k++) out[k] = b2[k] as number;
  for (let j = 0; j < hidden; j++) {
    const hj = hiddenScratch[j] as number;
    if (hj <= 0) continue; // relu
    const row = j * outputs;
    for (let k = 0; k < outputs; k++) out[k] = (out[k] as number) + hj * (w2[row + k] as number);
  }
  for (let i = 0; i < inputs; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    const row = i * outputs;
    for (let k = 0; k < outputs; k++) out[k] = (out[k] as number) + xi * (ws[row + k] as number);
  }
}

/**
 * Glorot-uniform initial weights from a seeded uniform source: U(-a, a), a = sqrt(6 / (fanIn +
 * fanOut)); e.g. 37 -> 32 gives a = sqrt(6 / 69) = 0.29. Drawn in JavaScript (not by a tfjs initializer) so the
 * starting point is identical on every backend. Biases and the linear skip start at zero, so the
 * untrained net predicts about the baseline.
 */
export function initWeights(inputs: number, hidden: number, outputs: number, rand: () => number): MlpWeights {
  const glorot = (fanIn: number, fanOut: number): Float32Array => {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rand() - 1) * a;
    return w;
  };
  return {
    inputs,
    hidden,
    outputs,
    w1: glorot(inputs, hidden),
    b1: new Float32Array(hidden),
    w2: glorot(hidden, outputs),
    b2: new Float32Array(outputs),
    ws: new Float32Array(inputs * outputs),
  };
}
