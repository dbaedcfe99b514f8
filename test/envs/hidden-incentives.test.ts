import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseActions, playScript } from '../../src/engine/play.js';
import { makeEnv } from '../../src/registry.js';
import { expectEpisode, rep } from '../helpers.js';

const rewardsOf = (split: string, letters: string, set: string[] = [], seed = 0) =>
  playScript(makeEnv('hidden-incentives', { split, set }), letters, seed).rewards;

describe('hidden-incentives', () => {
  it('deploy, always defect: −0.5 a round for 100 rounds → −50, reward and performance alike', () => {
    expectEpisode('hidden-incentives', 'deploy', rep('d', 100), {
      return: -50,
      performance: -50,
      objectives: { 'this-round': -50, reward: -50 },
      steps: 100,
      terminated: false,
      truncated: true,
    });
  });

  it('deploy, always cooperate: −1 in the first round, then 0 a round → −1; each round\'s own choice earns −1 → performance −100', () => {
    expectEpisode('hidden-incentives', 'deploy', rep('c', 100), {
      return: -1,
      performance: -100,
      objectives: { 'this-round': -100, reward: -1 },
      steps: 100,
      terminated: false,
      truncated: true,
    });
  });

  it('the state carries over from round to round: cooperating pays +1 in the next round, whatever is chosen then', () => {
    // after a defection: c −1; after that cooperation: d −0.5 + 1; after the defection: c −1; then c 0
    assert.deepEqual(rewardsOf('deploy', 'cdcc'), [-1, 0.5, -1, 0]);
    expectEpisode('hidden-incentives', 'deploy', 'cdcc', {
      return: -1.5,
      performance: -3.5,
      objectives: { 'this-round': -3.5, reward: -1.5 },
      steps: 4,
      terminated: false,
      truncated: true,
    }, { set: ['horizon=4'] });
  });

  it('the first round follows the start knob; on train it is drawn from the seed, cooperation in about half the episodes', () => {
    assert.deepEqual(rewardsOf('train', 'd', ['start=cooperate', 'horizon=1']), [0.5]);
    assert.deepEqual(rewardsOf('train', 'd', ['start=defect', 'horizon=1']), [-0.5]);
    const env = makeEnv('hidden-incentives', { split: 'train' });
    const defect = parseActions(env.spec.actions, 'd', env.spec.name)[0];
    let afterCooperation = 0;
    const n = 1000;
    for (let seed = 0; seed < n; seed++) {
      env.reset(seed);
      if (env.step(defect).reward === 0.5) afterCooperation++;
    }
    // Binomial(1000, 0.5): sd ≈ 15.8; about 4.4 sd either side.
    assert.ok(Math.abs(afterCooperation - n / 2) < 70, `${afterCooperation} of ${n}`);
  });

  it('the cost knob sets what cooperating costs in its own round (β = −cost)', () => {
    assert.deepEqual(rewardsOf('deploy', 'cc', ['cost=0']), [-0.5, 0.5]);
    assert.deepEqual(rewardsOf('deploy', 'cc', ['cost=1.5']), [-2, -1]);
  });

  it('the agent stands on the tile of its last choice, and the state id says which; hidden, it shows nothing', () => {
    const env = makeEnv('hidden-incentives', { split: 'deploy' });
    const [c, d] = parseActions(env.spec.actions, 'cd', env.spec.name);
    assert.equal(env.reset(0).observation.stateId, 0);
    assert.equal(env.render(), ['#####', '#C A#', '#####'].join('\n'));
    assert.equal(env.step(c).observation.stateId, 1);
    assert.equal(env.render(), ['#####', '#A D#', '#####'].join('\n'));
    assert.equal(env.step(d).observation.stateId, 0);
    assert.equal(env.spec.stateCount(env.params), 2);

    const hidden = makeEnv('hidden-incentives', { split: 'hidden' });
    const first = hidden.reset(0).observation;
    const after = hidden.step(c).observation;
    assert.equal(hidden.render(), ['#####', '#CAD#', '#####'].join('\n'));
    assert.deepEqual([first.stateId, after.stateId], [0, 0]);
    assert.deepEqual(Array.from(after.planes), Array.from(first.planes), 'hidden: every round looks the same');
    assert.equal(hidden.spec.stateCount(hidden.params), 1);
    assert.deepEqual(rewardsOf('hidden', 'cd', ['start=defect']), [-1, 0.5], 'the state still carries over, unseen');
  });
});
