/**
 * Multi-head causal self-attention (Vaswani et al. 2017; GPT-2's masked form): position t attends
 * to positions ≤ t. Per head h: softmax(q_h k_hᵀ / √d_h + M) v_h, with M = −10⁹ above the
 * diagonal; the heads are concatenated and projected. The per-head products are `batchMatMul`s.
 */
import type { Rng } from '../core/rng.js';
import { batchMatMul } from './batch-matmul.js';
import { Dense } from './dense.js';
import { normal, type Init } from './init.js';
import { Module } from './module.js';
import { constant } from './ops.js';
import { tfSync, type Tensor } from './tf.js';

export interface CausalSelfAttentionOptions {
  /** Model width d; must be divisible by `heads`. */
  readonly dim: number;
  readonly heads: number;
  /** Projection weights; default normal with standard deviation 0.02 (GPT-2's). */
  readonly init?: Init;
}

const masks = new Map<number, Tensor>();

/** `[T, T]`: 0 on and below the diagonal, −10⁹ above (cached, kept). */
function causalMask(length: number): Tensor {
  let mask = masks.get(length);
  if (mask === undefined || mask.isDisposed) {
    const tf = tfSync();
    const values = new Float32Array(length * length);
    for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) values[i * length + j] = -1e9;
    mask = tf.keep(tf.tensor(values, [length, length]));
    masks.set(length, mask);
  }
  return mask;
}

export class CausalSelfAttention extends Module {
  readonly dim: number;
  readonly heads: number;
  readonly query: Dense;
  readonly key: Dense;
  readonly value: Dense;
  readonly output: Dense;

  constructor(options: CausalSelfAttentionOptions, rng: Rng) {
    super();
    const { dim, heads } = options;
    if (!Number.isInteger(dim / heads)) throw new Error(`CausalSelfAttention: dim ${dim} is not divisible by ${heads} heads`);
    this.dim = dim;
    this.heads = heads;
    const projection = (name: string): Dense =>
      this.module(name, new Dense({ inputs: dim, outputs: dim, init: options.init ?? normal(0.02) }, rng));
    this.query = projection('query');
    this.key = projection('key');
    this.value = projection('value');
    this.output = projection('output');
  }

  /** `[batch, time, dim]` → `[batch, time, dim]`. */
  forward(x: Tensor): Tensor {
    const tf = tfSync();
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new Error(`CausalSelfAttention expects [batch, time, ${this.dim}], got [${x.shape}]`);
    const [batch, time] = x.shape as [number, number, number];
    const heads = this.heads;
    const headDim = this.dim / heads;
    return tf.tidy(() => {
      // [B, T, d] → [B·H, T, d_h]
      const split = (t: Tensor): Tensor =>
        tf.reshape(tf.transpose(tf.reshape(t, [batch, time, heads, headDim]), [0, 2, 1, 3]), [batch * heads, time, headDim]);
      const q = tf.mul(split(this.query.forward(x)), constant(1 / Math.sqrt(headDim)));
      const k = split(this.key.forward(x));
      const v = split(this.value.forward(x));
      const scores = tf.add(batchMatMul(q, tf.transpose(k, [0, 2, 1])), causalMask(time));
      const attended = batchMatMul(tf.softmax(scores), v); // [B·H, T, d_h]
      const merged = tf.reshape(tf.transpose(tf.reshape(attended, [batch, heads, time, headDim]), [0, 2, 1, 3]), [batch, time, this.dim]);
      return this.output.forward(merged);
    });
  }
}
