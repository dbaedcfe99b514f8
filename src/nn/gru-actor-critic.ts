/**
 * A recurrent actor-critic: the observation is encoded by a dense layer, a GRU cell carries a hidden
 * state from step to step within an episode, and linear policy and value heads read that state.
 * Agents that keep memory across time are the ones that can learn to plan over it, or to wait.
 * Acting steps it one observation at a time; training replays whole sequences from their first
 * hidden state and backpropagates through time, an episode start (`starts`) zeroing the state.
 */
import type { Rng } from '../core/rng.js';
import { Dense } from './dense.js';
import { GRUCell } from './gru.js';
import { orthogonal } from './init.js';
import { TrainableModule } from './trainable.js';
import { tfSync, type Tensor } from './tf.js';

export interface RecurrentOutputs {
  /** `[batch, actions]` (one step) or `[T·batch, actions]`, time-major (a sequence). */
  readonly logits: Float32Array;
  readonly values: Float32Array;
}

export class GruActorCritic extends TrainableModule {
  private readonly encoder: Dense;
  private readonly cell: GRUCell;
  private readonly policyHead: Dense;
  private readonly valueHead: Dense;

  constructor(
    readonly inputSize: number,
    readonly actions: number,
    readonly hiddenSize: number,
    rng: Rng,
  ) {
    super();
    this.encoder = this.module('encoder', new Dense({ inputs: inputSize, outputs: hiddenSize, activation: 'relu' }, rng));
    this.cell = this.module('gru', new GRUCell({ inputs: hiddenSize, hidden: hiddenSize }, rng));
    this.policyHead = this.module('policy', new Dense({ inputs: hiddenSize, outputs: actions, init: orthogonal(0.01) }, rng));
    this.valueHead = this.module('value', new Dense({ inputs: hiddenSize, outputs: 1, init: orthogonal(1) }, rng));
  }

  /**
   * One step for `batch` copies: observations `[batch, inputSize]`, hidden states `[batch, hiddenSize]`
   * (updated in place to the next states). Copies whose `starts[i]` is 1 begin from a zero state.
   */
  step(observations: Float32Array, hidden: Float32Array, starts: Uint8Array, batch: number): RecurrentOutputs {
    const tf = tfSync();
    const H = this.hiddenSize;
    for (let i = 0; i < batch; i++) if (starts[i]) hidden.fill(0, i * H, (i + 1) * H);
    const [logits, values, next] = tf.tidy(() => {
      const h = this.cell.forward(this.encoder.forward(tf.tensor2d(observations.subarray(0, batch * this.inputSize), [batch, this.inputSize])), tf.tensor2d(hidden.subarray(0, batch * H), [batch, H]));
      return [this.policyHead.forward(h), this.valueHead.forward(h), h];
    });
    const out = { logits: logits.dataSync() as Float32Array, values: values.dataSync() as Float32Array };
    hidden.set(next.dataSync() as Float32Array);
    tf.dispose([logits, values, next]);
    return out;
  }

  /** Outputs of a sequence, as tensors: T steps of `n` copies, time-major. */
  private unroll(observations: Float32Array, starts: Uint8Array, initial: Float32Array, T: number, n: number): { logits: Tensor[]; values: Tensor[] } {
    const tf = tfSync();
    const D = this.inputSize;
    const H = this.hiddenSize;
    let h: Tensor = tf.tensor2d(initial.subarray(0, n * H), [n, H]);
    const logits: Tensor[] = [];
    const values: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      // keep[i] = 0 where an episode starts at step t: its state restarts from zero.
      const keep = new Float32Array(n);
      for (let i = 0; i < n; i++) keep[i] = starts[t * n + i] ? 0 : 1;
      h = tf.mul(h, tf.tensor2d(keep, [n, 1]));
      const x = tf.tensor2d(observations.subarray(t * n * D, (t + 1) * n * D), [n, D]);
      h = this.cell.forward(this.encoder.forward(x), h);
      logits.push(this.policyHead.forward(h));
      values.push(this.valueHead.forward(h));
    }
    return { logits, values };
  }

  /** Outputs of a whole sequence (see `unroll`), without gradients. */
  sequence(observations: Float32Array, starts: Uint8Array, initial: Float32Array, T: number, n: number): RecurrentOutputs {
    const tf = tfSync();
    const [logits, values] = tf.tidy(() => {
      const out = this.unroll(observations, starts, initial, T, n);
      return [tf.concat(out.logits, 0), tf.concat(out.values, 0)];
    });
    const result = { logits: logits.dataSync() as Float32Array, values: values.dataSync() as Float32Array };
    tf.dispose([logits, values]);
    return result;
  }

  /**
   * Backpropagate d loss / d outputs of a sequence through time (the same arguments as `sequence`),
   * then one Adam step with gradients clipped to `maxGradNorm`. Returns the norm before clipping.
   */
  sequenceBackwardAndStep(
    observations: Float32Array, starts: Uint8Array, initial: Float32Array, T: number, n: number,
    dLogits: Float32Array, dValues: Float32Array, learningRate: number, maxGradNorm: number,
  ): number {
    const tf = tfSync();
    const adam = this.optimizer(maxGradNorm);
    adam.lr = learningRate;
    const gL = tf.tensor2d(dLogits.subarray(0, T * n * this.actions), [T * n, this.actions]);
    const gV = tf.tensor2d(dValues.subarray(0, T * n), [T * n, 1]);
    try {
      // A loss whose gradient with respect to the outputs is exactly (dLogits, dValues).
      const { gradNorm } = adam.step(() => {
        const out = this.unroll(observations, starts, initial, T, n);
        return tf.add(tf.sum(tf.mul(tf.concat(out.logits, 0), gL)), tf.sum(tf.mul(tf.concat(out.values, 0), gV)));
      });
      return gradNorm;
    } finally {
      tf.dispose([gL, gV]);
    }
  }
}
