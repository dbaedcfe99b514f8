/**
 * The gain-of-function testbed's throughput, one thread:
 * {"bench": "history-model-train", "size": "small" | "default", "tokens_per_s": …}: training tokens
 * (batch × context per step) per second of the history model on generated histories;
 * {"bench": "histories-generate", "histories_per_s": …}: the fictitious-history generator;
 * {"bench": "dt-ppo-train", "env": "vault", "steps_per_s": …}: environment steps per second of a whole
 * dt-ppo run from scratch at the small size (acting with two forward passes per step, and updates).
 * Each figure is the best of three timed rounds after a warm-up.
 */
import { dtPpo, DT_PPO_DEFAULTS } from '../src/algos/dt-ppo.js';
import { Rng } from '../src/core/rng.js';
import { generateHistories, tokenize } from '../src/histories/index.js';
import { loadTf } from '../src/nn/tf.js';
import { DEFAULT_SEQUENCE_CONFIG, SequenceTrainer, SMALL_SEQUENCE_CONFIG } from '../src/sequence/trainer.js';
import { setupFor } from '../src/train/run.js';

const MIX = 'aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1';

function best(rounds: number, round: () => number): number {
  round();
  let top = 0;
  for (let r = 0; r < rounds; r++) top = Math.max(top, round());
  return top;
}

export async function benchSequence(): Promise<void> {
  await loadTf();
  const histories = best(3, () => {
    const started = performance.now();
    generateHistories({ agents: MIX, histories: 500 }, new Rng(1));
    return 500 / ((performance.now() - started) / 1000);
  });
  console.log(JSON.stringify({ bench: 'histories-generate', histories_per_s: Math.round(histories) }));
  const sequences = generateHistories({ agents: MIX, histories: 200 }, new Rng(2)).map(tokenize);
  for (const [size, config] of [['small', SMALL_SEQUENCE_CONFIG], ['default', DEFAULT_SEQUENCE_CONFIG]] as const) {
    const trainer = new SequenceTrainer(config, sequences);
    const steps = size === 'small' ? 20 : 4;
    const rate = best(3, () => {
      const started = performance.now();
      for (let i = 0; i < steps; i++) trainer.step();
      return (steps * config.batch * config.context) / ((performance.now() - started) / 1000);
    });
    trainer.dispose();
    console.log(JSON.stringify({ bench: 'history-model-train', size, dim: config.dim, layers: config.layers, context: config.context, tokens_per_s: Math.round(rate) }));
  }
  const { setup } = setupFor({ env: 'vault', split: 'train', set: [], algo: 'dt-ppo', hyperparameters: {}, seed: 0, steps: 1e9, gamma: 0.99, rewardHorizon: 0 });
  const trainer = await dtPpo.create(setup, DT_PPO_DEFAULTS);
  const rate = best(3, () => {
    const before = trainer.steps;
    const started = performance.now();
    for (let i = 0; i < 3; i++) trainer.iterate();
    return (trainer.steps - before) / ((performance.now() - started) / 1000);
  });
  trainer.dispose?.();
  console.log(JSON.stringify({ bench: 'dt-ppo-train', env: 'vault', size: 'small', steps_per_s: Math.round(rate) }));
}
