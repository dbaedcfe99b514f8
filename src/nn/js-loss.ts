/**
 * A loss computed in plain JS from small tensors (logits, values: a few thousand numbers), with
 * its gradient written by hand. A loss like PPO's is ~30 tfjs ops forward and as many backward,
 * each costing 5–15 µs of engine overhead on wasm whatever its size; read out, it is one loop.
 */
import { customOp } from './custom-op.js';
import { tfSync, type Tensor } from './tf.js';

/** The loss and its gradient with respect to each input (same lengths as the inputs). */
export interface JsLossResult {
  readonly loss: number;
  readonly gradients: readonly Float32Array[];
}

/**
 * A scalar tensor whose value and gradient `compute` gives from the inputs' values. The gradient
 * arrays are read when the backward pass runs: `compute` may reuse them from one optimizer step to
 * the next, not between two `jsLoss` calls of the same loss.
 */
export function jsLoss(inputs: readonly Tensor[], compute: (values: readonly Float32Array[]) => JsLossResult): Tensor {
  const tf = tfSync();
  let gradients: readonly Float32Array[] = [];
  return customOp(
    inputs,
    () => {
      const result = compute(inputs.map((t) => t.dataSync() as Float32Array));
      if (result.gradients.length !== inputs.length) {
        throw new Error(`jsLoss: ${inputs.length} inputs but ${result.gradients.length} gradients`);
      }
      result.gradients.forEach((g, i) => {
        if (g.length !== inputs[i].size) throw new Error(`jsLoss: gradient ${i} has ${g.length} values, its input ${inputs[i].size}`);
      });
      gradients = result.gradients;
      return tf.scalar(result.loss);
    },
    (dy) => inputs.map((t, i) => () => tf.mul(tf.tensor(gradients[i], t.shape, 'float32'), dy)),
  );
}

/** log Σ exp(values[offset .. offset + count)), computed stably (the largest term factored out). */
export function logSumExp(values: ArrayLike<number>, offset: number, count: number): number {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, values[offset + i]);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(values[offset + i] - max);
  return max + Math.log(sum);
}

/**
 * The mean of (predicted − target)² over the positions whose mask is 1 (0 where none is), and into
 * `grad` the gradient of `weight` times that mean, for every position of the first `length`.
 */
export function maskedMeanSquare(predicted: Float32Array, target: Float32Array, mask: Float32Array, grad: Float32Array, length: number, weight = 1): number {
  let count = 0;
  for (let i = 0; i < length; i++) count += mask[i];
  let total = 0;
  for (let i = 0; i < length; i++) {
    const error = (predicted[i] - target[i]) * mask[i];
    total += error * error;
    grad[i] = count > 0 ? (weight * 2 * error) / count : 0;
  }
  return count > 0 ? total / count : 0;
}
