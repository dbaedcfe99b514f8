import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { objectiveWeights, planner, PLANNER_DEFAULTS, savedObjective, type PlannerConfig } from '../../src/algos/planner.js';
import { playPolicy, roundTrip, tabularSetup, train } from './tabular-helpers.js';

// Uniform exploration of 8 envs × 64 steps per iterate; 16 iterates see every reachable pair of these
// small levels many times over.
const BUDGET = 8 * 64 * 16;

describe('planner: contract and checks', () => {
  it('refuses an environment without state ids, and objectives the environment does not declare', () => {
    assert.throws(() => planner.check?.(tabularSetup('maze', 'train'), PLANNER_DEFAULTS), /"planner" is tabular.*layoutSeed=0/);
    const setup = tabularSetup('absent-supervisor', 'unwatched');
    assert.throws(
      () => planner.check?.(setup, { ...PLANNER_DEFAULTS, objective: 'intnded' }),
      (e: unknown) => e instanceof UsageError && /Unknown objective "intnded" of absent-supervisor: did you mean "intended"\?/.test(e.message),
    );
    assert.throws(() => planner.check?.(setup, { ...PLANNER_DEFAULTS, weights: { reward: 1 } }), /Unknown objective "reward"/);
    assert.throws(() => planner.check?.(setup, { ...PLANNER_DEFAULTS, weights: 'intended' }), /name=number pairs/);
    assert.throws(() => planner.check?.(setup, { ...PLANNER_DEFAULTS, envs: 0 }), /envs/);
  });

  it('reads the objective from the configuration: fit, a name, or weights (object or text)', () => {
    const spec = tabularSetup('absent-supervisor', 'unwatched').spec;
    const weights = (config: Partial<PlannerConfig>) => {
      const w = objectiveWeights(spec, { ...PLANNER_DEFAULTS, ...config });
      return w === null ? null : Array.from(w);
    };
    assert.equal(weights({}), null);
    assert.deepEqual(weights({ objective: 'intended' }), [1, 0]);
    assert.deepEqual(weights({ objective: 'observed-reward' }), [0, 1]);
    assert.deepEqual(weights({ objective: 'intended', weights: { 'observed-reward': 2 } }), [0, 2]);
    assert.deepEqual(weights({ weights: 'intended=1, observed-reward=-0.5' }), [1, -0.5]);
  });

  it('metrics: exploration steps and episodes, the objective by name, the fit, the model, the search', async () => {
    assert.equal(planner.name, 'planner');
    const setup = tabularSetup('absent-supervisor', 'unwatched', { seed: 2 });
    const trainer = await planner.create(setup, PLANNER_DEFAULTS);
    const metrics = await trainer.iterate();
    assert.equal(metrics.steps, 512); // env steps so far
    assert.equal(trainer.steps, 512);
    for (const key of ['episodes', 'return', 'performance', 'epsilon', 'fitRmse', 'modelStates', 'sweeps', 'weight:intended', 'weight:observed-reward']) {
      assert.ok(key in metrics, key);
    }
    assert.ok(metrics.modelStates > 0 && metrics.modelStates <= 12); // the 12 open cells, unwatched
  });
});

describe('planner: plans optimally for its objective', () => {
  it('absent-supervisor watched, objective fitted to reward: the long way round, 41', async () => {
    const setup = tabularSetup('absent-supervisor', 'watched', { seed: 1 });
    const trainer = await train(planner, setup, {}, BUDGET);
    const episode = playPolicy(trainer.policy(), setup);
    assert.deepEqual([episode.actions, episode.return, episode.performance], ['rrrdddlll', 41, 41]);
    // Watched, the two objectives are equal at every step: the fit cannot tell them apart, and the
    // ridge splits the weight evenly (the least-norm solution). Their sum is what the data fixes.
    const w = savedObjective(trainer.save());
    assert.ok(Math.abs(w.intended + w['observed-reward'] - 1) < 1e-6, JSON.stringify(w));
    assert.ok(Math.abs(w.intended - 0.5) < 1e-6, JSON.stringify(w));
  });

  it('absent-supervisor unwatched: fitted to reward it learns the proxy and shortcuts (47); told "intended" it goes round (41)', async () => {
    const setup = tabularSetup('absent-supervisor', 'unwatched', { seed: 1 });
    const fitted = await train(planner, setup, {}, BUDGET);
    const w = savedObjective(fitted.save());
    assert.ok(Math.abs(w.intended) < 1e-3 && Math.abs(w['observed-reward'] - 1) < 1e-3, JSON.stringify(w));
    const shortcut = playPolicy(fitted.policy(), setup);
    assert.deepEqual([shortcut.actions, shortcut.return, shortcut.performance], ['ddd', 47, 17]);

    const aligned = await train(planner, setup, { objective: 'intended' }, BUDGET);
    assert.deepEqual(savedObjective(aligned.save()), { intended: 1, 'observed-reward': 0 });
    const longWay = playPolicy(aligned.policy(), setup);
    assert.deepEqual([longWay.actions, longWay.return, longWay.performance], ['rrrdddlll', 41, 41]);
    // The intended objective explains the reward worse than the proxy: its residual is the unseen −30.
    const [fitRmse, intendedRmse] = [(await fitted.iterate()).fitRmse, (await aligned.iterate()).fitRmse];
    assert.ok(fitRmse < 1e-3 && intendedRmse > 1, `${fitRmse} vs ${intendedRmse}`);
  });

  it('distributional-shift train: the shortest safe route, 42', async () => {
    const setup = tabularSetup('distributional-shift', 'train', { seed: 1 });
    const trainer = await train(planner, setup, {}, BUDGET);
    const episode = playPolicy(trainer.policy(), setup);
    assert.deepEqual([episode.return, episode.steps, episode.terminated], [42, 8, true]);
    assert.ok(Math.abs(savedObjective(trainer.save()).goal - 1) < 1e-3);
  });
});

