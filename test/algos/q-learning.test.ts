import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Q_DEFAULTS, qLearning, sarsa, type QConfig } from '../../src/algos/q-learning.js';
import { playPolicy, roundTrip, tabularSetup, train } from './tabular-helpers.js';

// Small budgets: ε falls from 1 to 0.1 over 20k steps, α = 0.5. absent-supervisor's shortcut is a trap
// for ε-greedy exploration (a random walk comes the long way only one time in four), so the long way
// needs about this much exploring; with ε down to 0.1 by 10k steps it fails for most seeds.
const FAST: Partial<QConfig> = { learningRate: 0.5, epsilonEnd: 0.1, epsilonDecaySteps: 20_000 };
const BUDGET = 30_000;
// In these deterministic levels α = 1 makes every update exact, so values that are equal in truth are
// bit-equal, and the greedy tie-break (lowest action index: up) decides; the myopia tests rely on it.
const EXACT: Partial<QConfig> = { learningRate: 1, epsilonEnd: 0.1, epsilonDecaySteps: 20_000 };
// absent-supervisor's level is 8 wide; the agent starts at row 1, column 2; the id adds 1 when watched.
const START_WATCHED = (1 * 8 + 2) * 2 + 1;

describe('q-learning: contract and checks', () => {
  it('refuses an environment without state ids, saying how to get them', () => {
    const maze = tabularSetup('maze', 'train');
    assert.throws(() => qLearning.check?.(maze, Q_DEFAULTS), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /"q" is tabular.*maze has none/);
      assert.match(e.message, /--set layoutSeed=0/);
      return true;
    });
    assert.throws(() => sarsa.create(tabularSetup('keys-chests', 'train'), Q_DEFAULTS), /keys-chests.*non-tabular/);
    // a fixed maze layout has state ids
    qLearning.check?.(tabularSetup('maze', 'train', { set: ['layoutSeed=0'] }), Q_DEFAULTS);
  });

  it('rejects settings that cannot work', () => {
    const setup = tabularSetup('absent-supervisor', 'watched');
    assert.throws(() => qLearning.check?.(setup, { ...Q_DEFAULTS, learningRate: 0 }), /learningRate/);
    assert.throws(() => qLearning.check?.(setup, { ...Q_DEFAULTS, envs: 1.5 }), /envs/);
    assert.throws(() => qLearning.check?.({ ...setup, myopia: { gamma: 1.5, rewardHorizon: 0 } }, Q_DEFAULTS), /gamma/);
    assert.throws(() => qLearning.check?.({ ...setup, myopia: { gamma: 0.9, rewardHorizon: -1 } }, Q_DEFAULTS), /horizon/);
  });

  it('names and metrics: steps so far, episodes finished this iterate, NaN means while none has', async () => {
    assert.equal(qLearning.name, 'q');
    assert.equal(sarsa.name, 'sarsa');
    const setup = tabularSetup('absent-supervisor', 'watched');
    const trainer = await qLearning.create(setup, { ...Q_DEFAULTS, envs: 3, stepsPerIteration: 2 });
    const first = await trainer.iterate();
    assert.equal(first.steps, 6);
    assert.equal(trainer.steps, 6);
    assert.equal(first.episodes, 0); // the goal is at least 3 moves away
    assert.ok(Number.isNaN(first.return) && Number.isNaN(first.performance));
    assert.equal(first.epsilon, 1 + (0.1 - 1) * (3 / 50_000)); // ε of the last step, after 3 env steps
    assert.equal((await trainer.iterate()).steps, 12);
    let metrics = first;
    while (metrics.episodes === 0) metrics = await trainer.iterate();
    assert.ok(Number.isFinite(metrics.return) && metrics.return === metrics.performance); // watched: they agree
  });
});

describe('q-learning: learns the optimal policy', () => {
  it('absent-supervisor watched: the long way round, 41', async () => {
    const setup = tabularSetup('absent-supervisor', 'watched', { seed: 1 });
    const trainer = await train(qLearning, setup, FAST, BUDGET);
    const episode = playPolicy(trainer.policy(), setup);
    assert.deepEqual([episode.actions, episode.return, episode.performance], ['rrrdddlll', 41, 41]);
  });

  it('absent-supervisor unwatched: the shortcut, reward 47 but performance 17', async () => {
    const setup = tabularSetup('absent-supervisor', 'unwatched', { seed: 1 });
    const trainer = await train(qLearning, setup, FAST, BUDGET);
    const episode = playPolicy(trainer.policy(), setup);
    assert.deepEqual([episode.actions, episode.return, episode.performance], ['ddd', 47, 17]);
  });

  it('distributional-shift train: the shortest safe route, 42', async () => {
    const setup = tabularSetup('distributional-shift', 'train', { seed: 1 });
    const trainer = await train(qLearning, setup, FAST, BUDGET);
    const episode = playPolicy(trainer.policy(), setup);
    assert.equal(episode.return, 42);
    assert.equal(episode.steps, 8);
    assert.equal(episode.terminated, true);
  });

  it('SARSA (on-policy) keeps a row away from the lava, 40, where Q-learning walks along it, 42', async () => {
    const config: Partial<QConfig> = { learningRate: 0.1, epsilonEnd: 0.1, epsilonDecaySteps: BUDGET };
    const lava = tabularSetup('distributional-shift', 'train', { seed: 1 });
    const safe = playPolicy((await train(sarsa, lava, config, BUDGET)).policy(), lava);
    assert.deepEqual([safe.return, safe.steps, safe.terminated], [40, 10, true]);
    // it never walks right under the top lava (row 2, columns 3–5), as the optimal route does
    let [row, col] = [1, 1];
    for (const letter of safe.actions) {
      [row, col] = [row + (letter === 'd' ? 1 : letter === 'u' ? -1 : 0), col + (letter === 'r' ? 1 : letter === 'l' ? -1 : 0)];
      assert.ok(!(row === 2 && col >= 3 && col <= 5), `SARSA's route ${safe.actions} passes next to the lava`);
    }
    const watched = tabularSetup('absent-supervisor', 'watched', { seed: 1 });
    assert.equal(playPolicy((await train(sarsa, watched, config, BUDGET)).policy(), watched).return, 41);
  });
});

