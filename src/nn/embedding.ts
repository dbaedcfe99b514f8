/**
 * A token embedding as one-hot × table. tfjs's `gather` has no gradient on the wasm backend (its
 * gradient needs `UnsortedSegmentSum`, which wasm does not register), and for small vocabularies
 * the matrix product is cheap.
 */
import type { Rng } from '../core/rng.js';
import { normal, type Init } from './init.js';
import { Module } from './module.js';
import { matMul } from './ops.js';
import { tfSync, type Tensor, type Variable } from './tf.js';

export interface OneHotEmbeddingOptions {
  readonly vocabulary: number;
  readonly dim: number;
  /** Default normal with standard deviation 0.02 (GPT-2's). */
  readonly init?: Init;
}

export class OneHotEmbedding extends Module {
  readonly vocabulary: number;
  readonly dim: number;
  /** `[vocabulary, dim]`. */
  readonly weight: Variable;

  constructor(options: OneHotEmbeddingOptions, rng: Rng) {
    super();
    this.vocabulary = options.vocabulary;
    this.dim = options.dim;
    this.weight = this.parameter('weight', [this.vocabulary, this.dim], options.init ?? normal(0.02), rng);
  }

  /** Integer token ids of any shape (int32, each in [0, vocabulary)) → `[...shape, dim]`. */
  forward(tokens: Tensor): Tensor {
    const tf = tfSync();
    if (tokens.dtype !== 'int32') throw new Error(`OneHotEmbedding expects int32 token ids, got ${tokens.dtype}`);
    return tf.tidy(() => {
      // Not tf.oneHot(…, 'float32'): on wasm (tfjs 4.22) that writes the int32 bits of 1 into floats.
      const oneHot = tf.cast(tf.oneHot(tf.reshape(tokens, [-1]), this.vocabulary), 'float32');
      return tf.reshape(matMul(oneHot, this.weight), [...tokens.shape, this.dim]);
    });
  }
}
