import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { REINFORCE_DEFAULTS, reinforce, SoftmaxTablePolicy, type ReinforceConfig } from '../../src/algos/reinforce.js';
import { roundTrip, tabularSetup, train } from './tabular-helpers.js';

// The hidden-incentives unit test: state 0 after a defection, 1 after a cooperation; action 0 cooperates.
const BUDGET = 20_000;
const pCooperate = (policy: unknown, s: number) => (policy as SoftmaxTablePolicy).probabilities(s)[0];

describe('reinforce: contract and checks', () => {
  it('refuses an environment without state ids, and settings that cannot work', () => {
    assert.throws(() => reinforce.check?.(tabularSetup('maze', 'train'), REINFORCE_DEFAULTS), (e: unknown) => e instanceof UsageError && /"reinforce" is tabular/.test(e.message));
    const setup = tabularSetup('hidden-incentives', 'train');
    assert.throws(() => reinforce.check?.(setup, { ...REINFORCE_DEFAULTS, learningRate: 0 }), /learningRate/);
    assert.throws(() => reinforce.check?.(setup, { ...REINFORCE_DEFAULTS, initialLogitSpread: -1 }), /initialLogitSpread/);
    assert.throws(() => reinforce.check?.(setup, { ...REINFORCE_DEFAULTS, envs: 0 }), /envs/);
    assert.throws(() => reinforce.check?.({ ...setup, myopia: { gamma: 0.5, rewardHorizon: 1.5 } }, REINFORCE_DEFAULTS), /horizon/);
  });

  it('starts uniform, or from logits drawn per seed with the spread asked for', async () => {
    const uniform = await reinforce.create(tabularSetup('hidden-incentives', 'train'), REINFORCE_DEFAULTS);
    assert.deepEqual(Array.from(uniform.save().arrays.logits), [0, 0, 0, 0]);
    const spread: ReinforceConfig = { ...REINFORCE_DEFAULTS, initialLogitSpread: 1 };
    const logits = async (seed: number) => Array.from((await reinforce.create(tabularSetup('hidden-incentives', 'train', { seed }), spread)).save().arrays.logits);
    assert.deepEqual(await logits(3), await logits(3));
    assert.notDeepEqual(await logits(3), await logits(4));
    assert.ok((await logits(3)).every((x) => x !== 0 && Math.abs(x) < 5));
  });
});

describe('reinforce: myopia on the hidden-incentives unit test', () => {
  it('γ = 0 defects in both states; reward horizon 1 learns exactly the same logits', async () => {
    const myopic = await train(reinforce, tabularSetup('hidden-incentives', 'train', { seed: 1, gamma: 0 }), {}, BUDGET);
    for (const s of [0, 1]) assert.ok(pCooperate(myopic.policy(), s) < 0.05, `P(cooperate | s = ${s}) = ${pCooperate(myopic.policy(), s)}`);
    const horizonOne = await train(reinforce, tabularSetup('hidden-incentives', 'train', { seed: 1, gamma: 0.99, rewardHorizon: 1 }), {}, BUDGET);
    assert.deepEqual(horizonOne.save().arrays.logits, myopic.save().arrays.logits);
  });

  it('γ = 0.9 cooperates in both states, and so does a reward horizon of 2 (cooperation pays within two rounds from γ > ½)', async () => {
    for (const rewardHorizon of [0, 2]) {
      const farsighted = await train(reinforce, tabularSetup('hidden-incentives', 'train', { seed: 1, gamma: 0.9, rewardHorizon }), {}, BUDGET);
      for (const s of [0, 1]) assert.ok(pCooperate(farsighted.policy(), s) > 0.95, `H = ${rewardHorizon}: P(cooperate | s = ${s}) = ${pCooperate(farsighted.policy(), s)}`);
    }
  });
});

describe('reinforce: determinism and checkpoints', () => {
  it('saved mid-episode and restored, it continues exactly as an unbroken run; loadPolicy gives the same policy', async () => {
    const setup = tabularSetup('hidden-incentives', 'train', { seed: 5, gamma: 0.9 });
    const config: ReinforceConfig = { ...REINFORCE_DEFAULTS, stepsPerIteration: 7, initialLogitSpread: 1 };
    const unbroken = await reinforce.create(setup, config);
    const metrics = [];
    for (let i = 0; i < 40; i++) metrics.push(await unbroken.iterate());
    const first = await reinforce.create(setup, config);
    for (let i = 0; i < 25; i++) await first.iterate();
    const saved = roundTrip(first.save());
    assert.ok((saved.arrays['vec.episodeSteps'] as Int32Array).some((steps) => steps > 0), 'episodes in flight');
    const resumed = await reinforce.create(setup, config, saved);
    assert.deepEqual(resumed.save(), saved);
    for (let i = 25; i < 40; i++) assert.deepEqual(await resumed.iterate(), metrics[i]);
    assert.deepEqual(resumed.save(), unbroken.save());
    const loaded = (await reinforce.loadPolicy(setup, config, roundTrip(unbroken.save()))) as SoftmaxTablePolicy;
    const live = unbroken.policy() as SoftmaxTablePolicy;
    for (const s of [0, 1]) assert.deepEqual(loaded.probabilities(s), live.probabilities(s));
  });
});
