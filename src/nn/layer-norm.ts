/**
 * Layer normalisation over the last dimension (Ba, Kiros & Hinton 2016):
 * y = (x − μ) / √(σ² + ε) · gain + bias, with the gradient written out:
 * dx = (1/σ̂) · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), where ĝ = dy ⊙ gain and x̂ the normalised input.
 */
import type { Rng } from '../core/rng.js';
import { customOp } from './custom-op.js';
import { ones, zeros } from './init.js';
import { Module } from './module.js';
import { constant } from './ops.js';
import { tfSync, type Tensor, type Variable } from './tf.js';

export interface LayerNormOptions {
  readonly dim: number;
  /** Default 1e-5 (PyTorch's). */
  readonly eps?: number;
}

/** Layer normalisation of `x` `[..., dim]` with `gain` and `bias` `[dim]`. */
export function layerNorm(x: Tensor, gain: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const tf = tfSync();
  const dim = x.shape[x.rank - 1];
  if (gain.size !== dim || bias.size !== dim) throw new Error(`layerNorm: input has ${dim} features, gain/bias ${gain.size}/${bias.size}`);
  return customOp(
    [x, gain, bias],
    (save) => {
      const x2 = tf.reshape(x, [-1, dim]);
      const centred = tf.sub(x2, tf.mean(x2, 1, true));
      const inverseStd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), constant(eps)));
      const normalised = tf.mul(centred, inverseStd);
      save([normalised, inverseStd, gain]);
      return tf.reshape(tf.add(tf.mul(normalised, gain), bias), x.shape);
    },
    (dy, [normalised, inverseStd, g]) => {
      const dy2 = tf.reshape(dy, normalised.shape);
      return [
        () => {
          const dNormalised = tf.mul(dy2, g);
          const meanD = tf.mean(dNormalised, 1, true);
          const meanDX = tf.mean(tf.mul(dNormalised, normalised), 1, true);
          return tf.reshape(tf.mul(inverseStd, tf.sub(tf.sub(dNormalised, meanD), tf.mul(normalised, meanDX))), x.shape);
        },
        () => tf.sum(tf.mul(dy2, normalised), 0),
        () => tf.sum(dy2, 0),
      ];
    },
  );
}

export class LayerNorm extends Module {
  readonly dim: number;
  readonly eps: number;
  readonly weight: Variable;
  readonly bias: Variable;

  constructor(options: LayerNormOptions, rng: Rng) {
    super();
    this.dim = options.dim;
    this.eps = options.eps ?? 1e-5;
    this.weight = this.parameter('weight', [this.dim], ones, rng);
    this.bias = this.parameter('bias', [this.dim], zeros, rng);
  }

  /** `[..., dim]` → `[..., dim]`. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
