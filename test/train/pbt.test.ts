import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { qLearning, Q_DEFAULTS } from '../../src/algos/q-learning.js';
import { trainInMemory } from '../../src/train/in-memory.js';
import { copyLearned, populationBasedTraining } from '../../src/train/pbt.js';
import type { RunConfig } from '../../src/train/run.js';
import { tabularSetup } from '../algos/tabular-helpers.js';

const myopicQ: RunConfig = {
  env: 'hidden-incentives', split: 'train', set: [], algo: 'q', hyperparameters: { envs: 2, stepsPerIteration: 20 }, seed: 3, steps: 2_000, gamma: 0, rewardHorizon: 0,
};

describe('population-based training: settings', () => {
  it('refuses settings that cannot work, saying what they take', async () => {
    const rng = new Rng(0);
    await assert.rejects(populationBasedTraining(myopicQ, rng, { population: 1 }), (e: unknown) => e instanceof UsageError && /population of at least 2/.test(e.message));
    await assert.rejects(populationBasedTraining(myopicQ, rng, { interval: 0 }), /interval/);
    await assert.rejects(populationBasedTraining(myopicQ, rng, { truncation: 0.6 }), /truncation share must lie in \[0, 0\.5\]/);
    await assert.rejects(populationBasedTraining(myopicQ, rng, { explore: ['learningRates'] }), /"learningRates" is not one \(numeric: learningRate, /);
    await assert.rejects(populationBasedTraining(myopicQ, rng, { initial: { learningRate: [0, 1] } }), /0 < low ≤ high/);
  });
});

describe('population-based training: exploit and explore', () => {
  it('the exploit step takes what the other learner learned (its Q-table) and keeps its own world (environment copies, generator)', async () => {
    const setup = (seed: number) => tabularSetup('hidden-incentives', 'train', { seed, gamma: 0 });
    const a = await qLearning.create(setup(1), Q_DEFAULTS);
    const b = await qLearning.create(setup(2), Q_DEFAULTS);
    for (let i = 0; i < 3; i++) {
      await a.iterate();
      await b.iterate();
    }
    const [own, theirs] = [a.save(), b.save()];
    const copied = copyLearned(own, theirs);
    assert.deepEqual(copied.arrays.q, theirs.arrays.q);
    assert.notEqual(copied.arrays.q, theirs.arrays.q, 'a copy, not the same array');
    for (const key of Object.keys(own.arrays).filter((k) => k.startsWith('vec.'))) assert.equal(copied.arrays[key], own.arrays[key]);
    assert.equal(copied.json, own.json);
    // and a trainer restores from it
    const restored = await qLearning.create(setup(1), Q_DEFAULTS, copied);
    assert.deepEqual(restored.save().arrays.q, theirs.arrays.q);
  });

  it('truncation 0 is the plain population: each learner exactly as if trained alone with seed + i', async () => {
    const { members, rounds } = await populationBasedTraining(myopicQ, new Rng(0), { population: 3, truncation: 0 });
    assert.ok(rounds.every((r) => r.copies.length === 0));
    for (let i = 0; i < 3; i++) {
      const alone = await trainInMemory({ ...myopicQ, seed: myopicQ.seed + i });
      assert.deepEqual(members[i].trainer.save(), alone.save());
    }
  });

  it('each round the bottom share copies from the top share, with the learning rate × 0.8 or × 1.2; seeded, so repeatable', async () => {
    const settings = { population: 10, interval: 1, truncation: 0.2 };
    const result = await populationBasedTraining(myopicQ, new Rng(9), settings);
    const learningRate = Array.from({ length: 10 }, () => Q_DEFAULTS.learningRate);
    let copies = 0;
    for (const round of result.rounds.slice(0, -1)) {
      assert.equal(round.copies.length, 2);
      const order = [...round.scores.keys()].sort((x, y) => round.scores[x] - round.scores[y]);
      for (const { from, to, hyperparameters } of round.copies) {
        assert.ok(round.scores[from] >= round.scores[order[7]] && round.scores[to] <= round.scores[order[2]], 'from the top two to the bottom two');
        const ratio = (hyperparameters.learningRate as number) / learningRate[from];
        assert.ok(Math.abs(ratio - 0.8) < 1e-12 || Math.abs(ratio - 1.2) < 1e-12, `ratio ${ratio}`);
        learningRate[to] = hyperparameters.learningRate as number;
        copies++;
      }
    }
    assert.equal(result.rounds.at(-1)!.copies.length, 0, 'no exploit once the budget is spent');
    assert.deepEqual(result.members.map((m) => m.config.hyperparameters.learningRate), learningRate);
    assert.equal(result.members.reduce((n, m) => n + m.copies, 0), copies);
    const again = await populationBasedTraining(myopicQ, new Rng(9), settings);
    assert.deepEqual(again.rounds, result.rounds);
  });

  it('starting hyperparameters are drawn log-uniformly from the ranges given, the same for the same generator', async () => {
    const draw = async () => (await populationBasedTraining({ ...myopicQ, steps: 40 }, new Rng(4), { truncation: 0, initial: { learningRate: [0.01, 1] } })).members.map((m) => m.config.hyperparameters.learningRate as number);
    const rates = await draw();
    assert.ok(rates.every((r) => r >= 0.01 && r <= 1));
    assert.equal(new Set(rates).size, rates.length);
    assert.deepEqual(await draw(), rates);
  });
});