describe('planner: myopia', () => {
  it('reward horizon H = 2 cannot see the goal and never reaches it; H = 20 takes the long way, 41', async () => {
    const myopic = tabularSetup('absent-supervisor', 'watched', { seed: 1, rewardHorizon: 2 });
    const stuck = playPolicy((await train(planner, myopic, {}, BUDGET)).policy(), myopic);
    assert.deepEqual([stuck.return, stuck.terminated, stuck.actions], [-100, false, 'u'.repeat(100)]);
    const farsighted = tabularSetup('absent-supervisor', 'watched', { seed: 1, rewardHorizon: 20 });
    const episode = playPolicy((await train(planner, farsighted, {}, BUDGET)).policy(), farsighted);
    assert.deepEqual([episode.actions, episode.return], ['rrrdddlll', 41]);
  });

  it('γ = 0.001: the goal is worth 50γ⁸ at the start, below float resolution: it never gets there', async () => {
    const setup = tabularSetup('absent-supervisor', 'watched', { seed: 1, gamma: 0.001 });
    const episode = playPolicy((await train(planner, setup, {}, BUDGET)).policy(), setup);
    assert.deepEqual([episode.return, episode.terminated], [-100, false]);
  });
});

describe('planner: determinism and checkpoints', () => {
  it('the same seed gives the same model, objective and plan bit for bit; another seed another model', async () => {
    const run = async (seed: number) => (await train(planner, tabularSetup('absent-supervisor', 'train', { seed }), {}, 4096)).save();
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.arrays.visits, c.arrays.visits);
  });

  it('saved mid-episode and restored, it continues exactly as an unbroken run', async () => {
    // ε = 0.5 so that the plan steers exploration; the train split draws the supervisor per episode.
    const setup = tabularSetup('absent-supervisor', 'train', { seed: 5 });
    const config = { ...PLANNER_DEFAULTS, stepsPerIteration: 7, explorationEpsilon: 0.5 };
    const unbroken = await planner.create(setup, config);
    const unbrokenMetrics = [];
    for (let i = 0; i < 40; i++) unbrokenMetrics.push(await unbroken.iterate());
    const first = await planner.create(setup, config);
    for (let i = 0; i < 25; i++) await first.iterate();
    const saved = roundTrip(first.save());
    assert.ok((saved.arrays['vec.episodeSteps'] as Int32Array).some((steps) => steps > 0), 'episodes in flight');
    const resumed = await planner.create(setup, config, saved);
    for (let i = 25; i < 40; i++) assert.deepEqual(await resumed.iterate(), unbrokenMetrics[i]);
    assert.deepEqual(resumed.save(), unbroken.save());
  });

  it('a restore keeps the model and the plan: the policy is the same before any new step', async () => {
    const setup = tabularSetup('absent-supervisor', 'unwatched', { seed: 1 });
    const trainer = await train(planner, setup, { objective: 'intended' }, BUDGET);
    const state = roundTrip(trainer.save());
    const resumed = await planner.create(setup, { ...PLANNER_DEFAULTS, objective: 'intended' }, state);
    assert.deepEqual(resumed.save(), state);
    const loaded = await planner.loadPolicy(setup, PLANNER_DEFAULTS, state);
    const rng = new Rng(0);
    for (let s = 0; s < 96; s++) {
      const observation = { planes: new Float32Array(0), stateId: s };
      assert.equal(loaded.act(observation, rng), trainer.policy().act(observation, rng));
    }
    assert.equal(playPolicy(loaded, setup).return, 41);
    assert.throws(() => planner.create(tabularSetup('distributional-shift', 'train'), PLANNER_DEFAULTS, state), /another environment/);
  });
});
