/**
 * A decoder-only transformer body (GPT-2's pre-norm arrangement, Radford et al. 2019): each block is
 * x ← x + attention(LN(x)); x ← x + MLP(LN(x)), with a ReLU MLP of width 4d, and a final layer norm.
 * The output projections of attention and MLP start at standard deviation 0.02 / √(2·layers), GPT-2's
 * scaling for the residual stream. Token embeddings and heads are the caller's.
 */
import type { Rng } from '../core/rng.js';
import { CausalSelfAttention } from './attention.js';
import { Dense } from './dense.js';
import { normal } from './init.js';
import { LayerNorm } from './layer-norm.js';
import { Module } from './module.js';
import { tfSync, type Tensor } from './tf.js';

export interface TransformerOptions {
  readonly dim: number;
  readonly heads: number;
  readonly layers: number;
  /** MLP width as a multiple of `dim`; default 4. */
  readonly mlpRatio?: number;
}

export class TransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attention: CausalSelfAttention;
  readonly norm2: LayerNorm;
  readonly expand: Dense;
  readonly contract: Dense;

  constructor(options: TransformerOptions, rng: Rng) {
    super();
    const { dim } = options;
    const hidden = dim * (options.mlpRatio ?? 4);
    this.norm1 = this.module('norm1', new LayerNorm({ dim }, rng));
    this.attention = this.module('attention', new CausalSelfAttention({ dim, heads: options.heads }, rng));
    this.norm2 = this.module('norm2', new LayerNorm({ dim }, rng));
    this.expand = this.module('expand', new Dense({ inputs: dim, outputs: hidden, activation: 'relu', init: normal(0.02) }, rng));
    this.contract = this.module(
      'contract',
      new Dense({ inputs: hidden, outputs: dim, init: normal(0.02 / Math.sqrt(2 * options.layers)) }, rng),
    );
  }

  /** `[batch, time, dim]` → `[batch, time, dim]`. */
  forward(x: Tensor): Tensor {
    const tf = tfSync();
    return tf.tidy(() => {
      const attended = tf.add(x, this.attention.forward(this.norm1.forward(x)));
      return tf.add(attended, this.contract.forward(this.expand.forward(this.norm2.forward(attended))));
    });
  }
}

export class Transformer extends Module {
  readonly blocks: readonly TransformerBlock[];
  readonly finalNorm: LayerNorm;

  constructor(options: TransformerOptions, rng: Rng) {
    super();
    if (!Number.isInteger(options.layers) || options.layers < 1) throw new Error(`Transformer: layers must be a positive integer, got ${options.layers}`);
    const blocks: TransformerBlock[] = [];
    for (let i = 0; i < options.layers; i++) blocks.push(this.module(String(i), new TransformerBlock(options, rng)));
    this.blocks = blocks;
    this.finalNorm = this.module('finalNorm', new LayerNorm({ dim: options.dim }, rng));
  }

  /** `[batch, time, dim]` → `[batch, time, dim]`, each position attending to itself and those before. */
  forward(x: Tensor): Tensor {
    const tf = tfSync();
    return tf.tidy(() => {
      let h = x;
      for (const block of this.blocks) h = block.forward(h);
      return this.finalNorm.forward(h);
    });
  }
}