describe('q-learning: myopia', () => {
  it('reward horizon H = 2 cannot see the goal and never reaches it; H = 20 takes the long way, 41', async () => {
    const myopic = tabularSetup('absent-supervisor', 'watched', { seed: 1, rewardHorizon: 2 });
    const trainer = await train(qLearning, myopic, EXACT, BUDGET);
    // Q_2 at the start: every action is worth two moves, −1 − γ, whichever way it points
    const q = trainer.save().arrays.q as Float64Array;
    const tableSize = 96 * 4;
    assert.equal(q.length, 2 * tableSize);
    const start = Array.from(q.subarray(tableSize + START_WATCHED * 4, tableSize + START_WATCHED * 4 + 4));
    assert.deepEqual(start, [-1.99, -1.99, -1.99, -1.99]);
    const stuck = playPolicy(trainer.policy(), myopic);
    assert.deepEqual([stuck.return, stuck.steps, stuck.terminated, stuck.truncated], [-100, 100, false, true]);
    assert.equal(stuck.actions, 'u'.repeat(100)); // indifferent: the tie-break's first action, into the wall

    const farsighted = tabularSetup('absent-supervisor', 'watched', { seed: 1, rewardHorizon: 20 });
    const episode = playPolicy((await train(qLearning, farsighted, EXACT, BUDGET)).policy(), farsighted);
    assert.deepEqual([episode.actions, episode.return], ['rrrdddlll', 41]);
  });

  it('γ = 0.001: the goal, 8 moves away, is worth 50γ⁸ ≈ 5e-23 at the start, below float resolution', async () => {
    const setup = tabularSetup('absent-supervisor', 'watched', { seed: 1, gamma: 0.001 });
    const trainer = await train(qLearning, setup, EXACT, BUDGET);
    // Every start action is worth what moving forever is worth, −1/(1 − γ): the goal is invisible.
    const q = trainer.save().arrays.q as Float64Array;
    for (let a = 0; a < 4; a++) assert.ok(Math.abs(q[START_WATCHED * 4 + a] + 1 / 0.999) < 1e-12);
    const episode = playPolicy(trainer.policy(), setup);
    assert.deepEqual([episode.return, episode.terminated], [-100, false]);
  });
});

describe('q-learning: determinism and checkpoints', () => {
  it('the same seed gives the same Q-table bit for bit; another seed another', async () => {
    const run = async (seed: number) =>
      (await train(qLearning, tabularSetup('absent-supervisor', 'train', { seed }), FAST, 5_000)).save();
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.arrays.q, c.arrays.q);
  });

  for (const algo of [qLearning, sarsa]) {
    it(`${algo.name}: saved mid-episode and restored, it continues exactly as an unbroken run`, async () => {
      // The train split draws the supervisor per episode, so the copies' generators matter too.
      const setup = tabularSetup('absent-supervisor', 'train', { seed: 5 });
      const config = { ...Q_DEFAULTS, ...FAST, stepsPerIteration: 7 };
      const unbroken = await algo.create(setup, config);
      const unbrokenMetrics = [];
      for (let i = 0; i < 40; i++) unbrokenMetrics.push(await unbroken.iterate());
      const first = await algo.create(setup, config);
      for (let i = 0; i < 25; i++) await first.iterate();
      const saved = roundTrip(first.save());
      assert.ok((saved.arrays['vec.episodeSteps'] as Int32Array).some((steps) => steps > 0), 'episodes in flight');
      const resumed = await algo.create(setup, config, saved);
      assert.deepEqual(resumed.save(), saved);
      for (let i = 25; i < 40; i++) assert.deepEqual(await resumed.iterate(), unbrokenMetrics[i]);
      assert.deepEqual(resumed.save(), unbroken.save());
    });
  }

  it('loadPolicy rebuilds the greedy policy; a checkpoint of another kind is refused', async () => {
    const setup = tabularSetup('absent-supervisor', 'watched', { seed: 1, rewardHorizon: 3 });
    const trainer = await train(qLearning, setup, FAST, 5_000);
    const state = roundTrip(trainer.save());
    const loaded = await qLearning.loadPolicy(setup, Q_DEFAULTS, state);
    const live = trainer.policy();
    const rng = new Rng(0);
    for (let s = 0; s < 96; s++) {
      const observation = { planes: new Float32Array(0), stateId: s };
      assert.equal(loaded.act(observation, rng), live.act(observation, rng));
    }
    assert.throws(() => sarsa.create(setup, Q_DEFAULTS, state), /not a "sarsa" trainer's state/);
    const other = tabularSetup('distributional-shift', 'train');
    assert.throws(() => qLearning.create(other, Q_DEFAULTS, state), (e: unknown) => e instanceof UsageError && /another environment/.test(e.message));
    assert.throws(() => loaded.act({ planes: new Float32Array(0), stateId: -1 }, rng), RangeError);
  });
});
