/**
 * A convolutional actor-critic over one-hot grid planes: a shared torso of two 3×3 convolutions
 * (16 channels, then 32 at stride 2, ReLU), a dense layer, and linear policy and value heads
 * (orthogonal gains 0.01 and 1, as CleanRL's Atari PPO). Behind the same `ActorCriticNetwork` face
 * as the MLP: the optimizer hands it d loss / d outputs and it backpropagates them. It runs
 * channels-last between its layers and transposes the `[batch, C, H, W]` planes once on the way in.
 */
import type { Rng } from '../core/rng.js';
import type { ActorCriticNetwork, NetworkOutputs } from './actor-critic.js';
import { Conv2d, convOutputSize } from './conv2d.js';
import { Dense } from './dense.js';
import { orthogonal } from './init.js';
import { TrainableModule } from './trainable.js';
import { tfSync, type Tensor } from './tf.js';

export interface PlanesShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export class CnnActorCritic extends TrainableModule implements ActorCriticNetwork {
  readonly inputSize: number;
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly torso: Dense;
  private readonly policyHead: Dense;
  private readonly valueHead: Dense;
  /** The observations of the last forward, for the backward pass. */
  private last: { observations: Float32Array; batch: number } | undefined;

  constructor(
    private readonly shape: PlanesShape,
    readonly actions: number,
    hidden: number,
    rng: Rng,
  ) {
    super();
    this.inputSize = shape.channels * shape.height * shape.width;
    this.conv1 = this.module('conv1', new Conv2d({ inChannels: shape.channels, outChannels: 16, stride: 1, activation: 'relu', layout: 'NHWC' }, rng));
    this.conv2 = this.module('conv2', new Conv2d({ inChannels: 16, outChannels: 32, stride: 2, activation: 'relu', layout: 'NHWC' }, rng));
    const flat = 32 * convOutputSize(shape.height, 2) * convOutputSize(shape.width, 2);
    this.torso = this.module('torso', new Dense({ inputs: flat, outputs: hidden, activation: 'relu' }, rng));
    this.policyHead = this.module('policy', new Dense({ inputs: hidden, outputs: actions, init: orthogonal(0.01) }, rng));
    this.valueHead = this.module('value', new Dense({ inputs: hidden, outputs: 1, init: orthogonal(1) }, rng));
  }

  /** Logits `[batch, actions]` and values `[batch, 1]` as tensors (inside a tape or a tidy). */
  private outputs(observations: Float32Array, batch: number): { logits: Tensor; values: Tensor } {
    const tf = tfSync();
    const { channels, height, width } = this.shape;
    const planes = tf.tensor4d(observations.subarray(0, batch * this.inputSize), [batch, channels, height, width]);
    const x = tf.transpose(planes, [0, 2, 3, 1]);
    const h1 = this.conv1.forward(x);
    const h2 = this.conv2.forward(h1);
    const features = this.torso.forward(tf.reshape(h2, [batch, -1]));
    return { logits: this.policyHead.forward(features), values: this.valueHead.forward(features) };
  }

  forward(observations: Float32Array, batch: number): NetworkOutputs {
    const tf = tfSync();
    this.last = { observations: observations.slice(0, batch * this.inputSize), batch };
    const { logits, values } = tf.tidy(() => this.outputs(observations, batch));
    const out = { logits: logits.dataSync() as Float32Array, values: values.dataSync() as Float32Array };
    tf.dispose([logits, values]);
    return out;
  }

  backwardAndStep(dLogits: Float32Array, dValues: Float32Array, learningRate: number, maxGradNorm: number): number {
    const tf = tfSync();
    const last = this.last;
    if (!last) throw new Error('backwardAndStep() needs a forward() first');
    const adam = this.optimizer(maxGradNorm);
    adam.lr = learningRate;
    const { batch } = last;
    const gL = tf.tensor2d(dLogits.subarray(0, batch * this.actions), [batch, this.actions]);
    const gV = tf.tensor2d(dValues.subarray(0, batch), [batch, 1]);
    try {
      // A loss whose gradient with respect to the outputs is exactly (dLogits, dValues).
      const { gradNorm } = adam.step(() => {
        const { logits, values } = this.outputs(last.observations, batch);
        return tf.add(tf.sum(tf.mul(logits, gL)), tf.sum(tf.mul(values, gV)));
      });
      return gradNorm;
    } finally {
      tf.dispose([gL, gV]);
    }
  }
}
