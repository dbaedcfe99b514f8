/** Long runs keep memory flat: no tensor leaks from layers, custom ops or the optimizer. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { Adam } from '../../src/nn/adam.js';
import { CausalSelfAttention } from '../../src/nn/attention.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { Dense } from '../../src/nn/dense.js';
import { OneHotEmbedding } from '../../src/nn/embedding.js';
import { GRUCell } from '../../src/nn/gru.js';
import { LayerNorm } from '../../src/nn/layer-norm.js';
import { MLP } from '../../src/nn/mlp.js';
import { Module } from '../../src/nn/module.js';
import { loadTf, type Tensor, type Tf } from '../../src/nn/tf.js';

let tf: Tf;
before(async () => {
  tf = await loadTf();
});

class ActorCritic extends Module {
  readonly actor: MLP;
  readonly critic: MLP;
  constructor(rng: Rng) {
    super();
    this.actor = this.module('actor', new MLP({ sizes: [20, 32, 32, 4], outputGain: 0.01 }, rng));
    this.critic = this.module('critic', new MLP({ sizes: [20, 32, 32, 1] }, rng));
  }
}

describe('memory', () => {
  it('stays flat over 300 Adam steps of an actor-critic with a PPO-style loss and metrics', () => {
    const rng = new Rng(1);
    const net = new ActorCritic(rng);
    const adam = new Adam(net, { lr: 1e-3, eps: 1e-5, maxGradNorm: 0.5 });
    const n = 64;
    const step = () => {
      const obs = tf.tensor(Float32Array.from({ length: n * 20 }, () => rng.float()), [n, 20]);
      const actions = tf.tensor(Int32Array.from({ length: n }, () => rng.int(4)), [n], 'int32');
      const advantages = tf.tensor(Float32Array.from({ length: n }, () => rng.float() - 0.5));
      const oldLogProbs = tf.tensor(Float32Array.from({ length: n }, () => -Math.log(4) + 0.1 * rng.float()));
      const result = adam.step(() => {
        const logProbs = tf.logSoftmax(net.actor.forward(obs));
        const taken = tf.sum(tf.mul(logProbs, tf.cast(tf.oneHot(actions, 4), 'float32')), 1);
        const ratio = tf.exp(tf.sub(taken, oldLogProbs));
        const policyLoss = tf.neg(tf.mean(tf.minimum(tf.mul(ratio, advantages), tf.mul(tf.clipByValue(ratio, 0.8, 1.2), advantages))));
        const values = tf.reshape(net.critic.forward(obs), [n]);
        const valueLoss = tf.mean(tf.square(tf.sub(values, advantages)));
        return { loss: tf.add(policyLoss, valueLoss), metrics: { valueLoss, entropy: tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1))) } };
      });
      tf.dispose([obs, actions, advantages, oldLogProbs]);
      return result;
    };
    for (let i = 0; i < 10; i++) step(); // warm-up: cached constants (ones rows, scalars)
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 300; i++) step();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(tf.memory().numBytes, bytes);
    net.dispose();
  });

  it('no layer leaks: forward passes, with and without a tape, leave only their output', () => {
    const rng = new Rng(2);
    const cases: Array<[string, Module, () => Tensor]> = [];
    const dense = new Dense({ inputs: 6, outputs: 5, activation: 'relu' }, rng);
    const x6 = tf.ones([3, 6]);
    cases.push(['Dense', dense, () => dense.forward(x6)]);
    const mlp = new MLP({ sizes: [6, 8, 2] }, rng);
    cases.push(['MLP', mlp, () => mlp.forward(x6)]);
    const conv = new Conv2d({ inChannels: 2, outChannels: 4, stride: 2, activation: 'relu' }, rng);
    const image = tf.ones([2, 2, 5, 5]);
    cases.push(['Conv2d', conv, () => conv.forward(image)]);
    const embed = new OneHotEmbedding({ vocabulary: 7, dim: 8 }, rng);
    const tokens = tf.tensor([[1, 2, 3]], [1, 3], 'int32');
    cases.push(['OneHotEmbedding', embed, () => embed.forward(tokens)]);
    const norm = new LayerNorm({ dim: 8 }, rng);
    const x8 = tf.ones([2, 3, 8]);
    cases.push(['LayerNorm', norm, () => norm.forward(x8)]);
    const attention = new CausalSelfAttention({ dim: 8, heads: 2 }, rng);
    cases.push(['CausalSelfAttention', attention, () => attention.forward(x8)]);
    const gru = new GRUCell({ inputs: 6, hidden: 4 }, rng);
    const h = tf.zeros([3, 4]);
    cases.push(['GRUCell', gru, () => gru.forward(x6, h)]);

    const gradients = (module: Module, forward: () => Tensor) => {
      const { value, grads } = tf.variableGrads(() => tf.sum(forward()), module.parameters());
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (const [name, module, forward] of cases) {
      gradients(module, forward); // warm-up: cached constants (scalars, rows of ones, masks)
      const before = tf.memory().numTensors;
      forward().dispose();
      assert.equal(tf.memory().numTensors, before, `${name} forward leaked`);
      gradients(module, forward);
      assert.equal(tf.memory().numTensors, before, `${name} gradient leaked`);
      module.dispose();
    }
    tf.dispose([x6, image, tokens, x8, h]);
  });

  it('stays flat over 50 Adam steps of a small CNN', () => {
    const rng = new Rng(3);
    class Cnn extends Module {
      readonly conv1 = this.module('conv1', new Conv2d({ inChannels: 3, outChannels: 8, activation: 'relu', layout: 'NHWC' }, rng));
      readonly conv2 = this.module('conv2', new Conv2d({ inChannels: 8, outChannels: 8, stride: 2, activation: 'relu', layout: 'NHWC' }, rng));
      readonly head = this.module('head', new Dense({ inputs: 3 * 3 * 8, outputs: 2 }, rng));
      forward(x: Tensor): Tensor {
        return tf.tidy(() => {
          const h = this.conv2.forward(this.conv1.forward(tf.transpose(x, [0, 2, 3, 1])));
          return this.head.forward(tf.reshape(h, [x.shape[0], -1]));
        });
      }
    }
    const cnn = new Cnn();
    const adam = new Adam(cnn, { lr: 1e-3 });
    const x = tf.randomUniform([4, 3, 5, 5], 0, 1, 'float32', 1);
    const step = () => adam.step(() => tf.mean(tf.square(cnn.forward(x))));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) step();
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    cnn.dispose();
  });
});
