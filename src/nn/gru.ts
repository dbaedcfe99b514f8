/**
 * A gated recurrent unit cell (Cho et al. 2014), with PyTorch's equations, gate order (r, z, n)
 * and initialisation U(−1/√H, 1/√H):
 *   r = σ(x W_ir + b_ir + h W_hr + b_hr)      z = σ(x W_iz + b_iz + h W_hz + b_hz)
 *   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))      h' = (1 − z) ⊙ n + z ⊙ h
 * Weights are `[inputs, 3H]` and `[H, 3H]` (PyTorch's transposed).
 */
import type { Rng } from '../core/rng.js';
import { uniform, type Init } from './init.js';
import { Module } from './module.js';
import { linear, tanh } from './ops.js';
import { tfSync, type Tensor, type Variable } from './tf.js';

export interface GRUCellOptions {
  readonly inputs: number;
  readonly hidden: number;
  /** Default uniform(1/√hidden) for every parameter, as PyTorch. */
  readonly init?: Init;
}

export class GRUCell extends Module {
  readonly inputs: number;
  readonly hidden: number;
  readonly weightIH: Variable;
  readonly weightHH: Variable;
  readonly biasIH: Variable;
  readonly biasHH: Variable;

  constructor(options: GRUCellOptions, rng: Rng) {
    super();
    this.inputs = options.inputs;
    this.hidden = options.hidden;
    const init = options.init ?? uniform(1 / Math.sqrt(this.hidden));
    const gates = 3 * this.hidden;
    this.weightIH = this.parameter('weight_ih', [this.inputs, gates], init, rng);
    this.weightHH = this.parameter('weight_hh', [this.hidden, gates], init, rng);
    this.biasIH = this.parameter('bias_ih', [gates], init, rng);
    this.biasHH = this.parameter('bias_hh', [gates], init, rng);
  }

  /** One step: input `[batch, inputs]` and state `[batch, hidden]` → next state `[batch, hidden]`. */
  forward(x: Tensor, h: Tensor): Tensor {
    const tf = tfSync();
    return tf.tidy(() => {
      const [ir, iz, inn] = tf.split(linear(x, this.weightIH, this.biasIH), 3, 1);
      const [hr, hz, hn] = tf.split(linear(h, this.weightHH, this.biasHH), 3, 1);
      const r = tf.sigmoid(tf.add(ir, hr));
      const z = tf.sigmoid(tf.add(iz, hz));
      const n = tanh(tf.add(inn, tf.mul(r, hn)));
      return tf.add(n, tf.mul(z, tf.sub(h, n)));
    });
  }

  /** A zero state for `batch` sequences. */
  initialState(batch: number): Tensor {
    return tfSync().zeros([batch, this.hidden]);
  }
}
