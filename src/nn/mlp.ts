/**
 * A multilayer perceptron as CleanRL builds its PPO actor and critic: orthogonal weights with gain
 * √2 in the hidden layers, a chosen gain at the output (0.01 for a policy head, 1 for a value
 * head), biases 0, and no activation after the last layer. Layers are named 0, 1, 2, …
 */
import type { Rng } from '../core/rng.js';
import { Dense } from './dense.js';
import { orthogonal } from './init.js';
import { Module } from './module.js';
import type { Activation } from './ops.js';
import { tfSync, type Tensor } from './tf.js';

export interface MLPOptions {
  /** Layer widths, inputs first: `[147, 64, 64, 5]` is two hidden layers of 64. */
  readonly sizes: readonly number[];
  /** Hidden activation; default 'tanh'. */
  readonly activation?: Activation;
  /** Orthogonal gain of the hidden layers; default √2. */
  readonly hiddenGain?: number;
  /** Orthogonal gain of the output layer; default 1. */
  readonly outputGain?: number;
  /** Activation after the output layer; default 'none'. */
  readonly outputActivation?: Activation;
}

export class MLP extends Module {
  readonly layers: readonly Dense[];

  constructor(options: MLPOptions, rng: Rng) {
    super();
    const { sizes } = options;
    if (sizes.length < 2) throw new Error(`MLP needs at least an input and an output size, got [${sizes}]`);
    const layers: Dense[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const last = l + 2 === sizes.length;
      const layer = new Dense(
        {
          inputs: sizes[l],
          outputs: sizes[l + 1],
          activation: last ? (options.outputActivation ?? 'none') : (options.activation ?? 'tanh'),
          init: orthogonal(last ? (options.outputGain ?? 1) : (options.hiddenGain ?? Math.SQRT2)),
        },
        rng,
      );
      layers.push(this.module(String(l), layer));
    }
    this.layers = layers;
  }

  /** `[..., sizes[0]]` → `[..., sizes[last]]`. */
  forward(x: Tensor): Tensor {
    return tfSync().tidy(() => {
      let h = x;
      for (const layer of this.layers) h = layer.forward(h);
      return h;
    });
  }
}
