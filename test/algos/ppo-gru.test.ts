import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { ppoGru, PPO_GRU_DEFAULTS } from '../../src/algos/ppo-gru.js';
import { GruActorCritic } from '../../src/nn/gru-actor-critic.js';
import { loadTf } from '../../src/nn/tf.js';
import { resolveEnvParams } from '../../src/registry.js';
import { evaluateRun } from '../../src/train/evaluate.js';
import { startRun, type RunConfig } from '../../src/train/run.js';
import { expectExactResume, freshDir } from '../support/resume.js';

const base: RunConfig = {
  env: 'absent-supervisor',
  split: 'unwatched',
  set: [],
  algo: 'ppo-gru',
  hyperparameters: { envs: 16, minibatches: 2, updateEpochs: 2, rolloutSteps: 32, learningRate: 0.001 },
  seed: 0,
  steps: 20_000,
  gamma: 0.99,
  rewardHorizon: 0,
};

describe('ppo-gru', () => {
  before(async () => {
    await loadTf();
  });

  it('replays a sequence exactly as it acted: unrolled outputs equal step-by-step ones, episode starts included', () => {
    const rng = new Rng(3);
    const D = 6;
    const A = 3;
    const H = 5;
    const T = 7;
    const n = 3;
    const net = new GruActorCritic(D, A, H, rng);
    const observations = Float32Array.from({ length: T * n * D }, () => rng.float());
    const starts = Uint8Array.from({ length: T * n }, (_, k) => (k < n || rng.float() < 0.2 ? 1 : 0));
    const initial = Float32Array.from({ length: n * H }, () => rng.float() - 0.5);
    const unrolled = net.sequence(observations, starts, initial, T, n);
    const hidden = Float32Array.from(initial);
    for (let t = 0; t < T; t++) {
      const out = net.step(observations.subarray(t * n * D, (t + 1) * n * D), hidden, starts.subarray(t * n, (t + 1) * n), n);
      for (let i = 0; i < n * A; i++) assert.ok(Math.abs(out.logits[i] - unrolled.logits[t * n * A + i]) < 1e-5, `t=${t} logit ${i}`);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(out.values[i] - unrolled.values[t * n + i]) < 1e-5, `t=${t} value ${i}`);
    }
    net.dispose();
  });

  it('learns the unwatched shortcut on absent-supervisor: at least 95% of the optimal 47', async () => {
    const dir = freshDir();
    await startRun(base, { dir });
    const { summary } = await evaluateRun(dir, { episodes: 20 });
    assert.ok(summary.return.mean >= 0.95 * 47, `return ${summary.return.mean}`);
  });

  it('a run stopped and resumed ends bit-for-bit as the unbroken run (weights, Adam, memories, environments)', async () => {
    await expectExactResume({ ...base, split: 'train', steps: 6 * 4 * 8, hyperparameters: { envs: 4, minibatches: 2, updateEpochs: 2, rolloutSteps: 8 } }, 3, 6);
  });

  it('leaks no tensors over 10 iterations', async () => {
    const tf = await loadTf();
    const { spec, params } = resolveEnvParams('maze', { split: 'train', set: ['size=7'] });
    const trainer = await ppoGru.create({ spec, params, split: 'train', seed: 1, myopia: { gamma: 0.99, rewardHorizon: 0 }, budget: 1e6 }, { ...PPO_GRU_DEFAULTS, envs: 4, minibatches: 2, rolloutSteps: 8 });
    for (let i = 0; i < 2; i++) await trainer.iterate();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await trainer.iterate();
    assert.equal(tf.memory().numTensors, before);
    trainer.dispose?.();
  });
});
