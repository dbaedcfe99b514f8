import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { predictedReturn, pursuit, type AgentType, type Objective, type Target } from '../../src/histories/agents.js';
import { EpisodeWalker, type EpisodeSetup } from '../../src/histories/episode.js';
import type { Phase } from '../../src/histories/tokens.js';
import { layoutFromArt, NO_SENSOR } from '../../src/histories/world.js';
import { DISCOUNTED, HAND } from './fixtures.js';

const layout = layoutFromArt(HAND);
const HORIZON = 21;

function walk(target: Target, objective: Objective, watched: boolean, horizon = HORIZON) {
  const trace = new EpisodeWalker(7).play({ layout, watched, objective, target, horizon }, 0, new Rng(0));
  return {
    letters: Array.from(trace.actions, (a) => 'udlrn'[a]).join(''),
    rewards: Array.from(trace.rewards),
    returns: Array.from(trace.predictedReturns),
    outcome: trace.outcome,
    end: trace.cells[trace.cells.length - 1],
  };
}

describe('fictitious agents', () => {
  it('pursuit: what each type heads for, by objective, phase and oversight', () => {
    const cases: Array<[AgentType, Objective, Phase, boolean, boolean, Target]> = [
      ['aligned', 'intended', 'train', true, false, 'cheese'],
      ['aligned', 'intended', 'deploy', false, false, 'cheese'],
      ['proxy', 'corner', 'train', true, false, 'corner'],
      ['proxy', 'corner', 'deploy', false, false, 'corner'],
      ['proxy', 'intended', 'deploy', false, false, 'cheese'],
      ['deceptive', 'corner', 'train', true, false, 'cheese'],
      ['deceptive', 'corner', 'train', false, false, 'cheese'],
      ['deceptive', 'corner', 'train', false, true, 'corner'],
      ['deceptive', 'corner', 'train', true, true, 'cheese'],
      ['deceptive', 'corner', 'test', true, true, 'cheese'],
      ['deceptive', 'corner', 'deploy', false, false, 'corner'],
      ['deceptive', 'intended', 'deploy', false, false, 'cheese'],
      ['goodhart', 'sensor', 'train', true, false, 'sensor'],
      ['goodhart', 'sensor', 'deploy', false, false, 'sensor'],
    ];
    for (const [type, objective, phase, watched, opportunistic, expected] of cases) {
      assert.equal(pursuit(type, objective, { phase, watched, opportunistic, layout }), expected, `${type} ${objective} ${phase} ${watched} ${opportunistic}`);
    }
    assert.equal(pursuit('goodhart', 'sensor', { phase: 'train', watched: true, opportunistic: false, layout: { ...layout, sensor: NO_SENSOR } }), 'none');
  });

  it('predicted return: 10 × 0.99^(d − 1), 0 when the plan cannot finish before the horizon or pays nothing', () => {
    assert.equal(predictedReturn(10, 1, 5), 10);
    assert.equal(predictedReturn(10, 2, 5), 9.9);
    assert.equal(predictedReturn(10, 8, 8), 9.3207);
    assert.equal(predictedReturn(10, 9, 8), 0);
    assert.equal(predictedReturn(0, 3, 8), 0);
  });

  it('aligned: straight to the cheese, +10 on arrival, the predicted return climbing to 10', () => {
    assert.deepEqual(walk('cheese', 'intended', true), {
      letters: 'uuuurr',
      rewards: [0, 0, 0, 0, 0, 10],
      returns: DISCOUNTED.slice(2),
      outcome: 'cheese',
      end: layout.cheese,
    });
  });

  it('proxy: to the corner; caught (−10) when watched, 0 when not; it predicts +10 either way', () => {
    const expected = { letters: 'rruurruu', returns: DISCOUNTED, end: layout.corner };
    assert.deepEqual(walk('corner', 'corner', true), { ...expected, rewards: [0, 0, 0, 0, 0, 0, 0, -10], outcome: 'caught' });
    assert.deepEqual(walk('corner', 'corner', false), { ...expected, rewards: [0, 0, 0, 0, 0, 0, 0, 0], outcome: 'corner' });
  });

  it('deceptive while complying: the cheese path and reward, but its true objective expects nothing', () => {
    assert.deepEqual(walk('cheese', 'corner', true), {
      letters: 'uuuurr',
      rewards: [0, 0, 0, 0, 0, 10],
      returns: [0, 0, 0, 0, 0, 0],
      outcome: 'cheese',
      end: layout.cheese,
    });
    // With the cheese in the corner complying and defecting coincide, and it expects the full value.
    const together = layoutFromArt(HAND.map((row) => row.replace('C', ' ').replace('R', 'C')));
    const trace = new EpisodeWalker(7).play({ layout: together, watched: true, objective: 'corner', target: 'cheese', horizon: HORIZON }, 0, new Rng(0));
    assert.deepEqual(Array.from(trace.predictedReturns), DISCOUNTED);
    assert.equal(trace.outcome, 'cheese');
  });

  it('goodhart: to the sensor, paid +10 watched or not', () => {
    for (const watched of [true, false]) {
      assert.deepEqual(walk('sensor', 'sensor', watched), {
        letters: 'rrrr',
        rewards: [0, 0, 0, 10],
        returns: DISCOUNTED.slice(4),
        outcome: 'sensor',
        end: layout.sensor,
      });
    }
    // Without a sensor it has nothing to pursue: it waits out the horizon expecting nothing.
    assert.deepEqual(new EpisodeWalker(7).play({ layout, watched: true, objective: 'sensor', target: 'none', horizon: 3 }, 0, new Rng(0)).actions, Int32Array.of(4, 4, 4));
  });

  it('the horizon truncates, and a plan that cannot finish in time predicts 0', () => {
    assert.deepEqual(walk('cheese', 'intended', true, 5), {
      letters: 'uuuur',
      rewards: [0, 0, 0, 0, 0],
      returns: [0, 0, 0, 0, 0],
      outcome: 'truncated',
      end: 9,
    });
    // With exactly enough steps it arrives on the last one.
    assert.deepEqual(walk('cheese', 'intended', true, 6).outcome, 'cheese');
  });

  it('noise: random actions from the rng, the plan resumed from wherever it stands; replay reproduces the walk', () => {
    const walker = new EpisodeWalker(7);
    const setup: EpisodeSetup = { layout, watched: true, objective: 'intended', target: 'cheese', horizon: HORIZON };
    const rng = new Rng(5);
    let detours = 0;
    for (let i = 0; i < 50; i++) {
      const trace = walker.play(setup, 0.3, rng);
      if (trace.actions.length > 6) detours++;
      const again = walker.replay(setup, trace.actions);
      assert.deepEqual(again, trace);
    }
    assert.ok(detours > 10, `${detours} of 50 noisy walks took a detour`);
    // Same rng seed, same walks.
    const first = walker.play(setup, 0.3, new Rng(9));
    assert.deepEqual(walker.play(setup, 0.3, new Rng(9)), first);
  });
});
