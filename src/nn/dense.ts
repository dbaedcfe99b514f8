/** A fully connected layer: `activation(x · weight + bias)`, weight `[inputs, outputs]`. */
import type { Rng } from '../core/rng.js';
import { orthogonal, zeros, type Init } from './init.js';
import { Module } from './module.js';
import { dense, type Activation } from './ops.js';
import type { Tensor, Variable } from './tf.js';

export interface DenseOptions {
  readonly inputs: number;
  readonly outputs: number;
  /** Default 'none'. */
  readonly activation?: Activation;
  /** Weight initialisation; default orthogonal with gain √2 (CleanRL's `layer_init`). */
  readonly init?: Init;
  /** Whether there is a bias (initialised to 0); default true. */
  readonly bias?: boolean;
}

export class Dense extends Module {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: Activation;
  readonly weight: Variable;
  readonly bias: Variable | null;

  constructor(options: DenseOptions, rng: Rng) {
    super();
    this.inputs = options.inputs;
    this.outputs = options.outputs;
    this.activation = options.activation ?? 'none';
    this.weight = this.parameter('weight', [this.inputs, this.outputs], options.init ?? orthogonal(Math.SQRT2), rng);
    this.bias = options.bias === false ? null : this.parameter('bias', [this.outputs], zeros, rng);
  }

  /** `[..., inputs]` → `[..., outputs]`. */
  forward(x: Tensor): Tensor {
    return dense(x, this.weight, this.bias, this.activation);
  }
}
